"""Reads inside `snapshot()` see one state of the database and hold no write lock: a start
builds its items from one state of the bank before its transaction."""

import pytest
from django.db import transaction

from quiz import services
from quiz.models import AttemptItem, Choice, Quiz
from quiz.snapshot import snapshot
from tests.factories import QuestionFactory, QuizFactory, UserFactory
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def elsewhere(action) -> None:
    """`action` on another connection (a thread of its own), committed when this returns."""
    run_together(lambda _: action(), [None])


def test_a_snapshot_does_not_see_what_commits_meanwhile_nor_holds_it_up():
    QuizFactory()
    with snapshot():
        before = Quiz.objects.count()
        elsewhere(QuizFactory)  # would wait out the write lock if the snapshot held it
        during = Quiz.objects.count()
    assert (before, during, Quiz.objects.count()) == (1, 1, 2)


def test_inside_a_transaction_a_snapshot_reads_what_the_transaction_reads():
    with transaction.atomic():
        QuizFactory()
        with snapshot():
            assert Quiz.objects.count() == 1


class Interrupted(Exception):
    pass


def read_then_fail() -> None:
    with snapshot():
        Quiz.objects.count()
        raise Interrupted


def test_a_snapshot_left_by_an_exception_is_ended():
    QuizFactory()
    with pytest.raises(Interrupted):
        read_then_fail()
    elsewhere(QuizFactory)
    assert Quiz.objects.count() == 2
    with transaction.atomic():  # the connection is free to begin one
        QuizFactory()
    assert Quiz.objects.count() == 3


def test_a_start_builds_its_items_from_the_bank_as_its_first_read_saw_it(monkeypatch):
    student = UserFactory()
    question = QuestionFactory()
    quiz = QuizFactory(open_to=[student], questions=[question], shuffle_choices=False)
    shown = list(question.choices.order_by("position").values_list("text", flat=True))
    items = services._items

    def options_edited_meanwhile(quiz, questions):
        # Between the draft's first query (the questions) and the next (their options).
        elsewhere(lambda: Choice.objects.filter(question=question).update(text="Edited"))
        return items(quiz, questions)

    monkeypatch.setattr(services, "_items", options_edited_meanwhile)
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = AttemptItem.objects.get(attempt=attempt)
    assert [text for _, text in item.options] == shown
