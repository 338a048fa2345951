"""Short text: a few words, right when equal to an accepted answer after `normalise_text`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    gift_escape,
    normalise_text,
    quoted_list,
    xml_text,
)
from quiz.grading.registry import register


@dataclass(frozen=True)
class TextKey:
    accepted: tuple[str, ...]


@register
class ShortText(Kind):
    key_type = TextKey
    name = "short_text"
    label = "Short text answer"
    position = 4
    uses_accepted = True
    counts_answers = True
    xml_type = "shortanswer"

    def build_key(self, *, accepted: Any = (), **parts: Any) -> TextKey:
        return TextKey(accepted=tuple(accepted))

    def key_problems(self, key: TextKey) -> list[str]:
        return self.accepted_problems(key.accepted)

    def accepted_problems(self, accepted: Sequence[str]) -> list[str]:
        if not any(normalise_text(a) for a in accepted):
            return ["a short-answer question needs at least one accepted answer"]
        return []

    def key_to_data(self, key: TextKey) -> dict[str, Any]:
        return {"accepted": list(key.accepted)}

    def key_from_data(self, data: Mapping[str, Any]) -> TextKey:
        return TextKey(accepted=tuple(data["accepted"]))

    def grade(self, key: TextKey, submission: Any) -> Grade:
        given = normalise_text(str(submission or ""))
        if not given:
            raise InvalidSubmission("Please type an answer.")
        if given in {normalise_text(a) for a in key.accepted}:
            return Grade(Fraction(1), True, RIGHT)
        return Grade(Fraction(0), False, f"Not quite: the answer is “{key.accepted[0]}”.")

    def describe_submission(self, options: Mapping[int, str], submission: Any) -> str:
        return quoted_list([str(submission)])

    def answer_as_graded(self, submission: Any) -> str:
        return normalise_text(str(submission or ""))

    def with_accepted(self, key: TextKey, answer: str) -> TextKey:
        if normalise_text(answer) in {normalise_text(a) for a in key.accepted}:
            return key
        return TextKey(accepted=(*key.accepted, answer))

    def right_form(self, key: TextKey) -> FormAnswer:
        return FormAnswer(answers=[key.accepted[0]])

    def describe(self, key: TextKey) -> str:
        return quoted_list(key.accepted[:1])

    def gift_answers(self, parts: Parts) -> list[str]:
        return ["=" + gift_escape(text) for text in parts.accepted]

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        ET.SubElement(element, "usecase").text = "0"
        for text in parts.accepted:
            xml_text(element, "answer", text, fraction="100", format="plain_text")

    def xml_parts(self, question: XmlQuestion) -> Parts:
        return Parts(accepted=[text for text, fraction, _ in question.answers if fraction >= 100])
