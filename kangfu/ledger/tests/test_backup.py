"""Backup → restore round trips: on SQLite here, on PostgreSQL in CI's PostgreSQL run."""

import base64
import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kangfu.ledger import backup as bk
from kangfu.ledger.services import ledger_import
from kangfu.ledger.tests.factories import ledger, rows

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)


def _data(personas, tree):
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False):
        ledger_import(
            actor=personas.officer_a, township=tree.a, handle=ledger(rows(15)), commit=True
        )


def round_trip(tmp_path, capsys) -> dict:
    """Back up the database, empty it, restore it: the same row counts and audit head
    after as before, and the identity fields readable. Returns the counts."""
    counts, head = bk.database_counts()
    archive = tmp_path / "kangfu.kfb"
    call_command("backup", "--output", str(archive))
    assert archive.read_bytes().startswith(bk.MAGIC)
    assert b"people_person" not in archive.read_bytes()  # nothing readable without the key
    assert (tmp_path / "kangfu.kfb.manifest.json").is_file()
    call_command("flush", interactive=False)
    assert bk.database_is_empty()
    call_command("restore", str(archive))
    out = capsys.readouterr().out
    assert "audit chain OK" in out
    after, after_head = bk.database_counts()
    assert after == counts and after_head == head
    assert bk.sample_readable() == min(25, counts["people_person"])
    return counts


@pytest.mark.django_db(transaction=True)
def test_it_round_trips_the_database_on_sqlite(personas, tree, tmp_path, capsys):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip")
    _data(personas, tree)
    counts = round_trip(tmp_path, capsys)
    assert counts["people_person"] == 15


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_it_round_trips_the_database_on_postgresql(personas, tree, tmp_path, capsys):
    _data(personas, tree)
    counts = round_trip(tmp_path, capsys)
    assert counts["people_person"] == 15


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_restore_over_data(personas, tree, tmp_path):
    archive = tmp_path / "a.kfb"
    call_command("backup", "--output", str(archive))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))


@pytest.mark.django_db(transaction=True)
def test_a_wrong_backup_key_stops_with_a_clear_message(personas, tmp_path, settings):
    archive = tmp_path / "a.kfb"
    bk.backup(output=archive)
    settings.KANGFU_BACKUP_KEY = base64.b64encode(b"w" * 32).decode()
    with pytest.raises(CommandError, match="KANGFU_BACKUP_KEY does not open this archive"):
        call_command("restore", str(archive))


@pytest.mark.django_db(transaction=True)
def test_wrong_field_keys_stop_the_restore_before_it_writes(personas, tmp_path, settings):
    archive = tmp_path / "a.kfb"
    bk.backup(output=archive)
    other = base64.b64encode(b"k" * 32).decode()
    settings.KANGFU_FIELD_KEYS = f"t2:{other}"
    with pytest.raises(CommandError, match="KANGFU_FIELD_KEYS"):
        call_command("restore", str(archive))


@pytest.mark.django_db(transaction=True)
def test_a_truncated_archive_is_refused(personas, tmp_path):
    archive = tmp_path / "a.kfb"
    bk.backup(output=archive)
    archive.write_bytes(archive.read_bytes()[:-40])
    with pytest.raises(bk.BackupError, match=r"damaged|truncated"):
        bk.restore(path=archive, allow_nonempty=True)


def test_backup_refuses_without_a_key(settings):
    settings.KANGFU_BACKUP_KEY = ""
    with pytest.raises(bk.BackupError, match="KANGFU_BACKUP_KEY is not set"):
        bk.backup_key()


@pytest.mark.django_db(transaction=True)
def test_the_attached_documents_travel_with_the_backup(personas, people, tmp_path, settings):
    from kangfu.documents import services as documents
    from kangfu.documents import storage
    from kangfu.documents.models import Document
    from kangfu.documents.tests import samples
    from kangfu.documents.tests.conftest import Upload, reported_case

    settings.KANGFU_DOCUMENT_ROOT = tmp_path / "here"
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False):
        case = reported_case(personas.worker_a, people.in_a)
        document = documents.document_upload(
            actor=personas.worker_a, case=case, kind="lab_report", upload=Upload(samples.png())
        )
    archive = tmp_path / "kangfu.kfb"
    result = bk.backup(output=archive)
    assert result.manifest["documents"] == {"files": 2}  # the file and its preview
    assert samples.png() not in archive.read_bytes()
    call_command("flush", interactive=False)
    # Restored on another machine: an empty database and an empty document folder.
    settings.KANGFU_DOCUMENT_ROOT = tmp_path / "there"
    call_command("restore", str(archive))
    restored = Document.objects.get()
    assert restored.stored_name == document.stored_name
    assert storage.load(restored.stored_name) == samples.png()
