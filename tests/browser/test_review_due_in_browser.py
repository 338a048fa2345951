"""Review due in Chromium: home says what is due, the quiz page starts the session, the
session asks what was due (with the same player) and afterwards nothing is due today; by
mouse and by keyboard only, axe-clean."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quiz import services
from quiz.models import Attempt, CohortQuiz
from tests.answers import choose
from tests.browser.test_student_in_browser import (
    answer_by_mouse,
    check_accessible,
    current_item,
    log_in,
    press_enter_on,
    student,  # noqa: F401 (a fixture)
    tab_to,
)
from tests.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quiz(student):  # noqa: F811
    """Two questions answered wrong a day and a half ago, so due today (a wrong answer comes
    back the next day)."""
    quiz = QuizFactory(
        open_to=[student],
        slug="spaced",
        title="Spaced",
        questions=[QuestionFactory(key=f"q{n}", prompt=f"Question prompt {n}?") for n in (1, 2)],
    )
    then = timezone.now() - timedelta(hours=36)  # the quiz opened a day and a half ago
    CohortQuiz.objects.filter(quiz=quiz).update(opens_at=then - timedelta(hours=1))
    attempt = services.attempt_start(user=student, quiz=quiz, now=then)
    for item in attempt.items.order_by("position"):
        services.answer_record(
            user=student,
            attempt_id=attempt.pk,
            item_id=item.pk,
            answers=choose(item, False),
            now=then + timedelta(minutes=item.position),
        )
    return quiz


def test_review_due_by_mouse(page, live_server, quiz, student):  # noqa: F811
    log_in(page, live_server)
    assert "2 questions due for review today." in page.inner_text("main")
    check_accessible(page)
    page.click("a[href='/quizzes/spaced/#review-due']")
    page.wait_for_selector("#review-due")
    check_accessible(page)
    page.click("text=Review 2 due questions")
    page.wait_for_url(re.compile(r"/attempts/\d+/"))
    assert "Practice" in page.inner_text("main")
    for n in (1, 2):
        page.wait_for_selector(f"text=Question {n} of 2")
        answer_by_mouse(page, current_item(student))
        page.wait_for_selector("#fb-heading")
        check_accessible(page)
        if n == 1:
            page.click("text=Next question")
    page.click("text=See your results")
    page.wait_for_url(re.compile(r"/review/$"))
    session = Attempt.objects.get(is_practice=True)
    assert session.items.count() == 2
    page.goto(live_server.url + reverse("quiz:home"))
    assert "due for review" not in page.inner_text("main")  # nothing due twice in a day


def test_review_due_by_keyboard_only(page, live_server, quiz, student):  # noqa: F811
    log_in(page, live_server)
    press_enter_on(page, "a[href='/quizzes/spaced/#review-due']")
    page.wait_for_url(re.compile(r"/quizzes/spaced/"))
    press_enter_on(page, "#review-due button[type=submit]")
    page.wait_for_url(re.compile(r"/attempts/\d+/"))
    page.wait_for_selector("text=Question 1 of 2")
    tab_to(page, "input[name=answer]")
    assert Attempt.objects.filter(is_practice=True, state=Attempt.State.IN_PROGRESS).count() == 1
