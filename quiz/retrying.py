"""Find the evidence, then retry: a feedback behaviour a quiz may choose beside feedback after
each question and feedback at the end. Pure: the rules of the tries and their credit, read by
`services` (what is stored) and the pages (what is shown).

A wrong (or partly right) first answer does not reveal the key. The student is shown the
paragraphs around the question's cited sentences and picks the sentence that supports the
answer: a cited one unlocks a second try; another sentence is said to be wrong and the student
may pick once more, after which a second wrong pick shows the cited sentence highlighted and
the second try opens anyway. The second try earns the quiz's stated share of the points
(`credit`); then the full feedback comes, as after any answer.

Why: answering until correct improves later retention over one try (Epstein et al. 2002), and
feedback that sends a reader back to the text helps most right after reading (Swart et al.
2019). Looking for the evidence is the retrieval the text asks for; the reduced credit keeps
the score honest about the first try.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from fractions import Fraction

TRIES = 2  # a first answer and one more
PICKS = 2  # sentences a student may pick before the cited one is shown
DEFAULT_CREDIT = 50  # percent of the points a right second try earns


class Stage(enum.Enum):
    """Where an answered question stands."""

    FIND = "find"  # the first answer was not right: pick the sentence that supports the answer
    RETRY = "retry"  # the evidence is found (or shown): a second try is open
    DONE = "done"  # right at once, or tried twice: the full feedback


def credit(scores: Sequence[Fraction], share: Fraction) -> Fraction:
    """A question's score from its tries' scores, in order: the first try's, or after a second
    try the better of the first try's and the second's times `share` (the quiz's credit for a
    second try, 0 to 1). A second try never lowers what the first earned."""
    if not 1 <= len(scores) <= TRIES:
        raise ValueError(f"{len(scores)} tries: a question takes one or {TRIES}")
    if not 0 <= share <= 1:
        raise ValueError(f"a second try's credit {share} is outside [0, 1]")
    if any(not 0 <= score <= 1 for score in scores):
        raise ValueError(f"a try's score is outside [0, 1]: {list(scores)}")
    if len(scores) == 1:
        return scores[0]
    first, second = scores
    return max(first, second * share)


def found(picks: Sequence[int], cited: Collection[int]) -> bool:
    """Whether the student's picks include a sentence the question cites."""
    return any(pick in cited for pick in picks)


def shown(picks: Sequence[int], cited: Collection[int]) -> bool:
    """Whether the evidence was shown: the picks used up, none of them cited."""
    return len(picks) >= PICKS and not found(picks, cited)


def stage(*, tries: int, is_correct: bool, picks: Sequence[int], cited: Collection[int]) -> Stage:
    """Where a question answered under find-the-evidence stands after `tries` answers, the
    last one right or not, and the sentences picked. A question citing no sentence to find
    opens its second try at once."""
    if is_correct or tries >= TRIES:
        return Stage.DONE
    if not cited or found(picks, cited) or shown(picks, cited):
        return Stage.RETRY
    return Stage.FIND


def may_pick(*, picks: Sequence[int], cited: Collection[int], sentence: int) -> bool:
    """Whether picking `sentence` now changes anything: not once the evidence is found or the
    picks are used up, and not for a sentence picked already (a double click must not spend
    the second pick on the same sentence)."""
    return not found(picks, cited) and len(picks) < PICKS and sentence not in picks
