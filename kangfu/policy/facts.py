"""The facts an assessment rests on, and their strict JSON form (DOMAIN.md, the contract).

Parsing is strict on purpose: an unknown field is probably a misspelt one whose fact would
silently count as false, and a wrong category is a wrong intrusion into someone's life. Only
``as_of`` is required; a missing flag means "not established" and defaults to false/null.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

from kangfu.policy.choices import CannotBeHeld, Category, MeasureKind

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FactsError(ValueError):
    """Invalid facts; ``field`` names the offending field (``None`` for the document)."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True, kw_only=True)
class Facts:
    as_of: date
    current_category: Category | None = None
    active_measure: MeasureKind | None = None
    refuses_or_serious_breach: bool = False
    cannot_be_held: CannotBeHeld | None = None
    mental_disorder: bool = False
    incident_or_threat: bool = False
    other_high_reason: str | None = None
    pregnant_or_nursing: bool = False
    medical_leave_from_isolation: bool = False
    community_corrections: bool = False
    released_from_prison_on: date | None = None
    released_from_isolation_on: date | None = None
    community_recovery_ordered: bool = False
    other_medium_reason: str | None = None

    def __post_init__(self) -> None:
        # A release in the future is a data-entry error, not a recent release.
        for name in ("released_from_prison_on", "released_from_isolation_on"):
            day = getattr(self, name)
            if day is not None and day > self.as_of:
                raise FactsError(name, f"{day.isoformat()} is after as_of ({self.as_of})")

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form: every field, dates as YYYY-MM-DD, enums as their values."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, StrEnum):
                value = value.value
            out[f.name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


_ENUMS: dict[str, type[StrEnum]] = {
    "current_category": Category,
    "active_measure": MeasureKind,
    "cannot_be_held": CannotBeHeld,
}
_DATES = ("released_from_prison_on", "released_from_isolation_on")
_TEXTS = ("other_high_reason", "other_medium_reason")
FIELD_NAMES = tuple(f.name for f in fields(Facts))


def facts_from_dict(data: Any) -> Facts:
    """Build ``Facts`` from decoded JSON, refusing unknown fields, bad dates and wrong types."""
    if not isinstance(data, dict):
        raise FactsError(None, "the facts must be a JSON object")
    unknown = sorted(set(data) - set(FIELD_NAMES))
    if unknown:
        allowed = ", ".join(FIELD_NAMES)
        raise FactsError(unknown[0], f"unknown field (allowed: {allowed})")
    if "as_of" not in data:
        raise FactsError("as_of", "is required")
    values: dict[str, Any] = {"as_of": _date("as_of", data["as_of"], optional=False)}
    for name, raw in data.items():
        if name == "as_of":
            continue
        if name in _ENUMS:
            values[name] = _enum(name, raw, _ENUMS[name])
        elif name in _DATES:
            values[name] = _date(name, raw, optional=True)
        elif name in _TEXTS:
            if raw is not None and not isinstance(raw, str):
                raise FactsError(name, f"must be a string or null, not {_json_type(raw)}")
            values[name] = raw
        else:
            # JSON true/false only: 0, 1, "false" or null are refused rather than guessed at.
            if not isinstance(raw, bool):
                raise FactsError(name, f"must be true or false, not {_json_type(raw)}")
            values[name] = raw
    return Facts(**values)


def facts_from_json(text: str | bytes) -> Facts:
    """Parse the facts JSON document (see DOMAIN.md). Raises ``FactsError`` naming the field."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except FactsError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise FactsError(None, f"not valid JSON: {exc}") from None
    return facts_from_dict(data)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise FactsError(key, "appears twice")
        seen[key] = value
    return seen


def _date(name: str, raw: Any, *, optional: bool) -> date | None:
    if raw is None and optional:
        return None
    if not isinstance(raw, str):
        raise FactsError(name, f"must be a date string YYYY-MM-DD, not {_json_type(raw)}")
    if not _DATE.fullmatch(raw):
        raise FactsError(name, f"must be a date YYYY-MM-DD, not {raw[:40]!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FactsError(name, f"{raw!r} is not a real calendar date") from None


def _enum(name: str, raw: Any, enum: type[StrEnum]) -> Any:
    if raw is None:
        return None
    allowed = " | ".join(e.value for e in enum) + " | null"
    if not isinstance(raw, str):
        raise FactsError(name, f"must be one of {allowed}, not {_json_type(raw)}")
    try:
        return enum(raw)
    except ValueError:
        raise FactsError(name, f"must be one of {allowed}, not {raw[:40]!r}") from None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    return "an object"
