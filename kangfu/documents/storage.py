"""Encrypted files outside the web root (``settings.KANGFU_DOCUMENT_ROOT``).

Each file is encrypted whole with the field keyring (``core.crypto.encrypt_bytes``:
AES-256-GCM, the active key, the key id stored in the file so older keys still decrypt).
Its name on disk is random (``secrets.token_hex``) and carries no personal data; the
associated data is that name, so two files swapped on disk both fail to decrypt. Files are
written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

from kangfu.core import crypto


def root() -> Path:
    return Path(settings.KANGFU_DOCUMENT_ROOT)


def _path(name: str) -> Path:
    if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
        raise ValueError("not a stored document name")
    # Two levels of 256 folders keep every folder small at a province's volumes.
    return root() / name[:2] / name[2:4] / name


def _aad(name: str) -> str:
    return f"documents.file:{name}"


def _write(name: str, data: bytes) -> None:
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f"{name}.{secrets.token_hex(4)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(crypto.encrypt_bytes(data, aad=_aad(name)))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def store(data: bytes) -> str:
    """Encrypt ``data`` into a new file and return its name."""
    name = secrets.token_hex(16)
    _write(name, data)
    return name


def rekey(name: str) -> bool:
    """Re-encrypt a stored file under the active key if an older one sealed it (the files'
    part of ``manage.py rotate-keys``). True when it was rewritten."""
    path = _path(name)
    if not path.exists():
        return False
    raw = path.read_bytes()
    if crypto.key_id_of_bytes(raw) == crypto.keyring().active_id:
        return False
    _write(name, crypto.decrypt_bytes(raw, aad=_aad(name)))
    return True


def load(name: str) -> bytes:
    """The clear bytes of a stored file (``crypto.DecryptionError`` if altered)."""
    return crypto.decrypt_bytes(_path(name).read_bytes(), aad=_aad(name))


def erase(name: str) -> None:
    """Remove a stored file (a withdrawn document, or one whose row was not written)."""
    if name:
        _path(name).unlink(missing_ok=True)


def path_of(name: str) -> Path:
    """Where a stored file lies (for the tests that read the raw bytes, and backups)."""
    return _path(name)
