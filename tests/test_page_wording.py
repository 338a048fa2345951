"""What the student's pages say: numbered reviews with partial credit, the home page's
attempts and time left, the progress chart's dates, pass line and practice attempts."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from quiz import services
from tests.answers import choose
from tests.factories import QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_review_numbers_questions_and_shows_partial_credit():
    bob = UserFactory()
    teacher = UserFactory(is_staff=True)
    first_question, second_question = QuestionFactory.create_batch(2)
    quiz = QuizFactory(questions=[first_question, second_question], open_to=[bob])
    attempt = services.attempt_start(user=bob, quiz=quiz)
    for item in attempt.items.order_by("position"):
        services.answer_record(
            user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, False)
        )
    second = attempt.items.get(position=2).response
    services.response_override(
        user=teacher,
        attempt_id=attempt.pk,
        response_id=second.pk,
        points=Decimal("0.5"),
        reason="Half of it.",
    )
    html = client_of(bob).get(reverse("quiz:review", args=[attempt.pk])).content.decode()
    assert f"1. {first_question.prompt}" in html
    assert f"2. {second_question.prompt}" in html
    assert "Partly right (50%)" in html
    assert "Your answer</dt><dd>“" in html  # quoted, as the right answer is


def test_home_says_attempts_plainly_and_the_time_left(settings):
    bob = UserFactory()
    open_ended = QuizFactory(title="Open-ended", questions=[QuestionFactory()], open_to=[bob])
    timed = QuizFactory(
        title="Timed", time_limit_minutes=15, questions=[QuestionFactory()], open_to=[bob]
    )
    done = services.attempt_start(user=bob, quiz=open_ended)
    services.attempt_finish(user=bob, attempt_id=done.pk)
    services.attempt_start(user=bob, quiz=timed)
    html = client_of(bob).get(reverse("quiz:home")).content.decode()
    assert "1 attempt so far" in html
    assert "unlimited" not in html
    assert "minutes</time> left" in html
    assert html.count(reverse("quiz:progress")) == 1  # in the header only


def test_the_chart_shows_practice_apart_dates_and_a_labelled_pass_line():
    bob = UserFactory()
    questions = QuestionFactory.create_batch(2)
    quiz = QuizFactory(questions=questions, pass_mark=60, open_to=[bob])
    graded = services.attempt_start(user=bob, quiz=quiz)
    services.attempt_finish(user=bob, attempt_id=graded.pk)
    practice = services.practice_start(user=bob, quiz=quiz)
    services.attempt_finish(user=bob, attempt_id=practice.pk)
    html = client_of(bob).get(reverse("quiz:progress")).content.decode()
    assert "pass mark 60%" in html
    assert html.count('class="dot practice"') == 1
    assert html.count('class="dot"') == 1
    assert "hollow dots practice" in html
    assert graded.started_at.strftime("%-d %b") in html
