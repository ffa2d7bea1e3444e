"""Backup and restore: a consistent, compressed, encrypted archive of the whole database.

The archive is a gzip-compressed tar of two members — ``manifest.json`` (format, time,
database vendor, migrations, the row count of every table, the audit chain's head, the
payload's SHA-256, and fingerprints of the keys) and the payload (``db.sqlite3`` made with
SQLite's online backup API, or ``db.pgdump`` from ``pg_dump --format=custom``) — encrypted
with AES-256-GCM under ``KANGFU_BACKUP_KEY`` in 1 MiB chunks (each chunk's number and a
last-chunk flag are authenticated, so a reordered or truncated archive is refused), so
memory stays bounded whatever the size of the database.

No key is ever inside: the field keys and the blind-index key appear only as fingerprints
(HMAC-SHA256 of a fixed text under the key), so ``restore`` can say *before writing
anything* that the keys configured here are not the ones the data was encrypted with.
A plain sidecar ``<archive>.manifest.json`` carries the archive's own SHA-256 and the
counts (no personal data) so an operator can check a copy without any key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection
from django.utils import timezone

from kangfu.core import crypto
from kangfu.people.models import Person
from kangfu.people.services import id_number_index

MAGIC = b"KANGFU-BACKUP-1\n"
CHUNK = 1 << 20
FORMAT = 1
CHECK_TEXT = b"kangfu backup key check"
# Tables whose rows make a database "not empty" for a restore.
CORE_TABLES = ("access_user", "access_jurisdiction", "people_person", "access_auditevent")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- keys --------------------------------------------------------------------------------


def backup_key() -> bytes:
    text = getattr(settings, "KANGFU_BACKUP_KEY", "") or ""
    if not text:
        raise BackupError(
            "KANGFU_BACKUP_KEY is not set: give it a 32-byte base64 key "
            '(python -c "import os, base64; print(base64.b64encode(os.urandom(32)).decode())") '
            "and keep a copy apart from the archives."
        )
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BackupError("KANGFU_BACKUP_KEY is not valid base64.") from None
    if len(key) != 32:
        raise BackupError(f"KANGFU_BACKUP_KEY must be 32 bytes, not {len(key)}.")
    return key


def _fingerprint(key: bytes) -> str:
    return hmac.new(key, CHECK_TEXT, hashlib.sha256).hexdigest()[:32]


def key_fingerprints() -> dict:
    ring = crypto.keyring()
    return {
        "field_keys": {kid: _fingerprint(k) for kid, k in ring.keys.items()},
        "blind_index": _fingerprint(crypto._index_key(settings.KANGFU_BLIND_INDEX_KEY)),
    }


def check_keys(recorded: dict) -> None:
    """Refuse to restore data this installation's keys cannot read."""
    here = key_fingerprints()
    for kid, fingerprint in recorded.get("field_keys", {}).items():
        mine = here["field_keys"].get(kid)
        if mine is None:
            raise BackupError(
                f"The archive's data was encrypted with field key '{kid}', which "
                "KANGFU_FIELD_KEYS here does not hold. Configure the keys the backup was made "
                "with (old keys may follow the active one), then restore again."
            )
        if mine != fingerprint:
            raise BackupError(
                f"KANGFU_FIELD_KEYS here holds a different key under the id '{kid}' than the "
                "one the backup was made with: the restored records could not be read."
            )
    if recorded.get("blind_index") != here["blind_index"]:
        raise BackupError(
            "KANGFU_BLIND_INDEX_KEY differs from the one the backup was made with: ID-number "
            "look-ups and duplicate checks would fail. Configure the original key."
        )


# --- chunked AES-GCM ---------------------------------------------------------------------


class _Sealer(io.RawIOBase):
    """A write-only stream that encrypts what it is given, chunk by chunk."""

    def __init__(self, out: IO[bytes], key: bytes):
        self._out, self._aead = out, AESGCM(key)
        self._prefix = os.urandom(8)
        self._buffer = bytearray()
        self._n = 0
        out.write(MAGIC + self._prefix)

    def writable(self) -> bool:
        return True

    def _seal(self, data: bytes, last: bool) -> None:
        counter = struct.pack(">I", self._n)
        aad = MAGIC + counter + (b"\x01" if last else b"\x00")
        sealed = self._aead.encrypt(self._prefix + counter, data, aad)
        self._out.write(struct.pack(">I", len(sealed)) + (b"\x01" if last else b"\x00") + sealed)
        self._n += 1

    def write(self, data) -> int:
        self._buffer.extend(data)
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


