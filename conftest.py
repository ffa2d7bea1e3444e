"""Shared test personas (DESIGN.md habit 10) over a small tree:

national › 示范省 › 东川市 › 城关区 › 城东街道 (A) and 城西街道 (B); plus 河口县 › 河口镇 (C)
"""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import time_machine

from kangfu.access.choices import DepartmentKind, Level, Role
from kangfu.access.models import User
from kangfu.access.services import department_create, grant_create, jurisdiction_create
from kangfu.people import idnumber
from kangfu.people.services import PersonData, person_register

PASSWORD = "correct-horse-battery-9"

# Every test runs on a clock that starts on a weekday morning in Shanghai and ticks on from
# there, so no test depends on the hour or the day CI happens to run (the audit log's night
# flag, "today", office hours). A test that needs another moment travels there itself.
CLOCK_START = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(CLOCK_START, tick=True):
        yield


@pytest.fixture(autouse=True)
def _language():
    """Each test starts in the default language (zh-Hans), whatever the one before it left
    active on this thread."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def tree(db):
    nation = jurisdiction_create(code="100000", name="全国", level=Level.NATIONAL, parent=None)
    province = jurisdiction_create(
        code="520000", name="示范省", level=Level.PROVINCE, parent=nation
    )
    city = jurisdiction_create(code="520100", name="东川市", level=Level.CITY, parent=province)
    county = jurisdiction_create(code="520102", name="城关区", level=Level.COUNTY, parent=city)
    town_a = jurisdiction_create(
        code="520102001", name="城东街道", level=Level.TOWNSHIP, parent=county
    )
    town_b = jurisdiction_create(
        code="520102002", name="城西街道", level=Level.TOWNSHIP, parent=county
    )
    county_c = jurisdiction_create(code="520103", name="河口县", level=Level.COUNTY, parent=city)
    town_c = jurisdiction_create(
        code="520103100", name="河口镇", level=Level.TOWNSHIP, parent=county_c
    )
    return SimpleNamespace(
        nation=nation,
        province=province,
        city=city,
        county=county,
        a=town_a,
        b=town_b,
        county_c=county_c,
        c=town_c,
    )


def make_user(username: str, role: str | None, node, department=None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role is not None:
        grant_create(user=user, role=role, jurisdiction=node, department=department)
    return user


@pytest.fixture
def personas(tree):
    civil = department_create(
        jurisdiction=tree.county, kind=DepartmentKind.CIVIL_AFFAIRS, name="城关区民政局"
    )
    return SimpleNamespace(
        worker_a=make_user("worker_a", Role.CASEWORKER, tree.a, display_name="王社工"),
        worker_b=make_user("worker_b", Role.CASEWORKER, tree.b, display_name="李社工"),
        officer_a=make_user("officer_a", Role.TOWNSHIP_OFFICER, tree.a),
        supervisor=make_user("supervisor", Role.SUPERVISOR, tree.county),
        civil=make_user("civil", Role.PARTNER, tree.county, department=civil),
        admin=make_user("admin", Role.ADMINISTRATOR, tree.nation, is_staff=True, is_superuser=True),
        nobody=make_user("nobody", None, None),
    )


# Cycles, so a long session never runs out (each test has a fresh database anyway).
_sequence = itertools.cycle(range(1, 999))


def register(actor, township, *, name="张伟", birth=dt.date(1990, 3, 7), sex="M", **fields):
    seq = next(_sequence) * 2 + (1 if sex == "M" else 0)
    data = PersonData(
        name=name,
        sex=sex,
        birth_date=birth,
        id_number=idnumber.make("520102", birth, seq % 1000),
        phone=fields.pop("phone", "13800138000"),
        hukou_place=fields.pop("hukou_place", "示范省东川市城关区"),
        address=fields.pop("address", "城东路 12 号"),
        **fields,
    )
    return person_register(actor=actor, township=township, data=data, caseworker=actor)


@pytest.fixture
def people(personas, tree):
    return SimpleNamespace(
        in_a=register(personas.worker_a, tree.a, name="张伟"),
        in_b=register(personas.worker_b, tree.b, name="李娜", sex="F", birth=dt.date(1985, 12, 1)),
    )


def sign_in(client, user):
    """Log the test client in as ``user``, with the second factor already passed."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # force_login: Axes needs a request to authenticate, which client.login() cannot pass.
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and other cached state never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@contextmanager
def statements_sent():
    """The SQL text of every statement sent inside the block, as sent: a statement bound on
    the server (kangfu.core.db.prepared) leaves no text in Django's own query capture."""
    from django.db import connection

    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent
