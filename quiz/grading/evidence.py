"""Evidence: which sentence of the article supports the statement? The prompt is the
statement; the options are the sentences of its passage (the paragraphs its cited sentences
stand in, `Kind.uses_passage`), in the article's order, and any cited sentence is right.

Graded by the sentence's identity, never its text; all or nothing. Moodle has no such kind:
both formats carry it as a single-answer multiple choice of the passage's sentences, each
cited one worth 100 %, so a file read back (it holds no sentence identity) brings it in as a
single-choice question.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from quiz.grading.base import (
    RIGHT,
    ChoicePart,
    Grade,
    InvalidSubmission,
    Parts,
    XmlQuestion,
    as_id,
    gift_escape,
    quoted_list,
    xml_text,
)
from quiz.grading.choice import ChoiceKey, _Choice
from quiz.grading.registry import register


@register
class Evidence(_Choice):
    name = "evidence"
    label = "Supporting sentence"
    position = 8
    uses_choices = False
    uses_passage = True
    choice_columns = ()
    # Its picks are sentence ids, not choice rows: the item analysis has no rows to count
    # them against.
    counts_picks = False

    def key_problems(self, key: ChoiceKey) -> list[str]:
        problems = super().key_problems(key)
        if len(key.options) < 2:
            problems.append(
                f"its passage needs at least 2 sentences to choose from; it has {len(key.options)}"
            )
        if not key.correct:
            problems.append("it cites no sentence of its passage")
        elif len(key.correct) == len(key.options):
            problems.append("it cites every sentence of its passage: no pick would be wrong")
        return problems

    def grade(self, key: ChoiceKey, submission: Any) -> Grade:
        """One sentence id; right if it is one of the cited sentences."""
        if submission is None or str(submission).strip() == "":
            raise InvalidSubmission("Please choose a sentence.")
        options = dict(key.options)
        if as_id(submission, options) in key.correct:
            return Grade(Fraction(1), True, RIGHT)
        cited = [text for i, text in key.options if i in key.correct]
        if len(cited) == 1:
            says = f"the sentence that supports it is {quoted_list(cited)}"
        else:
            says = f"the sentences that support it are {quoted_list(cited)}"
        return Grade(Fraction(0), False, f"Not quite: {says}.")

    def layout(
        self, choices: Sequence[ChoicePart], *, shuffle: bool, rng: random.Random
    ) -> tuple[list[tuple[int, str]], list[str]]:
        # Never shuffled: the sentences are read in the article's order.
        return super().layout(choices, shuffle=False, rng=rng)

    def gift_answers(self, parts: Parts) -> list[str]:
        return [("=" if right else "~") + gift_escape(text) for text, right, _ in parts.choices]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        ET.SubElement(element, "single").text = "true"
        ET.SubElement(element, "shuffleanswers").text = "0"  # in the article's order
        ET.SubElement(element, "answernumbering").text = "none"
        for text, right, _ in parts.choices:
            xml_text(element, "answer", text, fraction="100" if right else "0", format="plain_text")

    def xml_claims(self, question: XmlQuestion) -> bool:
        # A Moodle question holds no sentence identity: it is read as single choice.
        return False
