"""Numeric: a number, right when within the tolerance of the value (bounds included) or
equal to one of the further accepted values (an instructor's "accept as right", say)."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from quiz.grading.base import (
    RIGHT,
    FormAnswer,
    Grade,
    InvalidSubmission,
    Kind,
    Parts,
    XmlQuestion,
    format_decimal,
    parse_number,
    xml_text,
)
from quiz.grading.registry import register


@dataclass(frozen=True)
class NumericKey:
    value: Decimal
    tolerance: Decimal
    accepted: tuple[str, ...] = ()  # further right values, as the bank holds their text


@register
class Numeric(Kind):
    key_type = NumericKey
    name = "numeric"
    label = "Numeric"
    position = 5
    uses_numeric = True
    uses_accepted = True
    counts_answers = True
    xml_type = "numerical"

    def build_key(
        self,
        *,
        numeric_answer: Decimal | None = None,
        numeric_tolerance: Decimal | None = None,
        accepted: Sequence[str] = (),
        **parts: Any,
    ) -> NumericKey:
        return NumericKey(
            value=numeric_answer, tolerance=numeric_tolerance, accepted=tuple(accepted)
        )

    def key_problems(self, key: NumericKey) -> list[str]:
        problems = []
        if key.value is None:
            problems.append("a numeric question needs its answer")
        if key.tolerance is None or key.tolerance < 0:
            problems.append("the tolerance cannot be negative")
        return problems + self.accepted_problems(key.accepted)

    def accepted_problems(self, accepted: Sequence[str]) -> list[str]:
        problems = []
        for text in accepted:
            try:
                parse_number(text)
            except InvalidSubmission:
                problems.append(f"the accepted answer “{text}” is not a number")
        return problems

    def key_to_data(self, key: NumericKey) -> dict[str, Any]:
        return {
            "value": str(key.value),
            "tolerance": str(key.tolerance),
            "accepted": list(key.accepted),
        }

    def key_from_data(self, data: Mapping[str, Any]) -> NumericKey:
        # Keys frozen before numeric questions took accepted values have none.
        return NumericKey(
            value=Decimal(data["value"]),
            tolerance=Decimal(data["tolerance"]),
            accepted=tuple(data.get("accepted", ())),
        )

    def grade(self, key: NumericKey, submission: Any) -> Grade:
        given = parse_number(str(submission if submission is not None else ""))
        if self._is_right(key, given):
            return Grade(Fraction(1), True, RIGHT)
        within = f" (give or take {format_decimal(key.tolerance)})" if key.tolerance else ""
        return Grade(
            Fraction(0), False, f"Not quite: the answer is {format_decimal(key.value)}{within}."
        )

    def answer_as_graded(self, submission: Any) -> str:
        try:  # "1,000", "1 000" and "1000.0" are one answer
            return format_decimal(parse_number(str(submission if submission is not None else "")))
        except InvalidSubmission:
            return str(submission).strip()

    def _is_right(self, key: NumericKey, given: Decimal) -> bool:
        return abs(given - key.value) <= key.tolerance or given in _values(key.accepted)

    def with_accepted(self, key: NumericKey, answer: str) -> NumericKey:
        given = parse_number(answer)
        if self._is_right(key, given):
            return key
        # Stored as grading reads it, so "1,200" and "1200.0" are one accepted value.
        return NumericKey(key.value, key.tolerance, (*key.accepted, format_decimal(given)))

    def right_form(self, key: NumericKey) -> FormAnswer:
        return FormAnswer(answers=[str(key.value)])

    def describe(self, key: NumericKey) -> str:
        values = [format_decimal(key.value), *(format_decimal(v) for v in _values(key.accepted))]
        if len(values) == 1:
            return values[0]
        return ", ".join(values[:-1]) + " or " + values[-1]

    def gift_answers(self, parts: Parts) -> list[str]:
        answer = f"{format_decimal(parts.numeric_answer)}:{format_decimal(parts.numeric_tolerance)}"
        if not parts.accepted:
            return [f"#{answer}"]
        # Further right values are further full-mark answers, each exact.
        return ["#", f"={answer}", *(f"={v}:0" for v in _exported(parts.accepted))]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        answer = xml_text(
            element,
            "answer",
            format_decimal(parts.numeric_answer),
            fraction="100",
            format="plain_text",
        )
        ET.SubElement(answer, "tolerance").text = format_decimal(parts.numeric_tolerance)
        for value in _exported(parts.accepted):
            further = xml_text(element, "answer", value, fraction="100", format="plain_text")
            ET.SubElement(further, "tolerance").text = "0"

    def xml_parts(self, question: XmlQuestion) -> Parts:
        rights = [(t, tol) for t, f, tol in question.answers if f >= 100]
        if not rights:
            raise ValueError("has no fully right answer")
        (first, tolerance), further = rights[0], rights[1:]
        try:
            value, tolerance = Decimal(first), Decimal(tolerance or 0)
        except InvalidOperation:
            raise ValueError(f"{first!r} is not a number") from None
        return Parts(
            numeric_answer=value,
            numeric_tolerance=tolerance,
            accepted=[further_value(t, tol) for t, tol in further],
        )


def further_value(text: str, tolerance: str | Decimal) -> str:
    """A further full-mark answer of an imported numeric question, as an accepted value;
    `ValueError` if it is not a number or has a tolerance (only the first answer keeps one)."""
    try:
        value, tolerance = Decimal(text), Decimal(tolerance or 0)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if tolerance:
        raise ValueError(
            f"the further right answer {text} has a tolerance: only the first right answer "
            "may have one"
        )
    return format_decimal(value)


def _exported(accepted: Sequence[str]) -> list[str]:
    """The accepted values as GIFT and Moodle XML write numbers ("1,200" is 1200)."""
    return [format_decimal(v) for v in _values(accepted)]


def _values(accepted: Sequence[str]) -> list[Decimal]:
    """The accepted values as numbers, in order; one that is not a number (which
    `key_problems` reports) accepts nothing rather than failing a student's answer."""
    values = []
    for text in accepted:
        with contextlib.suppress(InvalidSubmission):
            values.append(parse_number(text))
    return values
