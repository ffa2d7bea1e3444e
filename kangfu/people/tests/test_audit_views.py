"""Every look at a person is recorded: routes, purpose prompt, break-glass, audit pages."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from conftest import make_user, register
from conftest import sign_in as sign_in_zh
from kangfu.access.choices import AccessPurpose, AuditAction, Role
from kangfu.access.models import AuditEvent, AuditReview, Disclosure
from kangfu.people import idnumber
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db

LIST = reverse("people:person-list")
CREATE = reverse("people:person-create")
AUDIT = reverse("people:audit-list")
EMERGENCY = reverse("people:person-break-glass")
# 2026-11-24 10:00 in Shanghai: office hours.
DAYTIME = dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC)


def sign_in(client, user):
    """Sign in with English pages: new strings are asserted in English so the tests do not
    depend on the state of the zh_Hans catalogue; the printable list is always Chinese."""
    sign_in_zh(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(name, person):
    return reverse(f"people:{name}", args=[person.public_id])


def events_about(person):
    return list(AuditEvent.objects.filter(object_id=str(person.public_id)).order_by("seq"))


class Recorder:
    """Counts the audit events a block of requests appends."""

    def __enter__(self):
        self.before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        return self

    def __exit__(self, *exc):
        self.events = list(AuditEvent.objects.filter(seq__gt=self.before).order_by("seq"))


def lists_event(body, event) -> bool:
    return re.search(rf"<small>#{event.seq}\b", body) is not None


def give_purpose(client, person, purpose="supervision", note=""):
    response = client.post(url("person-purpose", person), {"purpose": purpose, "note": note})
    assert response.status_code == 302
    return response


@pytest.fixture
def more(tree, personas):
    """A duty officer with a county emergency grant, and a supervisor of another county."""
    return type(
        "More",
        (),
        {
            "duty": make_user("duty", Role.EMERGENCY_ACCESS, tree.county, display_name="值班员"),
            "supervisor_c": make_user("supervisor_c", Role.SUPERVISOR, tree.county_c),
            "worker_c": make_user("worker_c", Role.CASEWORKER, tree.c),
        },
    )


# --- one event per route that shows person data ---------------------------------------------


@time_machine.travel(DAYTIME, tick=False)
def test_it_records_exactly_one_read_when_a_caseworker_opens_their_own_person(
    client, personas, people
):
    sign_in(client, personas.worker_a)
    with Recorder() as rec:
        assert client.get(url("person-detail", people.in_a)).status_code == 200
    (event,) = rec.events
    assert event.action == AuditAction.READ
    assert event.object_id == str(people.in_a.public_id)
    assert event.purpose == AccessPurpose.CASELOAD and not event.outside_caseload
    assert "id_number" in event.fields and "access_history" in event.fields
    assert event.actor == personas.worker_a and event.client_address == "127.0.0.1"


def test_it_records_one_event_for_each_route_that_shows_person_data(client, personas, people):
    sign_in(client, personas.worker_a)
    person = Person.objects.get(pk=people.in_a.pk)
    routes = [
        ("get", url("person-detail", person), {}, AuditAction.READ),
        ("get", url("person-edit", person), {}, AuditAction.READ),
        ("get", url("person-access-record", person), {}, AuditAction.PRINT),
        ("get", LIST, {}, AuditAction.SEARCH),
        ("get", LIST, {"q": "张"}, AuditAction.SEARCH),
        ("get", LIST, {"q": person.id_number}, AuditAction.SEARCH),
    ]
    for method, path, data, action in routes:
        with Recorder() as rec:
            response = getattr(client, method)(path, data)
        assert response.status_code == 200, path
        assert [e.action for e in rec.events] == [action], path


def test_it_records_an_update_naming_only_the_changed_fields(client, personas, people):
    sign_in(client, personas.worker_a)
    person = Person.objects.get(pk=people.in_a.pk)
    form = {
        "name": person.name,
        "id_number": person.id_number,
        "phone": "13912345678",
        "hukou_place": person.hukou_place,
        "address": person.address,
        "caseworker": personas.worker_a.pk,
    }
    with Recorder() as rec:
        assert client.post(url("person-edit", person), form).status_code == 302
    (event,) = rec.events
    assert event.action == AuditAction.UPDATE and event.fields == ["phone"]
    assert "13912345678" not in str(event.fields) + event.detail + event.purpose_note


def test_it_records_a_registration(client, personas, tree):
    sign_in(client, personas.worker_a)
    number = idnumber.make("520102", dt.date(1988, 6, 15), 135)
    form = {"name": "赵磊", "id_number": number, "hukou_place": "城关区", "township": tree.a.pk}
    with Recorder() as rec:
        assert client.post(CREATE, form).status_code == 302
    (event,) = rec.events
    person = Person.objects.get()
    assert event.action == AuditAction.CREATE and event.object_id == str(person.public_id)
    assert event.purpose == AccessPurpose.REGISTRATION
    assert {"name", "id_number", "hukou_place"} <= set(event.fields)


def test_a_search_event_keeps_the_kind_of_query_but_not_the_text(client, personas, people):
    sign_in(client, personas.worker_a)
    with Recorder() as rec:
        client.get(LIST, {"q": "张伟"})
    (event,) = rec.events
    assert "query=name_prefix" in event.detail and "hits=1" in event.detail
    assert "张" not in event.detail and event.object_id == ""
    assert event.scope_path == people.in_a.township.path


def test_a_user_of_another_jurisdiction_gets_404_and_nothing_is_recorded(client, personas, people):
    sign_in(client, personas.worker_a)
    with Recorder() as rec:
        for name in ("person-detail", "person-edit", "person-purpose", "person-access-record"):
            assert client.get(url(name, people.in_b)).status_code == 404, name
        assert client.post(url("disclosure-create", people.in_b), {}).status_code == 404
    assert rec.events == []


# --- purpose of access -----------------------------------------------------------------------


def test_it_asks_a_supervisor_for_a_purpose_before_opening(client, personas, people):
    sign_in(client, personas.supervisor)
    with Recorder() as rec:
        response = client.get(url("person-detail", people.in_a))
        prompt = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(
        url("person-purpose", people.in_a) + "?next=detail&return="
    )
    body = prompt.content.decode()
    assert "Purpose of access" in body and people.in_a.name not in body
    assert rec.events == []  # the prompt shows no person data


def test_it_records_the_purpose_and_remembers_it_for_that_person_only(client, personas, people):
    sign_in(client, personas.supervisor)
    give_purpose(client, people.in_a, "approval")
    with Recorder() as rec:
        assert client.get(url("person-detail", people.in_a)).status_code == 200
        assert client.get(url("person-detail", people.in_a)).status_code == 200
        assert client.get(url("person-detail", people.in_b)).status_code == 302
    assert [(e.purpose, e.outside_caseload) for e in rec.events] == [
        (AccessPurpose.APPROVAL, True),
        (AccessPurpose.APPROVAL, True),
    ]


def test_other_purpose_needs_an_explanation(client, personas, people):
    sign_in(client, personas.supervisor)
    response = client.post(url("person-purpose", people.in_a), {"purpose": "other", "note": ""})
    assert response.status_code == 200
    assert client.get(url("person-detail", people.in_a)).status_code == 302
    give_purpose(client, people.in_a, "other", "核对上级转来的信访材料")
    client.get(url("person-detail", people.in_a))
    assert events_about(people.in_a)[-1].purpose_note == "核对上级转来的信访材料"


def test_a_caseworker_opening_a_colleagues_person_states_a_purpose(client, personas, tree):
    colleague = make_user("worker_a2", Role.CASEWORKER, tree.a)
    person = register(colleague, tree.a, name="周敏", sex="F")
    sign_in(client, personas.worker_a)
    assert client.get(url("person-detail", person)).status_code == 302
    assert "?next=edit&return=" in client.get(url("person-edit", person))["Location"]


def test_the_purpose_prompt_only_sends_on_to_known_pages(client, personas, people):
    sign_in(client, personas.supervisor)
    response = client.post(
        url("person-purpose", people.in_a) + "?next=https://evil.example/",
        {"purpose": "supervision"},
    )
    assert response["Location"] == url("person-detail", people.in_a)


# --- break-glass -----------------------------------------------------------------------------


def open_emergency(client, person, reason="医院来电：当事人昏迷送医，需核实身份及紧急联系人"):
    return client.post(EMERGENCY, {"id_number": person.id_number, "reason": reason})


@time_machine.travel(DAYTIME, tick=False)
def test_break_glass_opens_a_person_outside_normal_scope_for_four_hours(client, more, people):
    person = Person.objects.get(pk=people.in_b.pk)
    sign_in(client, more.duty)
    assert client.get(url("person-detail", person)).status_code == 403  # no normal read role
    with Recorder() as rec:
        response = open_emergency(client, person)
        assert response["Location"] == url("person-detail", person)
        body = client.get(url("person-detail", person)).content.decode()
    assert person.name in body and person.id_number in body
    opened, read = rec.events
    assert opened.action == AuditAction.BREAK_GLASS and opened.purpose == AccessPurpose.EMERGENCY
    assert "昏迷" in opened.purpose_note
    assert read.action == AuditAction.READ and read.purpose == AccessPurpose.EMERGENCY
    # Keep the session alive (it ends after 30 idle minutes) until the grant lapses at 4 h.
    for minutes in range(20, 240, 20):
        with time_machine.travel(DAYTIME + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(url("person-detail", person)).status_code == 200, minutes
    with time_machine.travel(DAYTIME + dt.timedelta(hours=4, minutes=1), tick=False):
        assert client.get(url("person-detail", person)).status_code == 403


def test_break_glass_stays_inside_the_grants_subtree(client, more, tree):
    outside = register(more.worker_c, tree.c, name="吴刚")
    sign_in(client, more.duty)
    with Recorder() as rec:
        response = open_emergency(client, Person.objects.get(pk=outside.pk))
    assert response.status_code == 200
    assert "No person with this ID number is under your emergency access" in (
        response.content.decode()
    )
    assert rec.events == []
    assert client.get(url("person-detail", outside)).status_code == 403


def test_break_glass_needs_a_written_reason_and_the_role(client, more, personas, people):
    sign_in(client, more.duty)
    person = Person.objects.get(pk=people.in_b.pk)
    assert open_emergency(client, person, reason="急救").status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS).exists()
    sign_in(client, personas.worker_a)
    assert client.get(EMERGENCY).status_code == 403


def test_break_glass_waits_on_the_review_list_until_another_supervisor_reviews_it(
    client, more, personas, people
):
    sign_in(client, more.duty)
    open_emergency(client, Person.objects.get(pk=people.in_b.pk))
    event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS)
    sign_in(client, personas.supervisor)
    pending = client.get(AUDIT, {"flag": "unreviewed"}).content.decode()
    assert lists_event(pending, event) and "Not yet reviewed" in pending
    response = client.post(reverse("people:audit-review", args=[event.seq]), {"note": "已核实"})
    assert response.status_code == 302
    review = AuditReview.objects.get(event=event)
    assert review.reviewed_by == personas.supervisor and review.note == "已核实"
    assert not lists_event(client.get(AUDIT, {"flag": "unreviewed"}).content.decode(), event)
    assert AuditEvent.objects.filter(action=AuditAction.REVIEW).count() == 1


def test_nobody_reviews_their_own_break_glass(client, tree, people):
    both = make_user("both", Role.SUPERVISOR, tree.county)
    from kangfu.access.services import grant_create

    grant_create(user=both, role=Role.EMERGENCY_ACCESS, jurisdiction=tree.county)
    sign_in(client, both)
    open_emergency(client, Person.objects.get(pk=people.in_b.pk))
    event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS)
    client.post(reverse("people:audit-review", args=[event.seq]), {})
    assert not AuditReview.objects.exists()


def test_a_supervisor_of_another_county_cannot_see_or_review_it(client, more, people):
    sign_in(client, more.duty)
    open_emergency(client, Person.objects.get(pk=people.in_b.pk))
    event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS)
    sign_in(client, more.supervisor_c)
    assert not lists_event(client.get(AUDIT).content.decode(), event)
    review = client.post(reverse("people:audit-review", args=[event.seq]), {})
    assert review.status_code == 404
    assert not AuditReview.objects.exists()


# --- the supervisors' audit list -------------------------------------------------------------


def test_only_supervisors_see_the_audit_list(client, personas, people):
    for user in (personas.worker_a, personas.civil, personas.admin):
        sign_in(client, user)
        assert client.get(AUDIT).status_code == 403


def test_the_audit_list_covers_the_supervisors_subtree_only(client, personas, more, people):
    in_c = register(more.worker_c, more.worker_c.grants.get().jurisdiction, name="吴刚")
    sign_in(client, personas.supervisor)
    body = client.get(AUDIT).content.decode()
    assert url("person-detail", people.in_a) in body and url("person-detail", people.in_b) in body
    assert url("person-detail", in_c) not in body
    assert people.in_a.name not in body  # records by reference, never by name
    sign_in(client, more.supervisor_c)
    filtered = client.get(AUDIT, {"person": str(people.in_a.public_id)}).content.decode()
    assert url("person-detail", people.in_a) not in filtered
    assert "No event matches" in filtered


def test_the_audit_list_filters_by_user_action_and_person(client, personas, people):
    sign_in(client, personas.supervisor)
    body = client.get(AUDIT, {"user": "worker_b"}).content.decode()
    assert url("person-detail", people.in_b) in body
    assert url("person-detail", people.in_a) not in body
    body = client.get(AUDIT, {"person": str(people.in_a.public_id), "action": "create"})
    assert url("person-detail", people.in_a) in body.content.decode()
    assert "No event matches" in client.get(AUDIT, {"action": "print"}).content.decode()
    assert "No event matches" in client.get(AUDIT, {"date_from": "2999-01-01"}).content.decode()


def test_it_flags_access_at_night(client, personas, people):
    night = dt.datetime(2026, 11, 24, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    with time_machine.travel(night, tick=False):
        sign_in(client, personas.worker_a)
        client.get(url("person-detail", people.in_a))
    sign_in(client, personas.supervisor)
    body = client.get(AUDIT, {"flag": "night"}).content.decode()
    assert body.count('<span class="flag">At night</span>') == 1
    assert "2026-11-24 23:30" in body
    assert "2026-11-24 23:30" not in client.get(AUDIT, {"user": "worker_b"}).content.decode()


@time_machine.travel(DAYTIME, tick=False)
def test_it_flags_a_user_opening_many_persons_outside_their_caseload_in_a_day(
    client, personas, tree, settings
):
    settings.KANGFU_AUDIT_MANY_PERSONS_PER_DAY = 3
    persons = [register(personas.worker_a, tree.a, name=f"查阅{n}") for n in range(3)]
    sign_in(client, personas.supervisor)
    for person in persons[:2]:
        give_purpose(client, person)
        client.get(url("person-detail", person))
        client.get(url("person-detail", person))  # the same person twice counts once
    assert "No event matches" in client.get(AUDIT, {"flag": "many"}).content.decode()
    give_purpose(client, persons[2])
    client.get(url("person-detail", persons[2]))
    body = client.get(AUDIT, {"flag": "many"}).content.decode()
    assert body.count("persons outside caseload that day</span>") == 5
    assert "No event matches" in client.get(AUDIT, {"flag": "unreviewed"}).content.decode()


@pytest.mark.parametrize("size", [5, 60])
def test_the_audit_list_runs_a_constant_number_of_queries(
    client, personas, tree, size, django_assert_max_num_queries
):
    for n in range(size):
        register(personas.worker_a, tree.a, name=f"日志{n:02d}")
    sign_in(client, personas.supervisor)
    # 12 to show the page, 5 to append the event that records this read of the log.
    # Constant: the page, its audit write and the inbox count in the bar (18 at any size).
    with django_assert_max_num_queries(18):
        assert client.get(AUDIT).status_code == 200


# --- the record's own history, disclosures, and the printable list ---------------------------


def disclosure_form(**overrides):
    data = {
        "recipient": "城关区民政局",
        "legal_basis": "consent",
        "basis_reference": "同意书 2026-017",
        "categories": ["identity", "contact"],
        "disclosed_on": "2026-11-20",
    }
    data.update(overrides)
    return data


@time_machine.travel(DAYTIME, tick=False)
def test_it_records_a_disclosure_with_one_audit_event(client, personas, people):
    sign_in(client, personas.worker_a)
    with Recorder() as rec:
        response = client.post(url("disclosure-create", people.in_a), disclosure_form())
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.categories == ["identity", "contact"]
    assert disclosure.recorded_by == personas.worker_a
    (event,) = rec.events
    assert event.action == AuditAction.DISCLOSE and event.fields == ["contact", "identity"]
    assert "城关区民政局" in client.get(url("person-detail", people.in_a)).content.decode()


@time_machine.travel(DAYTIME, tick=False)
def test_the_record_page_fetches_the_disclosure_form_only_when_it_is_opened(
    client, personas, people
):
    sign_in(client, personas.worker_a)
    page = client.get(url("person-detail", people.in_a)).content.decode()
    form_url = url("disclosure-create", people.in_a)
    # The section links to the form (without JavaScript) and loads it when opened (htmx).
    assert f'hx-get="{form_url}" hx-trigger="toggle once"' in page
    assert f'<a href="{form_url}">Open the disclosure form</a>' in page
    assert 'name="recipient"' not in page
    with Recorder() as rec:
        bare = client.get(form_url, headers={"HX-Request": "true"}).content.decode()
        full = client.get(form_url).content.decode()
    assert rec.events == []  # a blank form shows no one's data
    assert 'name="recipient"' in bare and f'action="{form_url}"' in bare
    assert "<html" not in bare and "<html" in full
    # The form fetched into the page records like the one on its own page.
    response = client.post(form_url, disclosure_form())
    assert response.status_code == 302 and response["Location"].endswith("#disclosures")
    assert Disclosure.objects.get().recipient == "城关区民政局"


@time_machine.travel(DAYTIME, tick=False)
def test_a_disclosure_needs_categories_and_a_past_date(client, personas, people):
    sign_in(client, personas.worker_a)
    bad = disclosure_form(categories=[], disclosed_on="2026-12-01")
    response = client.post(url("disclosure-create", people.in_a), bad)
    assert response.status_code == 200
    assert not Disclosure.objects.exists()
    body = response.content.decode()
    assert "Data categories: This field is required." in body
    assert "The date cannot be in the future." in body


@time_machine.travel(DAYTIME, tick=False)
def test_the_printable_record_lists_accesses_and_disclosures_in_chinese(client, personas, people):
    sign_in(client, personas.supervisor)
    give_purpose(client, people.in_a, "approval")
    client.get(url("person-detail", people.in_a))
    sign_in(client, personas.worker_a)
    client.post(url("disclosure-create", people.in_a), disclosure_form())
    client.post(reverse("set_language"), {"language": "en", "next": LIST})
    person = Person.objects.get(pk=people.in_a.pk)
    page = client.get(url("person-access-record", person)).content.decode()
    assert '<html lang="zh-hans">' in page  # whatever the user's own language
    body = page.split('class="print-page"')[1]
    assert (
        "城关区民政局" in body
        and "禁毒办督导 · 城关区" not in body
        and "城关区 · 禁毒办督导" in body
    )
    assert person.id_number not in body and person.id_number[-4:] in body
    # Staff appear as role and office, not by personal name or account.
    assert "王社工" not in body and "supervisor" not in body
    assert events_about(person)[-1].action == AuditAction.PRINT


# --- the log in words ---------------------------------------------------------------------


def _today_search(user, node, hits):
    from kangfu.access.audit import audit_record

    audit_record(
        ctx=user,
        action=AuditAction.SEARCH,
        obj=("schedule.reminder", "", node.path),
        fields=("name", "reminders"),
        outside_caseload=True,
        detail=f"query=today township={node.pk} hits={hits} page=1",
    )


@time_machine.travel(DAYTIME, tick=False)
def test_the_audit_list_tells_each_event_as_a_chinese_sentence(client, personas, tree, people):
    _today_search(personas.worker_a, tree.a, 12)
    sign_in_zh(client, personas.worker_a)
    client.get(LIST, {"q": "张"})
    sign_in_zh(client, personas.supervisor)
    body = client.get(AUDIT).content.decode()
    assert "查看“今日待办”页面，乡镇：城东街道，命中 12 条，涉及数据：姓名、提醒" in body
    assert "按姓名查找人员，命中 1 条，涉及数据：出生日期、禁毒社工、姓名、性别" in body
    assert "本人负责" in body  # the purpose, by its label
    for internal in ("query=", "hits=", "township=", "birth_date", "name_prefix"):
        assert internal not in body


@pytest.mark.parametrize("size", [5, 60])
def test_the_audit_list_names_places_in_a_constant_number_of_queries(
    client, personas, tree, size, django_assert_max_num_queries
):
    for n in range(size):
        _today_search(personas.supervisor, [tree.a, tree.b][n % 2], n)
    sign_in(client, personas.supervisor)
    # As above, plus one for the "many persons" flag (these searches are outside the
    # caseload) and one for the names of every place the page mentions: 20 at any size.
    with django_assert_max_num_queries(20):
        body = client.get(AUDIT).content.decode()
    assert "城西街道" in body and "城东街道" in body


@time_machine.travel(DAYTIME, tick=False)
def test_the_printable_record_says_what_was_seen(client, personas, people):
    sign_in(client, personas.worker_a)
    client.get(url("person-detail", people.in_a))
    page = client.get(url("person-access-record", people.in_a)).content.decode()
    body = page.split('class="print-page"')[1]
    assert "查阅或办理的内容" in body and "涉及数据：查阅记录、住址、出生日期" in body
    assert "birth_date" not in body and "id_number" not in body
