"""Extra time given during an attempt reaches the student's countdown in Chromium at the
clock's next sync, without a reload."""

import pytest
from django.urls import reverse
from django.utils import timezone

from quiz import services
from quiz.models import Accommodation
from tests.browser.test_student_in_browser import check_accessible, log_in
from tests.factories import QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SYNC = 30_000  # the timer partial's hx-trigger, in milliseconds


@pytest.fixture
def student(db):
    return UserFactory(username="amira", password="pass")


def minutes_left(page) -> int:
    text = page.inner_text("[data-countdown]")  # "29:58", or "1:04:58" past an hour
    parts = [int(part) for part in text.split(":")]
    return parts[0] * 60 + parts[1] if len(parts) == 3 else parts[0]


def test_extra_time_given_mid_attempt_reaches_the_countdown_at_the_next_sync(
    page, live_server, student
):
    """A five-minute quiz: its "5 minutes left" is behind from the start, so never said; a
    minute given mid-attempt puts it ahead again, and it is said when reached."""
    quiz = QuizFactory(
        open_to=[student], time_limit_minutes=5, questions=QuestionFactory.create_batch(2)
    )
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=[quiz.slug]))
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_selector("[data-countdown]")
    assert minutes_left(page) in (4, 5)
    assert page.locator(".allowance").count() == 0

    services.accommodation_save(
        user=UserFactory(username="teacher", instructor=True),
        accommodation=Accommodation(user=student, quiz=quiz, extra_minutes=1),
    )
    assert page.inner_text("#timer-announce") == ""

    # No reload: the clock's own sync brings the new deadline and the sentence.
    page.wait_for_selector("#timer .allowance", timeout=SYNC + 5_000)
    page.wait_for_function("() => document.querySelector('[data-countdown]').textContent")
    assert "You have 1 extra minute." in page.inner_text("#timer")
    assert minutes_left(page) == 5  # six minutes from the start, less the wait for the sync
    check_accessible(page)
    page.wait_for_function(
        "() => document.getElementById('timer-announce').textContent === '5 minutes left.'",
        timeout=SYNC + 5_000,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_extra_time_and_attempts_are_said_on_a_phone_and_without_javascript(
    browser, phone, live_server, student, scheme
):
    """The sentences on the quiz page and beside the clock, axe-clean on a phone in both
    themes; without JavaScript the page gives the clock time the attempt ends at, with the
    extra time in it at the next page."""
    quiz = QuizFactory(
        open_to=[student],
        time_limit_minutes=20,
        max_attempts=1,
        questions=QuestionFactory.create_batch(2),
    )
    teacher = UserFactory(username="teacher", instructor=True)
    services.accommodation_save(
        user=teacher, accommodation=Accommodation(user=student, quiz=quiz, extra_attempts=1)
    )
    plain = browser.new_context(java_script_enabled=False)
    try:
        page = phone(scheme)
        log_in(page, live_server)
        page.goto(live_server.url + reverse("quiz:quiz", args=[quiz.slug]))
        assert "You have 1 extra attempt." in page.inner_text("main")
        check_accessible(page)
        page.get_by_role("button", name="Start the quiz").click()
        page.wait_for_selector("#timer")
        attempt = student.attempts.get()
        saved = Accommodation.objects.get(user=student, quiz=quiz)
        saved.extra_minutes = 15
        services.accommodation_save(user=teacher, accommodation=saved)
        attempt.refresh_from_db()
        after = timezone.localtime(attempt.deadline).strftime("%H:%M")

        no_js = plain.new_page()  # the same student, another browser without JavaScript
        no_js.set_default_timeout(10_000)
        log_in(no_js, live_server)
        no_js.goto(live_server.url + attempt.get_absolute_url())
        assert f"Time is up at {after}" in no_js.inner_text("#timer")
        assert "You have 15 extra minutes." in no_js.inner_text("#timer")

        page.reload()
        page.wait_for_selector("#timer .allowance")
        assert "You have 15 extra minutes." in page.inner_text("#timer")
        check_accessible(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.screenshot(path=f"/tmp/accommodation-phone-{scheme}.png", full_page=True)
    finally:
        plain.close()
