"""Everything that changes a student's attempts, each action atomic and checked for the user.

Views call one of these and render; none of them trusts the view to have checked anything.
Refusals are the project's errors (`quiz.errors`): `NotFound` for an attempt or item that is
not this user's (its existence is not revealed), `NotAllowed` for what the quiz's rules
refuse, `Conflict` for starting after the quiz closed, acting out of order or on an attempt
that has ended (`AttemptEnded`: finished, its time up, or its quiz no longer open to the
student); and `grading.InvalidSubmission` for an answer that cannot be graded.

When an attempt may take answers: one with a deadline (timed, and set at the start to the
earlier of the time limit and the window's close) until that deadline, whatever happens to
the window or the student's cohorts meanwhile; one without (untimed, practice) only while the
quiz is open to the student (`selectors.open_now`). Staff are never held to windows.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.formats import date_format

from quiz import drawing, errors, grading, memory, retrying, selectors
from quiz.models import (
    AcceptedAnswer,
    Accommodation,
    Attempt,
    AttemptItem,
    Memory,
    MemoryReview,
    Question,
    Quiz,
    QuizQuestion,
    Response,
    ScoreChange,
    right_first_time,
)
from quiz.snapshot import snapshot

_random = secrets.SystemRandom()


@dataclass(frozen=True)
class Recorded:
    response: Response
    created: bool  # False: an answer already stood and was kept, and this is it
    attempt_finished: bool
    changed: bool = False  # True: it replaced the student's earlier answer


def attempt_start(*, user: AbstractBaseUser, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Resume the user's attempt in progress at `quiz`, or start a graded one.

    A practice attempt in progress is abandoned for it: practice never counts.
    """
    now = now or timezone.now()
    # Building the items (reading the questions, drawing, laying out) is most of a start's
    # work. Done before the transaction, it holds no write lock (SQLite has one writer, and a
    # class starts together); inside, the draft is only checked against what changed since
    # (`_Draft.holds`).
    draft = _draft(quiz) if _may_create(user, quiz, now) else None
    with transaction.atomic():
        _hold_keys(shared=True)  # first, while this transaction holds no other lock
        current = _current_attempt(user, quiz, now)
        if current is not None and not current.is_practice:
            return current
        window = _check_open(user, quiz, now)
        allowance = selectors.allowances(user, [quiz])[quiz.pk]
        allowed = allowance.max_attempts(quiz.max_attempts)
        used = Attempt.objects.filter(user=user, quiz=quiz, is_practice=False).count()
        if allowed is not None and used >= allowed:
            raise errors.AllAttemptsUsed(allowed=allowed)
        if current is not None:
            _close(current, now, state=Attempt.State.ABANDONED)
        if draft is None or not draft.holds(quiz):
            draft = _draft(quiz)  # changed meanwhile: built again, under the lock
        if not draft.pool and quiz.quiz_questions.exists():
            raise errors.QuizBeingCorrected()  # every question waits for review
        closes_at = window.closes_at if window is not None else None
        deadline = _deadline(now, allowance.time_limit_minutes, closes_at)
        return _create(user, quiz, draft.items, now=now, practice=False, deadline=deadline)


@dataclass(frozen=True)
class _Draft:
    """A graded attempt's items, built from the quiz's askable questions (`pool`, ids in the
    quiz's order) whose keys took in the accepted answers `accepted` (ids)."""

    pool: list[int]
    items: list[AttemptItem]  # in the attempt's order, their attempt not yet set
    accepted: set[int]

    def holds(self, quiz: Quiz) -> bool:
        """Whether the items are still what a start would build now, bar the draw and the
        shuffles: the same questions askable, and no answer accepted for one of them since
        (`answer_accept` widens the keys of the attempts it finds; this one it cannot find
        yet, and `_hold_keys` makes it wait for it). Other edits leave attempts already
        started alone, as they leave this one."""
        asked = [item.question_id for item in self.items]
        accepted = AcceptedAnswer.objects.filter(question_id__in=asked)
        return (
            _pool_ids(quiz) == self.pool
            and set(accepted.values_list("pk", flat=True)) == self.accepted
        )


def _may_create(user: AbstractBaseUser, quiz: Quiz, now: datetime) -> bool:
    """A guess, read before the transaction, that a start will make an attempt: no graded
    attempt running to resume, and the quiz open to the user. The transaction decides; a
    wrong guess costs a build for nothing, or the build under the lock."""
    running = Attempt.objects.filter(
        user=user, quiz=quiz, state=Attempt.State.IN_PROGRESS, is_practice=False
    ).exclude(deadline__lte=now)
    if running.exists():
        return False
    try:
        _check_open(user, quiz, now)
    except errors.QuizError:
        return False
    return True


def _draft(quiz: Quiz) -> _Draft:
    # From one state of the database: an edit committed between two of these queries (a
    # cited sentence retired, a question's kind changed with its options) would otherwise
    # give items no moment of the bank held.
    with snapshot():
        pool = list(_pool(quiz).select_related("question"))
        questions = [entry.question for entry in pool]
        if quiz.draw_count is not None:
            questions = drawing.draw(questions, quiz.draw_count, rng=_random)
        items = _items(quiz, questions)
    accepted = {a.pk for question in questions for a in question.accepted_answers.all()}
    return _Draft(pool=[entry.question_id for entry in pool], items=items, accepted=accepted)


