"""Dashboard pages: scoping, drill-down, suppression per user, audit, exports."""

import io

import pytest
from openpyxl import load_workbook

from conftest import make_user, sign_in
from kangfu.access.choices import Role
from kangfu.access.models import AuditEvent
from kangfu.reports.figures import BY_KEY
from kangfu.reports.services import snapshot_backfill
from kangfu.reports.tests.conftest import TODAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(county):
    with at("2026-11-20"):
        snapshot_backfill(months=3, on=TODAY)
    return county


def page(client, user, url):
    sign_in(client, user)
    with at("2026-11-20"):
        return client.get(url)


def test_it_shows_the_county_supervisor_suppressed_figures_per_township(
    client, built, personas, tree
):
    response = page(client, personas.supervisor, "/reports/520102/?month=2026-11")
    assert response.status_code == 200
    table = response.context["table"]
    a = table.children[0]
    assert a.node == tree.a
    # 4 registered at A is a small count: "<5"; B's 1 too, and the county's 5 is shown.
    assert a.cells["registered"].shown == "<5"
    assert table.children[1].cells["registered"].shown == "<5"
    assert table.total.cells["registered"].shown == "5"
    assert table.total.cells["treatment"].shown == "<5"
    # Tests are not counts of persons: shown as they are.
    assert a.cells["tests_planned"].shown == "2"
    html = response.content.decode()
    assert "城东街道" in html and 'href="/reports/520102001/' in html
    assert "张伟" not in html and "甲1" not in html


def test_it_shows_a_township_worker_the_exact_figures_of_their_own_township(
    client, built, personas, tree
):
    response = page(client, personas.worker_a, "/reports/520102001/?month=2026-11")
    assert response.status_code == 200
    cells = response.context["table"].total.cells
    assert cells["registered"].shown == "4"
    assert cells["external"].shown == "2"
    assert response.context["table"].total.rates["report_rate"] == "100.0%"


def test_it_answers_404_for_a_sibling_township_and_for_levels_above(client, built, personas):
    sign_in(client, personas.worker_a)
    with at("2026-11-20"):
        assert client.get("/reports/520102002/").status_code == 404
        assert client.get("/reports/520102/").status_code == 404
        assert client.get("/reports/999999/").status_code == 404


def test_it_answers_404_for_a_county_outside_the_supervisors_grant(client, built, personas):
    response = page(client, personas.supervisor, "/reports/520103/")
    assert response.status_code == 404


def test_it_gives_partners_and_administrators_no_statistics(client, built, personas):
    for user in (personas.civil, personas.admin):
        client.logout()
        assert page(client, user, "/reports/").status_code == 403
        assert page(client, user, "/reports/520102/").status_code == 403


def test_it_sends_the_supervisor_straight_to_their_county(client, built, personas):
    response = page(client, personas.supervisor, "/reports/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/520102/"


def test_it_records_opening_a_dashboard_without_any_person(client, built, personas, tree):
    before = AuditEvent.objects.count()
    page(client, personas.supervisor, "/reports/520102/?month=2026-11")
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.object_type, e.object_id, e.scope_path) for e in events] == [
        ("read", "reports.statistics", "", tree.county.path)
    ]
    assert events[0].detail == "dashboard level=county period=month:2026-11 node=520102"
    assert events[0].purpose == "statistics"


def test_it_keeps_the_query_count_flat_at_every_level(
    client, built, personas, tree, django_assert_max_num_queries
):
    province = make_user("prov", Role.SUPERVISOR, tree.province)
    sign_in(client, province)
    for code in ("520000", "520100", "520102", "520102001"):
        with at("2026-11-20"), django_assert_max_num_queries(25):
            assert client.get(f"/reports/{code}/?month=2026-11").status_code == 200


def test_it_downloads_the_monthly_excel_suppressed_even_for_the_township(client, built, personas):
    response = page(client, personas.worker_a, "/reports/520102001/report.xlsx?month=2026-11")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('kangfu-520102001-2026-11.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    summary = book.worksheets[0]
    texts = [[c.value for c in row] for row in summary.iter_rows()]
    assert texts[0][0] == "城东街道统计月报（2026-11）"
    assert texts[1][0].startswith("制表人：王社工")
    header = texts[4]
    registered = header.index("在册人数")
    assert texts[5][registered] == "<5"
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.detail) == (
        "export",
        "report xlsx level=township period=month:2026-11 node=520102001",
    )


def test_it_has_one_sheet_per_level_below_in_the_county_report(client, built, personas):
    response = page(client, personas.supervisor, "/reports/520102/report.xlsx?month=2026-11")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "乡镇（街道）", "指标定义"]


def test_it_produces_the_quarterly_pdf(client, built, personas):
    response = page(
        client, personas.supervisor, "/reports/520102/report.pdf?month=2026-11&period=quarter"
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].endswith('kangfu-520102-2026Q4.pdf"')


def test_it_names_the_month_field_when_it_is_malformed(client, built, personas):
    response = page(client, personas.supervisor, "/reports/520102/?month=2026-13")
    assert response.status_code == 400
    assert "月份：请按 YYYY-MM 格式输入月份，例如 2026-11。" in response.content.decode()
    response = page(client, personas.supervisor, "/reports/520102/report.xlsx?month=11/2026")
    assert response.status_code == 400
    assert response.content.decode() == "月份：请按 YYYY-MM 格式输入月份，例如 2026-11。"


