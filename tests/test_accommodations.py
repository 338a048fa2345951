"""Accommodations: extra time and extra attempts for a student, at a quiz or at every quiz of
a cohort, set by an instructor, in force at once in an attempt in progress, and told to the
student."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from quiz import accommodations, errors, selectors, services
from quiz.models import Accommodation, Attempt, CohortQuiz, Quiz
from tests.factories import (
    AccommodationFactory,
    CohortFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)
from tests.refusals import raises

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# The rule, as a table -------------------------------------------------------------------------


def grant(*, quiz: bool = True, extra: int | None = None, factor: str | None = None, tries=0):
    """An accommodation as the rule reads it, never saved: at a quiz, or cohort-wide."""
    return AccommodationFactory.build(
        quiz=None,
        quiz_id=1 if quiz else None,
        cohort_id=None if quiz else 1,
        extra_minutes=extra,
        time_factor=Decimal(factor) if factor else None,
        extra_attempts=tries,
    )


@pytest.mark.parametrize(
    ("grants", "limit", "expected_limit", "expected_extra_attempts"),
    [
        ([], 30, 30, 0),
        ([], None, None, 0),
        ([grant(extra=15)], 30, 45, 0),
        ([grant(factor="1.5")], 30, 45, 0),
        ([grant(factor="1.25")], 25, 32, 0),  # 31.25 minutes: rounded up
        ([grant(factor="5")], 1, 5, 0),
        ([grant(extra=15, tries=2)], None, None, 2),  # untimed: no extra time to give
        ([grant(tries=1)], 30, 30, 1),
        # A quiz's own time wins over cohort-wide time, even when it gives less; each thing
        # given is decided on its own, so the cohort's attempts stay.
        ([grant(quiz=False, extra=60, tries=3), grant(extra=10)], 30, 40, 3),
        ([grant(extra=10), grant(quiz=False, factor="2", tries=3)], 30, 40, 3),
        # Extra attempts at one quiz leave the cohort's extra time in place (and win over its
        # attempts).
        ([grant(quiz=False, factor="2", tries=3), grant(tries=1)], 30, 60, 1),
        # Among cohort-wide ones, the most generous of each, at this quiz's limit.
        ([grant(quiz=False, extra=20), grant(quiz=False, factor="1.5", tries=1)], 30, 50, 1),
        ([grant(quiz=False, extra=20, tries=2), grant(quiz=False, factor="1.5")], 60, 90, 2),
        ([grant(quiz=False, tries=2), grant(quiz=False, extra=5)], 30, 35, 2),
    ],
)
def test_allowance_takes_the_quizs_own_else_the_most_generous_of_each_thing(
    grants, limit, expected_limit, expected_extra_attempts
):
    allowance = accommodations.allowance(grants, limit)
    assert allowance.time_limit_minutes == expected_limit
    assert allowance.extra_attempts == expected_extra_attempts


@pytest.mark.parametrize(
    ("grants", "limit", "lines"),
    [
        ([], 30, []),
        ([grant(extra=15)], 30, ["You have 15 extra minutes."]),
        ([grant(extra=1)], 30, ["You have 1 extra minute."]),
        ([grant(factor="1.50")], 30, ["You have 1.5 times the time limit (45 minutes)."]),
        ([grant(factor="2.00")], 20, ["You have 2 times the time limit (40 minutes)."]),
        ([grant(tries=1)], 30, ["You have 1 extra attempt."]),
        (
            [grant(extra=15, tries=2)],
            30,
            ["You have 15 extra minutes.", "You have 2 extra attempts."],
        ),
        ([grant(extra=15, tries=1)], None, ["You have 1 extra attempt."]),  # untimed quiz
    ],
)
def test_what_the_student_is_told(grants, limit, lines):
    assert accommodations.allowance(grants, limit, 3).lines == lines


def test_no_extra_attempts_are_told_where_attempts_are_unlimited():
    assert accommodations.allowance([grant(extra=15, tries=1)], 30, None).lines == [
        "You have 15 extra minutes."
    ]


def test_attempts_add_to_the_quizs_and_unlimited_stays_unlimited():
    allowance = accommodations.allowance([grant(tries=2)], None)
    assert allowance.max_attempts(1) == 3
    assert allowance.max_attempts(None) is None


# In the database ------------------------------------------------------------------------------


@pytest.fixture
def cohort(student):
    return CohortFactory(students=[student])


def assign(cohort, quiz, *, closes_at=NOW + timedelta(days=30)):
    return CohortQuiz.objects.create(
        cohort=cohort, quiz=quiz, opens_at=NOW - timedelta(days=1), closes_at=closes_at
    )


@pytest.fixture
def quiz(cohort):
    """A 30-minute quiz, two attempts, open to the student's cohort around NOW."""
    quiz = QuizFactory(
        time_limit_minutes=30, max_attempts=2, questions=QuestionFactory.create_batch(2)
    )
    assign(cohort, quiz)
    return quiz


