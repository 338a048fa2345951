"""What a student's review of an attempt shows, and when: Moodle's review options reduced to
what teachers use. For three times (right after the attempt, later while the quiz is open to
the student, after it has closed) a quiz says whether the student sees their score, whether
each answer was right, the right answers, and the explanations with the cited sentences.
Pure functions: the pages ask here and show no more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# "Right after the attempt" lasts this long from its end, as in Moodle.
RIGHT_AFTER = timedelta(minutes=2)

AFTER, OPEN, CLOSED = "after", "open", "closed"
TIMES = {
    AFTER: "right after the attempt",
    OPEN: "later, while the quiz is open",
    CLOSED: "after the quiz closes",
}
THINGS = {
    "score": "the score",
    "marks": "whether each answer was right",
    "answers": "the right answers",
    "explanations": "the explanations and cited sentences",
}


@dataclass(frozen=True)
class Shown:
    score: bool = True
    marks: bool = True
    answers: bool = True
    explanations: bool = True


EVERYTHING = Shown()


def field_name(time: str, thing: str) -> str:
    """The quiz's field that says whether `thing` is shown at `time`."""
    return f"review_{time}_{thing}"


def when(finished_at: datetime | None, closes_at: datetime | None, now: datetime) -> str:
    """The time an attempt's review is seen at: after the quiz closed for the student
    (`closes_at`, None when nothing closes it), else right after the attempt, else later."""
    if closes_at is not None and now >= closes_at:
        return CLOSED
    if finished_at is not None and now < finished_at + RIGHT_AFTER:
        return AFTER
    return OPEN


def shown(quiz: Any, time: str) -> Shown:
    """What `quiz`'s review options let a student see at `time`."""
    return Shown(**{thing: getattr(quiz, field_name(time, thing)) for thing in THINGS})
