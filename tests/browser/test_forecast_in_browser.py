"""An instructor, in Chromium, asks the coverage map for a cohort's retention forecast: by
keyboard on a desktop and a phone (axe on each), and without JavaScript."""

import re

import pytest
from django.urls import reverse

from tests.browser.test_coverage_in_browser import PHONE, no_horizontal_overflow, screenshot
from tests.browser.test_student_in_browser import check_accessible, log_in, tab_to
from tests.test_forecast import DAY, MARCH, article, cohort  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

YEAR_10 = "Year 10 (Autumn 2026)"
ASKED = re.compile(rf"\?cohort=\d+&forecast=on&day={DAY.isoformat()}&threshold=70$")
FIRST_PARAGRAPH = "1 2 42% 2: carol 0%, bob 40%"


def first_row(page) -> str:
    return " ".join(page.locator(".forecast-table tbody tr").first.inner_text().split())


def test_a_forecast_asked_for_by_keyboard(page, live_server, instructor, article, cohort, tmp_path):  # noqa: F811
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("quiz:coverage", args=[article.slug]))
    tab_to(page, "select[name=cohort]")
    for _ in range(5):
        if page.evaluate("document.activeElement.selectedOptions[0].text") == YEAR_10:
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, "input[name=forecast]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=day]")
    page.fill("input[name=day]", DAY.isoformat())  # the fixture's memories are for that day
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(ASKED)
    assert first_row(page) == FIRST_PARAGRAPH
    assert "1 student has never answered these questions" in page.inner_text("main")
    assert page.locator(".coverage-map .rec-low", has_text=MARCH).count() == 1
    check_accessible(page)
    screenshot(page, "forecast-desktop", tmp_path)

    page.set_viewport_size(PHONE)
    assert no_horizontal_overflow(page)
    check_accessible(page)
    screenshot(page, "forecast-phone", tmp_path)


def test_a_forecast_without_javascript(browser, live_server, instructor, article, cohort):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("quiz:coverage", args=[article.slug]))
    page.select_option("select[name=cohort]", label=YEAR_10)
    page.check("input[name=forecast]")
    page.fill("input[name=day]", DAY.isoformat())
    page.click(".coverage-options button[type=submit]")
    page.wait_for_url(ASKED)
    assert first_row(page) == FIRST_PARAGRAPH
    assert no_horizontal_overflow(page)
    context.close()
