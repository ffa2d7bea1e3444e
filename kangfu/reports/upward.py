"""Aggregate-only upward reporting: a province instance's signed package of suppressed
figures, and its verification and import on a national instance (docs/reports.md).

The package is JSON: ``{"body": {...}, "signature": ..., "public_key": ...}``. ``body``
holds the sender (code, name), the month, the threshold, the figure keys and one entry per
node of the sender's tree down to county level, each with its *shown* values ("12", "<5",
"*") from the same suppressed tables as the dashboards and exports: no person-level data,
no raw small count. ``signature`` is Ed25519 over the canonical form of ``body`` (sorted
keys, no spaces, UTF-8). Verification never trusts the key in the file: it takes the
sender's key from this instance's own signing key (when it is the sender) or from a
``TrustedSender`` row, and then checks the contents strictly.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction, Level
from kangfu.access.models import Jurisdiction
from kangfu.reports import selectors
from kangfu.reports.figures import BY_KEY, KEYS, RATES
from kangfu.reports.models import ReceivedFigures, TrustedSender

FORMAT = "kangfu-upward/1"
LEVELS_SENT = (Level.PROVINCE, Level.CITY, Level.COUNTY)
SHOWN = re.compile(r"^(\d+|<\d+|\*|—)$")
RATE_SHOWN = re.compile(r"^(\d+\.\d%|\*|—)$")
BODY_FIELDS = {"format", "sender", "month", "produced_at", "threshold", "figures", "nodes"}
NODE_FIELDS = {"code", "name", "level", "parent", "values", "rates"}


class PackageError(Exception):
    """The package is altered, from an unknown sender, or malformed: never loaded."""


@dataclass(frozen=True)
class Verified:
    body: dict
    sender: TrustedSender | None
    sha256: str


def canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _private_key() -> Ed25519PrivateKey:
    raw = settings.KANGFU_REPORTS_SIGNING_KEY
    if not raw:
        raise PackageError(
            "KANGFU_REPORTS_SIGNING_KEY is not set: this instance cannot sign upward packages"
        )
    try:
        seed = base64.b64decode(raw, validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError as exc:
        raise PackageError(
            "KANGFU_REPORTS_SIGNING_KEY must be 32 bytes of base64 (an Ed25519 private key)"
        ) from exc


def public_key_b64(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode()


def own_public_key() -> str | None:
    try:
        return public_key_b64(_private_key())
    except PackageError:
        return None


def keygen() -> tuple[str, str]:
    """(private, public), both base64: a fresh signing key for an instance."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(seed).decode(), public_key_b64(private)


def _province() -> Jurisdiction:
    provinces = list(Jurisdiction.objects.filter(level=Level.PROVINCE)[:2])
    if len(provinces) != 1:
        raise PackageError(
            "an upward package is made by a province instance: this database holds "
            f"{len(provinces)} province nodes"
        )
    return provinces[0]


def _node_entry(row: selectors.Row, parent: str) -> dict:
    return {
        "code": row.node.code,
        "name": row.node.name,
        "level": row.node.level,
        "parent": parent,
        "values": {key: row.cells[key].shown for key in KEYS},
        "rates": dict(row.rates),
    }


def package_build(*, month: dt.date) -> dict:
    """The signed package of the province's suppressed figures for ``month``."""
    province = _province()
    period = selectors.period_of("month", month)
    if not period.days:
        raise PackageError(f"no statistics have been built for {month:%Y-%m}")
    # One suppression over province, cities and counties together (townships stay home).
    tree = selectors.figures_tree(province, period, down_to=Level.COUNTY)
    top = tree.table(province)
    nodes = [_node_entry(top.total, province.parent.code if province.parent else "")]
    pending = [province]
    while pending:
        parent = pending.pop(0)
        for child in tree.children.get(parent.pk, []):
            nodes.append(_node_entry(tree.rows[child.pk], parent.code))
            pending.append(child)
    body = {
        "format": FORMAT,
        "sender": {"code": province.code, "name": province.name},
        "month": month.strftime("%Y-%m"),
        "produced_at": timezone.now().isoformat(timespec="seconds"),
        "threshold": top.threshold,
        "figures": list(KEYS),
        "nodes": nodes,
    }
    private = _private_key()
    return {
        "body": body,
        "signature": base64.b64encode(private.sign(canonical(body))).decode(),
        "public_key": public_key_b64(private),
    }


def _fail(message: str) -> None:
    raise PackageError(message)


