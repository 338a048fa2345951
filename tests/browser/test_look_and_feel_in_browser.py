"""The look of the pages in Chromium: the system's dark setting, a phone's width, the focus
ring's contrast; every page axe-clean in both themes."""

import pytest
from django.urls import reverse

from tests.browser import test_student_in_browser as student_pages
from tests.browser.test_student_in_browser import (
    N,
    answer_by_mouse,
    check_accessible,
    current_item,
    log_in,
)

# The student pages' fixtures: a quiz of one question of every type, and its student.
quiz, student = student_pages.quiz, student_pages.student

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = "() => document.documentElement.scrollWidth"

# The contrast between the focused element's outline and what it sits on: the nearest
# ancestor (from the element's parent up) with a background colour, as WCAG computes it.
FOCUS_CONTRAST = """() => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const el = document.activeElement;
  const ring = rgb(getComputedStyle(el).outlineColor);
  let node = el.parentElement, bg = null;
  while (node) {
    const c = getComputedStyle(node).backgroundColor;
    if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') { bg = rgb(c); break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(ring), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_quiz_on_a_phone_fits_and_passes_axe_in_both_themes(
    phone, live_server, quiz, student, scheme
):
    page = phone(scheme)
    log_in(page, live_server)
    check_accessible(page)
    page.click("text=Every type")
    page.click("text=Start the quiz")
    for n in range(1, N + 1):
        page.wait_for_selector(f"text=Question {n} of {N}")
        check_accessible(page)
        assert page.evaluate(WIDE) <= 390, f"question {n} scrolls sideways"
        if page.locator(".ordering").count():
            # Numbered items, each Move button inside the card.
            assert page.evaluate(
                "() => getComputedStyle(document.querySelector('.ordering li'), '::before').content"
            ).startswith("counter(")
            page.screenshot(path=f"/tmp/look-ordering-{scheme}.png", full_page=True)
        if page.locator(".matching").count():
            page.screenshot(path=f"/tmp/look-matching-{scheme}.png", full_page=True)
        answer_by_mouse(page, current_item(student))
        page.wait_for_selector("#fb-heading")
        check_accessible(page)
        if n < N:
            page.click("text=Next question")
    page.click("text=See your results")
    check_accessible(page)
    assert page.evaluate(WIDE) <= 390
    page.screenshot(path=f"/tmp/look-review-{scheme}.png", full_page=True)
    page.goto(live_server.url + reverse("quiz:progress"))
    check_accessible(page)
    assert page.evaluate(WIDE) <= 390
    page.screenshot(path=f"/tmp/look-progress-{scheme}.png", full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_from_what_it_sits_on(browser, live_server, quiz, scheme):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        log_in(page, live_server)
        for _ in range(6):  # the links of the header and the quiz list, one after another
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUS_CONTRAST) >= 3
        page.goto(live_server.url + reverse("quiz:quiz", args=[quiz.slug]))
        page.focus("button.primary")
        assert page.evaluate(FOCUS_CONTRAST) >= 3
    finally:
        context.close()
