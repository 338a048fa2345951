"""Free navigation in Chromium: the map, flags, changed answers and the summary, by mouse, by
keyboard only, without JavaScript, and on a phone in the dark theme; axe-clean throughout."""

import re

import pytest
from django.urls import reverse

from quiz.models import Attempt, AttemptItem, Quiz, Response
from tests.answers import choose
from tests.browser.test_student_in_browser import (
    check_accessible,
    log_in,
    press_enter_on,
    settle,
    student,  # noqa: F401 (a fixture)
    tab_to,
)
from tests.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = "() => document.documentElement.scrollWidth"


@pytest.fixture
def quiz(student):  # noqa: F811
    return QuizFactory(
        open_to=[student],
        slug="free",
        title="Free",
        navigation=Quiz.Navigation.FREE,
        feedback=Quiz.Feedback.AT_END,
        time_limit_minutes=30,
        questions=[QuestionFactory(key=f"q{n}", prompt=f"Question prompt {n}?") for n in (1, 2, 3)],
    )


def item(student, position):  # noqa: F811
    return AttemptItem.objects.select_related("question").get(
        attempt__user=student, position=position
    )


def map_link(position):
    return f".question-map a[href$='/questions/{position}/']"


def wired(page):
    """Wait until htmx has settled the last swap and taken over the new flag form: a key
    pressed before that submits the plain form (which works, but reloads the page)."""
    settle(page)
    page.wait_for_function(
        "() => document.querySelector('.flag-form')['htmx-internal-data'] !== undefined"
    )


def start(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["free"]))
    page.click("text=Start the quiz")
    page.wait_for_selector("text=Question 1 of 3 · 0 answered")


def test_skip_come_back_flag_and_change_an_answer_by_mouse(page, live_server, quiz, student):  # noqa: F811
    start(page, live_server)
    check_accessible(page)
    page.click(map_link(3))  # skip the first two
    page.wait_for_selector("text=Question prompt 3?")
    assert page.url.endswith("/questions/3/")
    page.check(f"input[name=answer][value='{choose(item(student, 3), False)[0]}']")
    page.click("button.answer-submit")
    page.wait_for_url(re.compile(r"/finish/$"))  # after the last question: the summary
    check_accessible(page)
    assert "You have answered 1 of 3 questions." in page.inner_text("main")
    page.click("a:has-text('Go to question 3')")
    page.wait_for_selector("text=Your saved answer is shown")
    wrong = choose(item(student, 3), False)[0]
    assert page.is_checked(f"input[name=answer][value='{wrong}']")
    page.check(f"input[name=answer][value='{choose(item(student, 3), True)[0]}']")
    page.click("button.answer-submit")
    page.wait_for_url(re.compile(r"/finish/$"))
    page.click("a:has-text('Go to question 1')")
    page.click("#flag-button")
    page.wait_for_selector("#flag-button[aria-pressed='true']")
    assert page.inner_text("#announce") == "Question 1 flagged for later."
    assert "flagged" in page.inner_text(map_link(1) + " .visually-hidden:last-child")
    check_accessible(page)
    page.click("text=Summary and finish…")
    page.wait_for_url(re.compile(r"/finish/$"))
    assert "You have answered 1 of 3 questions, and flagged 1 for later." in page.inner_text("main")
    page.click("text=Finish and see my results")
    page.wait_for_url(re.compile(r"/review/$"))
    (response,) = Response.objects.filter(item__attempt__user=student)
    assert (response.item.position, response.score) == (3, 1)  # the changed answer counts
    assert Attempt.objects.get().points == 1


