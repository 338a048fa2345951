"""What a student sees in Chromium when something is refused or fails, with DEBUG off (as in
production) and on (as on a developer's machine): never a dead button, never an error page
painted over the site, always a message where they are looking and a way on."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from quiz import errors, services
from quiz.models import Attempt, Quiz, Response
from tests.browser.test_student_in_browser import check_accessible, log_in, settle
from tests.factories import QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def student(db):
    return UserFactory(username="amira", password="pass")


@pytest.fixture
def quiz(student):
    """A number to type, then two short answers; feedback at once."""
    return QuizFactory(
        open_to=[student],
        slug="edges",
        questions=[
            QuestionFactory(numeric=True, prompt="How many bridges?"),
            QuestionFactory(kind="short_text", prompt="Who announced it?"),
            QuestionFactory(kind="short_text", prompt="Where is the river?"),
        ],
    )


def start(page, live_server, quiz):
    """Log in and open the quiz's first question; the attempt."""
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=[quiz.slug]))
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_selector("#question-region form")
    return Attempt.objects.get(quiz=quiz)


def the_number(page, text="30"):
    page.fill("input[name=answer]", text)
    page.click("button.answer-submit")


def test_a_refused_answer_comes_back_in_place_with_its_message(page, live_server, quiz, debug):
    start(page, live_server, quiz)
    the_number(page, "ten bridges")
    error = page.locator("#answer-error")
    error.wait_for()
    assert "is not a number" in error.inner_text()
    assert page.locator("header.site-header").count() == 1  # the layout, once, intact
    # htmx moves focus when the swap settles, a moment after the element appears.
    page.wait_for_function('() => document.activeElement?.id === "answer-error"')
    assert page.input_value("input[name=answer]") == "ten bridges"  # what was typed is kept
    assert not Response.objects.exists()
    check_accessible(page)
    the_number(page, "30")  # and the question still answers
    page.wait_for_selector("#fb-heading")


def test_time_up_replaces_the_question_with_the_way_to_the_results(
    page, live_server, student, debug
):
    quiz = QuizFactory(
        open_to=[student],
        time_limit_minutes=20,
        feedback=Quiz.Feedback.AT_END,
        questions=[QuestionFactory(numeric=True), QuestionFactory(numeric=True)],
    )
    attempt = start(page, live_server, quiz)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    the_number(page)
    heading = page.locator("#closed-heading")
    heading.wait_for()
    assert "Time is up" in page.inner_text("#question-region")
    assert page.locator("header.site-header").count() == 1
    page.click("text=See your results")
    page.wait_for_url(re.compile(r"/review/$"))
    assert not Response.objects.exists()


@pytest.mark.parametrize("status", [500, 503])
def test_a_failure_on_the_server_says_the_answer_was_not_saved_and_try_again_works(
    page, live_server, quiz, debug, monkeypatch, status
):
    start(page, live_server, quiz)
    real = services.answer_record
    calls = []

    def fails_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("database is locked") if status == 503 else RuntimeError("bug")
        return real(**kwargs)

    monkeypatch.setattr(services, "answer_record", fails_once)
    the_number(page)
    failed = page.locator(".request-failed")
    failed.wait_for()
    said = failed.inner_text()
    assert "Your answer was not saved." in said
    if status == 503 and not debug:  # with DEBUG on, Django shows its traceback page: a 500
        assert "The server is busy" in said
    else:
        assert "Something went wrong on our side" in said
    assert page.locator("header.site-header").count() == 1  # nothing painted over the page
    assert page.input_value("input[name=answer]") == "30"
    assert page.evaluate("document.activeElement.classList.contains('request-failed')")
    check_accessible(page)
    page.get_by_role("button", name="Try again").click()
    page.wait_for_selector("#fb-heading")
    assert Response.objects.count() == 1


def test_an_expired_page_says_so_and_reloads(page, live_server, quiz, debug):
    start(page, live_server, quiz)
    page.context.clear_cookies(name="csrftoken")  # as after signing in again in another tab
    the_number(page)
    failed = page.locator(".request-failed")
    failed.wait_for()
    assert "This page has expired" in failed.inner_text()
    page.get_by_role("button", name="Reload the page").click()
    page.wait_for_selector("#question-region form")
    the_number(page)
    page.wait_for_selector("#fb-heading")
    assert Response.objects.count() == 1


def test_no_connection_says_so_and_try_again_works(page, live_server, quiz, debug):
    start(page, live_server, quiz)
    page.route("**/answer/", lambda route: route.abort())
    the_number(page)
    page.locator(".request-failed").wait_for()
    assert "could not be reached" in page.inner_text(".request-failed")
    assert page.is_enabled("button.answer-submit")  # never left looking dead
    page.unroute("**/answer/")
    page.get_by_role("button", name="Try again").click()
    page.wait_for_selector("#fb-heading")


def test_too_many_requests_says_to_wait(page, live_server, quiz):
    """No view here answers an answer with 429 today (a proxy or a future limit might): the
    student is still told, and the next try goes through."""
    start(page, live_server, quiz)
    page.route("**/answer/", lambda route: route.fulfill(status=429, body="Slow down"))
    the_number(page)
    page.locator(".request-failed").wait_for()
    assert "Too many requests. Wait a moment" in page.inner_text(".request-failed")
    assert "Slow down" not in page.inner_text("body")
    page.unroute("**/answer/")
    page.get_by_role("button", name="Try again").click()
    page.wait_for_selector("#fb-heading")


