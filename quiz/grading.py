"""Grading: one pure function per question type, no database, no clock.

Each function takes the question's key (plain data, see `Question.grading_key`) and the
student's submission, and returns a `Grade`: a score in [0, 1], whether the answer is fully
right, and what the student should be told. A submission that cannot be graded (empty, an
option that is not the question's, a malformed number) raises `InvalidSubmission`, whose
message is fit to show the student; nothing should be recorded for it.

Partial credit:
- multiple response: each right option picked earns 1/R and each wrong option picked costs
  1/R, where R is the number of right options; the score never goes below 0.
- ordering: the share of events put in their right place.
- matching: the share of items matched right.
Every other type is all or nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
SHORT_TEXT = "short_text"
NUMERIC = "numeric"
ORDERING = "ordering"
MATCHING = "matching"
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, SHORT_TEXT, NUMERIC, ORDERING, MATCHING)
CHOICE_KINDS = (SINGLE, MULTIPLE, TRUE_FALSE)


class InvalidSubmission(ValueError):
    """The submission cannot be graded; the message says why, in the student's terms."""


@dataclass(frozen=True)
class Grade:
    score: Fraction
    is_correct: bool
    feedback: str

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 1:
            raise ValueError(f"score {self.score} is outside [0, 1]")


@dataclass(frozen=True)
class ChoiceKey:
    options: tuple[tuple[int, str], ...]  # (id, text) in the question's order
    correct: frozenset[int]


@dataclass(frozen=True)
class TextKey:
    accepted: tuple[str, ...]


@dataclass(frozen=True)
class NumericKey:
    value: Decimal
    tolerance: Decimal


@dataclass(frozen=True)
class OrderKey:
    items: tuple[tuple[int, str], ...]  # (id, text) in the right order


@dataclass(frozen=True)
class MatchKey:
    pairs: tuple[tuple[int, str, str], ...]  # (id, item, its match)


Key = ChoiceKey | TextKey | NumericKey | OrderKey | MatchKey

RIGHT = "Correct."


# Normalisation --------------------------------------------------------------------------

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


def _as_id(value: Any, known: Iterable[int]) -> int:
    try:
        ident = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidSubmission("That is not one of this question's options.") from None
    if ident not in set(known):
        raise InvalidSubmission("That is not one of this question's options.")
    return ident


def _list(texts: Iterable[str]) -> str:
    texts = [f"“{t}”" for t in texts]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " and " + texts[-1]


# One function per type ------------------------------------------------------------------


def grade_single(key: ChoiceKey, submission: Any) -> Grade:
    """One option; right only if it is the right one."""
    if submission is None or str(submission).strip() == "":
        raise InvalidSubmission("Please choose an answer.")
    options = dict(key.options)
    picked = _as_id(submission, options)
    right = _list(options[i] for i in sorted(key.correct))
    if picked in key.correct:
        return Grade(Fraction(1), True, RIGHT)
    return Grade(Fraction(0), False, f"Not quite: the answer is {right}.")


def grade_true_false(key: ChoiceKey, submission: Any) -> Grade:
    """True or false is a single choice between the two."""
    return grade_single(key, submission)


def grade_multiple(key: ChoiceKey, submission: Any) -> Grade:
    """Any number of options; partial credit as the module docstring states."""
    if isinstance(submission, str) or not isinstance(submission, Iterable):
        submission = [] if submission is None or str(submission).strip() == "" else [submission]
    options = dict(key.options)
    picked = {_as_id(value, options) for value in submission}
    if not picked:
        raise InvalidSubmission("Please choose at least one answer.")
    hits = len(picked & key.correct)
    misses = len(picked - key.correct)
    score = max(Fraction(0), Fraction(hits - misses, len(key.correct)))
    right = _list(options[i] for i, _ in key.options if i in key.correct)
    if picked == key.correct:
        return Grade(Fraction(1), True, RIGHT)
    return Grade(
        score,
        False,
        f"{'Partly right' if score else 'Not quite'}: you picked {hits} of the "
        f"{len(key.correct)} right answers"
        f"{f' and {misses} wrong one' + ('s' if misses > 1 else '') if misses else ''}. "
        f"The right answers are {right}.",
    )