def _pool(quiz: Quiz) -> QuerySet[QuizQuestion]:
    """The quiz's questions a new attempt may ask, in the quiz's order."""
    return quiz.quiz_questions.filter(question__needs_review=False).order_by("position")


def _pool_ids(quiz: Quiz) -> list[int]:
    return list(_pool(quiz).values_list("question_id", flat=True))


def practice_start(*, user: AbstractBaseUser, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Start a practice attempt of exactly the questions of `quiz` this user was asked and
    has not yet answered right in any attempt. It has no time limit and does not count."""
    return _practice(user, quiz, now or timezone.now(), _missed)


def review_start(*, user: AbstractBaseUser, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Start a practice attempt of the questions of `quiz` due for review today (spaced
    practice, `quiz.memory`): the most overdue first, at most `memory.SESSION` of them. It has
    no time limit and does not count; its answers update the schedule when it closes, so
    nothing it asks comes due again today."""
    return _practice(user, quiz, now or timezone.now(), _due)


def _practice(
    user: AbstractBaseUser,
    quiz: Quiz,
    now: datetime,
    questions_for: Callable[[AbstractBaseUser, Quiz, datetime], list[Question]],
) -> Attempt:
    """A practice attempt of the questions `questions_for` picks (it raises when there are
    none), in place of a practice attempt in progress, never of a graded one."""
    with transaction.atomic():
        _hold_keys(shared=True)
        current = _current_attempt(user, quiz, now)
        if current is not None and not current.is_practice:
            raise errors.FinishBeforePractising()
        _check_open(user, quiz, now)
        if current is not None:
            _close(current, now, state=Attempt.State.ABANDONED)
        questions = questions_for(user, quiz, now)
        items = _items(quiz, questions)
        return _create(user, quiz, items, now=now, practice=True, deadline=None)


def _missed(user: AbstractBaseUser, quiz: Quiz, now: datetime) -> list[Question]:
    asked = AttemptItem.objects.filter(attempt__user=user, attempt__quiz=quiz)
    missed = (
        Question.objects.filter(pk__in=asked.values("question"))
        .exclude(pk__in=asked.filter(right_first_time("response__")).values("question"))
        .prefetch_related("choices")
    )
    order = dict(quiz.quiz_questions.values_list("question_id", "position"))
    # In the quiz's order. A question since taken out of the quiz is not practised: it was
    # taken out for a reason (a rewritten bank asks its fact in another question).
    missed = [q for q in missed if q.pk in order]
    questions = sorted((q for q in missed if not q.needs_review), key=lambda q: order[q.pk])
    if not questions and missed:
        raise errors.QuizBeingCorrected()  # what is left to practise waits for review
    if not questions:
        raise errors.NothingToPractise()
    return questions


def _due(user: AbstractBaseUser, quiz: Quiz, now: datetime) -> list[Question]:
    due = (
        selectors.due(user, now)
        .filter(question__quizzes=quiz)
        .select_related("question")
        .order_by("due", "pk")[: memory.SESSION]
    )
    questions = [remembered.question for remembered in due]
    if not questions:
        raise errors.NothingDue()
    return questions


def answer_record(
    *,
    user: AbstractBaseUser,
    attempt_id: int,
    item_id: int,
    answers: Sequence[str],
    matches: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Grade and keep the answer to one item: once, in the attempt's order (sequential), or in
    any order (free navigation).

    `answers` are the form's `answer` values and `matches` its `match-<value>` selects, as
    the page names options (`AttemptItem.page_options`: places, never choice ids). A second
    answer to the same item (a double click, a replayed request, another tab, two requests at
    the same moment) records nothing and returns the answer that stands, except where answers
    may be changed until finishing (`Attempt.answers_changeable`): there the latest answer
    replaces the one before, in the same row (`_change`).
    """
    now = now or timezone.now()
    try:
        return _answer(user, attempt_id, item_id, answers, matches or {}, now)
    except IntegrityError:
        # Another request answered this item between our check and our insert (possible on
        # PostgreSQL under Read Committed: the locked read did not see its row).
        response = (
            Response.objects.select_related("item__attempt__quiz")
            .filter(item_id=item_id, item__attempt__user=user, item__attempt_id=attempt_id)
            .first()
        )
        if response is None:  # not that race: a constraint refused this answer itself
            raise
    attempt = response.item.attempt
    if attempt.is_open and attempt.answers_changeable:
        # Once more, and only once: the row is there now, so this is a change, not an insert.
        return _answer(user, attempt_id, item_id, answers, matches or {}, now)
    return Recorded(response, created=False, attempt_finished=not attempt.is_open)


def _answer(
    user: AbstractBaseUser,
    attempt_id: int,
    item_id: int,
    answers: Sequence[str],
    matches: Mapping[str, str],
    now: datetime,
) -> Recorded:
    with transaction.atomic():
        item = _locked_item(user, attempt_id, now, pk=item_id)
        attempt = item.attempt
        standing = getattr(item, "response", None)
        # A second try is open only once the evidence is found; before that, a repeat of the
        # first answer (a double click, another tab) records nothing, as any answer standing.
        retry = standing is not None and item.stage is retrying.Stage.RETRY
        if standing is not None and not (attempt.answers_changeable or retry):
            return Recorded(standing, created=False, attempt_finished=not attempt.is_open)
        if not attempt.is_open:
            raise errors.AttemptClosed()
        ended = _end_if_over(user, attempt, now, quiz_open=item.quiz_open)
        if ended is None and retry:
            return _retry(standing, item, answers, matches, now)
        if ended is None and standing is not None:
            return _change(standing, item, answers, matches, now)
        if ended is None:
            return _record(item, answers, matches, now)
    # Raised only now, so that the transaction has committed the closing of the attempt.
    raise ended


def answer_grade(
    item: AttemptItem, answers: Sequence[str], matches: Mapping[str, str]
) -> tuple[Any, grading.Grade]:
    """The submission an item's page posted and its grade, saving nothing: the one reading
    of an answer form, for attempts and for the instructor's preview (an unsaved item).
    `grading.InvalidSubmission` says what is wrong with it."""
    kind = item.question.kind_object
    # The page names options by their place on it; the kind grades choice ids.
    submission = kind.parse(item.ids_from_page(grading.FormAnswer(list(answers), dict(matches))))
    return submission, kind.grade(item.grading_key(), submission)


def _record(
    item: AttemptItem, answers: Sequence[str], matches: Mapping[str, str], now: datetime
) -> Recorded:
    attempt = item.attempt
    if item.earlier_unanswered and not attempt.navigates_freely:
        raise errors.OutOfOrder()
    submission, result = answer_grade(item, answers, matches)
    response = Response.objects.create(
        item=item,
        submission=_jsonable(submission),
        score=_decimal(result.score),
        is_correct=result.is_correct,
        feedback=result.feedback,
        answered_at=now,
    )
    item.response = response
    return _recorded(item, now, changed=False)


def _recorded(item: AttemptItem, now: datetime, *, changed: bool) -> Recorded:
    """The item's answer is saved. Answered in order, the last one ends the attempt once it
    is done (not while it waits for its evidence and second try); in a free one the student
    finishes from the summary, having perhaps left questions to come back to."""
    attempt = item.attempt
    finished = (
        not attempt.navigates_freely
        and item.position == attempt.question_count
        and item.stage is retrying.Stage.DONE
    )
    if finished:
        _close(attempt, now, state=Attempt.State.FINISHED)
    # The map as the page after this answer shows it (`_locked_item` read it before).
    item.map = [
        replace(entry, answered=True) if entry.position == item.position else entry
        for entry in item.map
    ]
    return Recorded(item.response, created=True, attempt_finished=finished, changed=changed)


def _retry(
    response: Response,
    item: AttemptItem,
    answers: Sequence[str],
    matches: Mapping[str, str],
    now: datetime,
) -> Recorded:
    """The second try, once the evidence is found: graded, credited at the attempt's share
    (`retrying.credit`), with the first try kept beside it."""
    submission, result = answer_grade(item, answers, matches)
    first = Fraction(response.score)
    response.first_submission = response.submission
    response.first_score = response.score
    response.first_feedback = response.feedback
    response.tries = retrying.TRIES
    response.submission = _jsonable(submission)
    response.score = _decimal(retrying.credit([first, result.score], item.attempt.second_try_share))
    response.is_correct = result.is_correct
    response.feedback = result.feedback
    response.answered_at = now
    response.save()
    return _recorded(item, now, changed=False)


def evidence_pick(
    *,
    user: AbstractBaseUser,
    attempt_id: int,
    position: int,
    place: int,
    now: datetime | None = None,
) -> AttemptItem:
    """Pick the sentence at `place` in the item's passage (as the page numbers them) as the
    evidence for its answer, under find the evidence, then retry (`quiz.retrying`). A pick
    that changes nothing (the sentence picked already, the evidence found, the picks used up,
    the second try given) is not recorded: double clicks and replays leave what the student
    saw. The item, with its attempt and response, for the page to show where it now stands."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _locked_item(user, attempt_id, now, position=position)
        attempt = item.attempt
        if not attempt.is_open:
            raise errors.AttemptClosed()
        ended = _end_if_over(user, attempt, now, quiz_open=item.quiz_open)
        if ended is None:
            response = getattr(item, "response", None)
            if not attempt.finds_evidence or response is None:
                raise errors.NoEvidenceToFind()
            if not 1 <= place <= len(item.passage):
                raise errors.NotInPassage()
            sentence = item.passage[place - 1][0]
            if item.stage is retrying.Stage.FIND and retrying.may_pick(
                picks=response.picks, cited=item.cited_ids, sentence=sentence
            ):
                response.picks = [*response.picks, sentence]
                response.save(update_fields=["picks"])
            return item
    raise ended


def _change(
    response: Response,
    item: AttemptItem,
    answers: Sequence[str],
    matches: Mapping[str, str],
    now: datetime,
) -> Recorded:
    """The latest answer replaces the one before, in its row (last write wins). No history is
    kept: only the answer standing at the finish is graded and reviewed, no one has seen a
    verdict on the earlier ones, and one row per item keeps "one response per item" a database
    constraint. `answered_at` says when it was last changed, and score changes recorded on
    the answer replaced (an answer accepted meanwhile) go with it."""
    submission, result = answer_grade(item, answers, matches)
    response.changes.all().delete()
    response.submission = _jsonable(submission)
    response.score = _decimal(result.score)
    response.is_correct = result.is_correct
    response.feedback = result.feedback
    response.answered_at = now
    response.save(update_fields=["submission", "score", "is_correct", "feedback", "answered_at"])
    return Recorded(response, created=True, attempt_finished=False, changed=True)


def item_flag(
    *,
    user: AbstractBaseUser,
    attempt_id: int,
    position: int,
    flagged: bool,
    now: datetime | None = None,
) -> AttemptItem:
    """Flag an item for later, or take the flag off: the value asked for, not a toggle, so a
    double click or a replayed request leaves what the student saw on the button. Only in an
    open attempt that navigates freely: a flag is a way back, which sequential ones lack."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(user, attempt_id, now)
        if not attempt.is_open:
            raise errors.AttemptClosed()
        ended = _end_if_over(user, attempt, now, quiz_open=attempt.quiz_open)
        if ended is None:
            if not attempt.navigates_freely:
                raise errors.CannotFlag()
            item = attempt.items.select_related("response").filter(position=position).first()
            if item is None:
                raise errors.NoSuchItem()
            if item.flagged != flagged:
                item.flagged = flagged
                item.save(update_fields=["flagged"])
            item.attempt = attempt
            return item
    raise ended


def attempt_finish(
    *, user: AbstractBaseUser, attempt_id: int, now: datetime | None = None
) -> Attempt:
    """Close the attempt now; questions not answered score nothing. Finishing twice is a no-op.

    A finish after the deadline closes the attempt at its deadline, as the clock would have.
    An attempt without a deadline whose quiz is no longer open to the user is closed all the
    same, but the finish is refused: the student is told why it ended."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(user, attempt_id, now)
        ended = _end_if_over(user, attempt, now, quiz_open=attempt.quiz_open)
        if attempt.is_open:
            _close(attempt, now, state=Attempt.State.FINISHED)
        if ended is None or isinstance(ended, errors.TimeUp):
            return attempt
    raise ended


def attempt_end_if_over(
    *, user: AbstractBaseUser, attempt_id: int, now: datetime | None = None
) -> tuple[Attempt, errors.AttemptEnded | None]:
    """Close the attempt if it is over (`Attempt.is_over`: its deadline has passed, or it has
    none and its quiz is no longer open to the user); used when a page is shown. The attempt,
    and why it ended if it ended now.

    Pages call this on every view and the clock every 30 seconds, so the attempt is read
    without a lock first: only one that is actually over takes the write transaction.
    """
    now = now or timezone.now()
    attempt = _attempts(user, now).filter(pk=attempt_id).first()
    if attempt is None:
        raise errors.NoSuchAttempt()
    if not attempt.is_over(now, quiz_open=attempt.quiz_open):
        return attempt, None
    with transaction.atomic():
        attempt = _locked_attempt(user, attempt_id, now)
        return attempt, _end_if_over(user, attempt, now, quiz_open=attempt.quiz_open)


def attempt_expire_if_due(
    *, user: AbstractBaseUser, attempt_id: int, now: datetime | None = None
) -> Attempt:
    """`attempt_end_if_over`, for pages that need only the attempt as it now stands."""
    return attempt_end_if_over(user=user, attempt_id=attempt_id, now=now)[0]


# Instructors' corrections ----------------------------------------------------------------
#
# A response always holds the score in force and an ended attempt's points are always the sum
# of its responses' scores: a correction changes both in one transaction, and keeps a
# `ScoreChange` saying who changed what, when and why. Instructors are staff (see
# `views.instructor_required`); cohorts have no owner, so every instructor may correct every
# attempt.


# An attempt's points: each response's score (the share of its item earned) times the item's
# weight, to the hundredth of a point pages show (`Response.points`), summed. Rounded each,
# a third of 3 points counts as the 1 point an instructor gave, not as 0.9999.
POINTS = Sum(
    Round(F("score") * F("item__weight"), 2),
    output_field=DecimalField(max_digits=8, decimal_places=4),
)


@dataclass(frozen=True)
class Overridden:
    response: Response
    changed: bool  # False: it had these points already, and nothing was recorded


@dataclass(frozen=True)
class Accepted:
    accepted: AcceptedAnswer | None  # None: it was accepted already
    regraded: int  # responses whose score went up


def response_override(
    *,
    user: AbstractBaseUser,
    attempt_id: int,
    response_id: int,
    points: Decimal,
    reason: str,
    now: datetime | None = None,
) -> Overridden:
    """Set one response's points by hand (0 to its item's weight), with the reason the
    student will read; the attempt's points and pass are recomputed. Only once the attempt
    has ended: until then its points do not exist and the student may still be reading the
    feedback."""
    _check_instructor(user)
    reason = reason.strip()
    if not reason:
        raise errors.ReasonRequired()
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("item__attempt",))
            .select_related("item__attempt__quiz")
            .filter(pk=response_id, item__attempt_id=attempt_id)
            .first()
        )
        if response is None:
            raise errors.NoSuchResponse()
        attempt = response.item.attempt
        if attempt.is_open:
            raise errors.AttemptInProgress()
        weight = response.item.weight
        if not Decimal(0) <= points <= weight:
            raise errors.ScoreOutOfRange(points=f"{weight} point{'s' if weight != 1 else ''}")
        score = (points / weight).quantize(Decimal("0.0001"))
        if score == response.score:
            return Overridden(response, changed=False)
        ScoreChange.objects.create(
            response=response,
            changed_by=user,
            changed_at=now or timezone.now(),
            cause=ScoreChange.Cause.OVERRIDE,
            old_score=response.score,
            new_score=score,
            reason=reason,
        )
        response.score = score
        response.is_correct = score == 1
        response.save(update_fields=["score", "is_correct"])
        _rescore([attempt])
        return Overridden(response, changed=True)


