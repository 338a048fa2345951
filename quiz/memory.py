"""Spaced practice per student and question, scheduled by FSRS (the `fsrs` package, the
scheduler Anki uses). Pure: a memory state and an outcome come in, the next state comes out;
`services` reads and writes the rows.

The scheduler is configured here and nowhere else: the package's default parameters, the
desired retention from the settings (`DESIRED_RETENTION`), no learning steps (a quiz is not a
flashcard deck reviewed several times in one sitting: the shortest interval is a day, so no
question comes due twice on the same day) and no fuzzing (the same answers give the same
schedule, which tests and students can rely on).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from fsrs import Card, Rating, Scheduler, State

# A review session asks at most this many due questions: a student back after a long break
# with hundreds due gets the most overdue first, a sitting's worth at a time.
SESSION = 20
# A class forecast predicts recall at this hour of the chosen day, the site's time zone: when
# a test that day would start.
SCHOOL_STARTS = time(9)
DAY_SECONDS = 86400


def day_end(now: datetime) -> datetime:
    """The end of the student's day (the site's time zone): what is due before it is due
    today."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def school_start(day: date) -> datetime:
    """The start of the school day on `day` (`SCHOOL_STARTS`, the site's time zone): the
    moment a forecast for "a test on that day" predicts recall at."""
    return timezone.make_aware(datetime.combine(day, SCHOOL_STARTS))


def scheduler() -> Scheduler:
    return Scheduler(
        desired_retention=settings.DESIRED_RETENTION,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


@dataclass(frozen=True)
class Recall:
    """A student's memory of one question as FSRS models it."""

    stability: float  # days for the chance of recall to fall to 90%
    difficulty: float  # 1 (easy) to 10 (hard)
    state: int  # fsrs.State: learning, review or relearning
    due: datetime
    last_review: datetime


def rating(score: Decimal, *, second_try_right: bool | None = None) -> Rating:
    """An answer's outcome as an FSRS rating: wrong is Again, partly right Hard, right Good.
    After a second try (find the evidence, then retry; `second_try_right` says how it went),
    the first having failed: Hard if the second was right or either earned something, else
    Again, whatever share of the points the quiz gives a second try. (Easy would need a sign
    the answer came without effort, which a quiz does not see: time on a question measures
    reading speed and interruptions as much as recall.)"""
    if second_try_right is not None:
        return Rating.Hard if second_try_right or score > 0 else Rating.Again
    if score <= 0:
        return Rating.Again
    if score < 1:
        return Rating.Hard
    return Rating.Good


def review(recall: Recall | None, outcome: Rating, at: datetime) -> Recall:
    """The memory after answering at `at` with `outcome`; `recall` None for a first answer."""
    # A card id of our own: the package's default sleeps a millisecond to make one unique.
    card = Card(card_id=0) if recall is None else _card(recall)
    card, _ = scheduler().review_card(card, outcome, review_datetime=at)
    return Recall(
        stability=card.stability,
        difficulty=card.difficulty,
        state=int(card.state),
        due=card.due,
        last_review=card.last_review,
    )


def retrievability(recall: Recall, at: datetime) -> float:
    """The predicted chance that the student recalls the question at `at`."""
    return scheduler().get_card_retrievability(_card(recall), current_datetime=at)


def chances_of_recall(at: datetime, memories: Iterable[tuple[float, float]]) -> list[float]:
    """`retrievability` at `at` of each memory given as (stability in days, last review in
    seconds since 1970), for the tens of thousands a class forecast reads: a `Card` and a
    `Scheduler` for each would cost several times more, and so would turning each last
    review into a `datetime` (the database gives the seconds).

    FSRS-6's forgetting curve, as the package computes it: R = (1 + factor·t/S)^decay with
    decay = -w[20] and factor = 0.9^(1/decay) - 1, so that R is 90% when t = S; t counts the
    whole days elapsed (none before the last review).
    """
    decay = -scheduler().parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    moment = at.timestamp()
    return [
        (1 + factor * (days if days > 0 else 0) / stability) ** decay
        for stability, last_review in memories
        for days in ((moment - last_review) // DAY_SECONDS,)
    ]


def _card(recall: Recall) -> Card:
    return Card(
        card_id=0,
        state=State(recall.state),
        step=None,
        stability=recall.stability,
        difficulty=recall.difficulty,
        due=recall.due,
        last_review=recall.last_review,
    )