def _check_contents(body: dict) -> None:
    if set(body) != BODY_FIELDS:
        _fail(f"body: unexpected fields {sorted(set(body) ^ BODY_FIELDS)}")
    if body["format"] != FORMAT:
        _fail(f"format: {body['format']!r} is not {FORMAT}")
    if not re.fullmatch(r"\d{4}-\d{2}", str(body["month"])):
        _fail(f"month: {body['month']!r} is not YYYY-MM")
    if body["figures"] != list(KEYS):
        _fail("figures: the list of figures differs from this instance's")
    rate_keys = {r.key for r in RATES}
    seen: dict[str, dict] = {}
    for index, node in enumerate(body["nodes"]):
        where = f"nodes[{index}]"
        if not isinstance(node, dict) or set(node) != NODE_FIELDS:
            _fail(f"{where}: unexpected fields (only aggregates of a node may be sent)")
        if node["level"] not in LEVELS_SENT:
            _fail(f"{where}.level: {node['level']!r} is not sent upward")
        if set(node["values"]) != set(KEYS):
            _fail(f"{where}.values: not exactly the figures of the package")
        for key, value in node["values"].items():
            if not isinstance(value, str) or not SHOWN.match(value):
                _fail(f"{where}.values.{key}: {value!r} is not a shown figure")
            number = int(value) if value.isdigit() else None
            persons = BY_KEY[key].persons
            if persons and number is not None and 1 <= number < body["threshold"]:
                _fail(f"{where}.values.{key}: a count below {body['threshold']} is not suppressed")
        if set(node["rates"]) != rate_keys:
            _fail(f"{where}.rates: not exactly the rates of the package")
        for key, value in node["rates"].items():
            if not isinstance(value, str) or not RATE_SHOWN.match(value):
                _fail(f"{where}.rates.{key}: {value!r} is not a shown rate")
        if node["code"] in seen:
            _fail(f"{where}.code: {node['code']} appears twice")
        seen[node["code"]] = node
    sender = body["sender"]["code"]
    if sender not in seen or seen[sender]["level"] != Level.PROVINCE:
        _fail("nodes: the sender's own province is missing")
    # Where a parent and all its children are shown, the children must add up to it.
    children: dict[str, list[dict]] = {}
    for node in body["nodes"]:
        if node["code"] != sender:
            if node["parent"] not in seen:
                _fail(f"node {node['code']}: its parent {node['parent']} is not in the package")
            children.setdefault(node["parent"], []).append(node)
    for parent_code, kids in children.items():
        parent = seen[parent_code]
        for key in KEYS:
            shown = [k["values"][key] for k in kids]
            total = parent["values"][key]
            if total.isdigit() and all(s.isdigit() for s in shown):
                if sum(int(s) for s in shown) != int(total):
                    _fail(f"node {parent_code}.{key}: its children do not add up to {total}")


def package_verify(raw: bytes) -> Verified:
    """Check the signature against a key this instance trusts, then the contents."""
    try:
        package = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"not a JSON package: {exc}") from exc
    if not isinstance(package, dict) or set(package) != {"body", "signature", "public_key"}:
        raise PackageError("not an upward package: expected body, signature and public_key")
    body = package["body"]
    if not isinstance(body, dict) or not isinstance(body.get("sender"), dict):
        raise PackageError("body: missing or malformed sender")
    code = str(body["sender"].get("code", ""))
    sender = TrustedSender.objects.filter(code=code).first()
    own = own_public_key()
    if sender is not None:
        trusted_key = sender.public_key
    elif own is not None and package["public_key"] == own:
        trusted_key = own
    else:
        raise PackageError(
            f"sender {code or '?'} is not trusted here: add its public key first "
            "(manage.py reports trust)"
        )
    if package["public_key"] != trusted_key:
        raise PackageError(f"the package was signed with a key that is not sender {code}'s")
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted_key))
        key.verify(base64.b64decode(package["signature"]), canonical(body))
    except (InvalidSignature, ValueError) as exc:
        raise PackageError(
            "the signature does not match the contents: the package was altered after signing"
        ) from exc
    _check_contents(body)
    return Verified(body=body, sender=sender, sha256=hashlib.sha256(raw).hexdigest())


def package_import(*, raw: bytes, actor) -> int:
    """Verify and load a package on this (national) instance; returns the nodes loaded.
    A second import of the same month replaces the first."""
    verified = package_verify(raw)
    if verified.sender is None:
        raise PackageError(
            "only packages from a trusted sender are imported (manage.py reports trust)"
        )
    body = verified.body
    month = dt.date.fromisoformat(body["month"] + "-01")
    now = timezone.now()
    with transaction.atomic():
        codes = [node["code"] for node in body["nodes"]]
        ReceivedFigures.objects.filter(month=month, sender=verified.sender).delete()
        ReceivedFigures.objects.filter(month=month, code__in=codes).delete()
        ReceivedFigures.objects.bulk_create(
            ReceivedFigures(
                sender=verified.sender,
                month=month,
                code=node["code"],
                name=node["name"],
                level=node["level"],
                parent_code=node["parent"],
                values={**node["values"], **{f"rate:{k}": v for k, v in node["rates"].items()}},
                package_sha256=verified.sha256,
                imported_at=now,
                imported_by=getattr(actor, "pk", None) and actor,
            )
            for node in body["nodes"]
        )
        if actor is not None:
            audit_record(
                ctx=AccessContext.of(actor),
                action=AuditAction.CREATE,
                obj=("reports.upward", "", ""),
                outside_caseload=False,
                detail=f"import sender={body['sender']['code']} month={body['month']} "
                f"nodes={len(codes)} "
                f"sha256={verified.sha256[:16]}",
            )
    return len(body["nodes"])


def trust_add(*, code: str, name: str, public_key: str) -> TrustedSender:
    try:
        raw = base64.b64decode(public_key, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise PackageError("public_key: not a base64 Ed25519 public key (32 bytes)") from exc
    sender, _created = TrustedSender.objects.update_or_create(
        code=code, defaults={"name": name, "public_key": public_key}
    )
    return sender