def give(instructor, student, *, at=NOW, **fields):
    accommodation = Accommodation(user=student, **({"quiz": None} | fields))
    return services.accommodation_save(user=instructor, accommodation=accommodation, now=at)


def deadline_of(attempt):
    attempt.refresh_from_db()
    return attempt.deadline


def test_extra_minutes_lengthen_the_deadline_at_the_start(student, instructor, quiz):
    give(instructor, student, quiz=quiz, extra_minutes=15)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    assert attempt.deadline == NOW + minutes(45)


def test_a_time_factor_multiplies_the_limit_rounded_up_to_the_minute(student, instructor, quiz):
    quiz.time_limit_minutes = 25
    quiz.save()
    give(instructor, student, quiz=quiz, time_factor=Decimal("1.25"))
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    assert attempt.deadline == NOW + minutes(32)


def test_the_windows_close_still_caps_the_deadline(student, instructor, cohort):
    quiz = QuizFactory(time_limit_minutes=30, questions=[QuestionFactory()])
    assign(cohort, quiz, closes_at=NOW + minutes(40))
    give(instructor, student, quiz=quiz, extra_minutes=15)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    assert attempt.deadline == NOW + minutes(40)


def test_extra_attempts_allow_exactly_that_many_more(student, instructor, quiz):
    give(instructor, student, quiz=quiz, extra_attempts=1)
    for n in range(3):
        attempt = services.attempt_start(user=student, quiz=quiz, now=NOW + minutes(n))
        services.attempt_finish(user=student, attempt_id=attempt.pk, now=NOW + minutes(n))
    with raises(errors.AllAttemptsUsed, allowed=3):
        services.attempt_start(user=student, quiz=quiz, now=NOW + minutes(5))


def test_without_accommodation_the_quizs_attempts_are_all(student, quiz):
    for n in range(2):
        attempt = services.attempt_start(user=student, quiz=quiz, now=NOW + minutes(n))
        services.attempt_finish(user=student, attempt_id=attempt.pk, now=NOW + minutes(n))
    with raises(errors.AllAttemptsUsed, allowed=2):
        services.attempt_start(user=student, quiz=quiz, now=NOW + minutes(5))


def test_saving_one_mid_attempt_moves_the_running_deadline_at_once(
    student, student_client, instructor, quiz, time_machine
):
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    give(instructor, student, at=NOW + minutes(10), quiz=quiz, extra_minutes=15)
    assert deadline_of(attempt) == NOW + minutes(45)

    time_machine.move_to(NOW + minutes(10), tick=False)
    html = student_client.get(reverse("quiz:timer", args=[attempt.pk]), **HTMX).content.decode()
    assert 'data-seconds-left="2100"' in html  # 35 minutes left, not 20
    assert "You have 15 extra minutes." in html


def test_a_changed_factor_moves_it_again(student, instructor, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    accommodation = give(instructor, student, quiz=quiz, extra_minutes=15)
    accommodation.extra_minutes, accommodation.time_factor = None, Decimal(2)
    services.accommodation_save(user=instructor, accommodation=accommodation, now=NOW + minutes(5))
    assert deadline_of(attempt) == NOW + minutes(60)


def test_removing_it_moves_the_deadline_back(student, instructor, quiz):
    accommodation = give(instructor, student, quiz=quiz, extra_minutes=60)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    assert attempt.deadline == NOW + minutes(90)
    services.accommodations_delete(
        user=instructor, accommodations=[accommodation], now=NOW + minutes(10)
    )
    assert deadline_of(attempt) == NOW + minutes(30)


def test_taking_time_back_leaves_a_running_attempt_five_minutes(student, instructor, quiz):
    accommodation = give(instructor, student, quiz=quiz, extra_minutes=60)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    services.accommodations_delete(
        user=instructor, accommodations=[accommodation], now=NOW + minutes(40)
    )
    assert deadline_of(attempt) == NOW + minutes(45)  # not NOW + 30: that has passed
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS


def test_taking_time_back_with_less_than_five_minutes_left_leaves_what_it_had(
    student, instructor, quiz
):
    accommodation = give(instructor, student, quiz=quiz, extra_minutes=10)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)  # ends at NOW + 40
    services.accommodations_delete(
        user=instructor, accommodations=[accommodation], now=NOW + minutes(38)
    )
    assert deadline_of(attempt) == NOW + minutes(40)


