"""The production settings (config.settings without a developer's var/dev.env).

Each test starts a fresh interpreter with only the variables a server would set, so nothing
of the developer's machine (var/dev.env, the test settings) leaks in.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "KANGFU_ENV_FILE": "",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "KANGFU_FIELD_KEYS": f"k1:{key()}",
        "KANGFU_BLIND_INDEX_KEY": key(),
        "ALLOWED_HOSTS": "kangfu.example.gov.cn",
    }
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def settings_value(expression: str, env: dict[str, str]) -> str:
    code = (
        f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_refuses_to_start_with_debug_on():
    result = run(["-c", "import django; django.setup()"], production_env(DEBUG="true"))
    assert result.returncode != 0
    assert "DEBUG=true is refused" in result.stderr


def test_it_refuses_debug_from_an_env_file_other_than_the_developers(tmp_path):
    env_file = tmp_path / "kangfu.env"
    env_file.write_text("DEBUG=true\n", encoding="utf-8")
    result = run(
        ["-c", "import django; django.setup()"], production_env(KANGFU_ENV_FILE=str(env_file))
    )
    assert result.returncode != 0
    assert "DEBUG=true is refused" in result.stderr


def test_it_passes_check_deploy_with_the_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_passes_check_deploy_behind_a_tls_proxy_and_trusts_its_header():
    env = production_env(BEHIND_PROXY="true")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert settings_value("s.SECURE_PROXY_SSL_HEADER", env) == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_it_trusts_no_forwarded_header_unless_told_it_is_behind_a_proxy():
    assert settings_value("s.SECURE_PROXY_SSL_HEADER", production_env()) == "None"


def test_it_serves_hashed_compressed_static_files_and_keeps_hsts_on():
    env = production_env()
    backend = settings_value("s.STORAGES['staticfiles']['BACKEND']", env)
    assert backend == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert settings_value("(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)", env) == (
        "(31536000, True)"
    )


def test_it_prepares_statements_on_postgresql_unless_switched_off():
    # Parsing the settings needs no server: the options are what psycopg will be given.
    options = 's.DATABASES["default"]["OPTIONS"].get("prepare_threshold")'
    postgres = {"DATABASE_URL": "postgres://kangfu@db.example:5432/kangfu"}
    assert settings_value(options, production_env(**postgres)) == "5"
    off = production_env(**postgres, DB_PREPARED_STATEMENTS="false")
    assert settings_value(options, off) == "None"
    assert settings_value(options, production_env()) == "None"  # SQLite: nothing to prepare
