from conftest import PASSWORD
from kangfu.access.models import AuditEvent
from kangfu.people.models import Person
from tests.browser.conftest import sign_in_with_code


def test_a_supervisor_states_a_purpose_and_the_access_shows_in_the_audit_log(
    page, personas, people, output_dir
):
    person = Person.objects.get(pk=people.in_a.pk)
    sign_in_with_code(page, personas.supervisor, PASSWORD)

    page.get_by_role("link", name="人员").first.click()
    page.get_by_role("link", name=person.name).click()
    page.get_by_role("heading", name="查阅目的").wait_for()
    page.screenshot(path=output_dir / "01-purpose-prompt.png", full_page=True)
    page.get_by_label("督导或案件复查").check()
    page.get_by_role("button", name="打开档案").click()
    page.get_by_role("heading", level=1, name=person.name).wait_for()
    page.screenshot(path=output_dir / "02-record.png", full_page=True)

    event = AuditEvent.objects.filter(action="read").order_by("-seq").first()
    assert event.actor == personas.supervisor
    assert event.purpose == "supervision" and event.outside_caseload

    page.get_by_role("link", name="查阅日志", exact=True).click()
    page.wait_for_url("**/people/audit/**")
    row = page.locator("tr", has_text="督导或案件复查").first
    row.wait_for()
    assert personas.supervisor.username in row.inner_text() or "城关区" in row.inner_text()
    page.screenshot(path=output_dir / "03-audit-log.png", full_page=True)
