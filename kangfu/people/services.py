"""Writes to the person registry. Views, commands and tests all go through these."""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, AuditEntry, audit_record, audit_record_many
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, require
from kangfu.core import crypto
from kangfu.core.batch import REFUSALS, check_each, create_objects, insert_values
from kangfu.people import idnumber
from kangfu.people.models import Person, PersonNameToken

ID_INDEX_PURPOSE = "person.id_number"
NAME_INDEX_PURPOSE = "person.name_prefix"
# Longer prefixes add rows but no search a caseworker would type.
MAX_NAME_PREFIX = 8
# An emergency reason must say something ("急救" alone does not explain who asked, or why).
BREAK_GLASS_MIN_REASON = 10


@dataclass(frozen=True)
class PersonData:
    """Validated identity data for a person (the form or the importer builds it)."""

    name: str
    sex: str
    birth_date: dt.date
    id_number: str
    former_names: str = ""
    phone: str = ""
    hukou_place: str = ""
    residence_place: str = ""
    address: str = ""


class PersonAlreadyRegistered(Exception):
    """The ID number is registered already. ``person`` is set only when the actor may see it."""

    def __init__(self, person: Person | None):
        super().__init__("person already registered")
        self.person = person


def normalize_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def id_number_index(id_number: str) -> str:
    """The blind index of a number in its canonical form (idnumber.normalize), so a variant
    typed with full-width or other Unicode digits finds the same person."""
    return crypto.blind_index(idnumber.normalize(id_number), purpose=ID_INDEX_PURPOSE)


def name_prefix_digest(prefix: str) -> str:
    return crypto.blind_index(normalize_name(prefix), purpose=NAME_INDEX_PURPOSE)


# Two-character surnames (复姓): their given name starts at the third character.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 "
    "南宫 西门 申屠 太史 闻人 呼延 澹台 公冶 宗政 濮阳 淳于 单于 钟离".split()
)


def given_name(norm: str) -> str:
    """The given name of a normalised Chinese name (after a one- or two-character surname),
    or "" when there is none to tell apart (one character, or a Latin-script name)."""
    if len(norm) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in norm):
        return ""
    return norm[2:] if norm[:2] in COMPOUND_SURNAMES and len(norm) > 2 else norm[1:]


def _name_digests(*names: str) -> set[str]:
    """Digests of each prefix of each name and of its given name, so a search by the full
    name, its beginning, or the given name alone (伟 finds 张伟) meets the blind index."""
    digests: set[str] = set()
    for raw in names:
        for name in raw.replace("，", ",").replace("、", ",").split(","):
            norm = normalize_name(name)
            for part in (norm, given_name(norm)):
                for end in range(1, min(len(part), MAX_NAME_PREFIX) + 1):
                    digests.add(crypto.blind_index(part[:end], purpose=NAME_INDEX_PURPOSE))
    return digests


def person_reindex_names(*, batch: int = 500) -> int:
    """Rewrite every person's name tokens (after the token rules changed, e.g. given names
    were added): the names are decrypted in memory only, the index holds digests. Returns
    how many persons were re-indexed. Run by ``manage.py people_reindex_names``."""
    done = 0
    for person in Person.objects.only("pk", "name", "former_names").iterator(chunk_size=batch):
        with transaction.atomic():
            _write_name_tokens(person)
        done += 1
    return done


def _write_name_tokens(person: Person) -> None:
    PersonNameToken.objects.filter(person=person).delete()
    PersonNameToken.objects.bulk_create(
        PersonNameToken(person=person, digest=digest)
        for digest in sorted(_name_digests(person.name, person.former_names))
    )


def _apply(person: Person, data: PersonData) -> None:
    person.name = data.name.strip()
    person.former_names = data.former_names.strip()
    person.sex = data.sex
    person.birth_date = data.birth_date
    person.id_number = idnumber.normalize(data.id_number)
    person.id_number_index = id_number_index(data.id_number)
    person.phone = data.phone.strip()
    person.hukou_place = data.hukou_place.strip()
    person.residence_place = data.residence_place.strip()
    person.address = data.address.strip()


# The identity fields a PersonData carries (what a create or update may touch).
DATA_FIELDS = tuple(PersonData.__dataclass_fields__)


def _values(person: Person) -> dict[str, object]:
    return {name: getattr(person, name) for name in (*DATA_FIELDS, "caseworker_id")}


