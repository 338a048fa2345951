"""The refusals say what they say, and each family reaches the browser with its status."""

import pytest
from django.urls import reverse

from quiz import errors, selectors

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("refusal", "message"),
    [
        (errors.NoSuchQuiz(), "No such quiz."),
        (errors.NoSuchAttempt(), "No such attempt."),
        (errors.NoSuchItem(), "That question is not part of any attempt of yours."),
        (errors.NoSuchArticle(), "No such article."),
        (
            errors.AllAttemptsUsed(allowed=2),
            "You have used all 2 attempts you have at this quiz.",
        ),
        (errors.NotOpenYet(when="5 March 2030, 09:30"), "This quiz opens on 5 March 2030, 09:30."),
        (errors.QuizClosed(when="1 May 2026, 17:00"), "This quiz closed on 1 May 2026, 17:00."),
        (
            errors.FinishBeforePractising(),
            "Finish the attempt you have in progress before practising.",
        ),
        (
            errors.NothingToPractise(),
            "There is nothing to practise: you have answered every question right.",
        ),
        (errors.NoQuestions(), "This quiz has no questions yet."),
        (errors.QuizBeingCorrected(), "This quiz is being corrected; try again later."),
        (errors.InstructorsOnlyArticle(), "Only instructors may edit an article."),
        (errors.AttemptEnded(), "This attempt has ended: it takes no more answers."),
        (errors.AttemptClosed(), "This attempt is finished: it takes no more answers."),
        (
            errors.TimeUp(),
            "Time is up: this answer came after the deadline and was not recorded. "
            "Your attempt was closed with the answers you had given.",
        ),
        (
            errors.WindowClosed(when="1 May 2026, 17:00"),
            "This quiz closed on 1 May 2026, 17:00: "
            "your attempt was closed with the answers you had given.",
        ),
        (
            errors.WindowNotOpen(when="5 March 2030, 09:30"),
            "This quiz is not open to you now (it opens on 5 March 2030, 09:30): "
            "your attempt was closed with the answers you had given.",
        ),
        (
            errors.LeftCohort(),
            "This quiz is no longer set for you: "
            "your attempt was closed with the answers you had given.",
        ),
        (
            errors.OutOfOrder(),
            "Answer the questions in order: an earlier one is still open.",
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_each_refusal_has_its_message(refusal, message):
    assert str(refusal) == message


@pytest.mark.parametrize(
    ("refusal", "status", "shown"),
    [
        (errors.NoSuchArticle(), 404, "Not found"),
        (errors.NothingToPractise(), 403, str(errors.NothingToPractise())),
        (errors.AttemptClosed(), 409, str(errors.AttemptClosed())),
        (errors.QuizClosed(when="1 May 2026, 17:00"), 409, "This quiz closed on 1 May 2026"),
        (errors.LeftCohort(), 409, str(errors.LeftCohort())),
    ],
    ids=["not-found", "not-allowed", "conflict", "quiz-closed", "attempt-ended"],
)
def test_a_refusal_no_view_answers_gets_its_status_page(
    student_client, monkeypatch, refusal, status, shown
):
    def refuse(user):
        raise refusal

    monkeypatch.setattr(selectors, "progress", refuse)
    response = student_client.get(reverse("quiz:progress"))
    assert response.status_code == status
    assert shown in response.content.decode()


def test_what_ends_an_attempt_is_one_family_of_conflicts():
    ended = [errors.AttemptClosed, errors.TimeUp, errors.WindowClosed]
    ended += [errors.WindowNotOpen, errors.LeftCohort]
    assert all(issubclass(refusal, errors.AttemptEnded) for refusal in ended)
    assert issubclass(errors.AttemptEnded, errors.Conflict)
    assert issubclass(errors.QuizClosed, errors.Conflict)
    assert not issubclass(errors.QuizClosed, errors.AttemptEnded)  # a start ends no attempt
