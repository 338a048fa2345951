"""The project's own refusals, raised by services and selectors, each with a named message.

They say what is wrong in the student's terms and nothing about HTTP: `views.status_of` maps
the three families to 404, 403 and 409 in one place. A message is the class's `message`,
filled in with the keyword arguments the refusal was raised with, so tests compare whole
messages: `str(errors.AllAttemptsUsed(allowed=2))`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class QuizError(Exception):
    """A refusal; `str()` of it is fit to show the student."""

    message: ClassVar[str]

    def __init__(self, **details: Any) -> None:
        self.details = details
        super().__init__(self.message.format(**details))


# Not found: the object does not exist or is not this user's (which is never revealed).


class NotFound(QuizError):
    message = "Not found."


class NoSuchQuiz(NotFound):
    message = "No such quiz."


class NoSuchAttempt(NotFound):
    message = "No such attempt."


class NoSuchItem(NotFound):
    message = "That question is not part of any attempt of yours."


class NoSuchArticle(NotFound):
    message = "No such article."


class NoSuchResponse(NotFound):
    message = "No such answer."


class NoSuchQuestion(NotFound):
    message = "No such question."


# Not allowed: the quiz's rules refuse this user now.


class NotAllowed(QuizError):
    message = "That is not allowed."


class AllAttemptsUsed(NotAllowed):
    message = "You have used all {allowed} attempts you have at this quiz."


class NotOpenYet(NotAllowed):
    message = "This quiz opens on {when}."


class FinishBeforePractising(NotAllowed):
    message = "Finish the attempt you have in progress before practising."


class NothingDue(NotAllowed):
    message = "Nothing in this quiz is due for review today: come back when the home page says so."


class NothingToPractise(NotAllowed):
    message = "There is nothing to practise: you have answered every question right."


class NoQuestions(NotAllowed):
    message = "This quiz has no questions yet."


class QuizBeingCorrected(NotAllowed):
    """Every question it would ask waits for review after an edit of its article."""

    message = "This quiz is being corrected; try again later."


class InstructorsOnly(NotAllowed):
    message = "Only instructors may change scores."


class ScoreOutOfRange(NotAllowed):
    message = "This question's score is between 0 and {points}."


class ReasonRequired(NotAllowed):
    message = "Say why the score changes: the student sees it."


class CannotAccept(NotAllowed):
    message = "Answers to this kind of question cannot be accepted from the item analysis."


class InstructorsOnlyEdit(NotAllowed):
    message = "Only instructors may change a question's evidence."


class InstructorsOnlyAccommodation(NotAllowed):
    message = "Only instructors may give students extra time or attempts."


class InstructorsOnlyArticle(NotAllowed):
    message = "Only instructors may edit an article."


class NoEvidence(NotAllowed):
    message = "Pick at least one sentence of the article that the question rests on."


class NotASentence(NotAllowed):
    message = "Only current sentences of the question's own article can be cited."


class NothingToConfirm(NotAllowed):
    message = (
        "No sentence of the article now is close to the one it cited (it was deleted, not "
        "corrected): re-pick its evidence on the question's form."
    )


class BlankAnswer(NotAllowed):
    message = "An empty answer cannot be accepted."


class NotANumber(NotAllowed):
    message = "“{answer}” is not a number: a numeric question accepts only numbers."


# Conflict: the attempt's state, or the quiz's time, refuses it.


class Conflict(QuizError):
    message = "That clashes with the state of your attempt."


class AttemptInProgress(Conflict):
    message = "This attempt is still in progress: its scores can change once it has ended."


class QuizClosed(Conflict):
    """A start after the window: a conflict with the quiz's time, as answering late is."""

    message = "This quiz closed on {when}."


class CannotFlag(Conflict):
    message = "This quiz takes its questions in order, so there is nothing to flag for later."


class OutOfOrder(Conflict):
    message = "Answer the questions in order: an earlier one is still open."


class NoEvidenceToFind(Conflict):
    message = (
        "There is no evidence to find for this question now: answer it first, in a quiz "
        "that asks you to find the evidence."
    )


class NotInPassage(NotAllowed):
    message = "That is not one of the passage's sentences. Pick one of them."


# What ends an attempt: it takes no more answers. Those raised by an action close the attempt
# with the answers it had, and are raised once that closing has committed.


class AttemptEnded(Conflict):
    message = "This attempt has ended: it takes no more answers."


class AttemptClosed(AttemptEnded):
    message = "This attempt is finished: it takes no more answers."


class TimeUp(AttemptEnded):
    message = (
        "Time is up: this answer came after the deadline and was not recorded. "
        "Your attempt was closed with the answers you had given."
    )


class WindowClosed(AttemptEnded):
    message = "This quiz closed on {when}: your attempt was closed with the answers you had given."


class WindowNotOpen(AttemptEnded):
    message = (
        "This quiz is not open to you now (it opens on {when}): "
        "your attempt was closed with the answers you had given."
    )


class LeftCohort(AttemptEnded):
    message = (
        "This quiz is no longer set for you: "
        "your attempt was closed with the answers you had given."
    )
