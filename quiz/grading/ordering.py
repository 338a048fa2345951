"""Ordering: put events in order; scored by the share of items in their right place."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from quiz.grading.base import (
    RIGHT,
    CannotExport,
    ChoicePart,
    FormAnswer,
    Grade,
    InvalidSubmission,
    Kind,
    Parts,
    XmlQuestion,
    as_id,
    to_int,
    xml_text,
)
from quiz.grading.registry import register


@dataclass(frozen=True)
class OrderKey:
    items: tuple[tuple[int, str], ...]  # (id, text) in the right order


@register
class Ordering(Kind):
    key_type = OrderKey
    name = "ordering"
    label = "Ordering"
    position = 6
    uses_choices = True
    arranges = True
    xml_type = "ordering"

    def build_key(self, *, choices: Sequence[ChoicePart] = (), **parts: Any) -> OrderKey:
        return OrderKey(items=tuple((c.id, c.text) for c in choices))

    def key_problems(self, key: OrderKey) -> list[str]:
        # Items never start in their right order (see `layout`): with two, the order shown
        # would give the answer away.
        if len(key.items) < 3:
            return [f"an ordering question needs at least 3 items; it has {len(key.items)}"]
        return []

    def key_to_data(self, key: OrderKey) -> dict[str, Any]:
        return {"items": [list(i) for i in key.items]}

    def key_from_data(self, data: Mapping[str, Any]) -> OrderKey:
        return OrderKey(items=tuple((int(i), str(t)) for i, t in data["items"]))

    def parse(self, form: FormAnswer) -> Any:
        return list(form.answers)

    def grade(self, key: OrderKey, submission: Any) -> Grade:
        """The ids of every item once, in the order given."""
        order = [item for item, _ in key.items]
        if not submission or not isinstance(submission, Iterable):
            raise InvalidSubmission("Please put the items in order.")
        given = [as_id(value, order) for value in submission]
        if sorted(given) != sorted(order):
            raise InvalidSubmission("Please place every item exactly once.")
        placed = sum(1 for a, b in zip(given, order, strict=True) if a == b)
        if placed == len(order):
            return Grade(Fraction(1), True, RIGHT)
        return Grade(
            Fraction(placed, len(order)),
            False,
            f"{placed} of {len(order)} in the right place. The right order is "
            f"{self.describe(key)}.",
        )

    def form_of(self, submission: Any) -> FormAnswer:
        return FormAnswer(answers=[str(s) for s in submission])

    def right_form(self, key: OrderKey) -> FormAnswer:
        return FormAnswer(answers=[str(i) for i, _ in key.items])

    def describe(self, key: OrderKey) -> str:
        return " → ".join(text for _, text in key.items)

    def describe_submission(self, options: Mapping[int, str], submission: Any) -> str:
        return " → ".join(options.get(to_int(s), str(s)) for s in submission)

    def layout(
        self, choices: Sequence[ChoicePart], *, shuffle: bool, rng: random.Random
    ) -> tuple[list[tuple[int, str]], list[str]]:
        # Always shuffled, and never left in the right order.
        options = [(c.id, c.text) for c in choices]
        right = list(options)
        while len(options) > 1 and options == right:
            rng.shuffle(options)
        return options, []

    def gift_answers(self, parts: Parts) -> list[str]:
        raise CannotExport("GIFT has no ordering questions (use Moodle XML)")

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        # qtype_ordering: the answers in their right order; partial credit by absolute
        # position, as our grading gives it.
        for tag, value in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", "0"),
            ("gradingtype", "ABSOLUTE_POSITION"),
            ("showgrading", "SHOW"),
        ):
            ET.SubElement(element, tag).text = value
        for text, _, _ in parts.choices:
            xml_text(element, "answer", text, fraction="1.0000000", format="plain_text")

    def xml_parts(self, question: XmlQuestion) -> Parts:
        return Parts(choices=[(text, False, "") for text, _, _ in question.answers])
