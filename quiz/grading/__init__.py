"""Grading and everything else that depends on a question's kind, one class per kind.

Each module of this package defines and registers its kinds (see `base.Kind`); they are
imported here, so a new kind is a new module, its widget template
(`templates/quiz/kinds/<name>.html`), a migration for the model's choices and its tests.
Code elsewhere asks `kind(name)` for the object and never compares kind names.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from quiz.grading.base import (
    NOT_AN_OPTION,
    RIGHT,
    CannotExport,
    ChoicePart,
    FormAnswer,
    Grade,
    InvalidSubmission,
    Kind,
    Parts,
    XmlQuestion,
    normalise_text,
    parse_number,
    passage_parts,
)
from quiz.grading.registry import all_kinds, kind

# Every module of the package is a kind's: importing it registers the kind.
for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "registry"):
        importlib.import_module(f"{__name__}.{_module.name}")

# The existing kinds' key classes and names, for the rest of the code and the tests.
from quiz.grading.choice import ChoiceKey, MultipleResponse, SingleChoice, TrueFalse  # noqa: E402
from quiz.grading.evidence import Evidence  # noqa: E402
from quiz.grading.matching import Matching, MatchKey  # noqa: E402
from quiz.grading.numeric import Numeric, NumericKey  # noqa: E402
from quiz.grading.ordering import Ordering, OrderKey  # noqa: E402
from quiz.grading.short_text import ShortText, TextKey  # noqa: E402

KINDS: tuple[str, ...] = tuple(k.name for k in all_kinds())
CHOICES: list[tuple[str, str]] = [(k.name, k.label) for k in all_kinds()]

# The kinds' names, for factories, fixtures and tests.
SINGLE = SingleChoice.name
MULTIPLE = MultipleResponse.name
TRUE_FALSE = TrueFalse.name
SHORT_TEXT = ShortText.name
NUMERIC = Numeric.name
ORDERING = Ordering.name
MATCHING = Matching.name
EVIDENCE = Evidence.name


def grade(kind_name: str, key: Any, submission: Any) -> Grade:
    """Grade a submission to a question of kind `kind_name` with `key`."""
    return kind(kind_name).grade(key, submission)


def describe(kind_name: str, key: Any) -> str:
    """The right answer in words."""
    the_kind = kind(kind_name)
    if not isinstance(key, the_kind.key_type):
        raise ValueError(f"unknown key for {kind_name!r}")
    return the_kind.describe(key)


def key_problems(kind_name: str, key: Any) -> list[str]:
    """What stops a question from being graded fairly; empty if nothing."""
    if kind_name not in KINDS:
        return [f"unknown question type {kind_name!r}"]
    return kind(kind_name).key_problems(key)


__all__ = [
    "CHOICES",
    "KINDS",
    "NOT_AN_OPTION",
    "RIGHT",
    "CannotExport",
    "ChoiceKey",
    "ChoicePart",
    "FormAnswer",
    "Grade",
    "InvalidSubmission",
    "Kind",
    "MatchKey",
    "NumericKey",
    "OrderKey",
    "Parts",
    "TextKey",
    "XmlQuestion",
    "all_kinds",
    "describe",
    "grade",
    "key_problems",
    "kind",
    "normalise_text",
    "parse_number",
    "passage_parts",
]