def answer_accept(
    *,
    user: AbstractBaseUser,
    question_id: int,
    answer: str,
    now: datetime | None = None,
) -> Accepted:
    """Accept `answer` as right for a question: it becomes one of the question's accepted
    answers, every attempt's frozen key for the question accepts it too (so review, gradebook
    and analysis agree, and answers still to come are graded the same), and every past
    response that now grades higher is regraded, audited and its attempt rescored. A response
    an instructor has overridden keeps its override. All in one transaction."""
    _check_instructor(user)
    answer = " ".join(answer.split())
    now = now or timezone.now()
    with transaction.atomic():
        # Starts wait (`_hold_keys`); and only a NO KEY lock on the question: an attempt
        # closing as this waits for it checks its memory rows' foreign key to the question,
        # which a FOR UPDATE would hold (a deadlock).
        _hold_keys(shared=False)
        question = Question.objects.select_for_update(no_key=True).filter(pk=question_id).first()
        if question is None:
            raise errors.NoSuchQuestion()
        kind = question.kind_object
        if not kind.uses_accepted:
            raise errors.CannotAccept()
        if not kind.answer_as_graded(answer):
            raise errors.BlankAnswer()
        key = question.grading_key()
        try:
            wider = kind.with_accepted(key, answer)
        except grading.InvalidSubmission:  # a numeric question's answer that is no number
            raise errors.NotANumber(answer=answer) from None
        created = None
        if wider != key:  # as the kind stores it: a number as grading reads it
            created = AcceptedAnswer.objects.create(question=question, text=wider.accepted[-1])
        # The attempts are locked first, in order (every other writer locks one attempt at a
        # time), and their items read after: an answer that committed while we waited for its
        # attempt's lock is read and regraded, not missed.
        locked = Attempt.objects.select_for_update().filter(items__question=question)
        list(locked.order_by("pk").values_list("pk", flat=True))
        items = list(
            AttemptItem.objects.select_related("attempt__quiz", "response")
            .annotate(
                overridden=Exists(
                    ScoreChange.objects.filter(
                        response__item=OuterRef("pk"), cause=ScoreChange.Cause.OVERRIDE
                    )
                )
            )
            .filter(question=question)
            .order_by("attempt_id")
        )
        rekeyed, regraded, changes, attempts = [], [], [], {}
        reason = f"“{answer}” accepted as right."
        for item in items:
            key = kind.key_from_data(item.key)
            wider = kind.with_accepted(key, answer)
            if wider == key:
                continue
            item.key = kind.key_to_data(wider)
            rekeyed.append(item)
            response = getattr(item, "response", None)
            if response is None or item.overridden:
                continue
            grade = kind.grade(wider, response.submission)
            score = _decimal(grade.score)
            first = None
            if response.tries > 1:  # both tries regraded, credited as when they were given
                first = kind.grade(wider, response.first_submission)
                share = item.attempt.second_try_share
                score = _decimal(retrying.credit([first.score, grade.score], share))
            if score <= response.score:
                continue
            changes.append(
                ScoreChange(
                    response=response,
                    changed_by=user,
                    changed_at=now,
                    cause=ScoreChange.Cause.ACCEPTED,
                    old_score=response.score,
                    new_score=score,
                    reason=reason,
                )
            )
            response.score = score
            response.is_correct = grade.is_correct
            response.feedback = grade.feedback
            if first is not None:
                response.first_score = _decimal(first.score)
                response.first_feedback = first.feedback
                if first.is_correct:  # right the first time after all: its grade stands
                    response.is_correct, response.feedback = True, first.feedback
            regraded.append(response)
            attempts[item.attempt_id] = item.attempt
        AttemptItem.objects.bulk_update(rekeyed, ["key"], batch_size=500)
        Response.objects.bulk_update(
            regraded,
            ["score", "is_correct", "feedback", "first_score", "first_feedback"],
            batch_size=500,
        )
        ScoreChange.objects.bulk_create(changes, batch_size=500)
        _rescore([a for a in attempts.values() if not a.is_open])
        return Accepted(accepted=created, regraded=len(regraded))


