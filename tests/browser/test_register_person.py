import datetime as dt

from conftest import PASSWORD
from kangfu.people import idnumber
from kangfu.people.models import Person
from tests.browser.conftest import sign_in


def test_it_registers_a_person_after_a_chinese_error_for_a_bad_id_number(
    page, personas, tree, output_dir
):
    good = idnumber.make("520102", dt.date(1991, 4, 18), 357)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    sign_in(page, personas.worker_a.username, PASSWORD)
    page.get_by_role("link", name="人员").first.click()
    page.get_by_role("link", name="登记人员").click()
    page.get_by_label("姓名").fill("陈晓东")
    page.get_by_label("居民身份证号码").fill(bad)
    page.get_by_label("联系电话").fill("13698765432")
    page.get_by_label("户籍地").fill("示范省东川市城关区")
    page.get_by_role("button", name="保存").click()

    error = page.locator("#id_id_number_error")
    error.wait_for()
    assert "居民身份证号码" in error.inner_text()
    assert "校验码不正确" in error.inner_text()
    page.screenshot(path=output_dir / "01-bad-id-number.png", full_page=True)
    assert not Person.objects.exists()

    page.get_by_label("居民身份证号码").fill(good)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/people/*-*/")
    assert page.get_by_role("heading", level=1).inner_text() == "陈晓东"
    assert "人员已登记" in page.content()
    page.screenshot(path=output_dir / "02-registered.png", full_page=True)

    person = Person.objects.get()
    assert person.township == tree.a
    assert person.birth_date == dt.date(1991, 4, 18)


def test_the_language_switch_turns_the_page_english(page, personas, output_dir):
    sign_in(page, personas.worker_a.username, PASSWORD)
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="People").first.wait_for()
    page.screenshot(path=output_dir / "home-en.png", full_page=True)
