"""Students see and start only quizzes assigned to a cohort of theirs, while open."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from quiz import errors, services
from quiz.models import Attempt, Response
from tests.factories import (
    CohortFactory,
    CohortQuizFactory,
    MembershipFactory,
    QuestionFactory,
    QuizFactory,
)
from tests.refusals import raises

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz():
    return QuizFactory(slug="kherson", title="Kherson", questions=QuestionFactory.create_batch(2))


def assign(quiz, student, *, opens_in: timedelta, lasts: timedelta = timedelta(days=7)):
    cohort = CohortFactory(students=[student])
    opens_at = timezone.now() + opens_in
    return CohortQuizFactory(
        cohort=cohort, quiz=quiz, opens_at=opens_at, closes_at=opens_at + lasts
    )


def test_a_quiz_of_no_cohort_of_mine_is_not_found(student_client, quiz):
    assert b"Kherson" not in student_client.get(reverse("quiz:home")).content
    assert student_client.get(quiz.get_absolute_url()).status_code == 404
    assert student_client.post(reverse("quiz:start", args=["kherson"])).status_code == 404
    assert not Attempt.objects.exists()


def test_a_quiz_not_yet_open_is_listed_but_cannot_start(student_client, student, quiz):
    assignment = assign(quiz, student, opens_in=timedelta(days=2))
    page = student_client.get(quiz.get_absolute_url()).content.decode()
    assert "Opens on" in page
    assert "Start the quiz" not in page
    response = student_client.post(reverse("quiz:start", args=["kherson"]))
    assert response.status_code == 403
    opens_on = date_format(timezone.localtime(assignment.opens_at), "j F Y, H:i")
    assert str(errors.NotOpenYet(when=opens_on)) in response.content.decode()
    assert not Attempt.objects.exists()


def test_a_closed_quiz_cannot_start(student_client, student, quiz):
    assignment = assign(quiz, student, opens_in=-timedelta(days=10), lasts=timedelta(days=3))
    response = student_client.post(reverse("quiz:start", args=["kherson"]))
    assert response.status_code == 409
    closed_on = date_format(timezone.localtime(assignment.closes_at), "j F Y, H:i")
    assert str(errors.QuizClosed(when=closed_on)) in response.content.decode()
    assert "quiz/quiz.html" in [t.name for t in response.templates]


def test_a_closed_quiz_cannot_start_practice_either(student_client, student, quiz):
    assignment = assign(quiz, student, opens_in=-timedelta(hours=2))
    graded = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=graded.pk)  # nothing right: all to practise
    assignment.closes_at = timezone.now() - timedelta(minutes=1)
    assignment.save()
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = student_client.post(reverse("quiz:practice", args=["kherson"]), **htmx)
        assert response.status_code == 409
        closed_on = date_format(timezone.localtime(assignment.closes_at), "j F Y, H:i")
        assert str(errors.QuizClosed(when=closed_on)) in response.content.decode()
        assert "quiz/quiz.html" in [t.name for t in response.templates]  # the quiz's own page
    assert list(Attempt.objects.all()) == [graded]


def test_an_open_quiz_starts(student_client, student, quiz):
    assign(quiz, student, opens_in=-timedelta(hours=1))
    response = student_client.post(reverse("quiz:start", args=["kherson"]))
    assert response.status_code == 302
    assert Attempt.objects.filter(user=student).count() == 1


def test_the_most_generous_of_two_cohorts_applies(student, quiz):
    assign(quiz, student, opens_in=-timedelta(days=10), lasts=timedelta(days=1))  # closed
    assign(quiz, student, opens_in=-timedelta(hours=1))  # open
    assert services.attempt_start(user=student, quiz=quiz).is_open


def test_staff_may_take_any_published_quiz(instructor, quiz):
    assert services.attempt_start(user=instructor, quiz=quiz).is_open


def test_practice_also_needs_the_quiz_open(student, quiz):
    assignment = assign(quiz, student, opens_in=-timedelta(hours=1))
    attempt = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    assignment.closes_at = timezone.now() - timedelta(minutes=1)
    assignment.opens_at = timezone.now() - timedelta(hours=2)
    assignment.save()
    closed_on = date_format(timezone.localtime(assignment.closes_at), "j F Y, H:i")
    with raises(errors.QuizClosed, when=closed_on):
        services.practice_start(user=student, quiz=quiz)


def test_a_refusal_names_the_opening_time_in_the_schools_time_zone(student, quiz):
    opens_at = datetime(2030, 3, 5, 9, 30, tzinfo=UTC)  # 09:30 in London, winter time
    CohortQuizFactory(
        cohort=CohortFactory(students=[student]),
        quiz=quiz,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=7),
    )
    with raises(errors.NotOpenYet, when="5 March 2030, 09:30"):
        services.attempt_start(user=student, quiz=quiz, now=opens_at - timedelta(days=1))


def test_a_student_moved_out_of_the_cohort_can_no_longer_answer(student_client, student, quiz):
    assignment = assign(quiz, student, opens_in=-timedelta(hours=1))
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    MembershipFactory(cohort=assignment.cohort)  # open to the classmates who stay
    assignment.cohort.memberships.filter(user=student).update(cohort=CohortFactory())
    response = student_client.post(
        reverse("quiz:answer", args=[attempt.pk]), {"item": item.pk, "answer": "1"}
    )
    assert response.status_code == 409
    assert not Response.objects.filter(item=item).exists()
    attempt.refresh_from_db()
    assert not attempt.is_open
