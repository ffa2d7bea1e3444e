"""Settings for the test suite: fixed, obviously fake secrets so tests are repeatable."""

import os
import tempfile

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
# A fixed, fake Ed25519 signing key for upward packages (kangfu.reports.upward).
os.environ.setdefault("KANGFU_REPORTS_SIGNING_KEY", "dGVzdC1yZXBvcnRzLXNpZ25pbmcta2V5LTMyYnl0ZXM=")
os.environ.setdefault("KANGFU_BACKUP_KEY", "dGVzdC1iYWNrdXAta2V5LXRlc3QtYmFja3VwLWtleS0=")
# Checks and imports run inline in tests: a thread would not see the test's transaction.
os.environ.setdefault("KANGFU_IMPORT_IN_BACKGROUND", "false")
# Documents of the tests go to a throw-away folder, never to var/documents.
os.environ.setdefault("KANGFU_DOCUMENT_ROOT", tempfile.mkdtemp(prefix="kangfu-test-documents-"))
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *

# Fast hashing keeps the suite quick; production uses Argon2 (config/settings.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Templates name static files without a collectstatic run: no manifest in tests.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files from the apps' folders, as in development: no STATIC_ROOT to fill.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