# Accommodations --------------------------------------------------------------------------
#
# Extra time and attempts for a student (`models.Accommodation`, `quiz.accommodations`). They
# count from the next start, and extra time also at once in an attempt in progress: its
# deadline moves in the same transaction, and the countdown follows at its next sync.


def accommodation_save(
    *, user: AbstractBaseUser, accommodation: Accommodation, now: datetime | None = None
) -> Accommodation:
    """Give a student an accommodation or change one (validated, `ValidationError` if not
    valid), stamped with who set it and when. The deadlines of the student's attempts in
    progress that it touches, and that a change takes it away from, move at once
    (`_deadlines_follow`)."""
    _check_instructor(user, errors.InstructorsOnlyAccommodation)
    now = now or timezone.now()
    with transaction.atomic():
        before = None
        if accommodation.pk is not None:
            before = Accommodation.objects.select_for_update().filter(pk=accommodation.pk).first()
        # A start reads the student's allowance: it waits for this change, or this waits for
        # it and then moves the new attempt's deadline too.
        _lock_users([accommodation.user_id, *([before.user_id] if before else [])])
        accommodation.set_by = user
        accommodation.set_at = now
        accommodation.full_clean()
        accommodation.save()
        _deadlines_follow([accommodation, *([before] if before else [])], now)
    return accommodation


