"""Settings for the test suite: fixed, obviously fake secrets so tests are repeatable."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE", "false")
# 32 zero-ish bytes, base64; two keys so rotation is exercised.
os.environ.setdefault(
    "KANGFU_FIELD_KEYS",
    "t2:dGVzdC1rZXktdHdvLXRlc3Qta2V5LXR3by10ZXN0LWs=,"
    "t1:dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LWs=",
)
os.environ.setdefault("KANGFU_BLIND_INDEX_KEY", "dGVzdC1ibGluZC1pbmRleC1rZXktdGVzdC1ibGluZC0=")
os.environ.setdefault("KANGFU_BACKUP_KEY", "dGVzdC1iYWNrdXAta2V5LXRlc3QtYmFja3VwLWtleS0=")
# Checks and imports run inline in tests: a thread would not see the test's transaction.
os.environ.setdefault("KANGFU_IMPORT_IN_BACKGROUND", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *

# Fast hashing keeps the suite quick; production uses Argon2 (config/settings.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