def test_map_flag_and_summary_by_keyboard_only(page, live_server, quiz, student):  # noqa: F811
    start(page, live_server)
    press_enter_on(page, map_link(2))
    page.wait_for_selector("text=Question prompt 2?")
    settle(page)
    assert page.evaluate("document.activeElement.id") == "q-heading"  # read from the top
    press_enter_on(page, "#flag-button")
    page.wait_for_selector("#flag-button[aria-pressed='true']")
    # The button keeps the focus, so Space takes the flag off again from where it is.
    assert page.evaluate("document.activeElement.id") == "flag-button"
    wired(page)
    page.keyboard.press("Space")
    page.wait_for_selector("#flag-button[aria-pressed='false']")
    assert page.inner_text("#announce") == "Flag taken off question 2."
    wired(page)
    page.keyboard.press("Space")
    page.wait_for_selector("#flag-button[aria-pressed='true']")
    tab_to(page, "input[name=answer]")
    right = choose(item(student, 2), True)[0]
    for _ in range(10):
        if page.evaluate("document.activeElement.value") == right:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    press_enter_on(page, "button.answer-submit")
    page.wait_for_selector("text=Question 3 of 3 · 1 answered")
    assert "Your answer to question 2 is saved." in page.inner_text("#question-region")
    press_enter_on(page, ".finish-early a")
    page.wait_for_url(re.compile(r"/finish/$"))
    rows = page.inner_text(".summary-table tbody")
    assert re.search(r"2\s+Answered\s+⚑ Flagged", rows)
    press_enter_on(page, ".summary button.primary")
    page.wait_for_url(re.compile(r"/review/$"))
    assert Response.objects.get(item__attempt__user=student).score == 1


def test_map_flag_and_summary_without_javascript(browser, live_server, quiz, student):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        start(page, live_server)
        page.click(map_link(2))
        page.wait_for_url(re.compile(r"/questions/2/$"))
        page.click("#flag-button")  # a plain form: back to the question, flagged
        page.wait_for_url(re.compile(r"/questions/2/$"))
        assert page.get_attribute("#flag-button", "aria-pressed") == "true"
        assert "flagged" in page.inner_text(map_link(2) + " .visually-hidden:last-child")
        page.check(f"input[name=answer][value='{choose(item(student, 2), True)[0]}']")
        page.click("button.answer-submit")
        page.wait_for_url(re.compile(r"/questions/3/$"))
        assert "Your answer to question 2 is saved." in page.inner_text("main")
        page.click("text=Summary and finish…")
        page.wait_for_url(re.compile(r"/finish/$"))
        assert "You have answered 1 of 3 questions, and flagged 1 for later." in page.inner_text(
            "main"
        )
        page.click("text=Finish and see my results")
        page.wait_for_url(re.compile(r"/review/$"))
        assert Attempt.objects.get().state == Attempt.State.FINISHED
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_map_and_summary_fit_a_phone_in_both_themes(phone, live_server, student, scheme):  # noqa: F811
    QuizFactory(
        open_to=[student],
        slug="free",
        navigation=Quiz.Navigation.FREE,
        feedback=Quiz.Feedback.AT_END,
        questions=QuestionFactory.create_batch(40),
    )
    page = phone(scheme)
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["free"]))
    page.click("text=Start the quiz")
    page.wait_for_selector(".question-map")
    page.click(map_link(7))
    page.wait_for_selector("text=Question 7 of 40")
    page.click("#flag-button")
    page.wait_for_selector("#flag-button[aria-pressed='true']")
    check_accessible(page)
    assert page.evaluate(WIDE) <= 390
    # Every map entry is at least 44 px square-ish to tap (WCAG 2.5.5's size).
    sizes = page.eval_on_selector_all(
        ".question-map a", "els => els.map(e => [e.offsetWidth, e.offsetHeight])"
    )
    assert min(w for w, _ in sizes) >= 44
    assert min(h for _, h in sizes) >= 44
    page.screenshot(path=f"/tmp/free-question-{scheme}.png", full_page=True)
    page.click("text=Summary and finish…")
    page.wait_for_url(re.compile(r"/finish/$"))
    check_accessible(page)
    assert page.evaluate(WIDE) <= 390
    page.screenshot(path=f"/tmp/free-summary-{scheme}.png", full_page=True)