class _Opener(io.RawIOBase):
    """A read-only stream giving back the clear text of a sealed archive."""

    def __init__(self, source: IO[bytes], key: bytes):
        head = source.read(len(MAGIC) + 8)
        if not head.startswith(MAGIC):
            raise BackupError("This file is not a Kangfu backup archive.")
        self._source, self._aead, self._prefix = source, AESGCM(key), head[len(MAGIC) :]
        self._n, self._pending, self._done = 0, b"", False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        frame = self._source.read(5)
        if len(frame) < 5:
            raise BackupError("The archive is truncated: its last part is missing.")
        size, last = struct.unpack(">I", frame[:4])[0], frame[4:5] == b"\x01"
        sealed = self._source.read(size)
        counter = struct.pack(">I", self._n)
        try:
            self._pending = self._aead.decrypt(
                self._prefix + counter, sealed, MAGIC + counter + (b"\x01" if last else b"\x00")
            )
        except InvalidTag:
            if self._n == 0:
                raise BackupError(
                    "KANGFU_BACKUP_KEY does not open this archive: it was made with another "
                    "backup key (or the file is damaged)."
                ) from None
            raise BackupError(f"The archive is damaged (part {self._n} fails its check).") from None
        self._n += 1
        self._done = last

    def readinto(self, target) -> int:
        while not self._pending and not self._done:
            self._next()
        n = min(len(target), len(self._pending))
        target[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


# --- backup ------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _counts_sqlite(path: Path) -> tuple[dict, dict | None]:
    db = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        known = set(connection.introspection.django_table_names())
        known.add("django_migrations")
        tables = [t for t in tables if t in known]
        counts = {
            t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)
        }
        head = None
        if "access_auditevent" in tables:
            row = db.execute(
                "SELECT seq, hash FROM access_auditevent ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            head = {"seq": row[0], "hash": row[1]} if row else None
    finally:
        db.close()
    return counts, head


def database_counts() -> tuple[dict, dict | None]:
    """Row counts of every table and the audit head, as the live database has them."""
    # The models' tables (a session's temporary work tables are not part of the data).
    known = set(connection.introspection.django_table_names())
    known.add("django_migrations")
    with connection.cursor() as cursor:
        tables = sorted(known & set(connection.introspection.table_names(cursor)))
        counts = {}
        for t in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(t)}")
            counts[t] = cursor.fetchone()[0]
        head = None
        if "access_auditevent" in tables:
            cursor.execute("SELECT seq, hash FROM access_auditevent ORDER BY seq DESC LIMIT 1")
            row = cursor.fetchone()
            head = {"seq": row[0], "hash": row[1]} if row else None
    return counts, head


def _dump(work: Path) -> tuple[Path, dict, dict | None]:
    if connection.in_atomic_block:
        # Inside a transaction the copy would wait on our own lock (SQLite) or miss our
        # own writes (pg_dump): a backup is taken from outside any transaction.
        raise BackupError("a backup cannot be taken inside a transaction")
    if connection.vendor == "sqlite":
        target = work / "db.sqlite3"
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)  # the online backup API: a consistent copy
        finally:
            dest.close()
        counts, head = _counts_sqlite(target)
        return target, counts, head
    if connection.vendor == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump is not installed on this machine.")
        target = work / "db.pgdump"
        args, env = _pg_env()
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
             "--file", str(target), connection.settings_dict["NAME"]],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        counts, head = database_counts()
        return target, counts, head
    raise BackupError(f"backups of a {connection.vendor} database are not supported")


def _migrations() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        latest: dict[str, str] = {}
        for app, name in cursor.fetchall():
            latest[app] = max(latest.get(app, ""), name)
    return latest


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict
    archive_sha256: str


def backup(*, output: Path | None = None) -> BackupResult:
    key = backup_key()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    output = Path(output or Path(settings.BASE_DIR) / "var" / "backups" / f"kangfu-{stamp}.kfb")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kangfu-backup-") as tmp:
        work = Path(tmp)
        payload, counts, head = _dump(work)
        files = document_files()
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "migrations": _migrations(),
            "tables": counts,
            "audit_head": head,
            "payload": {
                "name": payload.name,
                "bytes": payload.stat().st_size,
                "sha256": _sha256(payload),
            },
            "keys": key_fingerprints(),
            # The attached documents, copied as they lie (already encrypted with the field
            # keys): the database rows and their files restore together.
            "documents": {"files": len(files)},
        }
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        partial = output.with_name(output.name + ".partial")
        with open(partial, "wb") as raw:
            sealer = _Sealer(raw, key)
            with tarfile.open(fileobj=sealer, mode="w|gz") as tar:
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(data))
                tar.add(payload, arcname=payload.name)
                for path in files:
                    relative = path.relative_to(documents_root()).as_posix()
                    tar.add(path, arcname=f"documents/{relative}")
            sealer.close()
        os.replace(partial, output)
    digest = _sha256(output)
    sidecar = {
        "archive": output.name,
        "archive_sha256": digest,
        "created_at": manifest["created_at"],
        "vendor": manifest["vendor"],
        "tables": counts,
        "audit_head": head,
    }
    output.with_name(output.name + ".manifest.json").write_text(
        json.dumps(sidecar, indent=2, sort_keys=True)
    )
    return BackupResult(output, manifest, digest)