def accommodations_delete(
    *, user: AbstractBaseUser, accommodations: Iterable[Accommodation], now: datetime | None = None
) -> int:
    """Take accommodations away; the deadlines of the attempts in progress they touched move
    back at once, but never before `now` (`_deadlines_follow`). How many were deleted."""
    _check_instructor(user, errors.InstructorsOnlyAccommodation)
    now = now or timezone.now()
    with transaction.atomic():
        gone = list(
            Accommodation.objects.select_for_update().filter(pk__in=[a.pk for a in accommodations])
        )
        _lock_users(a.user_id for a in gone)  # as in `accommodation_save`
        Accommodation.objects.filter(pk__in=[a.pk for a in gone]).delete()
        _deadlines_follow(gone, now)
    return len(gone)


# Taking extra time back leaves a running attempt at least this long (see `_deadlines_follow`).
GRACE = timedelta(minutes=5)


def _deadlines_follow(changed: Sequence[Accommodation], now: datetime) -> None:
    """Move the deadline of every timed, graded attempt in progress that `changed` touch (a
    cohort-wide one: at every quiz of the cohort) to what the student's accommodations give
    now: the earlier of its start plus their time limit (from the limit it began with) and the
    close of their window (if it is open; else the deadline it has is the latest it may get),
    and time taken back leaves it at least `GRACE`. An attempt whose time is up already keeps
    its end. Reads the accommodations as saved: call it after the change."""
    touched = Q(pk__in=[])
    for accommodation in changed:
        at = (
            Q(quiz=accommodation.quiz_id)
            if accommodation.quiz_id is not None
            else Q(quiz__assignments__cohort=accommodation.cohort_id)
        )
        touched |= Q(user=accommodation.user_id) & at
    running = Attempt.objects.filter(
        touched, state=Attempt.State.IN_PROGRESS, is_practice=False, deadline__gt=now
    )
    # By id: the cohort join may repeat a row, and FOR UPDATE takes no DISTINCT.
    attempts = list(
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz", "user")
        .filter(pk__in=running.values("pk"))
    )
    by_user: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_user[attempt.user_id].append(attempt)
    moved = []
    for mine in by_user.values():
        student = mine[0].user
        quizzes = [a.quiz for a in mine]
        # From the limits the attempts began with, not the quizzes' limits now.
        allowed = selectors.allowances(
            student, quizzes, limits={a.quiz_id: a.time_limit_minutes for a in mine}
        )
        open_windows = {} if student.is_staff else selectors.windows(student, quizzes, now)
        for attempt in mine:
            window = open_windows.get(attempt.quiz_id)
            if student.is_staff:
                cap = None
            elif window is not None and window.is_open:
                cap = window.closes_at
            else:
                cap = attempt.deadline
            minutes = allowed[attempt.quiz_id].time_limit_minutes
            deadline = _deadline(attempt.started_at, minutes, cap)
            if deadline is None:  # began untimed (cannot be: it has a deadline): keep it
                continue
            # Time taken back never leaves less than GRACE from now (or what it had, if
            # less): the student is not cut off mid-answer, without a warning.
            deadline = max(deadline, min(attempt.deadline, now + GRACE))
            if deadline != attempt.deadline:
                attempt.deadline = deadline
                moved.append(attempt)
    Attempt.objects.bulk_update(moved, ["deadline"])


