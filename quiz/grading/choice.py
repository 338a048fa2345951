"""Choice kinds: single choice, multiple response, and true or false.

Multiple response earns partial credit: each right option picked earns 1/R and each wrong one
picked costs 1/R, where R is the number of right options; the score never goes below 0.
The others are all or nothing.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from quiz.grading.base import (
    RIGHT,
    ChoicePart,
    FormAnswer,
    Grade,
    InvalidSubmission,
    Kind,
    Parts,
    XmlQuestion,
    as_id,
    gift_escape,
    normalise_text,
    percent_weight,
    quoted_list,
    to_int,
    xml_text,
)
from quiz.grading.registry import register


@dataclass(frozen=True)
class ChoiceKey:
    options: tuple[tuple[int, str], ...]  # (id, text) in the question's order
    correct: frozenset[int]


class _Choice(Kind):
    key_type = ChoiceKey
    uses_choices = True
    choice_columns = ("is_correct",)
    counts_picks = True
    xml_type = "multichoice"

    def build_key(self, *, choices: Sequence[ChoicePart] = (), **parts: Any) -> ChoiceKey:
        return ChoiceKey(
            options=tuple((c.id, c.text) for c in choices),
            correct=frozenset(c.id for c in choices if c.is_correct),
        )

    def key_problems(self, key: ChoiceKey) -> list[str]:
        problems = []
        texts = [normalise_text(text) for _, text in key.options]
        if len(set(texts)) != len(texts):
            problems.append("two of its choices say the same thing")
        return problems

    def key_to_data(self, key: ChoiceKey) -> dict[str, Any]:
        return {"options": [list(o) for o in key.options], "correct": sorted(key.correct)}

    def key_from_data(self, data: Mapping[str, Any]) -> ChoiceKey:
        return ChoiceKey(
            options=tuple((int(i), str(t)) for i, t in data["options"]),
            correct=frozenset(int(i) for i in data["correct"]),
        )

    def describe(self, key: ChoiceKey) -> str:
        return quoted_list(text for i, text in key.options if i in key.correct)

    def right_form(self, key: ChoiceKey) -> FormAnswer:
        return FormAnswer(answers=[str(i) for i, _ in key.options if i in key.correct])

    def describe_submission(self, options: Mapping[int, str], submission: Any) -> str:
        # Quoted as the right answer is (`describe`), so the two read alike side by side.
        return quoted_list(options.get(to_int(s), str(s)) for s in _as_list(submission))

    def picks(self, submission: Any) -> list[int]:
        return [i for i in (to_int(s) for s in _as_list(submission)) if i is not None]

    def form_of(self, submission: Any) -> FormAnswer:
        return FormAnswer(answers=[str(s) for s in _as_list(submission)])


def _as_list(submission: Any) -> list[Any]:
    return submission if isinstance(submission, list) else [submission]


class _OneRight(_Choice):
    """Single choice and true/false: one option, right only if it is the right one."""

    problem_name: str  # how messages about the bank name the kind

    def key_problems(self, key: ChoiceKey) -> list[str]:
        problems = super().key_problems(key)
        problems += self._count_problems(len(key.options))
        if len(key.correct) != 1:
            problems.append(
                f"a {self.problem_name} question needs exactly one correct choice; "
                f"it has {len(key.correct)}"
            )
        return problems

    def _count_problems(self, n_options: int) -> list[str]:
        if n_options < 2:
            return [f"it needs at least 2 choices; it has {n_options}"]
        return []

    def grade(self, key: ChoiceKey, submission: Any) -> Grade:
        if submission is None or str(submission).strip() == "":
            raise InvalidSubmission("Please choose an answer.")
        options = dict(key.options)
        picked = as_id(submission, options)
        if picked in key.correct:
            return Grade(Fraction(1), True, RIGHT)
        right = quoted_list(options[i] for i in sorted(key.correct))
        return Grade(Fraction(0), False, f"Not quite: the answer is {right}.")


@register
class SingleChoice(_OneRight):
    name = "single"
    label = "Single choice"
    position = 1
    problem_name = "single-choice"

    def gift_answers(self, parts: Parts) -> list[str]:
        return [("=" if correct else "~") + gift_escape(text) for text, correct, _ in parts.choices]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        _xml_multichoice(element, single=True)
        for text, correct, _ in parts.choices:
            fraction = "100" if correct else "0"
            xml_text(element, "answer", text, fraction=fraction, format="plain_text")

    def xml_claims(self, question: XmlQuestion) -> bool:
        return question.single

    def xml_parts(self, question: XmlQuestion) -> Parts:
        return Parts(choices=[(text, f >= 100, "") for text, f, _ in question.answers])


@register
class MultipleResponse(_Choice):
    name = "multiple"
    label = "Multiple response"
    position = 2

    def key_problems(self, key: ChoiceKey) -> list[str]:
        problems = super().key_problems(key)
        if len(key.options) < 2:
            problems.append(f"it needs at least 2 choices; it has {len(key.options)}")
        if not key.correct:
            problems.append("a multiple-response question needs at least one correct choice")
        return problems

    def parse(self, form: FormAnswer) -> Any:
        return list(form.answers)

    def grade(self, key: ChoiceKey, submission: Any) -> Grade:
        """Any number of options; partial credit as the module docstring states."""
        if isinstance(submission, str) or not isinstance(submission, Iterable):
            submission = [] if submission is None or str(submission).strip() == "" else [submission]
        options = dict(key.options)
        picked = {as_id(value, options) for value in submission}
        if not picked:
            raise InvalidSubmission("Please choose at least one answer.")
        if picked == key.correct:
            return Grade(Fraction(1), True, RIGHT)
        hits = len(picked & key.correct)
        misses = len(picked - key.correct)
        score = max(Fraction(0), Fraction(hits - misses, len(key.correct)))
        wrong = f" and {misses} wrong one{'s' if misses > 1 else ''}" if misses else ""
        return Grade(
            score,
            False,
            f"{'Partly right' if score else 'Not quite'}: you picked {hits} of the "
            f"{len(key.correct)} right answers{wrong}. The right answers are {self.describe(key)}.",
        )

    def gift_answers(self, parts: Parts) -> list[str]:
        weight = percent_weight(sum(1 for _, correct, _ in parts.choices if correct))
        return [
            f"~%{weight if correct else '-' + weight}%{gift_escape(text)}"
            for text, correct, _ in parts.choices
        ]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        _xml_multichoice(element, single=False)
        weight = percent_weight(sum(1 for _, correct, _ in parts.choices if correct))
        for text, correct, _ in parts.choices:
            fraction = weight if correct else "-" + weight
            xml_text(element, "answer", text, fraction=fraction, format="plain_text")

    def xml_claims(self, question: XmlQuestion) -> bool:
        return not question.single

    def xml_parts(self, question: XmlQuestion) -> Parts:
        return Parts(choices=[(text, fraction > 0, "") for text, fraction, _ in question.answers])


@register
class TrueFalse(_OneRight):
    name = "true_false"
    label = "True or false"
    position = 3
    problem_name = "true-or-false"
    xml_type = "truefalse"

    def _count_problems(self, n_options: int) -> list[str]:
        if n_options != 2:
            return [f"a true-or-false question needs exactly 2 choices; it has {n_options}"]
        return []

    def layout(
        self, choices: Sequence[ChoicePart], *, shuffle: bool, rng: random.Random
    ) -> tuple[list[tuple[int, str]], list[str]]:
        # Always True, then False, as the bank has them.
        return super().layout(choices, shuffle=False, rng=rng)

    def gift_answers(self, parts: Parts) -> list[str]:
        return ["TRUE" if _truth(parts) else "FALSE"]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        truth = _truth(parts)
        for value in ("true", "false"):
            fraction = "100" if (value == "true") == truth else "0"
            xml_text(element, "answer", value, fraction=fraction, format="moodle_auto_format")

    def xml_parts(self, question: XmlQuestion) -> Parts:
        truth = any(t.lower() == "true" and f >= 100 for t, f, _ in question.answers)
        return true_false_parts(truth)


def true_false_parts(truth: bool) -> Parts:
    return Parts(choices=[("True", truth, ""), ("False", not truth, "")])


def _truth(parts: Parts) -> bool:
    right = next(text for text, correct, _ in parts.choices if correct)
    return right.strip().lower() == "true"


def _xml_multichoice(element: ET.Element, *, single: bool) -> None:
    ET.SubElement(element, "single").text = "true" if single else "false"
    ET.SubElement(element, "shuffleanswers").text = "1"
    ET.SubElement(element, "answernumbering").text = "abc"
