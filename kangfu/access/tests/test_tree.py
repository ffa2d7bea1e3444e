import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from kangfu.access.choices import Level, Role
from kangfu.access.models import Jurisdiction
from kangfu.access.services import grant_create, jurisdiction_create


def test_a_subtree_is_one_prefix_query(tree):
    with CaptureQueriesContext(connection) as ctx:
        names = set(
            Jurisdiction.objects.filter(path__startswith=tree.county.path).values_list(
                "name", flat=True
            )
        )
    assert names == {"城关区", "城东街道", "城西街道"}
    assert len(ctx.captured_queries) == 1


def test_paths_follow_division_codes(tree):
    assert tree.a.path == "/100000/520000/520100/520102/520102001/"
    assert tree.county.covers(tree.a)
    assert not tree.county.covers(tree.c)


def test_a_node_must_sit_one_level_below_its_parent(tree):
    with pytest.raises(ValidationError) as info:
        jurisdiction_create(code="520104001", name="跳级", level=Level.TOWNSHIP, parent=tree.city)
    assert "parent" in info.value.message_dict


def test_a_township_code_has_9_or_12_digits(tree):
    with pytest.raises(ValidationError) as info:
        jurisdiction_create(code="520102", name="错码", level=Level.TOWNSHIP, parent=tree.county)
    assert "code" in info.value.message_dict
    assert jurisdiction_create(
        code="520102003004", name="十二位", level=Level.TOWNSHIP, parent=tree.county
    ).path.endswith("/520102003004/")


def test_the_database_refuses_a_county_code_of_the_wrong_length(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Jurisdiction.objects.create(
            code="5201", name="x", level=Level.COUNTY, parent=tree.city, path="/x/"
        )


def test_a_caseworker_is_granted_at_a_township_only(personas, tree):
    with pytest.raises(ValidationError):
        grant_create(user=personas.nobody, role=Role.CASEWORKER, jurisdiction=tree.county)