def grade_short_text(key: TextKey, submission: Any) -> Grade:
    """A few words, compared with each accepted answer after `normalise_text`."""
    given = normalise_text(str(submission or ""))
    if not given:
        raise InvalidSubmission("Please type an answer.")
    if given in {normalise_text(a) for a in key.accepted}:
        return Grade(Fraction(1), True, RIGHT)
    return Grade(Fraction(0), False, f"Not quite: the answer is “{key.accepted[0]}”.")


def grade_numeric(key: NumericKey, submission: Any) -> Grade:
    """A number, right when within the tolerance of the value (bounds included)."""
    given = parse_number(str(submission if submission is not None else ""))
    if abs(given - key.value) <= key.tolerance:
        return Grade(Fraction(1), True, RIGHT)
    value = _format_decimal(key.value)
    within = f" (give or take {_format_decimal(key.tolerance)})" if key.tolerance else ""
    return Grade(Fraction(0), False, f"Not quite: the answer is {value}{within}.")


def grade_ordering(key: OrderKey, submission: Any) -> Grade:
    """The ids of every item once, in the order given; scored by items in their right place."""
    order = [item for item, _ in key.items]
    if not submission or not isinstance(submission, Iterable):
        raise InvalidSubmission("Please put the items in order.")
    given = [_as_id(value, order) for value in submission]
    if sorted(given) != sorted(order):
        raise InvalidSubmission("Please place every item exactly once.")
    placed = sum(1 for a, b in zip(given, order, strict=True) if a == b)
    if placed == len(order):
        return Grade(Fraction(1), True, RIGHT)
    texts = dict(key.items)
    return Grade(
        Fraction(placed, len(order)),
        False,
        f"{placed} of {len(order)} in the right place. The right order is "
        + " → ".join(texts[i] for i in order)
        + ".",
    )


def grade_matching(key: MatchKey, submission: Any) -> Grade:
    """A mapping of item id to the match chosen for it, every item answered once.

    Matches are compared as text, so two items that share a match are both right with it.
    """
    if not isinstance(submission, Mapping) or not submission:
        raise InvalidSubmission("Please match every item.")
    items = {item: match.strip() for item, _, match in key.pairs}
    given: dict[int, str] = {}
    for raw_item, raw_match in submission.items():
        item = _as_id(raw_item, items)
        match = str(raw_match or "").strip()
        if not match:
            raise InvalidSubmission("Please match every item.")
        if match not in set(items.values()):
            raise InvalidSubmission("That is not one of this question's options.")
        given[item] = match
    if set(given) != set(items):
        raise InvalidSubmission("Please match every item.")
    right = sum(1 for item, match in items.items() if given[item] == match)
    if right == len(items):
        return Grade(Fraction(1), True, RIGHT)
    return Grade(
        Fraction(right, len(items)),
        False,
        f"{right} of {len(items)} matched right. The right matches are "
        + "; ".join(f"{text} → {match}" for _, text, match in key.pairs)
        + ".",
    )


GRADERS: Mapping[str, Callable[[Any, Any], Grade]] = {
    SINGLE: grade_single,
    MULTIPLE: grade_multiple,
    TRUE_FALSE: grade_true_false,
    SHORT_TEXT: grade_short_text,
    NUMERIC: grade_numeric,
    ORDERING: grade_ordering,
    MATCHING: grade_matching,
}


def grade(kind: str, key: Key, submission: Any) -> Grade:
    """Grade a submission to a question of `kind` with `key`."""
    try:
        grader = GRADERS[kind]
    except KeyError:
        raise ValueError(f"unknown question kind {kind!r}") from None
    return grader(key, submission)


# What makes a key gradable --------------------------------------------------------------