def _check_instructor(
    user: AbstractBaseUser, refusal: type[errors.NotAllowed] = errors.InstructorsOnly
) -> None:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise refusal()


def _rescore(attempts: Sequence[Attempt]) -> None:
    """Ended attempts' points again from their responses (one query), and their pass."""
    if not attempts:
        return
    totals = dict(
        Response.objects.filter(item__attempt__in=[a.pk for a in attempts])
        .values("item__attempt")
        .annotate(total=POINTS)
        .values_list("item__attempt", "total")
    )
    for attempt in attempts:
        _set_points(attempt, totals.get(attempt.pk) or Decimal(0))
    Attempt.objects.bulk_update(attempts, ["points", "passed"], batch_size=500)


# Helpers ---------------------------------------------------------------------------------


def _check_open(user: AbstractBaseUser, quiz: Quiz, now: datetime) -> selectors.Window | None:
    """Students start attempts only at quizzes assigned to a cohort of theirs, while open: the
    window they start in (None for staff, whom no window holds)."""
    if not quiz.is_published:
        raise errors.NoSuchQuiz()
    if user.is_staff:
        return None
    window = selectors.windows(user, [quiz], now).get(quiz.pk)
    if window is None:
        raise errors.NoSuchQuiz()
    if window.not_yet:
        raise errors.NotOpenYet(when=_when(window.opens_at))
    if not window.is_open:
        raise errors.QuizClosed(when=_when(window.closes_at))
    return window


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def _current_attempt(user: AbstractBaseUser, quiz: Quiz, now: datetime) -> Attempt | None:
    """The user's attempt in progress at `quiz`, closed first if it is over (its time up, or
    its quiz no longer open to the user); starts by this user are serialised from here to the
    end of the caller's transaction."""
    _lock_user_quiz(user, quiz)
    current = _attempts(user, now).filter(quiz=quiz, state=Attempt.State.IN_PROGRESS).first()
    if current is not None and _end_if_over(user, current, now, quiz_open=current.quiz_open):
        return None
    return current


def _lock_user_quiz(user: AbstractBaseUser, quiz: Quiz) -> None:
    # Serialise starts by one user: lock the user's row (SQLite's IMMEDIATE transactions
    # already serialise writers; on PostgreSQL this stops two tabs from racing the count).
    _lock_users([user.pk])