def _changed(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """Names (never values) of the fields whose value differs."""
    return [_name(field) for field in before if before[field] != after[field]]


def _name(field: str) -> str:
    return "caseworker" if field == "caseworker_id" else field


def _existing_for(
    actor: User, index: str, *, exclude_pk: int | None = None, ctx: AccessContext | None = None
) -> None:
    existing = Person.objects.filter(id_number_index=index).exclude(pk=exclude_pk).first()
    if existing is not None:
        visible = Person.objects.visible_to(actor).filter(pk=existing.pk).exists()
        if ctx is not None:
            # Someone typed this person's number into a registration: the person's access
            # record says so (who, from where), even when the record is out of their sight.
            with transaction.atomic():
                audit_record(
                    ctx=ctx,
                    action=AuditAction.REGISTRATION_MATCH,
                    obj=existing,
                    fields=("id_number",),
                )
        raise PersonAlreadyRegistered(existing if visible else None)


def _registration_ctx(actor: User | AccessContext) -> AccessContext:
    ctx = AccessContext.of(actor)
    if ctx.purpose == AccessPurpose.CASELOAD:
        ctx = ctx.with_purpose(AccessPurpose.REGISTRATION)
    return ctx


def _new_person(
    ctx: AccessContext, township: Jurisdiction, data: PersonData, caseworker: User | None
) -> tuple[Person, list[str]]:
    """The unsaved person and the names of the fields filled in (for its audit event)."""
    person = Person(township=township, caseworker=caseworker, created_by=ctx.actor)
    _apply(person, data)
    filled = [_name(field) for field, value in _values(person).items() if value not in ("", None)]
    return person, filled


def person_register(
    *,
    actor: User | AccessContext,
    township: Jurisdiction,
    data: PersonData,
    caseworker: User | None = None,
) -> Person:
    """Register a new person in ``township``; refuses a second record for the same ID number.

    ``actor`` is the request's AccessContext (a bare User is accepted for commands and
    tests). The ``create`` audit event names the fields filled in, in the same transaction.
    """
    ctx = _registration_ctx(actor)
    require(ctx.actor, Action.PERSON_WRITE, township)
    index = id_number_index(data.id_number)
    _existing_for(ctx.actor, index, ctx=ctx)
    person, filled = _new_person(ctx, township, data, caseworker)
    try:
        with transaction.atomic():
            person.save()
            _write_name_tokens(person)
            audit_record(
                ctx=ctx,
                action=AuditAction.CREATE,
                obj=person,
                fields=filled,
                outside_caseload=False,
            )
    except IntegrityError:
        # Another office registered the same number between our check and our insert.
        _existing_for(ctx.actor, index, ctx=ctx)
        raise
    return person


def person_register_many(
    *,
    actor: User | AccessContext,
    township: Jurisdiction,
    entries: list[tuple[PersonData, User | None]],
) -> list[Person]:
    """``person_register`` for many new persons of one township at once (the ledger import):
    the same permission and duplicate checks, one query for all their ID indexes, bulk
    inserts of the persons and their name tokens, and their ``create`` audit events appended
    under one chain lock. An entry whose number is registered already is refused with
    ``PersonAlreadyRegistered``, as a single registration is (``core.batch.BatchRefused``;
    nothing is written then). The registration-match event a single call writes for such a
    number is the caller's to write: the batch it belongs to is refused and undone.
    """
    ctx = _registration_ctx(actor)
    indexes = [id_number_index(data.id_number) for data, _caseworker in entries]
    taken = set(
        Person.objects.filter(id_number_index__in=indexes).values_list("id_number_index", flat=True)
    )
    seen: set[str] = set()

    def check(position: int) -> tuple[Person, list[str]]:
        data, caseworker = entries[position]
        require(ctx.actor, Action.PERSON_WRITE, township)
        index = indexes[position]
        if index in taken or index in seen:
            raise PersonAlreadyRegistered(None)
        seen.add(index)
        return _new_person(ctx, township, data, caseworker)

    built = check_each(range(len(entries)), check, refusals=(*REFUSALS, PersonAlreadyRegistered))
    persons = [person for person, _filled in built]
    with transaction.atomic():
        create_objects(persons)
        insert_values(
            PersonNameToken,
            ("person_id", "digest"),
            (
                (person.pk, digest)
                for person in persons
                for digest in sorted(_name_digests(person.name, person.former_names))
            ),
        )
        audit_record_many(
            ctx=ctx,
            entries=[
                AuditEntry(AuditAction.CREATE, person, filled, outside_caseload=False)
                for person, filled in built
            ],
        )
    return persons


class StaleEdit(Exception):
    """The record changed after the form was opened; ``fields`` names what changed."""

    def __init__(self, fields: list[str]):
        super().__init__("stale edit")
        self.fields = fields


_VERSION_SALT = "kangfu.people.person-version"


def _field_digests(person: Person) -> dict[str, str]:
    # Keyed digests, never values: the version travels in a hidden form field.
    return {
        name: salted_hmac(_VERSION_SALT, f"{name}={value}").hexdigest()[:12]
        for name, value in _values(person).items()
    }


def person_version(person: Person) -> str:
    """The version of ``person`` a form was opened with (signed; digests per field)."""
    return signing.dumps(_field_digests(person), salt=_VERSION_SALT, compress=True)


def _changed_since(person: Person, version: str) -> list[str]:
    try:
        opened = signing.loads(version, salt=_VERSION_SALT)
    except signing.BadSignature:
        return sorted({_name(f) for f in _field_digests(person)})
    now = _field_digests(person)
    return [_name(f) for f in now if opened.get(f) != now[f]]


def person_update(
    *,
    actor: User | AccessContext,
    person: Person,
    data: PersonData,
    caseworker: User | None = None,
    version: str | None = None,
) -> Person:
    """Correct a person's identity data; the ``update`` event names the fields that changed.

    ``version`` (from ``person_version`` when the form was opened): refused with
    ``StaleEdit`` when the stored record changed since, checked on the locked row."""
    ctx = AccessContext.of(actor)
    require(ctx.actor, Action.PERSON_WRITE, person)
    _existing_for(ctx.actor, id_number_index(data.id_number), exclude_pk=person.pk)
    with transaction.atomic():
        if version is not None:
            person.refresh_from_db(from_queryset=Person.objects.select_for_update())
            changed = _changed_since(person, version)
            if changed:
                raise StaleEdit(changed)
        # Whose caseload it was *before* the edit decides whether this was outside it.
        outside = person.caseworker_id != ctx.actor.pk
        before = _values(person)
        _apply(person, data)
        person.caseworker = caseworker
        person.save()
        _write_name_tokens(person)
        audit_record(
            ctx=ctx,
            action=AuditAction.UPDATE,
            obj=person,
            fields=_changed(before, _values(person)),
            outside_caseload=outside,
        )
    return person


class NoEmergencyMatch(Exception):
    """No person with that ID number lies under the actor's emergency-access grants."""


def person_break_glass(*, actor: AccessContext, id_number: str, reason: str) -> Person:
    """Open a person's record in an emergency, outside the actor's normal read scope.

    Only within the subtree of an ``emergency_access`` grant, only for an exact ID number,
    only with a written reason. The ``break_glass`` event stays on the supervisors' review
    list until one of them (not the actor) reviews it. The caller remembers the opening
    for a limited time (kangfu.access.purpose.open_break_glass).
    """
    reason = reason.strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            {
                "reason": _("Describe the emergency (at least %(n)d characters).")
                % {"n": BREAK_GLASS_MIN_REASON}
            }
        )
    require(actor.actor, Action.BREAK_GLASS)
    person = (
        Person.objects.visible_to(actor.actor, Action.BREAK_GLASS)
        .filter(id_number_index=id_number_index(id_number))
        .select_related("township")
        .first()
    )
    if person is None:
        raise NoEmergencyMatch
    audit_record(
        ctx=actor.with_purpose(AccessPurpose.EMERGENCY, reason),
        action=AuditAction.BREAK_GLASS,
        obj=person,
        fields=("id_number",),
        outside_caseload=True,
    )
    return person


