"""Writes to the person registry. Views, commands and tests all go through these."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from kangfu.access.models import Jurisdiction, User
from kangfu.access.scoping import PERSON_WRITE_ROLES, grants_with
from kangfu.core import crypto
from kangfu.people.models import Person, PersonNameToken

ID_INDEX_PURPOSE = "person.id_number"
NAME_INDEX_PURPOSE = "person.name_prefix"
# Longer prefixes add rows but no search a caseworker would type.
MAX_NAME_PREFIX = 8


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
    return crypto.blind_index(id_number, purpose=ID_INDEX_PURPOSE)


def name_prefix_digest(prefix: str) -> str:
    return crypto.blind_index(normalize_name(prefix), purpose=NAME_INDEX_PURPOSE)


def _name_digests(*names: str) -> set[str]:
    digests: set[str] = set()
    for raw in names:
        for name in raw.replace("，", ",").replace("、", ",").split(","):
            norm = normalize_name(name)
            for end in range(1, min(len(norm), MAX_NAME_PREFIX) + 1):
                digests.add(crypto.blind_index(norm[:end], purpose=NAME_INDEX_PURPOSE))
    return digests


def _write_name_tokens(person: Person) -> None:
    PersonNameToken.objects.filter(person=person).delete()
    PersonNameToken.objects.bulk_create(
        PersonNameToken(person=person, digest=digest)
        for digest in sorted(_name_digests(person.name, person.former_names))
    )


def _require_write(actor: User, township: Jurisdiction) -> None:
    if not any(g.jurisdiction.covers(township) for g in grants_with(actor, PERSON_WRITE_ROLES)):
        raise PermissionDenied("not allowed to register persons in this township")


def _apply(person: Person, data: PersonData) -> None:
    person.name = data.name.strip()
    person.former_names = data.former_names.strip()
    person.sex = data.sex
    person.birth_date = data.birth_date
    person.id_number = data.id_number
    person.id_number_index = id_number_index(data.id_number)
    person.phone = data.phone.strip()
    person.hukou_place = data.hukou_place.strip()
    person.residence_place = data.residence_place.strip()
    person.address = data.address.strip()


def _existing_for(actor: User, index: str, *, exclude_pk: int | None = None) -> None:
    existing = Person.objects.filter(id_number_index=index).exclude(pk=exclude_pk).first()
    if existing is not None:
        visible = Person.objects.visible_to(actor).filter(pk=existing.pk).exists()
        raise PersonAlreadyRegistered(existing if visible else None)


def person_register(
    *, actor: User, township: Jurisdiction, data: PersonData, caseworker: User | None = None
) -> Person:
    """Register a new person in ``township``; refuses a second record for the same ID number."""
    _require_write(actor, township)
    index = id_number_index(data.id_number)
    _existing_for(actor, index)
    person = Person(township=township, caseworker=caseworker, created_by=actor)
    _apply(person, data)
    try:
        with transaction.atomic():
            person.save()
            _write_name_tokens(person)
    except IntegrityError:
        # Another office registered the same number between our check and our insert.
        _existing_for(actor, index)
        raise
    return person


def person_update(
    *, actor: User, person: Person, data: PersonData, caseworker: User | None = None
) -> Person:
    """Correct a person's identity data."""
    _require_write(actor, person.township)
    _existing_for(actor, id_number_index(data.id_number), exclude_pk=person.pk)
    _apply(person, data)
    person.caseworker = caseworker
    with transaction.atomic():
        person.save()
        _write_name_tokens(person)
    return person