def test_extra_time_moves_a_deadline_from_the_limit_the_attempt_began_with(
    student, instructor, quiz
):
    """The quiz's limit cut from 30 to 10 minutes after the start: extra attempts given then
    leave the running attempt's 30 minutes alone, and 5 extra minutes give 35."""
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=10)
    accommodation = give(instructor, student, quiz=quiz, extra_attempts=1)
    assert deadline_of(attempt) == NOW + minutes(30)
    accommodation.extra_minutes = 5
    services.accommodation_save(user=instructor, accommodation=accommodation, now=NOW)
    assert deadline_of(attempt) == NOW + minutes(35)


def test_moving_the_accommodation_to_another_student_gives_the_time_back(
    student, instructor, quiz, cohort
):
    bob = UserFactory()
    cohort.students.add(bob)
    accommodation = give(instructor, student, quiz=quiz, extra_minutes=60)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    accommodation.user = bob
    services.accommodation_save(user=instructor, accommodation=accommodation, now=NOW + minutes(10))
    assert deadline_of(attempt) == NOW + minutes(30)


def test_the_window_still_caps_a_moved_deadline(student, instructor, cohort):
    quiz = QuizFactory(time_limit_minutes=30, questions=[QuestionFactory()])
    assign(cohort, quiz, closes_at=NOW + minutes(40))
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    give(instructor, student, at=NOW + minutes(5), quiz=quiz, extra_minutes=60)
    assert deadline_of(attempt) == NOW + minutes(40)


def test_a_quiz_accommodation_wins_over_a_cohort_one(student, instructor, quiz, cohort):
    give(instructor, student, cohort=cohort, extra_minutes=60)
    give(instructor, student, quiz=quiz, extra_minutes=10)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    assert attempt.deadline == NOW + minutes(40)


def test_a_cohort_wide_one_applies_to_every_quiz_of_the_cohort(student, instructor, cohort):
    quizzes = [
        QuizFactory(time_limit_minutes=limit, questions=[QuestionFactory()]) for limit in (20, 40)
    ]
    for quiz in quizzes:
        assign(cohort, quiz)
    running = services.attempt_start(user=student, quiz=quizzes[0], now=NOW)
    give(instructor, student, at=NOW + minutes(1), cohort=cohort, time_factor=Decimal("1.5"))
    assert deadline_of(running) == NOW + minutes(30)
    later = services.attempt_start(user=student, quiz=quizzes[1], now=NOW + minutes(2))
    assert later.deadline == NOW + minutes(2 + 60)


def test_another_cohorts_quizzes_and_students_are_untouched(student, instructor, quiz, cohort):
    other_quiz = QuizFactory(time_limit_minutes=30, questions=[QuestionFactory()])
    assign(CohortFactory(students=[student]), other_quiz)
    bob = UserFactory()
    cohort.students.add(bob)
    mine = services.attempt_start(user=student, quiz=other_quiz, now=NOW)
    bobs = services.attempt_start(user=bob, quiz=quiz, now=NOW)
    give(instructor, student, at=NOW + minutes(1), cohort=cohort, extra_minutes=30)
    assert deadline_of(mine) == NOW + minutes(30)
    assert deadline_of(bobs) == NOW + minutes(30)


