"""Loading policy packs: YAML in, a validated ``Pack`` out, or errors naming file, line and field.

A pack lives in ``<packs dir>/<id>/pack.yaml``. A pack may say ``extends: <id>``: the base is
loaded (and validated) first, then the pack is deep-merged over it — mappings merge key by key,
lists and scalars replace — and the merged result is validated again as a whole. ``id``,
``version``, ``effective_from`` and ``description`` are never inherited.

Line numbers come from the YAML node tree: every mapping key and list item records where it was
written, and the merge keeps, for each path, the file that last set it. A pydantic error's
``loc`` is then looked up by its longest recorded prefix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kangfu.policy.schema import Pack

PACK_FILE = "pack.yaml"
# The holiday table an administrator extends each year lives beside pack.yaml, under this name.
HOLIDAYS_FILE = "holidays.yaml"
NEVER_INHERITED = ("id", "version", "effective_from", "description")

Loc = tuple[str | int, ...]
Mark = tuple[str, int]  # (file, 1-based line)


@dataclass(frozen=True)
class PackIssue:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class PackError(Exception):
    """A pack failed to load; ``issues`` says where and why, one line each."""

    def __init__(self, issues: list[PackIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class PackNotFound(LookupError):
    pass


@dataclass
class _Doc:
    data: dict[str, Any]
    marks: dict[Loc, Mark]


_DEFAULT_ROOT = str(Path(__file__).resolve().parents[2] / "policy_packs")


def _root() -> str:
    """``packs_dir`` as text, without building a path: ``get_pack`` runs once per case a
    batch plans (50,000 times in a province's import)."""
    try:
        from django.conf import settings

        configured = getattr(settings, "KANGFU_POLICY_PACKS_DIR", None)
    except Exception:  # noqa: BLE001 - no Django settings: the engine must still work standalone
        configured = None
    if configured:
        return str(configured)
    return os.environ.get("KANGFU_POLICY_PACKS_DIR") or _DEFAULT_ROOT


def packs_dir() -> Path:
    """Where packs live: the ``KANGFU_POLICY_PACKS_DIR`` setting, else ``<repo>/policy_packs``."""
    return Path(_root())


def available_packs() -> list[str]:
    """Ids of the packs in the packs directory, sorted."""
    root = packs_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / PACK_FILE).is_file())


def get_pack(pack_id: str) -> Pack:
    """The validated pack ``pack_id`` from the packs directory (cached; packs are immutable)."""
    return _get_pack(pack_id, _root())


@lru_cache(maxsize=32)
def _get_pack(pack_id: str, root: str) -> Pack:
    path = Path(root) / pack_id / PACK_FILE
    if "/" in pack_id or pack_id.startswith(".") or not path.is_file():
        known = ", ".join(available_packs()) or "none"
        raise PackNotFound(f"no policy pack {pack_id!r} (available: {known})")
    pack = load_pack(path)
    if pack.id != pack_id:
        raise PackError([PackIssue(str(path), 1, "id", f"must be {pack_id!r}, its folder name")])
    return pack


get_pack.cache_clear = _get_pack.cache_clear  # type: ignore[attr-defined]


def load_pack(path: Path | str) -> Pack:
    """Load and validate one pack file (or a folder holding ``pack.yaml``)."""
    path = Path(path)
    if path.is_dir():
        path = path / PACK_FILE
    doc = _resolve(path, seen=())
    return _validate(doc, str(path))


def _validate(doc: _Doc, file: str) -> Pack:
    try:
        return Pack.model_validate(doc.data)
    except ValidationError as exc:
        raise PackError([_issue(err, doc.marks, file) for err in exc.errors()]) from None


def _issue(err: Any, marks: dict[Loc, Mark], file: str) -> PackIssue:
    loc: Loc = tuple(err["loc"]) + tuple((err.get("ctx") or {}).get("path", ()))
    mark = None
    for n in range(len(loc), -1, -1):
        mark = marks.get(loc[:n])
        if mark:
            break
    where_file, line = mark if mark else (file, None)
    # pydantic adds a "[key]" step when a dict key itself is wrong; say so in words instead.
    message = err["msg"].removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":
        loc, message = loc[:-1], f"key {loc[-2]!r}: {message}"
    field = ".".join(str(part) for part in loc) or "(pack)"
    return PackIssue(where_file, line, field, message)


