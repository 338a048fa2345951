"""Numeric: a number, right when within the tolerance of the value (bounds included)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
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


@register
class Numeric(Kind):
    key_type = NumericKey
    name = "numeric"
    label = "Numeric"
    position = 5
    uses_numeric = True
    counts_answers = True
    xml_type = "numerical"

    def build_key(
        self,
        *,
        numeric_answer: Decimal | None = None,
        numeric_tolerance: Decimal | None = None,
        **parts: Any,
    ) -> NumericKey:
        return NumericKey(value=numeric_answer, tolerance=numeric_tolerance)

    def key_problems(self, key: NumericKey) -> list[str]:
        problems = []
        if key.value is None:
            problems.append("a numeric question needs its answer")
        if key.tolerance is None or key.tolerance < 0:
            problems.append("the tolerance cannot be negative")
        return problems

    def key_to_data(self, key: NumericKey) -> dict[str, Any]:
        return {"value": str(key.value), "tolerance": str(key.tolerance)}

    def key_from_data(self, data: Mapping[str, Any]) -> NumericKey:
        return NumericKey(value=Decimal(data["value"]), tolerance=Decimal(data["tolerance"]))

    def grade(self, key: NumericKey, submission: Any) -> Grade:
        given = parse_number(str(submission if submission is not None else ""))
        if abs(given - key.value) <= key.tolerance:
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

    def right_form(self, key: NumericKey) -> FormAnswer:
        return FormAnswer(answers=[str(key.value)])

    def describe(self, key: NumericKey) -> str:
        return format_decimal(key.value)

    def gift_answers(self, parts: Parts) -> list[str]:
        answer = format_decimal(parts.numeric_answer)
        return [f"#{answer}:{format_decimal(parts.numeric_tolerance)}"]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        answer = xml_text(
            element,
            "answer",
            format_decimal(parts.numeric_answer),
            fraction="100",
            format="plain_text",
        )
        ET.SubElement(answer, "tolerance").text = format_decimal(parts.numeric_tolerance)

    def xml_parts(self, question: XmlQuestion) -> Parts:
        right = next(((t, tol) for t, f, tol in question.answers if f >= 100), None)
        if right is None:
            raise ValueError("has no fully right answer")
        try:
            return Parts(numeric_answer=Decimal(right[0]), numeric_tolerance=Decimal(right[1] or 0))
        except InvalidOperation:
            raise ValueError(f"{right[0]!r} is not a number") from None
