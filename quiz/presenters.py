"""How a question is laid out for a student: options in display order, nothing that tells."""

from __future__ import annotations

import random
from dataclasses import dataclass

from quiz import grading
from quiz.models import Question


@dataclass(frozen=True)
class QuestionDisplay:
    question: Question
    options: list[tuple[int, str]]  # choices, ordering items or matching items, as shown
    matches: list[str]  # matching questions: every match, in a neutral order

    @property
    def kind(self) -> str:
        return self.question.kind


def question_display(
    question: Question, *, seed: int | str, shuffle: bool = False
) -> QuestionDisplay:
    """Lay out `question`; `seed` fixes any shuffle so the same seed gives the same page.

    Ordering items are always shuffled (their stored order is the answer); matching
    choices are listed alphabetically, which says nothing about which item they go with.
    """
    rng = random.Random(f"{seed}")
    choices = list(question.choices.all())
    options = [(c.pk, c.text) for c in choices]
    if (shuffle and question.kind != grading.TRUE_FALSE) or question.kind == grading.ORDERING:
        rng.shuffle(options)
        if question.kind == grading.ORDERING and len(options) > 1:
            while [i for i, _ in options] == [c.pk for c in choices]:
                rng.shuffle(options)
    matches = sorted({c.match for c in choices if c.match}, key=str.casefold)
    return QuestionDisplay(question=question, options=options, matches=matches)