def _lock_users(ids: Iterable[int]) -> None:
    # In id order, so that two transactions locking several never deadlock.
    users = get_user_model().objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")
    list(users.values_list("pk", flat=True))


# The PostgreSQL advisory lock `_hold_keys` takes (any number, apart from any other's).
_KEYS_LOCK = 0x7175697A


def _hold_keys(*, shared: bool) -> None:
    """Hold the attempts' keys to the end of the transaction: shared by starts, which read the
    accepted answers of their questions and freeze them into their items' keys; alone while
    `answer_accept` widens the keys of the attempts it finds. Taken first, an accept has
    either committed before a start reads (which then takes in its answer) or waits for the
    start to commit (and then finds its attempt). Starts wait for an accept, which is rare.

    One PostgreSQL advisory lock for all quizzes. Locks on the questions' rows strong enough
    would also hold the foreign-key checks of an attempt closing (its memory rows) and
    deadlock with an accept waiting for that attempt; per quiz, a question added to a quiz
    during an accept would escape it. SQLite's one writer at a time orders all this already."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_KEYS_LOCK])


def _locked_item(
    user: AbstractBaseUser, attempt_id: int, now: datetime, **where: int
) -> AttemptItem:
    """The item (by `pk` or `position`) with its attempt (locked), question and whether the
    quiz is open to the user now (`quiz_open`); then, read once the lock is held, the
    attempt's question map (`map`, as `selectors.question_map`), from which whether an
    earlier item is unanswered (`earlier_unanswered`) and a later one answered
    (`later_answered`), and the item's response if it has one. Two queries, three with a
    response.

    What the lock guards is read apart from the locking statement: on PostgreSQL under Read
    Committed a statement that waited for the lock still sees the other rows as they were
    when it began, and would miss the answer, pick or second try the request before it has
    just committed. (The map is one query of three small columns, cheaper to build than the
    two `Exists` it replaces.)"""
    item = (
        AttemptItem.objects.select_for_update(of=("attempt",))
        .select_related("attempt__quiz", "question__article")
        .annotate(quiz_open=selectors.open_now(user, now, "attempt__quiz"))
        .filter(attempt_id=attempt_id, attempt__user=user, **where)
        .first()
    )
    if item is None:
        raise errors.NoSuchItem()
    item.map = selectors.question_map(item.attempt)
    item.earlier_unanswered = any(
        not entry.answered for entry in item.map if entry.position < item.position
    )
    item.later_answered = any(
        entry.answered for entry in item.map if entry.position > item.position
    )
    if any(entry.answered for entry in item.map if entry.position == item.position):
        item.response = Response.objects.get(item=item)
    else:
        item._state.fields_cache["response"] = None  # known to have none: no query for it
    return item


def _attempts(user: AbstractBaseUser, now: datetime) -> QuerySet[Attempt]:
    """The user's attempts with their quiz and `quiz_open` (see `selectors.open_now`)."""
    return (
        Attempt.objects.select_related("quiz")
        .filter(user=user)
        .annotate(quiz_open=selectors.open_now(user, now))
    )


def _locked_attempt(user: AbstractBaseUser, attempt_id: int, now: datetime) -> Attempt:
    # Only the attempt's row: locking its quiz too would queue every finish of a class on it.
    attempt = _attempts(user, now).select_for_update(of=("self",)).filter(pk=attempt_id).first()
    if attempt is None:
        raise errors.NoSuchAttempt()
    return attempt


def _create(
    user: AbstractBaseUser,
    quiz: Quiz,
    items: list[AttemptItem],
    *,
    now: datetime,
    practice: bool,
    deadline: datetime | None,
) -> Attempt:
    """The attempt of these items (`_items`), saved."""
    if not items:
        raise errors.NoQuestions()
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        is_practice=practice,
        started_at=now,
        deadline=deadline,
        question_count=len(items),
        navigation=quiz.navigation,
        feedback=quiz.feedback,
        time_limit_minutes=quiz.time_limit_minutes if deadline is not None else None,
        retry_credit=quiz.retry_credit,
        max_points=sum(item.weight for item in items),
    )
    for item in items:
        item.attempt = attempt
    AttemptItem.objects.bulk_create(items)
    return attempt


def _items(quiz: Quiz, questions: list[Question]) -> list[AttemptItem]:
    """An attempt's items of these questions, in the attempt's order (shuffled if the quiz
    says so), their attempt not yet set. The attempt takes the quiz's feedback (`_create`)."""
    finds_evidence = quiz.feedback == Quiz.Feedback.EVIDENCE
    if quiz.shuffle_questions:
        questions = _random.sample(questions, len(questions))
    prefetch_related_objects(questions, "choices", "accepted_answers", "citations__sentence")
    # Each question's passage, frozen with it: the options of a kind that asks for one of its
    # sentences, and what a student reads to find the evidence where the quiz asks that.
    passages = selectors.passages(questions, rng=_random)
    return [
        _item(
            q,
            position,
            shuffle=quiz.shuffle_choices,
            passage=passages[q.pk],
            finds_evidence=finds_evidence,
        )
        for position, q in enumerate(questions, 1)
    ]


def _deadline(
    started_at: datetime, minutes: int | None, closes_at: datetime | None
) -> datetime | None:
    """A timed attempt's deadline: the earlier of its time limit (the student's, see
    `selectors.allowances`) and `closes_at`, the close of the student's window, so that the
    countdown shows the true end. None for an untimed one."""
    if minutes is None:
        return None
    deadline = started_at + timedelta(minutes=minutes)
    return deadline if closes_at is None else min(deadline, closes_at)


