"""The 0002 data migration re-keys numbers stored with full-width digits before folding."""

import importlib

import pytest
from django.apps import apps

from conftest import register
from kangfu.people.models import Person
from kangfu.people.services import id_number_index

pytestmark = pytest.mark.django_db
migration = importlib.import_module("kangfu.people.migrations.0002_rekey_id_numbers")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def store_as_typed(person, number):
    """What the old code stored: the number as typed, its index computed on that text."""
    person.id_number = number
    person.id_number_index = migration._index(number)
    person.save(update_fields=["id_number", "id_number_index"])


def test_it_rekeys_a_full_width_number_so_the_ascii_number_finds_it(personas, tree):
    person = register(personas.worker_a, tree.a)
    ascii_number = person.id_number
    store_as_typed(person, ascii_number.translate(FULL_WIDTH))
    assert not Person.objects.filter(id_number_index=id_number_index(ascii_number)).exists()
    migration.rekey(apps, None)
    person.refresh_from_db()
    assert person.id_number == ascii_number
    assert Person.objects.get(id_number_index=id_number_index(ascii_number)) == person


def test_it_leaves_a_duplicate_for_a_human_to_merge(personas, tree):
    first = register(personas.worker_a, tree.a)
    second = register(personas.worker_b, tree.b)
    store_as_typed(second, first.id_number.translate(FULL_WIDTH))
    migration.rekey(apps, None)
    second.refresh_from_db()
    assert second.id_number == first.id_number.translate(FULL_WIDTH)
    assert Person.objects.get(id_number_index=id_number_index(first.id_number)) == first


def test_the_migrations_index_matches_the_apps_index():
    assert migration._index("520102199003070011") == id_number_index("520102199003070011")