def test_practice_attempts_are_unaffected(student, instructor, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    services.attempt_finish(user=student, attempt_id=attempt.pk, now=NOW)
    practice = services.practice_start(user=student, quiz=quiz, now=NOW + minutes(1))
    give(instructor, student, at=NOW + minutes(2), quiz=quiz, extra_minutes=15)
    assert deadline_of(practice) is None
    assert practice.is_practice


def test_students_cannot_give_accommodations(student, quiz):
    with raises(errors.InstructorsOnlyAccommodation):
        give(student, student, quiz=quiz, extra_minutes=15)
    accommodation = AccommodationFactory(user=student, quiz=quiz)
    with raises(errors.InstructorsOnlyAccommodation):
        services.accommodations_delete(user=student, accommodations=[accommodation])
    assert Accommodation.objects.count() == 1


def test_the_service_refuses_an_invalid_accommodation(student, instructor, quiz):
    with pytest.raises(ValidationError, match="not both"):
        give(instructor, student, quiz=quiz, extra_minutes=15, time_factor=Decimal(2))
    assert not Accommodation.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"extra_minutes": 15, "time_factor": Decimal(2)},  # both kinds of extra time
        {"extra_attempts": 0},  # nothing at all
        {"time_factor": Decimal(1)},  # a factor that gives nothing
        {"time_factor": Decimal("5.5")},
        {"extra_minutes": 0},
        {"extra_minutes": 601},
        {"cohort": None, "quiz": None, "extra_minutes": 5},  # neither quiz nor cohort
        {"with_cohort": True, "extra_minutes": 5},  # both
    ],
)
def test_the_database_refuses_what_is_not_an_accommodation(student, quiz, cohort, fields):
    if fields.pop("with_cohort", False):
        fields["cohort"] = cohort
    values = {"extra_minutes": None} | fields
    with pytest.raises(IntegrityError), transaction.atomic():
        AccommodationFactory(user=student, **({"quiz": quiz} | values))


def test_the_database_keeps_one_per_student_and_quiz_or_cohort(student, quiz, cohort):
    AccommodationFactory(user=student, quiz=quiz)
    AccommodationFactory(user=student, quiz=None, cohort=cohort)
    for where in ({"quiz": quiz}, {"quiz": None, "cohort": cohort}):
        with pytest.raises(IntegrityError), transaction.atomic():
            AccommodationFactory(user=student, **where)


def test_allowances_for_many_quizzes_take_one_query(
    student, instructor, cohort, django_assert_num_queries
):
    quizzes = [QuizFactory(time_limit_minutes=30) for _ in range(5)]
    for quiz in quizzes:
        assign(cohort, quiz)
    give(instructor, student, cohort=cohort, extra_minutes=5)
    give(instructor, student, quiz=quizzes[0], extra_attempts=2)
    with django_assert_num_queries(1):
        allowed = selectors.allowances(student, quizzes)
    # The quiz's own gives attempts only: the cohort's extra time stays there too.
    assert [allowed[q.pk].time_limit_minutes for q in quizzes] == [35, 35, 35, 35, 35]
    assert allowed[quizzes[0].pk].extra_attempts == 2


def test_a_cohort_one_lapses_when_the_student_leaves_the_cohort(student, instructor, quiz):
    other = CohortFactory()
    assign(other, quiz)
    give(instructor, student, cohort=other, extra_minutes=5)
    assert selectors.allowances(student, [quiz])[quiz.pk].time_limit_minutes == 30


# The admin ------------------------------------------------------------------------------------

ADD = reverse("admin:quiz_accommodation_add")


def form(student, quiz=None, cohort=None, **fields):
    return {
        "user": student.username,
        "quiz": quiz.pk if quiz else "",
        "cohort": cohort.pk if cohort else "",
        "extra_minutes": "",
        "time_factor": "",
        "extra_attempts": "0",
        "reason": "",
        **fields,
    }


def test_admin_add_stamps_who_and_when_and_moves_the_deadline(
    instructor_client, instructor, student, quiz, time_machine
):
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    time_machine.move_to(NOW + minutes(3), tick=False)
    response = instructor_client.post(ADD, form(student, quiz, extra_minutes="15"))
    assert response.status_code == 302
    accommodation = Accommodation.objects.get()
    assert (accommodation.set_by, accommodation.set_at) == (instructor, NOW + minutes(3))
    assert deadline_of(attempt) == NOW + minutes(45)


def test_admin_change_stamps_the_changer(instructor_client, instructor, student, quiz):
    accommodation = AccommodationFactory(user=student, quiz=quiz, set_by=None)
    url = reverse("admin:quiz_accommodation_change", args=[accommodation.pk])
    page = instructor_client.get(url).content.decode()
    assert f'value="{student.username}"' in page  # the student by username, not by id
    response = instructor_client.post(url, form(student, quiz, time_factor="1.5"))
    assert response.status_code == 302
    accommodation.refresh_from_db()
    assert (accommodation.set_by, accommodation.time_factor) == (instructor, Decimal("1.5"))