def person_move(
    *,
    person: Person,
    township: Jurisdiction,
    actor: User | AccessContext,
    caseworker: User | None = None,
) -> Person:
    """Move a person to another managing township (the receiving side of a case transfer).

    ``township`` decides who sees the person, so this is never a plain edit: only
    kangfu.cases.services.transfer_accept calls it, inside the transaction that moves the
    case. The actor must be able to write in the *receiving* township.
    """
    ctx = AccessContext.of(actor)
    require(ctx.actor, Action.PERSON_WRITE, township)
    if township.pk == person.township_id:
        raise ValidationError({"township": _("The person is already managed by this township.")})
    with transaction.atomic():
        person.township = township
        person.caseworker = caseworker
        person.save(update_fields=["township", "caseworker", "updated_at"])
        audit_record(
            ctx=ctx,
            action=AuditAction.UPDATE,
            obj=person,
            fields=("township", "caseworker"),
            outside_caseload=False,
        )
    return person


# What a purge leaves of a person: the row (measures and the audit log point at it), sex and
# birth year for statistics, nothing that identifies them.
PURGED_MARK = "purged:"


def person_purge_identity(*, person: Person, actor: User | AccessContext) -> Person:
    """Erase a person's identity data when the retention period of their sealed record ends.

    Only kangfu.cases.services.case_purge_identity calls it, after checking retention, legal
    holds and that the person has no other record still in use.
    """
    ctx = AccessContext.of(actor)
    with transaction.atomic():
        person.name = ""
        person.former_names = ""
        person.id_number = ""
        # Unique column: a random value that no ID number can ever hash to.
        person.id_number_index = f"{PURGED_MARK}{uuid.uuid4().hex}"
        person.phone = ""
        person.address = ""
        person.hukou_place = ""
        person.residence_place = ""
        person.birth_date = person.birth_date.replace(month=1, day=1)
        person.caseworker = None
        person.save()
        PersonNameToken.objects.filter(person=person).delete()
        audit_record(
            ctx=ctx,
            action=AuditAction.UPDATE,
            obj=person,
            fields=(*DATA_FIELDS, "purged"),
            outside_caseload=True,
        )
    return person
