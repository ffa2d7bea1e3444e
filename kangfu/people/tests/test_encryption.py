import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from kangfu.core import crypto
from kangfu.people.models import Person

NEW_KEY = "t3:dGhpcmQta2V5LXRoaXJkLWtleS10aGlyZC1rZXktdGg="


def raw_row(person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_it_keeps_no_clear_text_identity_in_the_database(people):
    person = Person.objects.get(pk=people.in_a.pk)
    row = raw_row(person)
    for secret in (person.name, person.id_number, person.phone, person.address):
        assert secret and secret not in row
    assert "kf1:t2:" in row  # encrypted under the active key, with its key id


def test_it_decrypts_on_read(people):
    fresh = Person.objects.get(pk=people.in_a.pk)
    assert fresh.name == "张伟"
    assert fresh.phone == "13800138000"


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    token = crypto.encrypt("张伟", aad="people.person.name")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, aad="people.person.address")


def test_rotate_keys_re_encrypts_so_the_old_key_can_be_retired(people):
    with override_settings(KANGFU_FIELD_KEYS=f"{NEW_KEY},{settings.KANGFU_FIELD_KEYS}"):
        out = io.StringIO()
        call_command("rotate-keys", stdout=out)
        assert "people.Person: 2 row(s) re-encrypted" in out.getvalue()
    assert "kf1:t3:" in raw_row(people.in_a)
    assert "kf1:t2:" not in raw_row(people.in_a)
    with override_settings(KANGFU_FIELD_KEYS=NEW_KEY):
        assert Person.objects.get(pk=people.in_a.pk).name == "张伟"
