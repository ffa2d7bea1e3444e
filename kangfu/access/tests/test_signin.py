import datetime as dt
import os
import subprocess
import sys

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db
HOME = reverse("web:home")
TWO_FA = reverse("access:2fa")


def password_login(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_it_locks_sign_in_after_five_failures(client, personas):
    for _ in range(4):
        response = password_login(client, personas.worker_a, "wrong-password-1")
        assert response.status_code == 200
    assert password_login(client, personas.worker_a, "wrong-password-1").status_code == 429
    response = password_login(client, personas.worker_a)  # right password, but locked
    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()
    assert client.get(HOME).status_code == 302  # still not signed in


def test_a_lockout_is_per_account_and_address(client, personas):
    for _ in range(5):
        password_login(client, personas.worker_a, "wrong-password-1")
    assert password_login(client, personas.worker_b).status_code == 302


@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_roles_with_wide_access_must_enrol_a_second_factor(client, personas, persona):
    user = getattr(personas, persona)
    with time_machine.travel(dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC), tick=False) as clock:
        assert password_login(client, user).status_code == 302
        response = client.get(HOME)
        assert response.status_code == 302 and response["Location"].startswith(TWO_FA)
        assert client.get(reverse("people:person-list")).status_code == 302

        page = client.get(TWO_FA)
        assert "data:image/svg+xml;base64," in page.content.decode()  # the QR code
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        wrong = "000000" if current_code(device) != "000000" else "111111"
        assert "验证码错误或已过期" in client.post(TWO_FA, {"token": wrong}).content.decode()
        # django-otp throttles after a failure (1 s, then 2 s, ...): wait before the right code.
        clock.shift(35)
        client.post(TWO_FA, {"token": current_code(device), "next": HOME})
        assert client.get(HOME).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_an_enrolled_supervisor_is_asked_for_the_code_at_every_sign_in(client, personas):
    device = TOTPDevice.objects.create(user=personas.supervisor, name="phone", confirmed=True)
    password_login(client, personas.supervisor)
    assert client.get(HOME)["Location"].startswith(TWO_FA)
    assert "请输入手机上身份验证器" in client.get(TWO_FA).content.decode()
    client.post(TWO_FA, {"token": current_code(device)})
    assert client.get(HOME).status_code == 200


def test_a_caseworker_signs_in_without_a_second_factor_unless_they_opted_in(client, personas):
    password_login(client, personas.worker_a)
    assert client.get(HOME).status_code == 200
    TOTPDevice.objects.create(user=personas.worker_b, name="phone", confirmed=True)
    other = Client()
    password_login(other, personas.worker_b)
    assert other.get(HOME)["Location"].startswith(TWO_FA)


def test_a_session_expires_after_30_minutes_without_activity(personas):
    start = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = sign_in(Client(), personas.worker_a)
        assert client.get(HOME).status_code == 200
        clock.move_to(start + dt.timedelta(minutes=29))
        assert client.get(HOME).status_code == 200  # activity renews the session
        clock.move_to(start + dt.timedelta(minutes=29 + 31))
        response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_every_page_sends_the_security_headers(client, personas, people):
    sign_in(client, personas.worker_a)
    urls = [
        HOME,
        reverse("people:person-list"),
        reverse("people:person-create"),
        reverse("people:person-detail", args=[people.in_a.public_id]),
        reverse("people:person-edit", args=[people.in_a.public_id]),
        reverse("access:account"),
        reverse("access:password-change"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "unsafe-inline" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cache-Control"] == "no-store, private", url
    login_page = Client().get(reverse("login"))
    assert "default-src 'self'" in login_page["Content-Security-Policy"]


def test_a_post_without_the_csrf_token_is_refused(personas, tree):
    client = sign_in(Client(enforce_csrf_checks=True), personas.worker_a)
    response = client.post(reverse("people:person-create"), {"name": "赵磊"})
    assert response.status_code == 403


def test_production_settings_hash_with_argon2_and_use_secure_cookies():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "x" * 50,
        "KANGFU_FIELD_KEYS": "k1:" + "A" * 43 + "=",
        "KANGFU_BLIND_INDEX_KEY": "B" * 43 + "=",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "KANGFU_ENV_FILE": "",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PASSWORD_HASHERS[0], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_AGE, s.DEBUG)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))),
    ).stdout.split()
    assert out == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "True",
        "True",
        "True",
        "1800",
        "False",
    ]


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "KANGFU_ENV_FILE": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))),
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_it_caps_guesses_per_account_spread_over_many_addresses(personas, settings):
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 8
    with time_machine.travel("2026-11-24 10:00 +0800", tick=False):
        answers = []
        for n in range(8):  # 4 addresses, 2 wrong guesses each: none reaches 5 alone
            address = f"203.0.113.{n // 2 + 1}"
            response = Client(REMOTE_ADDR=address).post(
                reverse("login"),
                {"username": personas.worker_a.username, "password": "wrong-password-1"},
            )
            answers.append(response.status_code)
        assert answers == [200] * 7 + [429]  # the 8th guess reaches the account's cap
        fresh = Client(REMOTE_ADDR="198.51.100.7")
        assert password_login(fresh, personas.worker_a).status_code == 429
        # Another account from the same addresses is not affected.
        assert (
            password_login(Client(REMOTE_ADDR="203.0.113.1"), personas.worker_b).status_code == 302
        )


START = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


def test_a_session_ends_after_thirty_idle_minutes_and_is_written_once_a_minute(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes(url=HOME):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    with time_machine.travel(START, tick=False):
        sign_in(client, personas.worker_a)
        session_writes()
        assert session_writes() == 0  # used again within the minute: no write
    # Each use pushes the idle deadline back: 25-minute gaps never end the session.
    for minutes in (25, 50, 75):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert session_writes() == 1
    with time_machine.travel(START + dt.timedelta(minutes=75 + 31), tick=False):
        assert client.get(HOME).status_code == 302  # idle for 31 minutes: signed out