# --- the attached documents (kangfu.documents) -------------------------------------------
# Their files live outside the database, under random names: aa/bb/<32 hex digits>.
DOCUMENT_MEMBER = re.compile(r"^documents/([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{28})$")


def documents_root() -> Path:
    return Path(settings.KANGFU_DOCUMENT_ROOT)


def document_files() -> list[Path]:
    root = documents_root()
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.glob("*/*/*")):
        relative = f"documents/{path.relative_to(root).as_posix()}"
        if path.is_file() and DOCUMENT_MEMBER.match(relative):
            found.append(path)
    return found


def _restore_documents(work: Path) -> int:
    """Move the archive's document files into KANGFU_DOCUMENT_ROOT (never over a file)."""
    source = work / "documents"
    if not source.is_dir():
        return 0
    moved = 0
    for path in sorted(source.glob("*/*/*")):
        target = documents_root() / path.relative_to(source)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.move(path, target)
        moved += 1
    return moved


# --- restore -----------------------------------------------------------------------------


def _open_archive(path: Path, key: bytes, work: Path) -> tuple[dict, Path]:
    with open(path, "rb") as raw:
        opener = io.BufferedReader(_Opener(raw, key), buffer_size=CHUNK)
        manifest, payload = None, None
        try:
            with tarfile.open(fileobj=opener, mode="r|gz") as tar:
                for member in tar:
                    if member.name == "manifest.json":
                        manifest = json.loads(tar.extractfile(member).read())
                    elif member.isfile() and DOCUMENT_MEMBER.match(member.name):
                        # Names checked against the pattern: nothing is written outside work/.
                        target = work / member.name
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with open(target, "wb") as out:
                            shutil.copyfileobj(tar.extractfile(member), out, CHUNK)
                    elif member.name in ("db.sqlite3", "db.pgdump") and member.isfile():
                        payload = work / member.name
                        with open(payload, "wb") as out:
                            shutil.copyfileobj(tar.extractfile(member), out, CHUNK)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"The archive is damaged: {exc}") from None
    if manifest is None or payload is None:
        raise BackupError("The archive lacks its manifest or its database.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown archive format {manifest.get('format')!r}.")
    if _sha256(payload) != manifest["payload"]["sha256"]:
        raise BackupError("The database inside the archive does not match its checksum.")
    return manifest, payload


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for t in CORE_TABLES:
            if t in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(t)} LIMIT 1")
                if cursor.fetchone():
                    return False
    return True


def _load(payload: Path, vendor: str) -> None:
    if vendor != connection.vendor:
        raise BackupError(
            f"The archive holds a {vendor} database; this installation uses {connection.vendor}."
        )
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(payload)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()  # the next query opens the restored file afresh
        return
    args, env = _pg_env()
    result = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists",
         "--single-transaction", *args, "--dbname", connection.settings_dict["NAME"],
         str(payload)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
    connection.close()


def sample_readable(limit: int = 25) -> int:
    """Read a sample of encrypted values with the keys configured here; raises BackupError
    naming the key at fault. Returns how many persons were read."""
    checked = 0
    for person in Person.objects.order_by("?")[:limit]:
        try:
            number = person.id_number
            _ = (person.name, person.phone, person.address)
        except crypto.DecryptionError:
            raise BackupError(
                "The restored records cannot be decrypted with KANGFU_FIELD_KEYS: configure "
                "the field keys the backup was made with. Do not start the server until then."
            ) from None
        if number and id_number_index(number) != person.id_number_index:
            raise BackupError(
                "The restored ID-number index does not match KANGFU_BLIND_INDEX_KEY: configure "
                "the original key. Do not start the server until then."
            )
        checked += 1
    return checked


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    counts: dict
    head: dict | None
    sampled: int


def restore(*, path: Path, allow_nonempty: bool = False) -> RestoreResult:
    """Restore ``path`` into this (empty) database. Every check that can be made before
    writing is made first: the backup key, the checksums, the field and index keys, the
    database vendor, that the database is empty."""
    key = backup_key()
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with tempfile.TemporaryDirectory(prefix="kangfu-restore-") as tmp:
        manifest, payload = _open_archive(path, key, Path(tmp))
        check_keys(manifest.get("keys", {}))
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"The archive holds a {manifest['vendor']} database; this installation uses "
                f"{connection.vendor}."
            )
        if not allow_nonempty and not database_is_empty():
            raise BackupError(
                "This database is not empty. Restore into an empty database (a new one, or one "
                "just created with `migrate`), never over live data."
            )
        _load(payload, manifest["vendor"])
        _restore_documents(Path(tmp))
    counts, head = database_counts()
    expected = manifest["tables"]
    differing = [t for t, n in expected.items() if counts.get(t) != n]
    if differing:
        raise BackupError(f"Row counts differ after the restore in: {', '.join(differing[:10])}")
    if head != manifest["audit_head"]:
        raise BackupError("The audit chain's head differs from the one recorded in the archive.")
    sampled = sample_readable()
    return RestoreResult(manifest, counts, head, sampled)
