"""Field encryption (AES-256-GCM) and keyed blind indexes (HMAC-SHA256).

A stored value looks like ``kf1:<key id>:<base64(nonce || ciphertext+tag)>``. The key id
travels with each value so keys can rotate: the first configured key encrypts, every
configured key decrypts, and ``manage.py rotate-keys`` re-encrypts old values.
The associated data binds a ciphertext to its model field, so a value copied into another
column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "kf1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted (unknown key id, tampering, or corruption)."""


@dataclass(frozen=True)
class Keyring:
    active_id: str
    keys: dict[str, bytes]


def _decode_key(name: str, text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name}: key is not valid base64.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: key must be 32 bytes, not {len(key)}.")
    return key


@lru_cache(maxsize=4)
def _parse_keyring(spec: str) -> Keyring:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, material = item.partition(":")
        if not sep or not key_id.isalnum():
            raise ImproperlyConfigured("KANGFU_FIELD_KEYS entries must look like id:base64key.")
        keys[key_id] = _decode_key(f"KANGFU_FIELD_KEYS[{key_id}]", material)
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("KANGFU_FIELD_KEYS holds no key.")
    return Keyring(active_id=order[0], keys=keys)


def keyring() -> Keyring:
    return _parse_keyring(settings.KANGFU_FIELD_KEYS)


@lru_cache(maxsize=4)
def _index_key(spec: str) -> bytes:
    return _decode_key("KANGFU_BLIND_INDEX_KEY", spec)


def encrypt(plaintext: str, *, aad: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.active_id]).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"{PREFIX}:{ring.active_id}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> str:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("not an encrypted value")
    return parts[1]


def decrypt(token: str, *, aad: str) -> str:
    key_id = key_id_of(token)
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"unknown key id {key_id!r}")
    try:
        raw = base64.b64decode(token.split(":", 2)[2], validate=True)
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode())
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError("value failed authentication") from exc
    return plain.decode()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed, deterministic digest: equal inputs match, the input cannot be recovered."""
    key = _index_key(settings.KANGFU_BLIND_INDEX_KEY)
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def generate_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


# --- files ------------------------------------------------------------------------------
# A stored file (kangfu.documents) is ``KF1F`` || key-id length (1 byte) || key id || nonce ||
# ciphertext+tag: the same keyring and AES-256-GCM as the fields, in binary. The associated
# data binds it to its name on disk, so files swapped on disk do not decrypt.
FILE_MAGIC = b"KF1F"


def encrypt_bytes(data: bytes, *, aad: str) -> bytes:
    ring = keyring()
    key_id = ring.active_id.encode()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.active_id]).encrypt(nonce, data, aad.encode())
    return FILE_MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed


def key_id_of_bytes(blob: bytes) -> str:
    if blob[:4] != FILE_MAGIC or len(blob) < 5:
        raise DecryptionError("not an encrypted file")
    length = blob[4]
    return blob[5 : 5 + length].decode("ascii", "replace")


def decrypt_bytes(blob: bytes, *, aad: str) -> bytes:
    key_id = key_id_of_bytes(blob)
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"unknown key id {key_id!r}")
    start = 5 + len(key_id.encode())
    nonce, sealed = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, sealed, aad.encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("file failed authentication") from exc