def test_a_lapsed_session_goes_to_the_login_and_back_to_the_question(
    page, live_server, quiz, debug
):
    attempt = start(page, live_server, quiz)
    Session.objects.all().delete()  # eight hours later, or cleared by the school
    the_number(page)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert "your last answer was not saved" in page.inner_text("main")
    assert page.locator("#question-region").count() == 0  # a whole page, not a swap
    page.fill("#id_username", "amira")
    page.fill("#id_password", "pass")
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + reverse("quiz:attempt", args=[attempt.pk]))
    assert "How many bridges?" in page.inner_text("#question-region")
    assert not Response.objects.exists()


def test_back_never_shows_an_answered_question_as_current(page, live_server, quiz):
    start(page, live_server, quiz)
    the_number(page)
    page.wait_for_selector("#fb-heading")
    page.click("text=Next question")
    page.wait_for_selector("text=Who announced it?")
    settle(page)
    page.go_back()
    page.wait_for_selector("#fb-heading")  # the first question's feedback: right, it is past
    page.go_back()
    page.wait_for_load_state()
    page.wait_for_selector("#question-region form")
    assert "Who announced it?" in page.inner_text("#question-region")
    assert "How many bridges?" not in page.inner_text("#question-region")


# The clock ------------------------------------------------------------------------------------


@pytest.fixture
def timed(student):
    return QuizFactory(
        open_to=[student],
        time_limit_minutes=30,
        feedback=Quiz.Feedback.AT_END,
        questions=[QuestionFactory(kind="short_text", prompt="Who? " * 150) for _ in range(2)],
    )


def set_time_left(attempt, seconds):
    deadline = timezone.now() + timedelta(seconds=seconds)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline)


def test_the_countdown_shows_minutes_and_seconds_and_announces_the_last_minute(
    page, live_server, timed
):
    attempt = start(page, live_server, timed)
    set_time_left(attempt, 62)
    page.reload()
    countdown = page.locator("[data-countdown]")
    countdown.wait_for()
    assert re.fullmatch(r"1:0[0-2]", countdown.inner_text())
    assert page.inner_text("#timer-announce") == ""  # nothing said every second
    page.wait_for_function(
        "() => document.getElementById('timer-announce').textContent.startsWith('1 minute left')",
        timeout=5_000,
    )
    assert "timer-low" in page.get_attribute("#timer", "class")


def test_the_clock_stays_in_view_on_a_long_question_on_a_phone(page, live_server, timed):
    page.set_viewport_size({"width": 375, "height": 640})
    start(page, live_server, timed)
    page.locator("button.answer-submit").scroll_into_view_if_needed()
    box = page.locator("#timer").bounding_box()
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 640
    # The focused field is never under the pinned clock (WCAG 2.4.11).
    page.focus("input[name=answer]")
    field = page.locator("input[name=answer]").bounding_box()
    row = page.locator(".progress-row").bounding_box()
    assert field["y"] >= row["y"] + row["height"]


def test_back_in_a_quiz_that_defers_feedback_shows_the_question_that_is_current(
    page, live_server, student
):
    quiz = QuizFactory(
        open_to=[student],
        feedback=Quiz.Feedback.AT_END,
        questions=[QuestionFactory(kind="short_text", prompt=f"Question {n}?") for n in "ABC"],
    )
    start(page, live_server, quiz)
    for answered in "AB":
        page.fill("input[name=answer]", "Shoigu")
        page.click("button.answer-submit")
        page.wait_for_selector(f"text=Question {chr(ord(answered) + 1)}?")
        settle(page)
    for _ in range(2):
        page.go_back()
        page.wait_for_load_state()
        page.wait_for_selector("#question-region form")
        shown = page.inner_text("#question-region")
        assert "Question C?" in shown, shown
    # No copy of any page is kept in the tab's storage for the next user of the computer.
    assert page.evaluate("() => sessionStorage.getItem('htmx-history-cache')") is None


def test_at_zero_the_attempt_closes_and_the_student_lands_on_the_results(page, live_server, timed):
    attempt = start(page, live_server, timed)
    set_time_left(attempt, 2)
    page.reload()
    page.wait_for_url(re.compile(r"/review/$"), timeout=8_000)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED


def test_without_javascript_the_deadline_is_a_clock_time_and_refusals_are_pages(
    browser, live_server, student, timed
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        attempt = start(page, live_server, timed)
        deadline = timezone.localtime(Attempt.objects.get(pk=attempt.pk).deadline)
        assert f"Time is up at {deadline:%H:%M}" in page.inner_text("#timer")
        assert not page.is_visible("[data-countdown]")
        Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now())
        page.fill("input[name=answer]", "Shoigu")
        page.click("button.answer-submit")
        page.wait_for_selector("#closed-heading")
        assert str(errors.TimeUp()) in page.inner_text("main")
        assert page.locator("header.site-header").count() == 1
    finally:
        context.close()
