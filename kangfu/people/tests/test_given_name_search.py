"""Search by the full name, its beginning, or the given name alone (issue 17)."""

import pytest
from django.core.management import call_command

from conftest import register
from kangfu.people.models import PersonNameToken
from kangfu.people.selectors import PersonSearch, person_list
from kangfu.people.services import given_name

pytestmark = pytest.mark.django_db


def found(user, query) -> set:
    return {p.name for p in person_list(user=user, search=PersonSearch(query=query))}


def test_it_finds_a_person_by_the_given_name_as_well_as_the_full_name(personas, tree):
    register(personas.worker_a, tree.a, name="张伟")
    register(personas.worker_a, tree.a, name="欧阳明华")
    register(personas.worker_a, tree.a, name="王明")
    w = personas.worker_a
    assert found(w, "张伟") == found(w, "张") == found(w, "伟") == {"张伟"}
    assert found(w, "明华") == found(w, "欧阳") == {"欧阳明华"}
    assert found(w, "明") == {"欧阳明华", "王明"}
    # A compound surname is not split: 阳 is neither a surname nor a given name here.
    assert found(w, "阳") == set()
    # Another township's worker finds nobody, by either name.
    assert found(personas.worker_b, "伟") == set()


def test_it_tells_the_given_name_apart():
    assert [given_name(n) for n in ("张伟", "欧阳明华", "李", "john")] == ["伟", "明华", "", ""]


def test_the_reindex_command_adds_given_name_tokens_to_existing_persons(personas, tree):
    register(personas.worker_a, tree.a, name="张伟")
    PersonNameToken.objects.all().delete()  # as if registered before given names were indexed
    assert found(personas.worker_a, "伟") == set()
    call_command("people_reindex_names", verbosity=0)
    assert found(personas.worker_a, "伟") == {"张伟"}
