"""The survey in a real (headless) browser: every kind of respondent page has no axe-core
WCAG 2.1 A/AA violations in English and Spanish at desktop and phone size, and the whole survey
can be taken with the keyboard alone and without JavaScript."""
import os

import pytest

from tests.climate.test_respond import _open_link, pages_for, response_row, stored_answers

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_survey_page_is_accessible(live_url, new_page, assert_accessible, administration, world, issue,
                                         lang, size):
    code = issue(administration, world.school_a)[0]
    pages = pages_for(administration)
    kinds = {p.kind: p.number for p in reversed(pages)}  # first page of each kind
    page = new_page(size)
    page.goto(f"{live_url}/s?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, "code entry")
    page.fill("#code", "ZZZZ-ZZZZ-ZZ")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("[role=alert]").is_visible()
    assert_accessible(page, "code entry with error")
    page.goto(f"{live_url}/s/ZZZZ-ZZZZ-ZZ")
    assert_accessible(page, "unusable code message")
    page.goto(f"{live_url}/s")
    page.fill("#code", code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url("**/consent")
    assert_accessible(page, "consent")
    page.locator("button[value=yes]").click()
    page.wait_for_url("**/p/1")
    assert page.locator("html").get_attribute("lang") == lang
    page.locator("#S_CUL_01-1").check()
    page.locator(".actions button.primary").click()
    page.wait_for_url("**/p/2")
    page.goto(f"{live_url}/s/p/1")
    assert page.locator("#S_CUL_01-1").is_checked() and page.locator("button.clear-answer").count() == 1
    assert_accessible(page, "topic page")
    for kind in ("sro", "custom", "background"):
        page.goto(f"{live_url}/s/p/{kinds[kind]}")
        assert_accessible(page, f"{kind} page")
    # The one validation message: "prefer not to say" ticked together with a race.
    page.locator("#S_RACE-2").check()
    page.locator("#S_RACE-32").check()
    page.locator(".actions button.primary").click()
    page.wait_for_load_state()
    assert page.locator("fieldset.has-error").count() == 1
    assert_accessible(page, "background page with a problem")
    page.goto(f"{live_url}/s/review")
    assert_accessible(page, "review")
    page.locator("form[action$=submit] button[type=submit]").click()
    page.wait_for_url("**/s/thanks")
    assert_accessible(page, "thank-you")
    page.goto(f"{live_url}/s/p/1")  # same template as the unusable-code message checked above
    assert "Your answers are already in" in page.content() or "Tus respuestas ya se enviaron" in page.content()
    assert response_row(code).status == "submitted"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_open_link_choice_and_save_and_leave_are_accessible(live_url, new_page, assert_accessible, administration,
                                                            world, lang):
    """Issue 12's new respondent pages: the open link's "continue or start a new one" question, and
    the code form after "Save and leave" with the code to write down."""
    link = _open_link(administration, world.school_a)
    page = new_page("phone")
    page.goto(f"{live_url}/o/{link.token}?lang={lang}")
    page.wait_for_url("**/consent")
    page.locator("button[value=yes]").click()
    page.wait_for_url("**/p/1")
    assert "School A" in page.locator("header").inner_text()
    page.goto(f"{live_url}/o/{link.token}")
    assert page.locator("button[value=continue]").is_visible() and page.locator("button[value=new]").is_visible()
    assert_accessible(page, "open link: continue or start a new one")
    page.locator("button[value=continue]").click()
    page.wait_for_url("**/p/1")
    page.locator("#S_CUL_01-2").check()
    page.locator("button[value=leave]").click()
    page.wait_for_url("**/s")
    assert page.locator(".notice .code-shown").is_visible()
    assert_accessible(page, "code form after save and leave")
    page.goto(f"{live_url}/s/p/1")
    page.wait_for_url("**/s")  # the visit has ended: the next person is asked for a code
    assert page.locator("#S_CUL_01-2").count() == 0


def test_keyboard_only_no_javascript_phone(live_url, browser, administration, world, issue, tmp_path):
    """Answer with Tab, arrow keys and Space, switch language with the keyboard, JavaScript off."""
    from .conftest import VIEWPORTS
    code = issue(administration, world.school_a)[0]
    context = browser.new_context(viewport=VIEWPORTS["phone"], java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_url}/s/{code}")
        page.wait_for_url("**/consent")
        page.locator("button[value=yes]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/p/1")
        # First radio of the first question: Tab until it has focus.
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement && document.activeElement.name") == "S_CUL_01":
                break
        else:
            raise AssertionError("the first question cannot be reached with Tab")
        page.keyboard.press("ArrowDown")  # moves to and selects "Agree"
        page.keyboard.press("Tab")       # to the second question
        page.keyboard.press("Space")     # selects its first choice
        shots = os.environ.get("CLIMATE_SCREENSHOTS") or str(tmp_path)  # set it to keep the PNG for a look
        page.screenshot(path=os.path.join(shots, "question-phone.png"), full_page=False)
        # Language switch with the keyboard: saves, then shows Spanish.
        page.locator("button.lang-button").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/p/1?lang=es")
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("#S_CUL_01-2").is_checked() and page.locator("#S_CUL_02-1").is_checked()
        # Every control is at least 44px tall (tap targets).
        for selector in ("label.choice", "button.primary", "button.lang-button", ".actions .button"):
            box = page.locator(selector).first.bounding_box()
            assert box["height"] >= 44, selector
        # No horizontal scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
        # Enter on a chosen answer means Next (not the language switch that comes first on the page).
        page.locator("#S_CUL_02-1").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/p/2")
        assert page.locator("html").get_attribute("lang") == "es"
        assert stored_answers(code) == {"S_CUL_01": 2, "S_CUL_02": 1}
        # "Save and leave" with the keyboard: saves, ends the visit, says how to come back.
        page.locator("button[value=leave]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/s")
        assert page.locator(".notice").is_visible()
        assert "localhost" not in page.url and code not in page.url
        page.goto(f"{live_url}/s/p/1")
        page.wait_for_url("**/s")
    finally:
        context.close()
