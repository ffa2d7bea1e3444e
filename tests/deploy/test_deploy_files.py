"""deploy/: the compose file, the systemd units and .env.example agree (CI has no Docker)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KANGFU_SERVICES = ("migrate", "web", "sweep")


def example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def required_secrets() -> set[str]:
    """Variables config/settings.py reads without a default: the process cannot start without."""
    text = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env_str\("([A-Z_]+)"\)', text))


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_it_runs_postgresql_15_gunicorn_migrations_and_the_daily_sweep():
    services = compose()["services"]
    assert set(services) == {"db", "migrate", *KANGFU_SERVICES}
    assert services["db"]["image"] == "postgres:15"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["web"]["command"] == ["gunicorn", "-c", "config/gunicorn.py"]
    assert services["sweep"]["command"] == ["python", "deploy/sweep_loop.py"]
    for name in ("web", "sweep"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("db", "web", "sweep"):
        assert services[name]["healthcheck"]["test"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "pgdata" in compose()["volumes"]
    # Published on the host's loopback only: TLS is the proxy's job.
    assert all(port.startswith("127.0.0.1:") for port in services["web"]["ports"])


def test_it_passes_only_variables_listed_in_env_example():
    known = example_variables()
    services = compose()["services"]
    for name in KANGFU_SERVICES:
        passed = set(services[name]["environment"])
        assert passed <= known, f"{name} passes {sorted(passed - known)}, not in .env.example"
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    assert interpolated <= known, f"compose reads {sorted(interpolated - known)}"


def test_it_passes_every_required_secret_and_never_debug():
    secrets = required_secrets()
    assert {"SECRET_KEY", "KANGFU_FIELD_KEYS", "KANGFU_BLIND_INDEX_KEY"} <= secrets
    services = compose()["services"]
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for name in KANGFU_SERVICES:
        environment = services[name]["environment"]
        assert secrets <= set(environment), f"{name} lacks {sorted(secrets - set(environment))}"
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
    for secret in secrets:
        # No default: a missing secret stops `docker compose` with a message.
        assert re.search(rf"\$\{{{secret}:\?", text), f"{secret} must be ${{{secret}:?...}}"


def test_it_lists_every_variable_the_settings_and_gunicorn_read_in_env_example():
    read: set[str] = set()
    for path in [
        ROOT / "config" / "settings.py",
        ROOT / "config" / "gunicorn.py",
        *DEPLOY.glob("*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', text))
        read |= set(re.findall(r'environ\.get\("([A-Z_]+)"', text))
    missing = read - example_variables()
    assert not missing, f"add {sorted(missing)} to .env.example"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def test_it_has_systemd_units_for_gunicorn_and_a_daily_sweep_timer():
    web = unit("kangfu.service")
    assert "gunicorn -c config/gunicorn.py" in web["Service"]["ExecStart"]
    assert web["Service"]["EnvironmentFile"] == "/etc/kangfu/kangfu.env"
    sweep = unit("kangfu-sweep.service")
    assert sweep["Service"]["Type"] == "oneshot"
    assert sweep["Service"]["ExecStart"].endswith("manage.py sweep")
    timer = unit("kangfu-sweep.timer")
    assert timer["Timer"]["Unit"] == "kangfu-sweep.service"
    assert timer["Timer"]["OnCalendar"].startswith("*-*-* ")
    assert timer["Timer"]["Persistent"] == "true"


def test_it_builds_on_python_311_slim_with_weasyprint_libraries_and_cjk_fonts():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, flags=re.MULTILINE)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"):
        assert package in dockerfile
    assert "collectstatic" in dockerfile
    assert 'CMD ["gunicorn", "-c", "config/gunicorn.py"]' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert "var" in ignored and ".env" in ignored  # no developer keys in the image