def key_problems(kind: str, key: Key) -> list[str]:
    """What stops a question of `kind` with `key` from being graded fairly; empty if nothing."""
    problems: list[str] = []
    if kind in CHOICE_KINDS:
        assert isinstance(key, ChoiceKey)
        n_right = len(key.correct)
        n_options = len(key.options)
        texts = [normalise_text(text) for _, text in key.options]
        if len(set(texts)) != len(texts):
            problems.append("two of its choices say the same thing")
        if kind == TRUE_FALSE and n_options != 2:
            problems.append(f"a true-or-false question needs exactly 2 choices; it has {n_options}")
        elif n_options < 2:
            problems.append(f"it needs at least 2 choices; it has {n_options}")
        if kind in (SINGLE, TRUE_FALSE) and n_right != 1:
            label = "single-choice" if kind == SINGLE else "true-or-false"
            problems.append(
                f"a {label} question needs exactly one correct choice; it has {n_right}"
            )
        if kind == MULTIPLE and n_right == 0:
            problems.append("a multiple-response question needs at least one correct choice")
    elif kind == SHORT_TEXT:
        assert isinstance(key, TextKey)
        if not any(normalise_text(a) for a in key.accepted):
            problems.append("a short-answer question needs at least one accepted answer")
    elif kind == NUMERIC:
        assert isinstance(key, NumericKey)
        if key.value is None:
            problems.append("a numeric question needs its answer")
        if key.tolerance is None or key.tolerance < 0:
            problems.append("the tolerance cannot be negative")
    elif kind == ORDERING:
        assert isinstance(key, OrderKey)
        if len(key.items) < 2:
            problems.append(f"an ordering question needs at least 2 items; it has {len(key.items)}")
    elif kind == MATCHING:
        assert isinstance(key, MatchKey)
        if len(key.pairs) < 2:
            problems.append(f"a matching question needs at least 2 pairs; it has {len(key.pairs)}")
        if any(not match.strip() for _, _, match in key.pairs):
            problems.append("every item of a matching question needs its match")
    else:
        problems.append(f"unknown question type {kind!r}")
    return problems


def _format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def describe(kind: str, key: Key) -> str:
    """The right answer in words, for reviews and previews."""
    if isinstance(key, ChoiceKey):
        return _list(text for i, text in key.options if i in key.correct)
    if isinstance(key, TextKey):
        return _list(key.accepted[:1])
    if isinstance(key, NumericKey):
        return _format_decimal(key.value)
    if isinstance(key, OrderKey):
        return " → ".join(text for _, text in key.items)
    if isinstance(key, MatchKey):
        return "; ".join(f"{text} → {match}" for _, text, match in key.pairs)
    raise ValueError(f"unknown key for {kind!r}")


__all__ = [
    "CHOICE_KINDS",
    "KINDS",
    "ChoiceKey",
    "Grade",
    "InvalidSubmission",
    "Key",
    "MatchKey",
    "NumericKey",
    "OrderKey",
    "TextKey",
    "describe",
    "grade",
    "key_problems",
    "normalise_text",
    "parse_number",
]


def submission_from_form(kind: str, answers: Sequence[str], matches: Mapping[str, str]) -> Any:
    """Shape what a form sent (its `answer` values and `match-<id>` selects) for `kind`."""
    if kind in (MULTIPLE, ORDERING):
        return list(answers)
    if kind == MATCHING:
        return dict(matches)
    return answers[0] if answers else ""


def key_to_data(key: Key) -> dict[str, Any]:
    """A key as JSON-ready data, so an attempt can keep the key it was asked with."""
    if isinstance(key, ChoiceKey):
        return {"options": [list(o) for o in key.options], "correct": sorted(key.correct)}
    if isinstance(key, TextKey):
        return {"accepted": list(key.accepted)}
    if isinstance(key, NumericKey):
        return {"value": str(key.value), "tolerance": str(key.tolerance)}
    if isinstance(key, OrderKey):
        return {"items": [list(i) for i in key.items]}
    if isinstance(key, MatchKey):
        return {"pairs": [list(p) for p in key.pairs]}
    raise ValueError(f"not a key: {key!r}")


def key_from_data(kind: str, data: Mapping[str, Any]) -> Key:
    """The inverse of `key_to_data` for a question of `kind`."""
    if kind in CHOICE_KINDS:
        return ChoiceKey(
            options=tuple((int(i), str(t)) for i, t in data["options"]),
            correct=frozenset(int(i) for i in data["correct"]),
        )
    if kind == SHORT_TEXT:
        return TextKey(accepted=tuple(data["accepted"]))
    if kind == NUMERIC:
        return NumericKey(value=Decimal(data["value"]), tolerance=Decimal(data["tolerance"]))
    if kind == ORDERING:
        return OrderKey(items=tuple((int(i), str(t)) for i, t in data["items"]))
    if kind == MATCHING:
        return MatchKey(pairs=tuple((int(i), str(t), str(m)) for i, t, m in data["pairs"]))
    raise ValueError(f"unknown question kind {kind!r}")