def test_admin_refuses_minutes_and_factor_together_with_a_form_error(
    instructor_client, student, quiz
):
    response = instructor_client.post(ADD, form(student, quiz, extra_minutes="15", time_factor="2"))
    assert response.status_code == 200
    assert "Give extra minutes or a time factor, not both." in response.content.decode()
    assert not Accommodation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Give extra time, extra attempts, or both."),
        ({"user": "nobody", "extra_minutes": "5"}, "No student has this username."),
        ({"extra_minutes": "601"}, "less than or equal to 600"),
    ],
)
def test_admin_says_what_is_wrong(instructor_client, student, quiz, fields, message):
    response = instructor_client.post(ADD, form(student, quiz, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Accommodation.objects.exists()


def test_admin_delete_gives_the_time_back(
    instructor_client, instructor, student, quiz, time_machine
):
    accommodation = give(instructor, student, quiz=quiz, extra_minutes=60)
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    time_machine.move_to(NOW + minutes(10), tick=False)
    url = reverse("admin:quiz_accommodation_delete", args=[accommodation.pk])
    assert instructor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Accommodation.objects.exists()
    assert deadline_of(attempt) == NOW + minutes(30)


def test_admin_bulk_delete_gives_the_time_back(
    instructor_client, instructor, student, quiz, cohort, time_machine
):
    given = [
        give(instructor, student, quiz=quiz, extra_minutes=60),
        give(instructor, student, cohort=cohort, extra_minutes=30),
    ]
    attempt = services.attempt_start(user=student, quiz=quiz, now=NOW)
    time_machine.move_to(NOW + minutes(10), tick=False)
    changelist = reverse("admin:quiz_accommodation_changelist")
    payload = {
        "action": "delete_selected",
        "_selected_action": [a.pk for a in given],
        "post": "yes",
    }
    assert instructor_client.post(changelist, payload).status_code == 302
    assert not Accommodation.objects.exists()
    assert deadline_of(attempt) == NOW + minutes(30)


def test_admin_lists_and_finds_them_by_username(instructor_client, instructor, student, quiz):
    give(instructor, student, quiz=quiz, time_factor=Decimal("1.5"), extra_attempts=1)
    AccommodationFactory(user=UserFactory(username="zed"), quiz=quiz)
    changelist = reverse("admin:quiz_accommodation_changelist")
    html = instructor_client.get(changelist, {"q": student.username}).content.decode()
    assert "× 1.5" in html
    assert "teacher" in html  # set by
    assert "zed" not in html


# What the student sees ------------------------------------------------------------------------


@pytest.fixture
def timed_attempt(student, instructor, quiz, time_machine):
    time_machine.move_to(NOW, tick=False)
    give(instructor, student, quiz=quiz, extra_minutes=15, extra_attempts=1)
    return services.attempt_start(user=student, quiz=quiz)


def test_the_student_sees_it_on_the_quiz_page_and_beside_the_timer(
    student_client, quiz, timed_attempt
):
    quiz_page = student_client.get(quiz.get_absolute_url()).content.decode()
    assert "You have 15 extra minutes." in quiz_page
    assert "You have 1 extra attempt." in quiz_page
    assert "1 of 3 used" in quiz_page  # the one in progress counts
    attempt_page = student_client.get(timed_attempt.get_absolute_url()).content.decode()
    timer = re.search(r'<p id="timer".*?</p>', attempt_page, re.S).group()
    assert "You have 15 extra minutes." in timer
    assert 'data-seconds-left="2700"' in timer


def test_a_factor_is_said_with_the_minutes_it_gives(student, instructor, student_client, quiz):
    give(instructor, student, quiz=quiz, time_factor=Decimal("1.5"))
    html = student_client.get(quiz.get_absolute_url()).content.decode()
    assert "You have 1.5 times the time limit (45 minutes)." in html


def test_another_student_sees_nothing(cohort, quiz, timed_attempt):
    bob = UserFactory()
    cohort.students.add(bob)
    client = Client()
    client.force_login(bob)
    html = client.get(quiz.get_absolute_url()).content.decode()
    assert "extra" not in html
    assert "0 of 2 used" in html
    attempt = services.attempt_start(user=bob, quiz=quiz)
    assert "extra" not in client.get(attempt.get_absolute_url()).content.decode()


def test_home_counts_the_extra_attempts(student_client, quiz, timed_attempt):
    services.attempt_finish(user=timed_attempt.user, attempt_id=timed_attempt.pk)
    html = student_client.get(reverse("quiz:home")).content.decode()
    assert "1 of 3 attempts used" in html