def _resolve(path: Path, seen: tuple[Path, ...]) -> _Doc:
    """Read ``path`` and, if it extends another pack, merge it over the validated base."""
    doc = _read(path)
    _attach_holidays(doc, path)
    base_id = doc.data.get("extends")
    if base_id is None:
        return doc
    file = str(path)
    line = doc.marks.get(("extends",), (file, 1))[1]
    if not isinstance(base_id, str):
        raise PackError([PackIssue(file, line, "extends", "must be a pack id")])
    inherited = [key for key in NEVER_INHERITED if key not in doc.data]
    if inherited:
        raise PackError(
            [
                PackIssue(file, 1, key, "must be set in a pack that extends another")
                for key in inherited
            ]
        )
    base_path = _find_base(base_id, path)
    if base_path is None:
        raise PackError([PackIssue(file, line, "extends", f"no pack {base_id!r} found")])
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise PackError([PackIssue(file, line, "extends", f"{base_id!r} extends itself")])
    base = _resolve(base_path, (*seen, path.resolve()))
    _validate(base, str(base_path))  # a broken base is reported against its own file
    return _merge(base, doc)


def _attach_holidays(doc: _Doc, path: Path) -> None:
    """Put the folder's ``holidays.yaml`` under the ``holidays`` key, keeping its line marks.

    It is a separate file so that adding next year's table is a small, reviewable change that
    touches no rule. Through ``extends`` a pack inherits its base's years and may add its own.
    """
    file = str(path)
    if "holidays" in doc.data:
        line = doc.marks.get(("holidays",), (file, 1))[1]
        raise PackError(
            [PackIssue(file, line, "holidays", f"belongs in {HOLIDAYS_FILE} beside {PACK_FILE}")]
        )
    holidays_path = path.parent / HOLIDAYS_FILE
    if not holidays_path.is_file():
        return
    table = _read(holidays_path)
    doc.data["holidays"] = table.data
    for loc, mark in table.marks.items():
        doc.marks[("holidays", *loc)] = mark


def _find_base(base_id: str, near: Path) -> Path | None:
    if "/" in base_id or base_id.startswith("."):
        return None
    for root in (near.resolve().parent.parent, packs_dir()):
        candidate = root / base_id / PACK_FILE
        if candidate.is_file():
            return candidate
    return None


def _read(path: Path) -> _Doc:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError([PackIssue(file, None, "(file)", f"cannot read: {exc}")]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PackError([PackIssue(file, None, "(pack)", "the file is empty")])
        marks: dict[Loc, Mark] = {}
        _walk(loader, node, (), file, marks)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        raise PackError([PackIssue(file, line, "(yaml)", problem)]) from None
    except yaml.YAMLError as exc:
        raise PackError([PackIssue(file, None, "(yaml)", str(exc))]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise PackError([PackIssue(file, 1, "(pack)", "the top level must be a mapping")])
    return _Doc(data, marks)


def _walk(loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, file: str, marks: dict) -> None:
    """Record where every key and list item was written; refuse duplicate keys."""
    marks.setdefault(loc, (file, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                # PyYAML silently keeps the last one; in a legal rule set that hides mistakes.
                field = ".".join(str(p) for p in (*loc, key))
                raise PackError([PackIssue(file, line, field, "duplicate key")])
            seen.add(key)
            marks[(*loc, key)] = (file, line)
            _walk(loader, value_node, (*loc, key), file, marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            marks[(*loc, index)] = (file, item.start_mark.line + 1)
            _walk(loader, item, (*loc, index), file, marks)


def _merge(base: _Doc, over: _Doc) -> _Doc:
    data = _deep_merge(base.data, over.data)
    # A base mark survives unless the overlay replaced it or something above it wholesale.
    replaced = {p for p in over.marks if p and not isinstance(_get(over.data, p), dict)}
    marks = {
        p: m
        for p, m in base.marks.items()
        if not any(p[:i] in replaced for i in range(1, len(p) + 1))
    }
    marks.update(over.marks)
    return _Doc(data, marks)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _get(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data
