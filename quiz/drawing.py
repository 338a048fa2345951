"""Drawing questions for an attempt: a quiz that draws asks a random few of its questions,
never two of one draw group (questions that answer one another, see `Question.draw_group`).
Pure functions: services draw, the bank's checks and the admin count what can be drawn."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar


class Drawable(Protocol):
    draw_group: str


Q = TypeVar("Q", bound=Drawable)


def draw(questions: Sequence[Q], count: int, *, rng: random.Random) -> list[Q]:
    """`count` of the questions at random, at most one of each draw group (questions that
    answer one another), in their given order. Fewer when the groups leave fewer to ask
    (`draw_slots`; the bank's checks refuse a quiz that draws more than it has)."""
    order = list(range(len(questions)))
    rng.shuffle(order)
    taken: set[int] = set()
    groups: set[str] = set()
    for n in order:
        if len(taken) == count:
            break
        group = questions[n].draw_group
        if group and group in groups:
            continue
        groups.add(group)
        taken.add(n)
    return [q for n, q in enumerate(questions) if n in taken]


def draw_slots(groups: Iterable[str]) -> int:
    """How many questions with these draw groups one attempt can ask ("" is no group)."""
    groups = list(groups)
    return sum(1 for g in groups if not g) + len({g for g in groups if g})
