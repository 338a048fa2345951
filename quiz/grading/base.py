"""What every question kind shares: the grade, refusals, text and number reading, and the
`Kind` base class a kind's module subclasses and registers.

A kind is one object that knows everything about questions of that kind: how its grading key
is built from the bank and frozen into an attempt, how a form's values become a submission,
how a submission is graded and put into words, how the right answer is put into words, how
its options are laid out for a student, and how it travels in Moodle's GIFT and XML formats.
Nothing outside a kind's module asks which kind a question is.

Grading is pure: no database, no clock.
"""

from __future__ import annotations

import random
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, ClassVar, NamedTuple

RIGHT = "Correct."
NOT_AN_OPTION = "That is not one of this question's options."


class InvalidSubmission(ValueError):
    """The submission cannot be graded; the message says why, in the student's terms."""


class CannotExport(ValueError):
    """A format cannot carry this question; the message says why."""


@dataclass(frozen=True)
class Grade:
    score: Fraction
    is_correct: bool
    feedback: str

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 1:
            raise ValueError(f"score {self.score} is outside [0, 1]")


class ChoicePart(NamedTuple):
    """A choice row as the bank holds it, saved (with its id) or still in a form."""

    id: int
    text: str
    is_correct: bool
    match: str


@dataclass
class Parts:
    """A question's answer data, independent of the database: what keys are built from and
    what GIFT and Moodle XML carry. `choices` are (text, is_correct, match) in position order."""

    choices: list[tuple[str, bool, str]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal = Decimal(0)


@dataclass(frozen=True)
class FormAnswer:
    """What an answer form sends: its `answer` values and its `match-<id>` selects. Kinds see
    options as choice ids; a page names them by their places (`AttemptItem` translates)."""

    answers: list[str] = field(default_factory=list)
    matches: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class XmlQuestion:
    """A Moodle XML question read into plain data, for a kind to take its parts from."""

    type: str
    single: bool
    answers: list[tuple[str, float, str]]  # text, fraction (percent), tolerance
    subquestions: list[tuple[str, str]]  # text, its answer


class Kind:
    """One question kind. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    label: ClassVar[str]
    position: ClassVar[int]  # its place in lists of kinds (the model's choices)
    key_type: ClassVar[type]  # what `build_key` makes
    uses_choices: ClassVar[bool] = False
    # Its options are the sentences of its passage (`sentences.passage`: the paragraphs its
    # cited sentences stand in and those around them), the cited ones right, not choice rows.
    uses_passage: ClassVar[bool] = False
    uses_accepted: ClassVar[bool] = False
    uses_numeric: ClassVar[bool] = False
    # What each of its choices holds beyond its text and place: "is_correct", "match".
    choice_columns: ClassVar[tuple[str, ...]] = ()
    counts_picks: ClassVar[bool] = False  # item analysis counts how often each option is picked
    counts_answers: ClassVar[bool] = False  # item analysis counts the answers typed, as graded
    arranges: ClassVar[bool] = False  # its widget re-lays its items through a GET form
    xml_type: ClassVar[str]

    @property
    def has_options(self) -> bool:
        """Whether a student picks among options (choices or sentences), which a page names
        by their places (`AttemptItem.ids_from_page`)."""
        return self.uses_choices or self.uses_passage

    @property
    def template(self) -> str:
        """The answer widget's template."""
        return f"quiz/kinds/{self.name}.html"

    def __repr__(self) -> str:
        return f"<kind {self.name}>"

    # The key ------------------------------------------------------------------------------

    def build_key(
        self,
        *,
        choices: Sequence[ChoicePart] = (),
        accepted: Sequence[str] = (),
        numeric_answer: Decimal | None = None,
        numeric_tolerance: Decimal | None = None,
    ) -> Any:
        """The plain data grading needs, from the question's parts (choices in position order)."""
        raise NotImplementedError

    def key_problems(self, key: Any) -> list[str]:
        """What stops a question with `key` from being graded fairly; empty if nothing."""
        return []

    def accepted_problems(self, accepted: Sequence[str]) -> list[str]:
        """What is wrong with `accepted` as the question's accepted answers; empty if nothing.
        The one check of accepted answers, for `key_problems`, the admin and bank loading."""
        if accepted and not self.uses_accepted:
            return [f"a {self.label.lower()} question takes no accepted answers"]
        return []

    def key_to_data(self, key: Any) -> dict[str, Any]:
        """The key as JSON-ready data, so an attempt keeps the key it was asked with."""
        raise NotImplementedError

    def key_from_data(self, data: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    # Answering ----------------------------------------------------------------------------

    def parse(self, form: FormAnswer) -> Any:
        """The submission from what the answer form sent."""
        return form.answers[0] if form.answers else ""

    def grade(self, key: Any, submission: Any) -> Grade:
        raise NotImplementedError

    def right_form(self, key: Any) -> FormAnswer:
        """What the answer form sends for a fully right answer."""
        raise NotImplementedError

    def form_of(self, submission: Any) -> FormAnswer:
        """What the answer form sent for a stored submission (`parse`'s inverse), to show a
        saved answer again in its widget."""
        return FormAnswer(answers=[str(submission)])

    def describe(self, key: Any) -> str:
        """The right answer in words, for feedback, reviews and previews."""
        raise NotImplementedError

    def describe_submission(self, options: Mapping[int, str], submission: Any) -> str:
        """A stored submission in words; `options` maps the item's option ids to their text."""
        return str(submission)

    def layout(
        self, choices: Sequence[ChoicePart], *, shuffle: bool, rng: random.Random
    ) -> tuple[list[tuple[int, str]], list[str]]:
        """The options as shown, (id, text) in order, and the matches to pick from."""
        options = [(c.id, c.text) for c in choices]
        if shuffle:
            rng.shuffle(options)
        return options, []

    def picks(self, submission: Any) -> list[int]:
        """The option ids a submission picked, for item analysis (kinds that count picks)."""
        return []

    def answer_as_graded(self, submission: Any) -> str:
        """A typed submission as grading compares it, for item analysis to count answers
        that differ only in what grading ignores together (kinds that count answers)."""
        return str(submission)

    def with_accepted(self, key: Any, answer: str) -> Any:
        """The key that also accepts `answer` (kinds whose key takes accepted answers): the
        same key if it accepts it already, else one whose last accepted answer is `answer` as
        the bank stores it. `InvalidSubmission` if this kind cannot accept it."""
        raise NotImplementedError

    # Moodle formats -----------------------------------------------------------------------

    def gift_answers(self, parts: Parts) -> list[str]:
        """The lines between a GIFT question's braces; `CannotExport` if GIFT cannot say it."""
        raise NotImplementedError

    def xml_write(self, element: ET.Element, parts: Parts) -> None:
        """Add the kind's answer elements to a Moodle XML <question>; `CannotExport` if
        Moodle XML cannot say it."""
        raise NotImplementedError

    def xml_claims(self, question: XmlQuestion) -> bool:
        """Whether a Moodle XML question of this kind's `xml_type` is of this kind."""
        return True

    def xml_parts(self, question: XmlQuestion) -> Parts:
        """The parts of a Moodle XML question of this kind; `ValueError` says what is wrong."""
        raise NotImplementedError


# Helpers the kinds share ----------------------------------------------------------------


def passage_parts(passage: Iterable[Sequence[Any]], cited: Iterable[int]) -> list[ChoicePart]:
    """The options of a kind that asks for a sentence of its passage (`Kind.uses_passage`):
    each sentence of `passage` ([id, text, paragraph], in the article's order: see
    `sentences.passage`, the one rule of what a passage holds), the `cited` ones right."""
    cited = set(cited)
    return [ChoicePart(ident, text, ident in cited, "") for ident, text, *_ in passage]


_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
_EDGE_PUNCTUATION = " \t\n.,;:!?'\"()[]"


def normalise_text(value: str) -> str:
    """Fold what should not decide right or wrong in a short answer.

    Case, accents, curly versus straight quotes, kinds of dash, runs of white space and
    punctuation at either end are ignored: "  Sergei  SHOIGU." matches "Sergei Shoigu",
    "Dnipro" matches "Dnípro".
    """
    value = unicodedata.normalize("NFKC", value.translate(_QUOTES)).translate(_QUOTES)
    value = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    value = re.sub(r"\s+", " ", value.casefold())
    return value.strip(_EDGE_PUNCTUATION)


def parse_number(value: str) -> Decimal:
    """Read a number as people type it: "1,000", "1 000", "2.5", "2,5", "-3", "+4"."""
    text = unicodedata.normalize("NFKC", str(value).translate(_QUOTES)).translate(_QUOTES)
    text = re.sub(r"[\s_']", "", text)
    if not text:
        raise InvalidSubmission("Please enter a number.")
    if ("," in text and "." in text) or re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise InvalidSubmission(f"“{str(value).strip()}” is not a number.")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidSubmission(f"“{str(value).strip()}” is not a number.") from None


def as_id(value: Any, known: Iterable[int]) -> int:
    """An option id the student sent, refused unless it is one of `known`."""
    try:
        ident = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidSubmission(NOT_AN_OPTION) from None
    if ident not in set(known):
        raise InvalidSubmission(NOT_AN_OPTION)
    return ident


def to_int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def quoted_list(texts: Iterable[str]) -> str:
    """“a”, “b” and “c”."""
    texts = [f"“{t}”" for t in texts]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " and " + texts[-1]


def format_decimal(value: Decimal | None) -> str:
    return format(Decimal(value or 0).normalize(), "f")


def percent_weight(right: int) -> str:
    """Moodle's weight of one of `right` right options: 100 / right, without trailing zeros."""
    return f"{100 / right:.5f}".rstrip("0").rstrip(".")


def gift_escape(text: str) -> str:
    escaped = "".join("\\" + c if c in "~=#{}:\\" else c for c in text)
    return escaped.replace("\n", "\\n")


def xml_text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    """`<tag attrs><text>value</text></tag>` under `parent`."""
    element = ET.SubElement(parent, tag, **attrs)
    ET.SubElement(element, "text").text = value
    return element
