"""Review options: each of the four things a review may show, at each of the three times,
switched off alone, is hidden then and only then, on every student page that would show it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from quiz import reviewing, services
from quiz.models import CohortQuiz, Quiz
from tests.answers import choose
from tests.factories import CohortFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOSES = MORNING + timedelta(hours=3)
# When each time's pages are looked at: a minute after finishing, an hour later, and after
# the quiz's window closed.
AT = {
    reviewing.AFTER: MORNING + timedelta(minutes=1),
    reviewing.OPEN: MORNING + timedelta(hours=1),
    reviewing.CLOSED: CLOSES + timedelta(minutes=1),
}
EXPLANATION = "Because the defence minister agreed to the general’s plan."


def seen(time_machine, switched_off: tuple[str, str] | None) -> dict[str, dict[str, bool]]:
    """At each time, which of the four things the student's pages show, with one switch off."""
    time_machine.move_to(MORNING - timedelta(hours=1), tick=False)
    bob = UserFactory()
    options = {
        reviewing.field_name(time, thing): True
        for time in reviewing.TIMES
        for thing in reviewing.THINGS
    }
    if switched_off:
        options[reviewing.field_name(*switched_off)] = False
    questions = QuestionFactory.create_batch(2, explanation=EXPLANATION)
    quiz = QuizFactory(questions=questions, pass_mark=50, **options)
    cohort = CohortFactory(students=[bob])
    CohortQuiz.objects.create(
        cohort=cohort, quiz=quiz, opens_at=MORNING - timedelta(hours=2), closes_at=CLOSES
    )
    attempt = services.attempt_start(user=bob, quiz=quiz)
    time_machine.move_to(MORNING, tick=False)
    for item, right in zip(attempt.items.order_by("position"), [True, False], strict=True):
        services.answer_record(
            user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, right)
        )
    client = Client()
    client.force_login(bob)
    result = {}
    for time, when in AT.items():
        time_machine.move_to(when, tick=False)
        client.force_login(bob)  # sessions end; the point here is what is shown
        review = client.get(reverse("quiz:review", args=[attempt.pk])).content.decode()
        lists = "".join(
            client.get(url).content.decode()
            for url in (
                reverse("quiz:home"),
                reverse("quiz:quiz", args=[quiz.slug]),
                reverse("quiz:progress"),
            )
        )
        result[time] = {
            "score": "1 out of 2 points" in review,
            "marks": "Not quite" in review and "Correct" in review,
            "answers": "Right answer</dt>" in review,
            "explanations": EXPLANATION in review,
            # Lists of attempts count as seen later (`reviewing.OPEN`, or `CLOSED`).
            "listed score": any(
                shown in lists
                for shown in (
                    "best score 50%",  # home
                    "<dt>Best score</dt><dd>50%",  # the quiz's page
                    "Best score: <strong>50%",  # progress
                    "<td>50%</td>",  # progress, every attempt
                )
            ),
        }
    return result


def test_everything_shows_at_every_time_when_every_switch_is_on(time_machine):
    for shown in seen(time_machine, None).values():
        assert all(shown.values()), shown


@pytest.mark.parametrize("time", list(reviewing.TIMES))
@pytest.mark.parametrize("thing", list(reviewing.THINGS))
def test_one_switch_off_hides_its_thing_at_its_time_only(time_machine, time, thing):
    result = seen(time_machine, (time, thing))
    for at, shown in result.items():
        assert shown[thing] is (at != time), (at, shown)
        others = {k: v for k, v in shown.items() if k not in (thing, "listed score")}
        assert all(others.values()), (at, shown)
        if thing == "score" and at != reviewing.AFTER:
            assert shown["listed score"] is (at != time), (at, shown)


def test_a_deferred_attempts_feedback_pages_send_to_the_review_once_it_has_ended(time_machine):
    """The item feedback page would show a deferred quiz's right answers whatever the
    review options: after the attempt it sends to the review, which applies them."""
    time_machine.move_to(MORNING, tick=False)
    bob = UserFactory()
    quiz = QuizFactory(
        questions=[QuestionFactory()], feedback="at_end", review_after_answers=False, open_to=[bob]
    )
    attempt = services.attempt_start(user=bob, quiz=quiz)
    item = attempt.items.get()
    services.answer_record(
        user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, False)
    )
    client = Client()
    client.force_login(bob)
    response = client.get(reverse("quiz:item", args=[attempt.pk, 1]))
    assert response.url == reverse("quiz:review", args=[attempt.pk])
    assert "Right answer</dt>" not in client.get(response.url).content.decode()


def test_the_default_keeps_answers_until_the_quiz_closes():
    quiz = Quiz()  # the model's defaults, not the factory's
    assert reviewing.shown(quiz, reviewing.AFTER) == reviewing.Shown(
        score=True, marks=True, answers=False, explanations=False
    )
    assert reviewing.shown(quiz, reviewing.OPEN) == reviewing.shown(quiz, reviewing.AFTER)
    assert reviewing.shown(quiz, reviewing.CLOSED) == reviewing.EVERYTHING


@pytest.mark.parametrize("marks", [True, False])
def test_progress_by_topic_counts_right_answers_only_once_marks_are_shown(time_machine, marks):
    """Mastery by topic says which answers were right, in aggregate: where feedback waits
    for the end, only once the attempt has ended and the review options show the marks."""
    time_machine.move_to(MORNING, tick=False)
    bob = UserFactory()
    quiz = QuizFactory(
        questions=QuestionFactory.create_batch(2, topic="Dates"),
        feedback="at_end",
        review_after_marks=marks,
        review_open_marks=marks,
        open_to=[bob],
    )
    attempt = services.attempt_start(user=bob, quiz=quiz)
    for item in attempt.items.all():
        services.answer_record(
            user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, True)
        )
    time_machine.move_to(MORNING + timedelta(hours=1), tick=False)
    client = Client()
    client.force_login(bob)
    html = client.get(reverse("quiz:progress")).content.decode()
    assert f"<td>{2 if marks else 0} of 2</td>" in html


def test_progress_by_topic_waits_for_the_end_of_a_deferred_attempt(time_machine):
    time_machine.move_to(MORNING, tick=False)
    bob = UserFactory()
    quiz = QuizFactory(
        questions=QuestionFactory.create_batch(2, topic="Dates"), feedback="at_end", open_to=[bob]
    )
    attempt = services.attempt_start(user=bob, quiz=quiz)
    item = attempt.items.get(position=1)
    services.answer_record(
        user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, True)
    )
    client = Client()
    client.force_login(bob)
    assert "<td>0 of 2</td>" in client.get(reverse("quiz:progress")).content.decode()
