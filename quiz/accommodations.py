"""What a student's accommodations allow at one quiz: its time limit and attempts, and how
the student is told. Pure: the accommodations that apply come in, no ORM, no clock.

Each thing given is decided on its own: the extra time is the quiz's own accommodation's if
it gives time, else the cohort-wide ones' (a student in several cohorts with the quiz gets the
one that gives the longest limit); the extra attempts likewise. So extra attempts given at
one quiz leave the extra time given across the cohort in place, and an instructor can still
give different time at one quiz.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class Grant(Protocol):
    """What an accommodation gives (`models.Accommodation` is one)."""

    quiz_id: int | None  # None: cohort-wide
    extra_minutes: int | None
    time_factor: Decimal | None
    extra_attempts: int


@dataclass(frozen=True)
class Allowance:
    """A student's time and attempts at a quiz whose own are `base_minutes` (None: untimed)
    and `base_attempts` (None: unlimited): extra time only at a timed quiz, extra attempts
    only where they are limited."""

    base_minutes: int | None = None
    extra_minutes: int | None = None
    time_factor: Decimal | None = None
    extra_attempts: int = 0
    base_attempts: int | None = None

    @property
    def time_limit_minutes(self) -> int | None:
        """The time limit this student has: the quiz's, times the factor (rounded up to
        the minute) or plus the extra minutes; None for an untimed quiz."""
        return _limit(self.base_minutes, self.extra_minutes, self.time_factor)

    def max_attempts(self, allowed: int | None) -> int | None:
        """The attempts this student has where the quiz allows `allowed` (None: no limit)."""
        return None if allowed is None else allowed + self.extra_attempts

    @property
    def lines(self) -> list[str]:
        """What the student is told, one sentence each; nothing when nothing applies."""
        lines = []
        if self.extra_minutes:
            lines.append(f"You have {_count(self.extra_minutes, 'extra minute')}.")
        elif self.time_factor:
            factor = f"{self.time_factor.normalize():f}"
            lines.append(
                f"You have {factor} times the time limit "
                f"({_count(self.time_limit_minutes, 'minute')})."
            )
        if self.extra_attempts and self.base_attempts is not None:
            lines.append(f"You have {_count(self.extra_attempts, 'extra attempt')}.")
        return lines


def allowance(
    grants: Iterable[Grant], time_limit_minutes: int | None, max_attempts: int | None = None
) -> Allowance:
    """The allowance at a quiz with this time limit and these attempts (None: none, and
    unlimited), from the accommodations that apply to the student there (see the module's
    docstring)."""
    grants = list(grants)
    own = [g for g in grants if g.quiz_id is not None]
    shared = [g for g in grants if g.quiz_id is None]
    extra_minutes = time_factor = None
    if time_limit_minutes is not None:
        timed = [g for g in own if g.extra_minutes or g.time_factor] or [
            g for g in shared if g.extra_minutes or g.time_factor
        ]
        if timed:
            best = max(
                timed, key=lambda g: _limit(time_limit_minutes, g.extra_minutes, g.time_factor)
            )
            extra_minutes, time_factor = best.extra_minutes, best.time_factor
    tries = [g.extra_attempts for g in own if g.extra_attempts] or [
        g.extra_attempts for g in shared
    ]
    return Allowance(
        base_minutes=time_limit_minutes,
        extra_minutes=extra_minutes,
        time_factor=time_factor,
        extra_attempts=max(tries, default=0),
        base_attempts=max_attempts,
    )


def _limit(minutes: int | None, extra: int | None, factor: Decimal | None) -> int | None:
    if minutes is None:
        return None
    if factor:
        return math.ceil(minutes * factor)
    return minutes + (extra or 0)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
