"""Starting, answering and finishing attempts, as the services enforce them."""

import re
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from quiz import errors, grading, selectors, services
from quiz.models import Attempt, AttemptItem, Membership, Question, Response
from tests.answers import page_values, right_answers
from tests.factories import (
    AttemptFactory,
    CohortFactory,
    CohortQuizFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)
from tests.refusals import raises
from tests.threads import run_together

pytestmark = pytest.mark.django_db


def answer(student, item, **kwargs):
    payload = kwargs if kwargs else right_answers(item)
    return services.answer_record(
        user=student, attempt_id=item.attempt_id, item_id=item.pk, **payload
    )


@pytest.fixture
def quiz(student):
    return QuizFactory(
        open_to=[student],
        questions=[QuestionFactory(kind=kind) for kind in grading.KINDS if kind != "numeric"]
        + [QuestionFactory(numeric=True)],
        pass_mark=50,
    )


def test_start_freezes_every_question_of_the_quiz_in_its_order(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    asked = list(attempt.items.values_list("question_id", flat=True))
    assert asked == list(quiz.quiz_questions.values_list("question_id", flat=True))
    assert attempt.max_points == len(grading.KINDS)


def test_start_twice_resumes_the_same_attempt(student, quiz):
    first = services.attempt_start(user=student, quiz=quiz)
    assert services.attempt_start(user=student, quiz=quiz) == first
    assert Attempt.objects.count() == 1


def built_meanwhile(monkeypatch, change) -> list[int]:
    """Make `change` happen after a start has built its items, before its transaction; return
    how deep in transactions each build ran (`connection.atomic_blocks`)."""
    build = services._draft
    depths = []

    def built_then_changed(quiz):
        built = build(quiz)
        depths.append(len(connection.atomic_blocks))
        if len(depths) == 1:
            change()
        return built

    monkeypatch.setattr(services, "_draft", built_then_changed)
    return depths


def test_a_start_builds_its_items_before_its_transaction_and_not_to_resume(
    student, quiz, monkeypatch
):
    depths = built_meanwhile(monkeypatch, lambda: None)
    outside = len(connection.atomic_blocks)
    first = services.attempt_start(user=student, quiz=quiz)
    assert depths == [outside]  # built once, holding no write lock
    assert services.attempt_start(user=student, quiz=quiz) == first
    assert depths == [outside]  # resumed: nothing built


def test_a_start_that_will_be_refused_builds_nothing_first(student, monkeypatch):
    quiz = QuizFactory(open_to=[student], questions=[QuestionFactory()])
    depths = built_meanwhile(monkeypatch, lambda: None)
    after = timezone.now() + timedelta(days=60)  # past the factory's 30-day window
    with raises(errors.QuizClosed, when=services._when(quiz.assignments.get().closes_at)):
        services.attempt_start(user=student, quiz=quiz, now=after)
    assert depths == []


def test_a_start_after_the_time_ran_out_builds_the_new_attempt_before_its_transaction(
    student, monkeypatch
):
    quiz = QuizFactory(
        open_to=[student], time_limit_minutes=10, questions=QuestionFactory.create_batch(2)
    )
    started = timezone.now()
    first = services.attempt_start(user=student, quiz=quiz, now=started)
    depths = built_meanwhile(monkeypatch, lambda: None)
    outside = len(connection.atomic_blocks)
    second = services.attempt_start(user=student, quiz=quiz, now=started + timedelta(minutes=11))
    assert second != first
    assert depths == [outside]
    first.refresh_from_db()
    assert first.state == Attempt.State.FINISHED


def test_an_answer_accepted_while_a_start_builds_its_items_is_in_their_keys(
    student, instructor, monkeypatch
):
    question = QuestionFactory(kind=grading.SHORT_TEXT, accepted=["November"])
    quiz = QuizFactory(open_to=[student], questions=[question])
    built_meanwhile(
        monkeypatch,
        lambda: services.answer_accept(user=instructor, question_id=question.pk, answer="Novmbr"),
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    assert "Novmbr" in item.key["accepted"]
    assert answer(student, item, answers=["novmbr"]).response.is_correct


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("step", ["draft checked", "built under the lock", "practice built"])
def test_an_answer_accepted_as_a_start_commits_is_in_its_keys(
    step, student, instructor, monkeypatch
):
    """Real threads: the instructor accepts an answer after the start read the accepted
    answers (checking its draft, or building its items inside its transaction, as when the
    draft no longer holds, and as a practice start does) and before it commits. The accept
    must wait, then widen the new key."""
    question = QuestionFactory(kind=grading.SHORT_TEXT, accepted=["November"])
    quiz = QuizFactory(open_to=[student], questions=[question])
    start = services.attempt_start
    if step == "practice built":  # of the question missed in a graded attempt
        answer(student, start(user=student, quiz=quiz).items.get(), answers=["Nov"])
        start = services.practice_start
    read, accepted = threading.Event(), threading.Event()
    owner, name = {
        "draft checked": (services._Draft, "holds"),
        "built under the lock": (services, "_draft"),
        "practice built": (services, "_items"),
    }[step]
    reads = getattr(owner, name)

    def reads_then_waits(*args):
        result = reads(*args)
        if connection.in_atomic_block:
            read.set()
            accepted.wait(timeout=1)  # the accept commits here, unless it waits for the start
        return result

    monkeypatch.setattr(owner, name, reads_then_waits)
    if step == "built under the lock":
        monkeypatch.setattr(services, "_may_create", lambda user, quiz, now: False)

    def act(who):
        if who == "student":
            return start(user=student, quiz=quiz)
        assert read.wait(timeout=10)
        services.answer_accept(user=instructor, question_id=question.pk, answer="Novmbr")
        accepted.set()

    run_together(act, ["student", "instructor"])
    item = AttemptItem.objects.get(attempt__user=student, attempt__state=Attempt.State.IN_PROGRESS)
    assert "Novmbr" in item.key["accepted"]
    assert answer(student, item, answers=["novmbr"]).response.is_correct


@pytest.mark.django_db(transaction=True)
def test_an_answer_accepted_as_an_attempt_finishes_regrades_it(student, instructor, monkeypatch):
    """Real threads: the instructor accepts an answer while the attempt that gave it is
    finishing (locked, the student's memory of the question written, not yet committed).
    Neither may wait on the other for good (PostgreSQL would refuse one as a deadlock), and
    the answer is regraded once the finish has committed."""
    question = QuestionFactory(kind=grading.SHORT_TEXT, accepted=["November"])
    quiz = QuizFactory(open_to=[student], questions=[question, QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    answer(student, attempt.items.get(question=question), answers=["novmbr"])
    remembered, accepting = threading.Event(), threading.Event()
    remember = services._remember

    def remembers_then_waits(attempt):
        remember(attempt)
        remembered.set()
        assert accepting.wait(timeout=10)
        time.sleep(0.5)  # the accept meanwhile locks the question and waits for the attempt

    monkeypatch.setattr(services, "_remember", remembers_then_waits)

    def act(who):
        if who == "student":
            return services.attempt_finish(user=student, attempt_id=attempt.pk)
        assert remembered.wait(timeout=10)
        accepting.set()
        return services.answer_accept(user=instructor, question_id=question.pk, answer="Novmbr")

    run_together(act, ["student", "instructor"])
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert Response.objects.get(item__attempt=attempt).is_correct
    assert attempt.points == question.weight


def test_a_question_flagged_while_a_start_builds_its_items_is_left_out(student, monkeypatch):
    kept, flagged = QuestionFactory(weight=2), QuestionFactory()
    quiz = QuizFactory(open_to=[student], questions=[kept, flagged])
    built_meanwhile(
        monkeypatch, lambda: Question.objects.filter(pk=flagged.pk).update(needs_review=True)
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    assert list(attempt.items.values_list("question_id", flat=True)) == [kept.pk]
    assert (attempt.question_count, attempt.max_points) == (1, 2)


def test_database_refuses_two_attempts_in_progress_at_one_quiz(student, quiz):
    AttemptFactory(user=student, quiz=quiz)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttemptFactory(user=student, quiz=quiz)


def test_choice_order_is_shuffled_once_and_kept(student):
    quiz = QuizFactory(
        open_to=[student],
        shuffle_choices=True,
        questions=[
            QuestionFactory(
                kind=grading.MULTIPLE,
                choices=[(f"Option {n}", n == 1) for n in range(1, 9)],
            )
        ],
    )
    orders = set()
    for _ in range(6):
        attempt = services.attempt_start(user=student, quiz=quiz)
        item = attempt.items.get()
        orders.add(tuple(item.choice_order))
        item.refresh_from_db()
        assert services.attempt_start(user=student, quiz=quiz).items.get().choice_order == (
            item.choice_order
        )
        services.attempt_finish(user=student, attempt_id=attempt.pk)
    assert len(orders) > 1, "six attempts of eight options all in one order: not shuffled"


def test_ordering_items_never_start_in_the_right_order(student):
    question = QuestionFactory(kind=grading.ORDERING)
    quiz = QuizFactory(open_to=[student], questions=[question])
    for _ in range(5):
        attempt = services.attempt_start(user=student, quiz=quiz)
        right = list(question.choices.values_list("pk", flat=True))
        assert attempt.items.get().choice_order != right
        services.attempt_finish(user=student, attempt_id=attempt.pk)


def test_a_drawn_quiz_asks_that_many_different_questions(student):
    article_questions = QuestionFactory.create_batch(12)
    quiz = QuizFactory(open_to=[student], draw_count=5, questions=article_questions)
    attempt = services.attempt_start(user=student, quiz=quiz)
    asked = list(attempt.items.values_list("question_id", flat=True))
    assert len(asked) == len(set(asked)) == 5
    assert set(asked) <= {q.pk for q in article_questions}


def test_answering_every_question_right_finishes_with_full_marks(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    for item in attempt.items.order_by("position"):
        recorded = answer(student, item)
        assert recorded.response.is_correct, item.question.kind
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.points == len(grading.KINDS)
    assert attempt.percent == 100
    assert attempt.passed is True


def test_student_cannot_answer_twice(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    first = answer(student, item, **wrong_choice(item))
    second = answer(student, item)
    assert first.created
    assert not second.created
    assert second.response == first.response
    assert not second.response.is_correct  # the answer that stands is the first
    assert Response.objects.count() == 1


def test_answers_come_in_order(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    with raises(errors.OutOfOrder):
        answer(student, attempt.items.get(position=2))
    assert not Response.objects.exists()


def test_an_invalid_answer_saves_nothing(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    with pytest.raises(grading.InvalidSubmission):
        answer(student, item, answers=["999999"])
    assert not Response.objects.exists()


def test_a_choice_of_another_question_is_refused(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    first, second = attempt.items.order_by("position")[:2]
    foreign = second.question.choices.first().pk
    with pytest.raises(grading.InvalidSubmission, match="not one of this question"):
        answer(student, first, answers=[str(foreign)])
    assert not Response.objects.exists()


def test_another_students_attempt_is_not_found(student, quiz):
    other = UserFactory()
    open_to_them(quiz, other)
    attempt = services.attempt_start(user=other, quiz=quiz)
    with raises(errors.NoSuchItem):
        answer(student, attempt.items.get(position=1))
    with raises(errors.NoSuchAttempt):
        services.attempt_finish(user=student, attempt_id=attempt.pk)


def test_an_item_of_another_attempt_is_not_found(student, quiz):
    mine = services.attempt_start(user=student, quiz=quiz)
    theirs = services.attempt_start(user=open_to_them(quiz, UserFactory()), quiz=quiz)
    with raises(errors.NoSuchItem):
        services.answer_record(
            user=student, attempt_id=mine.pk, item_id=theirs.items.first().pk, answers=["1"]
        )


def test_a_finished_attempt_takes_no_answers(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    with raises(errors.AttemptClosed):
        answer(student, attempt.items.get(position=1))
    attempt.refresh_from_db()
    assert attempt.points == 0
    assert attempt.passed is False


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_closed(student):
    quiz = QuizFactory(
        open_to=[student], time_limit_minutes=10, questions=QuestionFactory.create_batch(3)
    )
    start = timezone.now()
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    answer_first = right_answers(attempt.items.get(position=1))
    services.answer_record(
        user=student,
        attempt_id=attempt.pk,
        item_id=attempt.items.get(position=1).pk,
        now=start + timedelta(minutes=9),
        **answer_first,
    )
    late = start + timedelta(minutes=10, seconds=1)
    with raises(errors.TimeUp):
        services.answer_record(
            user=student,
            attempt_id=attempt.pk,
            item_id=attempt.items.get(position=2).pk,
            now=late,
            **right_answers(attempt.items.get(position=2)),
        )
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_at == attempt.deadline
    assert attempt.points == 1
    assert Response.objects.count() == 1


def test_attempts_allowed_are_enforced(student):
    quiz = QuizFactory(open_to=[student], max_attempts=2, questions=QuestionFactory.create_batch(2))
    for _ in range(2):
        attempt = services.attempt_start(user=student, quiz=quiz)
        services.attempt_finish(user=student, attempt_id=attempt.pk)
    with raises(errors.AllAttemptsUsed, allowed=2):
        services.attempt_start(user=student, quiz=quiz)


def test_practice_is_exactly_the_questions_not_yet_answered_right(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    items = list(attempt.items.order_by("position"))
    answer(student, items[0])  # right
    answer(student, items[1], **wrong_choice(items[1]))
    services.attempt_finish(user=student, attempt_id=attempt.pk)  # the rest unanswered
    practice = services.practice_start(user=student, quiz=quiz)
    assert practice.is_practice
    assert practice.deadline is None
    practised = set(practice.items.values_list("question_id", flat=True))
    assert practised == {item.question_id for item in items[1:]}
    services.attempt_finish(user=student, attempt_id=practice.pk)
    practice.refresh_from_db()
    assert practice.passed is None  # practice does not count


def test_practice_attempt_does_not_use_up_an_attempt(student):
    quiz = QuizFactory(open_to=[student], max_attempts=2, questions=QuestionFactory.create_batch(2))
    first = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=first.pk)  # nothing right: all to practise
    practice = services.practice_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=practice.pk)
    (status,) = selectors.quiz_statuses(student, [quiz])
    assert (status.attempts_used, status.attempts_left) == (1, 1)

    second = services.attempt_start(user=student, quiz=quiz)

    assert not second.is_practice
    assert second.pk not in (first.pk, practice.pk)
    assert Attempt.objects.filter(user=student, quiz=quiz, is_practice=False).count() == 2
    services.attempt_finish(user=student, attempt_id=second.pk)
    with raises(errors.AllAttemptsUsed, allowed=2):
        services.attempt_start(user=student, quiz=quiz)


def test_practice_in_progress_does_not_use_up_an_attempt(student):
    quiz = QuizFactory(open_to=[student], max_attempts=2, questions=QuestionFactory.create_batch(2))
    first = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=first.pk)
    practice = services.practice_start(user=student, quiz=quiz)

    second = services.attempt_start(user=student, quiz=quiz)

    assert not second.is_practice
    practice.refresh_from_db()
    assert practice.state == Attempt.State.ABANDONED  # dropped for the graded attempt


def test_nothing_to_practise_when_all_is_right(student):
    quiz = QuizFactory(open_to=[student], questions=[QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    answer(student, attempt.items.get())
    with raises(errors.NothingToPractise):
        services.practice_start(user=student, quiz=quiz)


def test_multiple_response_partial_credit_is_kept(student):
    question = QuestionFactory(kind=grading.MULTIPLE)
    attempt = services.attempt_start(
        user=student, quiz=QuizFactory(open_to=[student], questions=[question])
    )
    item = attempt.items.get()
    one_right = next(iter(question.grading_key().correct))
    recorded = answer(student, item, answers=page_values(item, one_right))
    assert recorded.response.score == Decimal("0.5")
    attempt.refresh_from_db()
    assert attempt.points == Decimal("0.5")


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_the_same_moment_record_one(student):
    """Real threads, each with its own connection: one answer stands, none fails."""
    quiz = QuizFactory(open_to=[student], questions=[QuestionFactory(), QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    payload = right_answers(item)
    results = run_together(
        lambda _: services.answer_record(
            user=student, attempt_id=attempt.pk, item_id=item.pk, **payload
        ),
        range(4),
    )
    assert sum(r.created for r in results) == 1
    assert len({r.response.pk for r in results}) == 1
    assert Response.objects.count() == 1


def open_to_them(quiz, user):
    """Put `user` in a cohort the quiz is open to; return the user."""
    CohortFactory(students=[user], quizzes=[quiz])
    return user


# Rules the mutation run found untested ---------------------------------------------------------


def wrong_choice(item: AttemptItem) -> dict:
    key = item.grading_key()
    return {"answers": page_values(item, next(i for i, _ in key.options if i not in key.correct))}


def test_practice_waits_for_the_graded_attempt_in_progress(student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    first = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=first.pk)
    graded = services.attempt_start(user=student, quiz=quiz)
    with raises(errors.FinishBeforePractising):
        services.practice_start(user=student, quiz=quiz)
    graded.refresh_from_db()
    assert graded.is_open


def test_a_new_practice_abandons_the_practice_in_progress(student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    graded = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=graded.pk)
    moment = timezone.now()
    first = services.practice_start(user=student, quiz=quiz, now=moment)
    second = services.practice_start(user=student, quiz=quiz, now=moment + timedelta(minutes=5))
    first.refresh_from_db()
    assert second.pk != first.pk
    assert second.is_open
    assert second.is_practice
    assert first.state == Attempt.State.ABANDONED
    assert first.finished_at == moment + timedelta(minutes=5)


def test_a_graded_start_abandons_the_practice_in_progress(student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    graded = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=graded.pk)
    moment = timezone.now()
    practice = services.practice_start(user=student, quiz=quiz, now=moment)
    again = services.attempt_start(user=student, quiz=quiz, now=moment + timedelta(minutes=3))
    practice.refresh_from_db()
    assert not again.is_practice
    assert again.is_open
    assert practice.state == Attempt.State.ABANDONED
    assert practice.finished_at == moment + timedelta(minutes=3)


def test_practice_is_only_what_this_student_missed(student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    other = open_to_them(quiz, UserFactory())
    theirs = services.attempt_start(user=other, quiz=quiz)
    for item in theirs.items.order_by("position"):
        answer(other, item)  # all right
    mine = services.attempt_start(user=student, quiz=quiz)
    first, second = mine.items.order_by("position")
    answer(student, first)
    answer(student, second, **wrong_choice(second))
    practice = services.practice_start(user=student, quiz=quiz)
    assert list(practice.items.values_list("question", flat=True)) == [second.question_id]


def test_practice_asks_in_the_quizs_order_and_not_a_question_taken_out_of_it(student):
    # Keys sort, and rows were made, the other way round from the quiz's order.
    a, b, c = (QuestionFactory(key=key) for key in ("a-third", "b-second", "c-first"))
    quiz = QuizFactory(open_to=[student], questions=[c, b, a])
    graded = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=graded.pk)  # nothing right
    # A rewritten bank takes a question out of its quiz when another asks its fact better.
    quiz.quiz_questions.filter(question=c).delete()
    assert selectors.has_missed(student, quiz)
    practice = services.practice_start(user=student, quiz=quiz)
    asked = list(practice.items.order_by("position").values_list("question__key", flat=True))
    assert asked == ["b-second", "a-third"]
    services.attempt_finish(user=student, attempt_id=practice.pk)
    quiz.quiz_questions.all().delete()
    assert not selectors.has_missed(student, quiz)
    with pytest.raises(errors.NothingToPractise):
        services.practice_start(user=student, quiz=quiz)


def test_replaying_an_answer_after_finishing_returns_the_answer_that_stands(student, quiz):
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    first = answer(student, item)
    assert (first.created, first.attempt_finished) == (True, False)
    again = answer(student, item)
    assert (again.created, again.attempt_finished) == (False, False)
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    replay = answer(student, item)
    assert replay.response == first.response
    assert (replay.created, replay.attempt_finished) == (False, True)


def test_the_last_answer_reports_the_attempt_finished_at_that_moment(student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    moment = timezone.now() - timedelta(hours=2)
    attempt = services.attempt_start(user=student, quiz=quiz, now=moment)
    items = list(attempt.items.order_by("position"))
    first = services.answer_record(
        user=student,
        attempt_id=attempt.pk,
        item_id=items[0].pk,
        now=moment,
        **right_answers(items[0]),
    )
    last = services.answer_record(
        user=student,
        attempt_id=attempt.pk,
        item_id=items[1].pk,
        now=moment + timedelta(minutes=1),
        **wrong_choice(items[1]),
    )
    assert (first.attempt_finished, last.attempt_finished) == (False, True)
    assert first.response.answered_at == moment
    assert last.response.feedback.startswith("Not quite: the answer is “")
    attempt.refresh_from_db()
    assert attempt.started_at == moment
    assert attempt.finished_at == moment + timedelta(minutes=1)


def test_attempts_used_count_only_this_students_attempts_at_this_quiz(student):
    quiz = QuizFactory(open_to=[student], max_attempts=1, questions=QuestionFactory.create_batch(2))
    elsewhere = QuizFactory(
        open_to=[student], article=quiz.article, questions=QuestionFactory.create_batch(2)
    )
    other = open_to_them(quiz, UserFactory())
    services.attempt_finish(user=other, attempt_id=services.attempt_start(user=other, quiz=quiz).pk)
    services.attempt_finish(
        user=student, attempt_id=services.attempt_start(user=student, quiz=elsewhere).pk
    )
    assert services.attempt_start(user=student, quiz=quiz).is_open


def test_an_attempt_in_progress_elsewhere_is_not_resumed_here(student):
    one = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    two = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    first = services.attempt_start(user=student, quiz=one)
    second = services.attempt_start(user=student, quiz=two)
    assert second.pk != first.pk
    assert second.quiz == two


def test_starts_follow_the_time_they_are_given(student):
    quiz = QuizFactory(questions=QuestionFactory.create_batch(2), time_limit_minutes=10)
    later = timezone.now() + timedelta(days=400)
    CohortFactory(students=[student])
    CohortQuizFactory(
        cohort=student.cohorts.get(), quiz=quiz, opens_at=later, closes_at=later + timedelta(days=1)
    )
    first = services.attempt_start(user=student, quiz=quiz, now=later)
    assert first.deadline == later + timedelta(minutes=10)
    # Past its deadline the attempt is closed and a new one starts.
    second = services.attempt_start(user=student, quiz=quiz, now=later + timedelta(minutes=11))
    first.refresh_from_db()
    assert second.pk != first.pk
    assert first.state == Attempt.State.FINISHED


def test_an_unpublished_quiz_cannot_be_started_even_by_staff(instructor):
    quiz = QuizFactory(is_published=False, questions=QuestionFactory.create_batch(1))
    with raises(errors.NoSuchQuiz):
        services.attempt_start(user=instructor, quiz=quiz)


def test_another_attempts_unanswered_questions_do_not_hold_mine_up(student, quiz):
    other = open_to_them(quiz, UserFactory())
    services.attempt_start(user=other, quiz=quiz)  # left unanswered
    mine = services.attempt_start(user=student, quiz=quiz)
    answer(student, mine.items.get(position=1))
    assert answer(student, mine.items.get(position=2)).created


def test_an_item_is_answered_only_through_its_own_attempt(student):
    one = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(1))
    two = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(1))
    first = services.attempt_start(user=student, quiz=one)
    second = services.attempt_start(user=student, quiz=two)
    item = first.items.get()
    with raises(errors.NoSuchItem):
        services.answer_record(
            user=student, attempt_id=second.pk, item_id=item.pk, **right_answers(item)
        )


def test_finishing_one_attempt_leaves_the_others_open(student):
    one = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(1))
    two = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(1))
    first = services.attempt_start(user=student, quiz=one)
    second = services.attempt_start(user=student, quiz=two)
    services.attempt_finish(user=student, attempt_id=first.pk)  # the older of the two
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_open
    assert second.is_open


def test_an_answer_at_the_deadline_itself_is_too_late(student):
    quiz = QuizFactory(
        open_to=[student], time_limit_minutes=5, questions=QuestionFactory.create_batch(2)
    )
    start = timezone.now()
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    item = attempt.items.get(position=1)
    with raises(errors.TimeUp):
        services.answer_record(
            user=student,
            attempt_id=attempt.pk,
            item_id=item.pk,
            now=start + timedelta(minutes=5),
            **right_answers(item),
        )
    assert services.attempt_expire_if_due(user=student, attempt_id=attempt.pk).state == (
        Attempt.State.FINISHED
    )


def test_an_attempt_is_due_from_its_deadline_on(student):
    quiz = QuizFactory(
        open_to=[student], time_limit_minutes=5, questions=QuestionFactory.create_batch(1)
    )
    start = timezone.now()
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    before = services.attempt_expire_if_due(
        user=student, attempt_id=attempt.pk, now=start + timedelta(minutes=5) - timedelta(seconds=1)
    )
    assert before.is_open
    at = services.attempt_expire_if_due(
        user=student, attempt_id=attempt.pk, now=start + timedelta(minutes=5)
    )
    assert at.state == Attempt.State.FINISHED
    assert at.finished_at == attempt.deadline


@pytest.mark.parametrize(("right", "passed"), [(2, False), (3, True)])
def test_passing_needs_the_pass_mark_exactly(student, right, passed):
    # 2 of 3 is 66.7 %, under a pass mark of 67; 3 of 3 passes.
    quiz = QuizFactory(open_to=[student], pass_mark=67, questions=QuestionFactory.create_batch(3))
    attempt = services.attempt_start(user=student, quiz=quiz)
    for item in attempt.items.order_by("position"):
        payload = right_answers(item) if item.position <= right else wrong_choice(item)
        answer(student, item, **payload)
    attempt.refresh_from_db()
    assert attempt.passed is passed


def test_a_two_item_ordering_question_never_starts_in_the_right_order(student):
    question = QuestionFactory(kind=grading.ORDERING, choices=[("March", None), ("November", None)])
    quiz = QuizFactory(open_to=[student], questions=[question])
    right = list(question.choices.values_list("pk", flat=True))
    for _ in range(4):
        attempt = services.attempt_start(user=student, quiz=quiz)
        assert attempt.items.get().choice_order == right[::-1]
        services.attempt_finish(user=student, attempt_id=attempt.pk)


def test_options_keep_the_banks_order_unless_the_quiz_shuffles(student):
    question = QuestionFactory(
        kind=grading.MULTIPLE, choices=[(f"Option {n}", n == 1) for n in range(1, 9)]
    )
    quiz = QuizFactory(open_to=[student], questions=[question], shuffle_choices=False)
    attempt = services.attempt_start(user=student, quiz=quiz)
    assert attempt.items.get().choice_order == list(
        question.choices.order_by("position").values_list("pk", flat=True)
    )


def test_matches_are_listed_alphabetically_whatever_their_case(student):
    question = QuestionFactory(
        kind=grading.MATCHING,
        choices=[("Shoigu", "cherry"), ("Surovikin", "Banana"), ("Stremousov", "apple")],
    )
    quiz = QuizFactory(open_to=[student], questions=[question])
    item = services.attempt_start(user=student, quiz=quiz).items.get()
    assert item.matches == ["apple", "Banana", "cherry"]


def test_a_matching_answer_is_stored_by_item_id(student):
    question = QuestionFactory(kind=grading.MATCHING)
    quiz = QuizFactory(open_to=[student], questions=[question])
    item = services.attempt_start(user=student, quiz=quiz).items.get()
    recorded = answer(student, item)
    recorded.response.refresh_from_db()
    assert recorded.response.submission == {str(c.pk): c.match for c in question.choices.all()}


def test_an_answer_that_loses_a_race_gets_the_answer_that_won(student, quiz, monkeypatch):
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    won = answer(student, item)
    answer(student, attempt.items.get(position=2))
    locked_item = services._locked_item

    def read_before_the_winner_committed(*args, **where):
        found = locked_item(*args, **where)
        found._state.fields_cache["response"] = None  # no answer stood when this was read
        return found

    monkeypatch.setattr(services, "_locked_item", read_before_the_winner_committed)
    lost = answer(student, item, **wrong_choice(item))
    assert lost.response == won.response
    assert lost.created is False
    assert lost.attempt_finished is False
    assert Response.objects.count() == 2


def test_true_or_false_stays_true_then_false_when_the_quiz_shuffles(student):
    question = QuestionFactory(kind=grading.TRUE_FALSE)
    quiz = QuizFactory(open_to=[student], questions=[question], shuffle_choices=True)
    bank_order = list(question.choices.order_by("position").values_list("pk", flat=True))
    for _ in range(5):
        attempt = services.attempt_start(user=student, quiz=quiz)
        assert attempt.items.get().choice_order == bank_order
        services.attempt_finish(user=student, attempt_id=attempt.pk)


def test_practice_leaves_out_what_was_missed_in_other_quizzes(student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    elsewhere = QuizFactory(
        open_to=[student], article=quiz.article, questions=QuestionFactory.create_batch(2)
    )
    for each in (quiz, elsewhere):
        services.attempt_finish(
            user=student, attempt_id=services.attempt_start(user=student, quiz=each).pk
        )
    practice = services.practice_start(user=student, quiz=quiz)
    asked = set(practice.items.values_list("question", flat=True))
    assert asked == set(quiz.quiz_questions.values_list("question", flat=True))


def test_a_quiz_that_shuffles_asks_its_questions_in_new_orders(student):
    quiz = QuizFactory(
        open_to=[student], shuffle_questions=True, questions=QuestionFactory.create_batch(8)
    )
    orders = set()
    for _ in range(6):
        attempt = services.attempt_start(user=student, quiz=quiz)
        orders.add(tuple(attempt.items.order_by("position").values_list("question", flat=True)))
        services.attempt_finish(user=student, attempt_id=attempt.pk)
    assert len(orders) > 1, "six attempts of eight questions all in one order: not shuffled"


# Option values are opaque: places on the page, never choice ids (issue 9) -------------------


def right_value(item: AttemptItem) -> str:
    """The value the item's page posts for its one right option."""
    (value,) = right_answers(item)["answers"]
    return value


def test_the_right_options_value_is_only_its_place_and_spread_evenly(student):
    """400 attempts at 4 shuffled options, the right one first in the bank. Each place must
    hold the right option between 12% and 38% of the time: a fair shuffle puts it outside
    that for some place with odds of about 1 in 70 million (binomial, n=400, p=1/4)."""
    question = QuestionFactory(choices=[(f"Option {n}", n == 1) for n in range(1, 5)])
    quiz = QuizFactory(open_to=[student], shuffle_choices=True, questions=[question])
    right_id = question.choices.get(is_correct=True).pk
    counts = dict.fromkeys(("1", "2", "3", "4"), 0)
    for _ in range(400):
        attempt = services.attempt_start(user=student, quiz=quiz)
        item = attempt.items.get()
        value = right_value(item)
        # The value says where the option is shown and nothing else: not its id, not its rank
        # among the ids (the bank's order).
        assert value == str(item.choice_order.index(right_id) + 1)
        assert [v for v, _ in item.page_options] == [1, 2, 3, 4]
        counts[value] += 1
        services.attempt_finish(user=student, attempt_id=attempt.pk)
    assert all(48 <= n <= 152 for n in counts.values()), counts


@pytest.fixture
def single_item(student):
    """A single-choice item whose choices' ids are all larger than its number of options,
    so that a database id posted as a value cannot pass for a place by chance."""
    QuestionFactory.create_batch(2)  # takes the lowest ids
    question = QuestionFactory()
    quiz = QuizFactory(open_to=[student], questions=[question, QuestionFactory()])
    item = services.attempt_start(user=student, quiz=quiz).items.get(position=1)
    assert min(item.choice_order) > len(item.options)
    return item


def test_posting_the_right_choices_database_id_is_refused(student, single_item):
    (right_id,) = single_item.grading_key().correct
    with raises_not_an_option():
        answer(student, single_item, answers=[str(right_id)])
    assert not Response.objects.exists()


@pytest.mark.parametrize("value", ["0", "4", "99", "x", "", "1.0", "01", "-1", "+1", "1,2"])
def test_a_value_that_is_not_one_of_the_places_is_refused(student, single_item, value):
    if not value:
        # Nothing picked: the kind asks for an answer, as it always has.
        with pytest.raises(grading.InvalidSubmission, match=r"^Please choose an answer\.$"):
            answer(student, single_item, answers=[value])
    else:
        with raises_not_an_option():
            answer(student, single_item, answers=[value])
    assert not Response.objects.exists()


def test_every_place_is_taken_and_means_the_option_shown_there(student, single_item):
    for value, (ident, text) in zip(("1", "2", "3"), single_item.options, strict=True):
        form = single_item.ids_from_page(grading.FormAnswer(answers=[value]))
        assert form.answers == [str(ident)], text
        assert single_item.page_from_ids(form).answers == [value]


@pytest.mark.parametrize(
    "kind", [grading.MULTIPLE, grading.TRUE_FALSE, grading.ORDERING, grading.MATCHING]
)
def test_database_ids_are_refused_for_every_kind_that_names_options(student, kind):
    QuestionFactory.create_batch(2)
    question = QuestionFactory(kind=kind)
    quiz = QuizFactory(open_to=[student], questions=[question])
    item = services.attempt_start(user=student, quiz=quiz).items.get()
    assert min(item.choice_order) > len(item.options)
    key = item.grading_key()
    right = item.question.kind_object.right_form(key)  # in choice ids
    with raises_not_an_option():
        answer(student, item, answers=right.answers, matches=right.matches)
    assert not Response.objects.exists()
    assert answer(student, item).response.is_correct  # the same answer in page values


def test_free_text_answers_are_never_translated(student):
    quiz = QuizFactory(
        open_to=[student],
        questions=[QuestionFactory(kind=grading.SHORT_TEXT), QuestionFactory(numeric=True)],
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    text, number = attempt.items.order_by("position")
    assert answer(student, text, answers=["Dnipro"]).response.is_correct
    assert answer(student, number, answers=["45"]).response.is_correct
    assert list(Response.objects.order_by("pk").values_list("submission", flat=True)) == [
        "Dnipro",
        "45",
    ]


def test_a_single_answer_is_stored_as_the_choice_id(student, single_item):
    recorded = answer(student, single_item)
    recorded.response.refresh_from_db()
    assert recorded.response.submission == str(next(iter(single_item.grading_key().correct)))


@pytest.mark.parametrize("items", [3, 4, 5])
def test_posting_an_orderings_values_in_ascending_order_never_scores_full_marks(student, items):
    question = QuestionFactory(
        kind=grading.ORDERING, choices=[(f"Event {n}", None) for n in range(items)]
    )
    quiz = QuizFactory(open_to=[student], questions=[question])
    for _ in range(40):
        attempt = services.attempt_start(user=student, quiz=quiz)
        item = attempt.items.get()
        ascending = [str(n) for n in range(1, items + 1)]
        recorded = answer(student, item, answers=ascending)
        assert recorded.created
        assert not recorded.response.is_correct
        assert recorded.response.score < 1


def test_a_finish_after_the_deadline_closes_the_attempt_at_its_deadline(student):
    quiz = QuizFactory(open_to=[student], time_limit_minutes=10, questions=[QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    late = attempt.deadline + timedelta(minutes=5)
    finished = services.attempt_finish(user=student, attempt_id=attempt.pk, now=late)
    assert finished.state == Attempt.State.FINISHED
    assert finished.finished_at == attempt.deadline  # not later: the clock had run out


def test_starting_again_after_the_quiz_closed_closes_the_attempt_left_open_and_refuses(
    student,
):
    quiz = QuizFactory(open_to=[student], questions=[QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    after = timezone.now() + timedelta(days=60)  # past the factory's 30-day window
    with pytest.raises(errors.QuizClosed):
        services.attempt_start(user=student, quiz=quiz, now=after)
    # The refusal rolled back with its transaction; the page view closes the attempt and says why.
    _, ended = services.attempt_end_if_over(user=student, attempt_id=attempt.pk, now=after)
    assert isinstance(ended, errors.WindowClosed)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED


def raises_not_an_option():
    return pytest.raises(grading.InvalidSubmission, match=f"^{re.escape(grading.NOT_AN_OPTION)}$")


# Closed is closed: the quiz's window and the student's cohorts ---------------------------------


def assign(quiz, student, *, opens_at, closes_at):
    """Set `quiz` for a new cohort of `student` between the two times; the assignment."""
    return CohortQuizFactory(
        cohort=CohortFactory(students=[student]), quiz=quiz, opens_at=opens_at, closes_at=closes_at
    )


def timed_quiz(minutes=30, count=3):
    return QuizFactory(time_limit_minutes=minutes, questions=QuestionFactory.create_batch(count))


def test_a_timed_attempt_ends_when_its_window_closes_if_that_comes_first(student):
    quiz = timed_quiz(minutes=30)
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(minutes=10)
    )
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    assert attempt.deadline == window.closes_at
    first, second = attempt.items.order_by("position")[:2]
    answer_at(student, first, start + timedelta(minutes=9))
    with raises(errors.TimeUp):
        answer_at(student, second, window.closes_at)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.finished_at, attempt.points) == (
        Attempt.State.FINISHED,
        window.closes_at,
        1,
    )


def test_a_timed_attempt_keeps_its_whole_time_when_the_window_closes_later(student):
    quiz = timed_quiz(minutes=30)
    start = timezone.now()
    assign(quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(days=2))
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=30)


def test_a_timed_attempt_ends_with_the_most_generous_window(student):
    quiz = timed_quiz(minutes=30)
    start = timezone.now()
    assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(minutes=5)
    )
    latest = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(minutes=20)
    )
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    assert attempt.deadline == latest.closes_at


def test_no_window_shortens_the_time_of_staff(instructor):
    quiz = timed_quiz(minutes=30)
    start = timezone.now()
    CohortQuizFactory(
        quiz=quiz, opens_at=start - timedelta(days=1), closes_at=start + timedelta(minutes=5)
    )
    attempt = services.attempt_start(user=instructor, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=30)


def answer_at(student, item, moment, **payload):
    """Answer `item` (right, unless `payload` says otherwise) at `moment`."""
    return services.answer_record(
        user=student,
        attempt_id=item.attempt_id,
        item_id=item.pk,
        now=moment,
        **(payload or right_answers(item)),
    )


def when(moment):
    """A moment as the refusals name it: in the school's time zone."""
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def untimed_quiz(count=3, **kwargs):
    return QuizFactory(pass_mark=50, questions=QuestionFactory.create_batch(count), **kwargs)


def started_with_one_answer(student, quiz, start):
    """An attempt begun at `start` with its first question answered right; the attempt."""
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    answer_at(student, attempt.items.get(position=1), start)
    return attempt


def assert_closed_with_what_was_answered(attempt, *, at, points=1, passed=False):
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_at == at
    assert attempt.points == points
    assert attempt.passed is passed


def test_an_answer_after_the_window_closed_is_refused_and_the_attempt_closed(student):
    quiz = untimed_quiz()
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(hours=1)
    )
    attempt = started_with_one_answer(student, quiz, start)
    late = window.closes_at + timedelta(minutes=1)
    with raises(errors.WindowClosed, when=when(window.closes_at)):
        answer_at(student, attempt.items.get(position=2), late)
    assert Response.objects.count() == 1  # nothing saved
    assert_closed_with_what_was_answered(attempt, at=late)  # 1 of 3 is under the pass mark


def test_an_answer_at_the_windows_close_itself_is_too_late(student):
    quiz = untimed_quiz()
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(hours=1)
    )
    attempt = started_with_one_answer(student, quiz, start)
    second = attempt.items.get(position=2)
    assert answer_at(student, second, window.closes_at - timedelta(seconds=1)).created
    with raises(errors.WindowClosed, when=when(window.closes_at)):
        answer_at(student, attempt.items.get(position=3), window.closes_at)


def test_leaving_the_cohort_ends_an_untimed_attempt(student):
    quiz = untimed_quiz()
    start = timezone.now()
    assign(quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(days=1))
    attempt = started_with_one_answer(student, quiz, start)
    Membership.objects.filter(user=student).delete()
    later = start + timedelta(minutes=5)
    with raises(errors.LeftCohort):
        answer_at(student, attempt.items.get(position=2), later)
    assert Response.objects.count() == 1
    assert_closed_with_what_was_answered(attempt, at=later)


def test_moving_to_a_cohort_the_quiz_opens_later_for_ends_an_untimed_attempt(student):
    quiz = untimed_quiz()
    start = timezone.now()
    assign(quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(days=1))
    attempt = started_with_one_answer(student, quiz, start)
    later_cohort = CohortFactory()
    opens_at = start + timedelta(days=3)
    CohortQuizFactory(
        cohort=later_cohort, quiz=quiz, opens_at=opens_at, closes_at=opens_at + timedelta(days=1)
    )
    Membership.objects.filter(user=student).update(cohort=later_cohort)  # moved
    later = start + timedelta(minutes=5)
    with raises(errors.WindowNotOpen, when=when(opens_at)):
        answer_at(student, attempt.items.get(position=2), later)
    assert_closed_with_what_was_answered(attempt, at=later)


def test_another_cohort_with_the_quiz_open_keeps_an_untimed_attempt_going(student):
    quiz = untimed_quiz()
    start = timezone.now()
    first = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(hours=1)
    )
    assign(quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(days=2))
    attempt = started_with_one_answer(student, quiz, start)
    assert answer_at(student, attempt.items.get(position=2), first.closes_at).created
    first.cohort.memberships.all().delete()  # and leaving the first cohort changes nothing
    assert answer_at(student, attempt.items.get(position=3), start + timedelta(hours=3)).created
    attempt.refresh_from_db()
    assert (attempt.state, attempt.points) == (Attempt.State.FINISHED, 3)


def test_a_timed_attempt_runs_to_its_deadline_whatever_happens_to_the_window(student):
    quiz = timed_quiz(minutes=30)
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(days=2)
    )
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    window.opens_at, window.closes_at = start - timedelta(days=1), start + timedelta(minutes=5)
    window.save()  # the window is cut short, and the student taken out of the cohort
    Membership.objects.filter(user=student).delete()
    first, second, third = attempt.items.order_by("position")
    assert answer_at(student, first, start + timedelta(minutes=10)).created
    assert answer_at(student, second, start + timedelta(minutes=29)).created
    with raises(errors.TimeUp):
        answer_at(student, third, start + timedelta(minutes=30))
    assert_closed_with_what_was_answered(
        attempt, at=start + timedelta(minutes=30), points=2, passed=True
    )


def test_finishing_after_the_window_closed_is_refused_and_the_attempt_closed(student):
    quiz = untimed_quiz()
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(hours=1)
    )
    attempt = started_with_one_answer(student, quiz, start)
    late = window.closes_at + timedelta(hours=1)
    with raises(errors.WindowClosed, when=when(window.closes_at)):
        services.attempt_finish(user=student, attempt_id=attempt.pk, now=late)
    assert_closed_with_what_was_answered(attempt, at=late)
    # Asked again, the attempt is finished: a no-op, as finishing twice always was.
    assert services.attempt_finish(user=student, attempt_id=attempt.pk, now=late).pk == attempt.pk


def test_a_timed_attempt_is_finished_as_asked_after_its_window_closed(student):
    quiz = timed_quiz(minutes=30)
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(days=2)
    )
    attempt = started_with_one_answer(student, quiz, start)
    window.closes_at = start + timedelta(minutes=1)
    window.save()
    moment = start + timedelta(minutes=10)
    services.attempt_finish(user=student, attempt_id=attempt.pk, now=moment)
    assert_closed_with_what_was_answered(attempt, at=moment)


def test_a_practice_attempt_ends_when_the_window_closes(student):
    quiz = untimed_quiz()
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(hours=1)
    )
    graded = services.attempt_start(user=student, quiz=quiz, now=start)
    services.attempt_finish(user=student, attempt_id=graded.pk, now=start)  # all to practise
    practice = services.practice_start(user=student, quiz=quiz, now=start)
    answer_at(student, practice.items.get(position=1), start)
    late = window.closes_at
    with raises(errors.WindowClosed, when=when(window.closes_at)):
        answer_at(student, practice.items.get(position=2), late)
    assert_closed_with_what_was_answered(practice, at=late, passed=None)  # practice never passes


def test_staff_answer_and_finish_whatever_the_windows(instructor):
    quiz = untimed_quiz()
    start = timezone.now()
    assign(
        quiz, instructor, opens_at=start - timedelta(days=3), closes_at=start - timedelta(days=1)
    )
    attempt = services.attempt_start(user=instructor, quiz=quiz, now=start)
    assert answer_at(instructor, attempt.items.get(position=1), start).created
    assert services.attempt_expire_if_due(user=instructor, attempt_id=attempt.pk).is_open
    Membership.objects.filter(user=instructor).delete()
    assert answer_at(instructor, attempt.items.get(position=2), start).created
    finished = services.attempt_finish(user=instructor, attempt_id=attempt.pk, now=start)
    assert finished.state == Attempt.State.FINISHED


def test_a_page_view_closes_an_untimed_attempt_whose_quiz_closed(student):
    quiz = untimed_quiz()
    start = timezone.now()
    window = assign(
        quiz, student, opens_at=start - timedelta(days=1), closes_at=start + timedelta(hours=1)
    )
    attempt = started_with_one_answer(student, quiz, start)
    before = window.closes_at - timedelta(seconds=1)
    assert services.attempt_expire_if_due(user=student, attempt_id=attempt.pk, now=before).is_open
    shown = services.attempt_expire_if_due(
        user=student, attempt_id=attempt.pk, now=window.closes_at
    )
    assert shown.state == Attempt.State.FINISHED
    assert_closed_with_what_was_answered(attempt, at=window.closes_at)