def _item(
    question: Question,
    position: int,
    *,
    shuffle: bool,
    passage: Sequence[Sequence[Any]],
    finds_evidence: bool,
) -> AttemptItem:
    """The item as this attempt asks it: options in their order (fixed now, so a reload never
    reshuffles), what a matching question's items are matched with, and the key it will be
    graded against. `passage` is the question's (`selectors.passages`), for a kind whose
    options are its sentences (`Question.option_parts`)."""
    kind = question.kind_object
    parts = question.option_parts(passage)
    options, matches = kind.layout(parts, shuffle=shuffle, rng=_random)
    return AttemptItem(
        question=question,
        position=position,
        options=[list(option) for option in options],
        matches=matches,
        key=kind.key_to_data(question.grading_key(passage)),
        evidence=question.evidence(),
        passage=[list(sentence) for sentence in passage] if finds_evidence else [],
        weight=question.weight,
    )


def _end_if_over(
    user: AbstractBaseUser, attempt: Attempt, now: datetime, *, quiz_open: bool
) -> errors.AttemptEnded | None:
    """Close the attempt if it is over (`Attempt.is_over`) with what was answered: at its
    deadline if it had one, now if its quiz is no longer open to the user. The refusal that
    says why, for the caller to raise once the closing has committed; None if not over."""
    if not attempt.is_over(now, quiz_open=quiz_open):
        return None
    if attempt.deadline is not None:
        _close(attempt, attempt.deadline, state=Attempt.State.FINISHED)
        return errors.TimeUp()
    window = selectors.windows(user, [attempt.quiz], now).get(attempt.quiz_id)
    _close(attempt, now, state=Attempt.State.FINISHED)
    if window is None:
        return errors.LeftCohort()
    if window.not_yet:
        return errors.WindowNotOpen(when=_when(window.opens_at))
    return errors.WindowClosed(when=_when(window.closes_at))


def _close(attempt: Attempt, now: datetime, *, state: str) -> None:
    points = Response.objects.filter(item__attempt=attempt).aggregate(total=POINTS)["total"]
    attempt.state = state
    attempt.finished_at = now
    _set_points(attempt, points or Decimal(0))
    attempt.save(update_fields=["state", "finished_at", "points", "passed"])
    _remember(attempt)


def _remember(attempt: Attempt) -> None:
    """Every answer of the attempt, now closed (finished, its time up, or practice dropped),
    updates the student's memory of its question (`quiz.memory`), at the time it was given,
    in the order given: counted when it can no longer change, so once (an attempt closes
    once; `MemoryReview` is one per item, a database constraint). An answer older than the
    memory's last review (another attempt closed first) is left out: FSRS reads reviews in
    time order."""
    responses = list(
        Response.objects.filter(item__attempt=attempt)
        .select_related("item")
        .order_by("answered_at", "item__position")
    )
    if not responses:
        return
    # One closing at a time per student: two attempts sharing a question would both insert
    # its memory.
    get_user_model().objects.select_for_update().filter(pk=attempt.user_id).first()
    questions = [response.item.question_id for response in responses]
    memories = {
        m.question_id: m
        for m in Memory.objects.filter(user_id=attempt.user_id, question_id__in=questions)
    }
    created, changed, reviews = {}, {}, []
    for response in responses:
        question = response.item.question_id
        known = memories.get(question) or created.get(question)
        if known is not None and response.answered_at < known.last_review:
            continue
        outcome = memory.rating(
            response.score, second_try_right=response.is_correct if response.tries > 1 else None
        )
        recall = memory.review(_recall(known), outcome, response.answered_at)
        if known is None:
            known = created[question] = Memory(user_id=attempt.user_id, question_id=question)
        elif known.pk is not None:
            changed[question] = known
        for name, value in vars(recall).items():
            setattr(known, name, value)
        reviews.append(
            MemoryReview(
                memory=known,
                item=response.item,
                rating=int(outcome),
                reviewed_at=response.answered_at,
            )
        )
    Memory.objects.bulk_create(created.values())
    Memory.objects.bulk_update(changed.values(), MEMORY_FIELDS)
    MemoryReview.objects.bulk_create(reviews)


MEMORY_FIELDS = ["stability", "difficulty", "state", "due", "last_review"]


def _recall(known: Memory | None) -> memory.Recall | None:
    if known is None:
        return None
    return memory.Recall(**{name: getattr(known, name) for name in MEMORY_FIELDS})


def _set_points(attempt: Attempt, points: Decimal) -> None:
    """An ended attempt's points (its responses' scores, weighted) and whether they pass:
    the one place both are worked out, at the close and after every change of a score."""
    attempt.points = points
    attempt.passed = (
        None
        if attempt.is_practice or attempt.state != Attempt.State.FINISHED
        else attempt.points * 100 >= attempt.quiz.pass_mark * attempt.max_points
    )


def _decimal(score: Any) -> Decimal:
    return (Decimal(score.numerator) / Decimal(score.denominator)).quantize(Decimal("0.0001"))


def _jsonable(submission: Any) -> Any:
    if isinstance(submission, dict):
        return {str(k): v for k, v in submission.items()}
    if isinstance(submission, list | tuple | set):
        return list(submission)
    return submission
