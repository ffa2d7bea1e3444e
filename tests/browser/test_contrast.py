"""Contrast on the main pages: axe-core finds no text under WCAG AA contrast, and the focus
ring and input borders reach 3:1 against what surrounds them (WCAG 1.4.11).

axe-core (tests/browser/assets/, vendored from its npm package with its licence) checks
text; it does not check non-text contrast, so that is computed here from the browser's own
computed styles with the WCAG relative-luminance formula. Error and warning messages must
show in their own colours, never in the success green.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest

from conftest import PASSWORD
from kangfu.schedule.tests.conftest import active_case
from tests.browser.conftest import sign_in

AXE = Path(__file__).parent / "assets" / "axe.min.js"
NON_TEXT_MINIMUM = 3.0
WHITE = "rgb(255, 255, 255)"

# One function run in the page: the colour of an element's ring and border against the
# first opaque background behind the element (the one the ring is drawn over).
PROBE = """
el => {
  const bgOf = node => {
    for (let n = node; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(c) && c !== "transparent") return c;
    }
    return "rgb(255, 255, 255)";
  };
  const s = getComputedStyle(el);
  return {outline: s.outlineColor, outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
          border: s.borderTopColor, borderWidth: s.borderTopWidth,
          behind: bgOf(el.parentElement), own: bgOf(el)};
}
"""


def _rgb(css: str) -> tuple[float, float, float]:
    r, g, b = (float(x) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def luminance(css: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_wcag_formula_gives_the_known_figures():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)") == pytest.approx(4.54, abs=0.01)
    assert contrast("rgb(242, 184, 75)", "rgb(255, 255, 255)") < NON_TEXT_MINIMUM  # the old ring


@pytest.fixture
def axe_page(browser, live_server):
    # axe is injected as a script: the test context sets Kangfu's CSP aside for it alone.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 860},
        locale="zh-CN",
        bypass_csp=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def run_axe(page, output_dir: Path, name: str) -> list[dict]:
    """axe's WCAG 2 A/AA rules on the page: the violations, by rule and element (all of
    them, contrast first among them); the full report is kept beside the screenshot."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
             runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}, resultTypes: ["violations"]})"""
    )
    violations = result["violations"]
    (output_dir / f"{name}-axe.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=1)
    )
    page.screenshot(path=output_dir / f"{name}.png", full_page=True)
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def check_non_text_contrast(page, selector: str, shot: Path | None = None) -> dict:
    """Focus the element; its ring must reach 3:1 against the background it is drawn on."""
    element = page.locator(selector).first
    element.focus()
    if shot is not None:
        page.screenshot(path=shot)
    probe = element.evaluate(PROBE)
    assert probe["outlineStyle"] != "none" and probe["outlineWidth"] != "0px", (selector, probe)
    ring = contrast(probe["outline"], probe["behind"])
    assert ring >= NON_TEXT_MINIMUM, f"focus ring of {selector}: {ring:.2f}:1 {probe}"
    return probe | {"ring": ring}


def check_input_border(page, selector: str) -> float:
    probe = page.locator(selector).first.evaluate(PROBE)
    assert probe["borderWidth"] != "0px"
    border = min(
        contrast(probe["border"], probe["behind"]), contrast(probe["border"], probe["own"])
    )
    assert border >= NON_TEXT_MINIMUM, f"border of {selector}: {border:.2f}:1 {probe}"
    return border


def messages_cookie(live_server) -> dict:
    """Django's own message cookie holding one message of each level, as views leave them."""
    storage = CookieStorage(HttpRequest())
    value = storage._encode(
        [
            Message(constants.ERROR, "保存失败：检测日期不能晚于今天。"),
            Message(constants.WARNING, "紧急查阅已开启，将由督导复核。"),
            Message(constants.SUCCESS, "检测结果已记录。"),
        ]
    )
    return {"name": "messages", "value": value, "url": live_server.url}


def test_main_pages_pass_axe_contrast_and_show_a_visible_focus(
    axe_page, live_server, personas, people, output_dir
):
    page = axe_page
    case, _ = active_case(personas.worker_a, people.in_a, reported="2026-11-02")
    failures: dict[str, list] = {}
    with time_machine.travel("2026-12-02 09:00 +0800", tick=True):
        page.goto("/login/")
        failures["sign-in"] = run_axe(page, output_dir, "01-sign-in")
        check_non_text_contrast(page, "#id_username", output_dir / "01-sign-in-focus.png")
        check_input_border(page, "#id_password")

        sign_in(page, personas.worker_a.username, PASSWORD)
        # The bar's links are focused on the green bar, not on white.
        check_non_text_contrast(page, ".topbar nav a", output_dir / "02-bar-focus.png")

        page.goto("/schedule/today/")
        failures["today"] = run_axe(page, output_dir, "02-today")

        page.goto("/people/")
        failures["person-list"] = run_axe(page, output_dir, "03-person-list")
        check_non_text_contrast(page, "form.filters input[type=search], form.filters input")
        check_input_border(page, "form.filters input")

        page.goto(f"/cases/{case.public_id}/")
        failures["case"] = run_axe(page, output_dir, "04-case")
        check_non_text_contrast(page, "main a")

        page.goto("/people/new/")
        page.get_by_role("button", name="保存").click()
        page.locator(".field.invalid").first.wait_for()
        failures["form-with-errors"] = run_axe(page, output_dir, "05-form-with-errors")
        check_non_text_contrast(
            page, ".field.invalid input", output_dir / "05-form-with-errors-focus.png"
        )
        check_input_border(page, ".field.invalid input")
        error_text = page.locator(".field.invalid .error, .field.invalid .errorlist").first
        assert contrast(error_text.evaluate("e => getComputedStyle(e).color"), WHITE) >= 4.5

        page.context.add_cookies([messages_cookie(live_server)])
        page.goto("/people/")
        failures["messages"] = run_axe(page, output_dir, "06-messages")
        colours = {
            level: page.locator(f".messages li.{level}").evaluate(
                "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
            )
            for level in ("error", "warning", "success")
        }
        assert colours["error"] != colours["success"] and colours["warning"] != colours["success"]
        red, _green, _blue = _rgb(colours["error"][0])
        assert red > 2 * _rgb(colours["error"][0])[1]  # the error text is red, not green

        # An htmx request that fails swaps nothing: the page says so, in red.
        page.evaluate("htmx.ajax('GET', '/no-such-page/', {target: '#main', swap: 'none'})")
        alert = page.locator("#request-error")
        alert.wait_for(state="visible")
        assert "这条记录不存在" in alert.inner_text()
        failures["htmx-error"] = run_axe(page, output_dir, "07-htmx-error")

    assert {page: found for page, found in failures.items() if found} == {}


def test_the_portal_sign_in_passes_axe_contrast_and_shows_a_visible_focus(axe_page, output_dir):
    page = axe_page
    page.goto("/portal/")
    page.wait_for_load_state("networkidle")
    found = run_axe(page, output_dir, "01-portal-sign-in")
    page.keyboard.press("Tab")  # the portal shows its ring on keyboard focus (:focus-visible)
    field = page.locator(".p-field input").first
    field.focus()
    check_non_text_contrast(page, ".p-field input", output_dir / "01-portal-sign-in-focus.png")
    check_input_border(page, ".p-field input")
    assert found == []
