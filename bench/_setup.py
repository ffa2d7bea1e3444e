"""What every SQLite benchmark starts with: Django on a fresh database in a temporary folder,
migrated, with one branch of the tree down to a township (示范省 › 东川市 › 城关区 › 城东街道)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_sqlite() -> Path:
    """Point Django at a new SQLite file, set it up and migrate; returns the folder."""
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="kangfu-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return tmp


def fresh_database() -> Path:
    """PostgreSQL when ``DATABASE_URL`` names one (its database is dropped and created
    again: the name must contain "bench", so a real database is never the target), else a
    fresh SQLite file as ``fresh_sqlite``. Returns a temporary folder to remove."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return fresh_sqlite()
    import psycopg

    base, _, name = url.rpartition("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return Path(tempfile.mkdtemp(prefix="kangfu-bench-"))


def one_township():
    """The national root down to 城东街道; returns the township."""
    from kangfu.access.choices import Level
    from kangfu.access.services import jurisdiction_create

    node = None
    for code, name, level in [
        ("100000", "全国", Level.NATIONAL),
        ("520000", "示范省", Level.PROVINCE),
        ("520100", "东川市", Level.CITY),
        ("520102", "城关区", Level.COUNTY),
        ("520102001", "城东街道", Level.TOWNSHIP),
    ]:
        node = jurisdiction_create(code=code, name=name, level=level, parent=node)
    return node