def test_it_lists_measures_past_their_end_for_the_township_staff_only(
    client, built, personas, tree
):
    from kangfu.cases.models import Measure
    from kangfu.reports.services import snapshot_build

    Measure.objects.filter(person=built[1]).update(ends_on="2026-11-18")
    with at("2026-11-20"):
        snapshot_build(on=TODAY)
    response = page(client, personas.worker_a, "/reports/520102001/")
    html = response.content.decode()
    assert "超过法定期限的措施——请立即纠正" in html
    case = Measure.objects.get(person=built[1]).case
    assert f'href="/cases/{case.public_id}/"' in html
    assert "甲1" not in html
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.detail) == (
        "search",
        "query=past_legal_end township=520102001 hits=1",
    )
    client.logout()
    response = page(client, personas.supervisor, "/reports/520102001/")
    assert "超过法定期限的措施——请立即纠正" not in response.content.decode()
    assert response.context["table"].total.cells["past_legal_end"].shown == "<5"


def test_it_adds_up_the_months_of_a_quarter(built, tree):
    import datetime as dt

    from kangfu.reports import selectors

    period = selectors.period_of("quarter", dt.date(2026, 11, 1))
    assert period.label == "2026Q4"
    assert period.days == (dt.date(2026, 10, 31), TODAY)
    b = selectors.figures_table(tree.b, period, raw=True).total.cells
    # Stocks from the last month, events over October and November.
    assert (b["registered"].value, b["report_due"].value, b["transfers_in"].value) == (1, 1, 1)


def test_it_shows_the_statistics_event_in_the_supervisors_access_log(client, built, personas):
    page(client, personas.supervisor, "/reports/520102/?month=2026-11")
    with at("2026-11-20"):
        response = client.get("/people/audit/")
    assert response.status_code == 200
    # The audit log speaks in sentences: the place by name, the month in words.
    assert "查看城关区 2026 年 11 月的统计数据" in response.content.decode()


def test_it_hides_a_monthly_total_that_would_pin_down_its_children(tree):
    import datetime as dt

    from django.utils import timezone

    from kangfu.reports import selectors
    from kangfu.reports.models import SnapshotDay, TownshipDay

    day = dt.date(2026, 10, 31)
    SnapshotDay.objects.create(on=day, built_at=timezone.now(), townships=2)
    for town in (tree.a, tree.b):
        TownshipDay.objects.create(
            on=day,
            township=town,
            county=tree.county,
            city=tree.city,
            province=tree.province,
            registered=4,
            risk_none=4,
        )
    trend = selectors.series(tree.county, until=day, raw=False)
    # 4 + 4 = 8: two "<5" cells adding up to 8 can only be 4 and 4, so 8 is hidden too.
    assert [r["shown"] for r in trend["children"]] == [["<5"], ["<5"]]
    assert dict(trend["node_table"])[BY_KEY["registered"].label] == ["*"]
    table = selectors.figures_table(tree.county, selectors.period_of("month", day), raw=False)
    assert table.total.cells["registered"].shown == "*"


def test_it_suppresses_all_levels_of_an_export_together(tree):
    import datetime as dt

    from django.utils import timezone

    from kangfu.reports import selectors
    from kangfu.reports.models import SnapshotDay, TownshipDay

    day = dt.date(2026, 10, 31)
    SnapshotDay.objects.create(on=day, built_at=timezone.now(), townships=3)
    for town, county, n in (
        (tree.a, tree.county, 4),
        (tree.b, tree.county, 4),
        (tree.c, tree.county_c, 20),
    ):
        TownshipDay.objects.create(
            on=day,
            township=town,
            county=county,
            city=tree.city,
            province=tree.province,
            registered=n,
            risk_none=n,
        )
    whole = selectors.figures_tree(tree.city, selectors.period_of("month", day))
    shown = {
        j.name: whole.rows[j.pk].cells["registered"].shown
        for j in (tree.city, tree.county, tree.county_c, tree.a, tree.b, tree.c)
    }
    # 城关区's 8 would pin its townships' "<5" to 4 and 4; hiding it alone would let
    # 28 − 20 give it back, so 河口县 is hidden too, and then 河口镇 (its only township).
    assert shown == {
        "东川市": "28",
        "城关区": "*",
        "河口县": "*",
        "城东街道": "<5",
        "城西街道": "<5",
        "河口镇": "*",
    }


def test_it_shows_every_level_the_marks_of_one_suppression(tree):
    import datetime as dt

    from django.utils import timezone

    from kangfu.reports import selectors
    from kangfu.reports.models import SnapshotDay, TownshipDay
    from kangfu.reports.services import _store_marks

    day = dt.date(2026, 10, 31)
    SnapshotDay.objects.create(on=day, built_at=timezone.now(), townships=3)
    for town, county, n in (
        (tree.a, tree.county, 4),
        (tree.b, tree.county, 4),
        (tree.c, tree.county_c, 20),
    ):
        TownshipDay.objects.create(
            on=day,
            township=town,
            county=county,
            city=tree.city,
            province=tree.province,
            registered=n,
            risk_none=n,
        )
    _store_marks(day)
    period = selectors.period_of("month", day)
    city = selectors.figures_table(tree.city, period, raw=False)
    county = selectors.figures_table(tree.county, period, raw=False)
    # The city's page no longer shows 城关区's 8, which its own page hides.
    assert [r.cells["registered"].shown for r in city.children] == ["*", "*"]
    assert county.total.cells["registered"].shown == "*"
    assert [r.cells["registered"].shown for r in county.children] == ["<5", "<5"]
