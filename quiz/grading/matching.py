"""Matching: a match for every item; scored by the share of items matched right.

Matches are compared as text, so two items that share a match are both right with it.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from quiz.grading.base import (
    NOT_AN_OPTION,
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
    to_int,
    xml_text,
)
from quiz.grading.registry import register


@dataclass(frozen=True)
class MatchKey:
    pairs: tuple[tuple[int, str, str], ...]  # (id, item, its match)


@register
class Matching(Kind):
    key_type = MatchKey
    name = "matching"
    label = "Matching"
    position = 7
    uses_choices = True
    choice_columns = ("match",)
    xml_type = "matching"

    def build_key(self, *, choices: Sequence[ChoicePart] = (), **parts: Any) -> MatchKey:
        return MatchKey(pairs=tuple((c.id, c.text, c.match) for c in choices))

    def key_problems(self, key: MatchKey) -> list[str]:
        problems = []
        if len(key.pairs) < 2:
            problems.append(f"a matching question needs at least 2 pairs; it has {len(key.pairs)}")
        if any(not match.strip() for _, _, match in key.pairs):
            problems.append("every item of a matching question needs its match")
        return problems

    def key_to_data(self, key: MatchKey) -> dict[str, Any]:
        return {"pairs": [list(p) for p in key.pairs]}

    def key_from_data(self, data: Mapping[str, Any]) -> MatchKey:
        return MatchKey(pairs=tuple((int(i), str(t), str(m)) for i, t, m in data["pairs"]))

    def parse(self, form: FormAnswer) -> Any:
        return dict(form.matches)

    def grade(self, key: MatchKey, submission: Any) -> Grade:
        """A mapping of item id to the match chosen for it, every item answered once."""
        if not isinstance(submission, Mapping) or not submission:
            raise InvalidSubmission("Please match every item.")
        items = {item: match.strip() for item, _, match in key.pairs}
        given: dict[int, str] = {}
        for raw_item, raw_match in submission.items():
            item = as_id(raw_item, items)
            match = str(raw_match or "").strip()
            if not match:
                raise InvalidSubmission("Please match every item.")
            if match not in set(items.values()):
                raise InvalidSubmission(NOT_AN_OPTION)
            given[item] = match
        if set(given) != set(items):
            raise InvalidSubmission("Please match every item.")
        right = sum(1 for item, match in items.items() if given[item] == match)
        if right == len(items):
            return Grade(Fraction(1), True, RIGHT)
        return Grade(
            Fraction(right, len(items)),
            False,
            f"{right} of {len(items)} matched right. The right matches are {self.describe(key)}.",
        )

    def form_of(self, submission: Any) -> FormAnswer:
        return FormAnswer(matches={str(k): str(v) for k, v in dict(submission).items()})

    def right_form(self, key: MatchKey) -> FormAnswer:
        return FormAnswer(matches={str(i): match for i, _, match in key.pairs})

    def describe(self, key: MatchKey) -> str:
        return "; ".join(f"{text} → {match}" for _, text, match in key.pairs)

    def describe_submission(self, options: Mapping[int, str], submission: Any) -> str:
        return "; ".join(f"{options.get(to_int(k), k)} → {v}" for k, v in dict(submission).items())

    def layout(
        self, choices: Sequence[ChoicePart], *, shuffle: bool, rng: random.Random
    ) -> tuple[list[tuple[int, str]], list[str]]:
        options, _ = super().layout(choices, shuffle=shuffle, rng=rng)
        # Listed alphabetically, which says nothing about which item each goes with.
        matches = sorted({c.match.strip() for c in choices if c.match.strip()}, key=str.casefold)
        return options, matches

    def gift_answers(self, parts: Parts) -> list[str]:
        return [f"={gift_escape(text)} -> {gift_escape(match)}" for text, _, match in parts.choices]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        ET.SubElement(element, "shuffleanswers").text = "true"
        for text, _, match in parts.choices:
            sub = xml_text(element, "subquestion", text, format="plain_text")
            xml_text(sub, "answer", match)

    def xml_parts(self, question: XmlQuestion) -> Parts:
        parts = Parts()
        for text, match in question.subquestions:
            if text:
                parts.choices.append((text, False, match))
            # A subquestion without text is a distractor match, which we do not have.
            elif match:
                raise ValueError(
                    "extra wrong matches (subquestions without text) are not supported"
                )
        return parts
