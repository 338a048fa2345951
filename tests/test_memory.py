"""Spaced practice: every answer a student gives updates their memory of the question, as FSRS
schedules it, with a frozen clock."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from fsrs import Rating

from quiz import errors, memory, selectors, services
from quiz.models import Memory, MemoryReview, Quiz
from tests.answers import choose
from tests.factories import QuestionFactory, QuizFactory

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("score", "outcome"),
    [
        (Decimal(0), Rating.Again),
        (Decimal("0.0001"), Rating.Hard),
        (Decimal("0.5"), Rating.Hard),
        (Decimal("0.9999"), Rating.Hard),
        (Decimal(1), Rating.Good),
    ],
)
def test_an_answers_score_is_its_rating(score, outcome):
    assert memory.rating(score) == outcome


def interval(recall):
    return recall.due - recall.last_review


def test_intervals_grow_after_right_answers_and_shrink_after_a_wrong_one():
    first = memory.review(None, Rating.Good, MORNING)
    second = memory.review(first, Rating.Good, first.due)
    third = memory.review(second, Rating.Good, second.due)
    assert interval(first) < interval(second) < interval(third)
    wrong = memory.review(third, Rating.Again, third.due)
    assert interval(wrong) < interval(third)
    assert wrong.stability < third.stability
    assert wrong.difficulty > third.difficulty


def test_a_wrong_first_answer_comes_back_sooner_than_a_right_one():
    wrong = memory.review(None, Rating.Again, MORNING)
    partly = memory.review(None, Rating.Hard, MORNING)
    right = memory.review(None, Rating.Good, MORNING)
    assert interval(wrong) <= interval(partly) <= interval(right)


@pytest.mark.parametrize("outcome", [Rating.Again, Rating.Hard, Rating.Good])
@pytest.mark.parametrize("history", [[], [Rating.Good], [Rating.Good, Rating.Again]])
def test_nothing_comes_due_again_the_same_day(history, outcome):
    recall, at = None, MORNING
    for earlier in history:
        recall = memory.review(recall, earlier, at)
        at = recall.due
    after = memory.review(recall, outcome, at)
    assert after.due.date() > at.date()


def test_a_higher_desired_retention_brings_questions_back_sooner(settings):
    settings.DESIRED_RETENTION = 0.9
    usual = memory.review(memory.review(None, Rating.Good, MORNING), Rating.Good, MORNING + DAY * 3)
    settings.DESIRED_RETENTION = 0.95
    keen = memory.review(memory.review(None, Rating.Good, MORNING), Rating.Good, MORNING + DAY * 3)
    assert interval(keen) < interval(usual)


def test_the_chance_of_recall_falls_with_time():
    recall = memory.review(None, Rating.Good, MORNING)
    assert memory.retrievability(recall, MORNING + DAY) > memory.retrievability(
        recall, MORNING + DAY * 30
    )


# Through the services ---------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db
# Within the quiz windows the factories open from yesterday for a year, and at 09:00 so that
# "due today" in the tests does not hang on the hour they run at.
START = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)


def take(student, quiz, rights, *, at=START, finish=True, practice=False):
    """Start an attempt at `at`, answer its questions in order (True right, False wrong,
    None skipped) a minute apart, and finish it."""
    start = services.practice_start if practice else services.attempt_start
    attempt = start(user=student, quiz=quiz, now=at)
    take_items(student, attempt, rights, at=at)
    attempt.refresh_from_db()
    if finish and attempt.is_open:
        services.attempt_finish(user=student, attempt_id=attempt.pk, now=at + timedelta(hours=1))
    return attempt


@pytest.fixture
def quiz(student):
    return QuizFactory(
        open_to=[student],
        feedback=Quiz.Feedback.AT_END,
        questions=QuestionFactory.create_batch(3),
    )


@pytestmark_db
def test_finishing_an_attempt_remembers_each_answer_with_its_rating(student, quiz):
    take(student, quiz, [True, False, None])
    memories = Memory.objects.filter(user=student)
    reviews = MemoryReview.objects.filter(memory__user=student).order_by("reviewed_at")
    assert [r.rating for r in reviews] == [MemoryReview.Rating.GOOD, MemoryReview.Rating.AGAIN]
    assert [r.reviewed_at for r in reviews] == [START + timedelta(minutes=n) for n in (1, 2)]
    assert memories.count() == 2  # the question skipped is not remembered
    right, wrong = (Memory.objects.get(user=student, question=r.item.question) for r in reviews)
    assert wrong.due < right.due


@pytestmark_db
def test_an_attempt_in_progress_is_not_counted_until_it_closes(student, quiz):
    attempt = take(student, quiz, [True, True, None], finish=False)
    assert not Memory.objects.exists()
    services.attempt_finish(user=student, attempt_id=attempt.pk, now=START + timedelta(hours=1))
    assert Memory.objects.filter(user=student).count() == 2


@pytestmark_db
def test_a_later_attempt_updates_the_same_memory(student, quiz):
    take(student, quiz, [True, True, True])
    first = {m.question_id: m.due for m in Memory.objects.filter(user=student)}
    take(student, quiz, [True, True, True], at=START + DAY * 3)
    assert Memory.objects.filter(user=student).count() == 3
    assert MemoryReview.objects.filter(memory__user=student).count() == 6
    later = {m.question_id: m.due for m in Memory.objects.filter(user=student)}
    assert all(later[q] > first[q] for q in first)


@pytestmark_db
def test_practice_dropped_for_a_graded_attempt_still_counts_its_answers(student, quiz):
    take(student, quiz, [False, False, True])
    take(student, quiz, [True, None], at=START + DAY, finish=False, practice=True)
    services.attempt_start(user=student, quiz=quiz, now=START + DAY * 2)  # drops the practice
    assert MemoryReview.objects.filter(memory__user=student).count() == 4


@pytestmark_db
def test_a_changed_answer_counts_once_as_it_stood_at_the_finish(student):
    quiz = QuizFactory(
        open_to=[student],
        feedback=Quiz.Feedback.AT_END,
        navigation=Quiz.Navigation.FREE,
        questions=[QuestionFactory()],
    )
    attempt = services.attempt_start(user=student, quiz=quiz, now=START)
    item = attempt.items.get()
    for minute, right in ((1, False), (2, True)):
        services.answer_record(
            user=student,
            attempt_id=attempt.pk,
            item_id=item.pk,
            answers=choose(item, right),
            now=START + timedelta(minutes=minute),
        )
    services.attempt_finish(user=student, attempt_id=attempt.pk, now=START + timedelta(hours=1))
    (review,) = MemoryReview.objects.filter(memory__user=student)
    assert (review.rating, review.reviewed_at) == (
        MemoryReview.Rating.GOOD,
        START + timedelta(minutes=2),
    )


@pytestmark_db
def test_an_answer_older_than_the_memorys_last_review_is_not_counted(student):
    """Two quizzes share a question; the attempt that answered it later closes first. FSRS
    reads reviews in time order, so the earlier answer, closed after, is left out."""
    shared = QuestionFactory()
    first, second = (
        QuizFactory(
            open_to=[student],
            feedback=Quiz.Feedback.AT_END,
            navigation=Quiz.Navigation.FREE,  # answering its one question does not finish it
            questions=[shared],
        )
        for _ in range(2)
    )
    early = take(student, first, [False], finish=False)
    take(student, second, [True], at=START + timedelta(minutes=5))
    services.attempt_finish(user=student, attempt_id=early.pk, now=START + timedelta(hours=2))
    (review,) = MemoryReview.objects.filter(memory__user=student)
    assert review.rating == MemoryReview.Rating.GOOD


# Review due -----------------------------------------------------------------------------------


def due_questions(student, at):
    return set(selectors.due(student, at).values_list("question", flat=True))


@pytestmark_db
def test_a_review_session_asks_what_is_due_most_overdue_first(student, quiz):
    take(student, quiz, [True, False, True])  # the wrong one is due in a day, the others in two
    session = services.review_start(user=student, quiz=quiz, now=START + DAY * 2 + HOUR)
    asked = list(session.items.order_by("position").values_list("question", flat=True))
    due = list(
        Memory.objects.filter(user=student).order_by("due", "pk").values_list("question", flat=True)
    )
    assert asked == due
    assert session.is_practice
    assert Memory.objects.get(user=student, question=asked[0]).due < START + DAY * 2


@pytestmark_db
def test_only_what_is_due_today_is_asked(student, quiz):
    take(student, quiz, [True, False, True])
    session = services.review_start(user=student, quiz=quiz, now=START + HOUR * 25)
    wrong = Memory.objects.filter(user=student).order_by("due").first()
    assert list(session.items.values_list("question", flat=True)) == [wrong.question_id]


@pytestmark_db
def test_nothing_reviewed_comes_due_again_the_same_day(student, quiz):
    take(student, quiz, [False, False, False])
    at = START + DAY * 2
    session = services.review_start(user=student, quiz=quiz, now=at)
    take_items(student, session, [False, False, False], at=at)
    assert due_questions(student, at + HOUR) == set()
    with pytest.raises(errors.NothingDue):
        services.review_start(user=student, quiz=quiz, now=at + HOUR)


@pytestmark_db
def test_hundreds_due_make_a_bounded_session(student):
    quiz = QuizFactory(
        open_to=[student],
        feedback=Quiz.Feedback.AT_END,
        questions=QuestionFactory.create_batch(memory.SESSION + 15),
    )
    take(student, quiz, [False] * (memory.SESSION + 15))
    session = services.review_start(user=student, quiz=quiz, now=START + DAY * 3)
    assert session.question_count == memory.SESSION


@pytestmark_db
def test_a_review_session_does_not_count_and_waits_for_a_graded_attempt(student, quiz):
    take(student, quiz, [False, False, False])
    graded = services.attempt_start(user=student, quiz=quiz, now=START + DAY * 2)
    with pytest.raises(errors.FinishBeforePractising):
        services.review_start(user=student, quiz=quiz, now=START + DAY * 2)
    services.attempt_finish(user=student, attempt_id=graded.pk, now=START + DAY * 2)
    session = services.review_start(user=student, quiz=quiz, now=START + DAY * 2 + HOUR)
    assert session.is_practice
    assert quiz.attempts.filter(is_practice=False).count() == 2


def take_items(student, attempt, rights, *, at):
    """Answer the attempt's questions in order (True right, False wrong, None skipped), a
    minute apart from `at`."""
    for n, (item, right) in enumerate(
        zip(attempt.items.order_by("position"), rights, strict=True), 1
    ):
        if right is None:
            continue
        services.answer_record(
            user=student,
            attempt_id=attempt.pk,
            item_id=item.pk,
            answers=choose(item, right),
            now=at + timedelta(minutes=n),
        )


@pytestmark_db
def test_home_and_the_quiz_page_say_what_is_due_and_start_a_session(
    student, student_client, quiz, time_machine
):
    other = QuizFactory(open_to=[student], questions=[QuestionFactory()])
    take(student, quiz, [False, True, True])
    time_machine.move_to(START + HOUR * 25, tick=False)
    student_client.force_login(student)
    home = student_client.get(reverse("quiz:home")).content.decode()
    assert "1 question due for review today." in home
    assert f"{other.get_absolute_url()}#review-due" not in home
    page = student_client.get(quiz.get_absolute_url()).content.decode()
    assert "Review 1 due question" in page
    response = student_client.post(reverse("quiz:review_due", args=[quiz.slug]))
    session = student.attempts.get(is_practice=True)
    assert response.url == session.get_absolute_url()


@pytestmark_db
def test_nothing_due_is_said_and_refused(student, student_client, quiz):
    take(student, quiz, [True, True, True])
    assert "due for review" not in student_client.get(reverse("quiz:home")).content.decode()
    response = student_client.post(reverse("quiz:review_due", args=[quiz.slug]))
    assert response.status_code == 403
    assert str(errors.NothingDue()) in response.content.decode()
