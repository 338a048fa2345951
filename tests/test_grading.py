"""Table-driven tests for quiz.grading: pure functions, no database, no Django."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from quiz.grading import (
    KINDS,
    ChoiceKey,
    Grade,
    InvalidSubmission,
    MatchKey,
    NumericKey,
    OrderKey,
    TextKey,
    all_kinds,
    describe,
    grade,
    key_problems,
    normalise_text,
    parse_number,
)
from quiz.grading import kind as grading_kind

# Each kind's grading, as the tables below call it.
grade_single = grading_kind("single").grade
grade_multiple = grading_kind("multiple").grade
grade_true_false = grading_kind("true_false").grade
grade_short_text = grading_kind("short_text").grade
grade_numeric = grading_kind("numeric").grade
grade_ordering = grading_kind("ordering").grade
grade_matching = grading_kind("matching").grade
grade_evidence = grading_kind("evidence").grade

# Characters that look like ASCII ones; spelt as escapes so the tables stay unambiguous.
LSQUO = "\u2018"  # ‘
RSQUO = "\u2019"  # ’
LDQUO = "\u201c"  # “
RDQUO = "\u201d"  # ”
LOW9 = "\u201a"  # ‚
PRIME = "\u2032"  # ′
ACUTE = "\u00b4"  # ´
HYPHEN = "\u2010"  # ‐
NB_HYPHEN = "\u2011"  # non-breaking hyphen
EN_DASH = "\u2013"  # –
EM_DASH = "\u2014"  # —
MINUS = "\u2212"  # −
NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, a French thousands separator
I_ACUTE = "\u00ed"  # í, precomposed
COMBINING_ACUTE = "\u0301"

RIGHT = "Correct."
NOT_AN_OPTION = "That is not one of this question's options."


def q(text: str) -> str:
    """Text in the curly quotes feedback uses."""
    return f"{LDQUO}{text}{RDQUO}"


# Keys -----------------------------------------------------------------------------------

SINGLE_KEY = ChoiceKey(
    options=((11, "Kyiv"), (12, "Kharkiv"), (13, "Odesa")), correct=frozenset({11})
)
TF_KEY = ChoiceKey(options=((21, "True"), (22, "False")), correct=frozenset({22}))
# Three right options (R = 3), two wrong ones.
MULTI_KEY = ChoiceKey(
    options=(
        (31, "Kherson"),
        (32, "Lviv"),
        (33, "Zaporizhzhia"),
        (34, "Uzhhorod"),
        (35, "Donetsk"),
    ),
    correct=frozenset({31, 33, 35}),
)
MULTI_RIGHT = f"{q('Kherson')}, {q('Zaporizhzhia')} and {q('Donetsk')}"
MULTI_ONE_KEY = ChoiceKey(options=((1, "a"), (2, "b")), correct=frozenset({1}))
TEXT_KEY = TextKey(accepted=("Sergei Shoigu", "Shoigu"))
DNIPRO_KEY = TextKey(accepted=(f"Dn{I_ACUTE}pro",))
OBRIEN_KEY = TextKey(accepted=(f"O{RSQUO}Brien",))
HYPHEN_KEY = TextKey(accepted=("counter-offensive",))
QUOTED_KEY = TextKey(accepted=(f"the {LDQUO}Kherson{RDQUO} bridge",))
STRASSE_KEY = TextKey(accepted=("Stra\u00dfe",))
NUM_KEY = NumericKey(value=Decimal("10"), tolerance=Decimal("0.5"))
EXACT_KEY = NumericKey(value=Decimal("1000.0000"), tolerance=Decimal("0.0000"))
NEG_KEY = NumericKey(value=Decimal("-3.5"), tolerance=Decimal("0.1"))
BIG_KEY = NumericKey(value=Decimal("1500000"), tolerance=Decimal("50000"))
ORDER_KEY = OrderKey(
    items=(
        (41, "Invasion"),
        (42, "Occupation of Kherson"),
        (43, "Annexation claim"),
        (44, "Withdrawal"),
    )
)
ORDER_RIGHT = "Invasion → Occupation of Kherson → Annexation claim → Withdrawal"
MATCH_KEY = MatchKey(
    pairs=(
        (51, "Sergei Shoigu", "Minister of Defence"),
        (52, "Sergei Surovikin", "Commander of the invasion force"),
        (53, "Volodymyr Saldo", "Installed governor of Kherson"),
    )
)
SHOIGU, SUROVIKIN, SALDO = (match for _, _, match in MATCH_KEY.pairs)
MATCH_RIGHT = (
    "Sergei Shoigu → Minister of Defence; "
    "Sergei Surovikin → Commander of the invasion force; "
    "Volodymyr Saldo → Installed governor of Kherson"
)
# A passage of four sentences (sentence ids) citing the second; then one citing two.
EVIDENCE_KEY = ChoiceKey(
    options=(
        (71, "Russia captured Kherson in March."),
        (72, "Putin annexed the region."),
        (73, "His soldiers retreated from Kyiv."),
        (74, "Kyiv's men broke through in October."),
    ),
    correct=frozenset({72}),
)
EVIDENCE_TWO_KEY = dataclasses.replace(EVIDENCE_KEY, correct=frozenset({74, 72}))
# Two items share a match text.
SHARED_KEY = MatchKey(
    pairs=(
        (61, "Kherson", "Dnipro"),
        (62, "Zaporizhzhia", "Dnipro"),
        (63, "Mykolaiv", "Southern Bug"),
    )
)


def assert_grade(result: Grade, score: Fraction, feedback: str | None = None) -> None:
    assert isinstance(result, Grade)
    assert isinstance(result.score, Fraction)
    assert result.score == score
    assert result.is_correct is (score == 1)
    if feedback is not None:
        assert result.feedback == feedback


# normalise_text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("Sergei Shoigu", "sergei shoigu", id="lowercased"),
        pytest.param("  Sergei  SHOIGU.", "sergei shoigu", id="docstring-example"),
        pytest.param("a\t\n  b", "a b", id="whitespace-runs-collapse"),
        pytest.param(f"a{NBSP}b", "a b", id="no-break-space"),
        pytest.param(f"Dn{I_ACUTE}pro", "dnipro", id="accent-precomposed"),
        pytest.param(f"Dni{COMBINING_ACUTE}pro", "dnipro", id="accent-combining"),
        pytest.param("Zo\u00eb", "zoe", id="diaeresis"),
        pytest.param("Stra\u00dfe", "strasse", id="casefold-sharp-s"),
        pytest.param("\ufb01ne", "fine", id="ligature-nfkc"),
        pytest.param("\uff2b\uff59\uff49\uff56", "kyiv", id="fullwidth-nfkc"),
        pytest.param(f"O{RSQUO}Brien", "o'brien", id="right-single-quote"),
        pytest.param(f"O{LSQUO}Brien", "o'brien", id="left-single-quote"),
        pytest.param(f"O{LOW9}Brien", "o'brien", id="low-9-quote"),
        pytest.param(f"O{PRIME}Brien", "o'brien", id="prime"),
        pytest.param("O`Brien", "o'brien", id="grave-accent"),
        pytest.param(f"O{ACUTE}Brien", "o'brien", id="acute-accent"),
        pytest.param(f"say {LDQUO}hi{RDQUO} now", 'say "hi" now', id="curly-double-quotes"),
        pytest.param(f"a{HYPHEN}b", "a-b", id="unicode-hyphen"),
        pytest.param(f"a{NB_HYPHEN}b", "a-b", id="non-breaking-hyphen"),
        pytest.param(f"a{EN_DASH}b", "a-b", id="en-dash"),
        pytest.param(f"a{EM_DASH}b", "a-b", id="em-dash"),
        pytest.param(f"a{MINUS}b", "a-b", id="minus-sign"),
        pytest.param(f"{LDQUO}Kherson{RDQUO}", "kherson", id="edge-curly-quotes"),
        pytest.param("'Kherson'", "kherson", id="edge-straight-quotes"),
        pytest.param("(Kherson)", "kherson", id="edge-parentheses"),
        pytest.param("[Kherson]", "kherson", id="edge-brackets"),
        pytest.param("Kherson?!", "kherson", id="edge-question-exclamation"),
        pytest.param("Kherson;:,", "kherson", id="edge-separators"),
        pytest.param("St. Petersburg", "st. petersburg", id="inner-punctuation-kept"),
        pytest.param("", "", id="empty"),
        pytest.param("   ", "", id="blank"),
        pytest.param(" ... ", "", id="only-punctuation"),
    ],
)
def test_normalise_text(value: str, expected: str) -> None:
    assert normalise_text(value) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Dnipro", f"Dn{I_ACUTE}pro", id="dnipro"),
        pytest.param("O'Brien", f"O{RSQUO}Brien", id="apostrophe"),
        pytest.param('"x" y', f"{LDQUO}x{RDQUO} y", id="double-quotes"),
        pytest.param("counter-offensive", f"counter{EN_DASH}offensive", id="en-dash"),
        pytest.param("counter-offensive", f"counter{EM_DASH}offensive", id="em-dash"),
        pytest.param("Sergei Shoigu", "  Sergei  SHOIGU.", id="docstring"),
    ],
)
def test_normalise_text_equates(a: str, b: str) -> None:
    assert normalise_text(a) == normalise_text(b)


def test_normalise_text_is_idempotent() -> None:
    for value in ("  Sergei  SHOIGU.", f"O{RSQUO}Brien", f"Dn{I_ACUTE}pro", f"a{EM_DASH}b"):
        once = normalise_text(value)
        assert normalise_text(once) == once


# parse_number ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2.5", "2.5", id="point-decimal"),
        pytest.param("2,5", "2.5", id="comma-decimal"),
        pytest.param("12,50", "12.5", id="comma-decimal-two-places"),
        pytest.param("1,000", "1000", id="comma-thousands"),
        pytest.param("1,000,000", "1000000", id="comma-thousands-twice"),
        pytest.param("-1,000", "-1000", id="negative-comma-thousands"),
        pytest.param("1,000.5", "1000.5", id="comma-thousands-point-decimal"),
        pytest.param("1 000", "1000", id="space-thousands"),
        pytest.param("1 000,5", "1000.5", id="space-thousands-comma-decimal"),
        pytest.param(f"1{NBSP}000", "1000", id="nbsp-thousands"),
        pytest.param(f"1{NNBSP}000", "1000", id="narrow-nbsp-thousands"),
        pytest.param("1_000", "1000", id="underscore-thousands"),
        pytest.param("1'000", "1000", id="apostrophe-thousands"),
        pytest.param(f"1{RSQUO}000", "1000", id="curly-apostrophe-thousands"),
        pytest.param(f"1{ACUTE}000", "1000", id="acute-apostrophe-thousands"),
        pytest.param("-3", "-3", id="negative"),
        pytest.param(f"{MINUS}3", "-3", id="minus-sign"),
        pytest.param(f"{EN_DASH}3", "-3", id="en-dash-sign"),
        pytest.param(f"{EM_DASH}3", "-3", id="em-dash-sign"),
        pytest.param("- 3", "-3", id="space-after-sign"),
        pytest.param("+4", "4", id="plus"),
        pytest.param(".5", "0.5", id="leading-point"),
        pytest.param("-.5", "-0.5", id="negative-leading-point"),
        pytest.param("5.", "5", id="trailing-point"),
        pytest.param("0", "0", id="zero"),
        pytest.param("007", "7", id="leading-zeros"),
        pytest.param("  42  ", "42", id="surrounding-whitespace"),
        pytest.param("\uff11\uff12", "12", id="fullwidth-digits"),
    ],
)
def test_parse_number(value: str, expected: str) -> None:
    result = parse_number(value)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(12, "12", id="int"),
        pytest.param(2.5, "2.5", id="float"),
        pytest.param(Decimal("-0.25"), "-0.25", id="decimal"),
    ],
)
def test_parse_number_accepts_non_strings(value: object, expected: str) -> None:
    assert parse_number(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("", "Please enter a number.", id="empty"),
        pytest.param("   ", "Please enter a number.", id="blank"),
        pytest.param("abc", f"{q('abc')} is not a number.", id="letters"),
        pytest.param(" 12abc ", f"{q('12abc')} is not a number.", id="trailing-letters"),
        pytest.param("NaN", f"{q('NaN')} is not a number.", id="nan"),
        pytest.param("nan", f"{q('nan')} is not a number.", id="nan-lower"),
        pytest.param("inf", f"{q('inf')} is not a number.", id="inf"),
        pytest.param("-inf", f"{q('-inf')} is not a number.", id="minus-inf"),
        pytest.param("Infinity", f"{q('Infinity')} is not a number.", id="infinity"),
        pytest.param("1e3", f"{q('1e3')} is not a number.", id="exponent"),
        pytest.param("1E3", f"{q('1E3')} is not a number.", id="exponent-upper"),
        pytest.param("1.2.3", f"{q('1.2.3')} is not a number.", id="two-points"),
        pytest.param("1,2,3", f"{q('1,2,3')} is not a number.", id="two-commas"),
        pytest.param("1..5", f"{q('1..5')} is not a number.", id="double-point"),
        pytest.param("--5", f"{q('--5')} is not a number.", id="double-sign"),
        pytest.param("+-5", f"{q('+-5')} is not a number.", id="mixed-signs"),
        pytest.param("5-", f"{q('5-')} is not a number.", id="trailing-sign"),
        pytest.param("-", f"{q('-')} is not a number.", id="sign-only"),
        pytest.param("+", f"{q('+')} is not a number.", id="plus-only"),
        pytest.param(".", f"{q('.')} is not a number.", id="point-only"),
        pytest.param(",", f"{q(',')} is not a number.", id="comma-only"),
        pytest.param("0x10", f"{q('0x10')} is not a number.", id="hex"),
        pytest.param("1/2", f"{q('1/2')} is not a number.", id="fraction"),
        pytest.param("10%", f"{q('10%')} is not a number.", id="percent"),
        pytest.param("$5", f"{q('$5')} is not a number.", id="currency"),
    ],
)
def test_parse_number_rejects(value: str, message: str) -> None:
    with pytest.raises(InvalidSubmission) as excinfo:
        parse_number(value)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="none"),
        pytest.param(float("nan"), id="float-nan"),
        pytest.param(float("inf"), id="float-inf"),
        pytest.param(Decimal("NaN"), id="decimal-nan"),
        pytest.param(1e16, id="float-exponent-repr"),
    ],
)
def test_parse_number_rejects_non_strings_cleanly(value: object) -> None:
    with pytest.raises(InvalidSubmission, match="is not a number"):
        parse_number(value)


# Single choice and true/false -----------------------------------------------------------


@pytest.mark.parametrize(
    ("submission", "score", "feedback"),
    [
        pytest.param(11, Fraction(1), RIGHT, id="right-int"),
        pytest.param("11", Fraction(1), RIGHT, id="right-str"),
        pytest.param(" 11 ", Fraction(1), RIGHT, id="right-str-padded"),
        pytest.param("+11", Fraction(1), RIGHT, id="right-str-plus"),
        pytest.param(12, Fraction(0), f"Not quite: the answer is {q('Kyiv')}.", id="wrong-int"),
        pytest.param("13", Fraction(0), f"Not quite: the answer is {q('Kyiv')}.", id="wrong-str"),
    ],
)
def test_grade_single(submission: object, score: Fraction, feedback: str) -> None:
    assert_grade(grade_single(SINGLE_KEY, submission), score, feedback)


@pytest.mark.parametrize(
    ("submission", "message"),
    [
        pytest.param(None, "Please choose an answer.", id="none"),
        pytest.param("", "Please choose an answer.", id="empty"),
        pytest.param("   ", "Please choose an answer.", id="blank"),
        pytest.param("\t\n", "Please choose an answer.", id="blank-tab-newline"),
        pytest.param([], NOT_AN_OPTION, id="empty-list"),
        pytest.param({}, NOT_AN_OPTION, id="empty-dict"),
        pytest.param(99, NOT_AN_OPTION, id="unknown-id-int"),
        pytest.param("99", NOT_AN_OPTION, id="unknown-id-str"),
        pytest.param(21, NOT_AN_OPTION, id="other-questions-id"),
        pytest.param(-11, NOT_AN_OPTION, id="negative-id"),
        pytest.param("abc", NOT_AN_OPTION, id="not-a-number"),
        pytest.param("1.5", NOT_AN_OPTION, id="decimal-string"),
        pytest.param("11.0", NOT_AN_OPTION, id="decimal-string-of-right-id"),
        pytest.param(11.0, NOT_AN_OPTION, id="float-of-right-id"),
        pytest.param(True, NOT_AN_OPTION, id="bool"),
        pytest.param([11], NOT_AN_OPTION, id="list-of-right-id"),
        pytest.param("Kyiv", NOT_AN_OPTION, id="option-text-not-id"),
        pytest.param("9" * 5000, NOT_AN_OPTION, id="huge-digit-string"),
    ],
)
def test_grade_single_invalid(submission: object, message: str) -> None:
    with pytest.raises(InvalidSubmission) as excinfo:
        grade_single(SINGLE_KEY, submission)
    assert str(excinfo.value) == message


def test_grade_single_feedback_lists_every_correct_option() -> None:
    # A broken key (two correct choices, see key_problems) still grades and names both.
    key = ChoiceKey(options=((1, "a"), (2, "b"), (3, "c")), correct=frozenset({1, 3}))
    assert_grade(grade_single(key, 3), Fraction(1), RIGHT)
    assert_grade(
        grade_single(key, 2), Fraction(0), f"Not quite: the answer is {q('a')} and {q('c')}."
    )


@pytest.mark.parametrize(
    ("submission", "score", "feedback"),
    [
        pytest.param(22, Fraction(1), RIGHT, id="right-int"),
        pytest.param("22", Fraction(1), RIGHT, id="right-str"),
        pytest.param(21, Fraction(0), f"Not quite: the answer is {q('False')}.", id="wrong-int"),
        pytest.param(" 21", Fraction(0), f"Not quite: the answer is {q('False')}.", id="wrong-str"),
    ],
)
def test_grade_true_false(submission: object, score: Fraction, feedback: str) -> None:
    assert_grade(grade_true_false(TF_KEY, submission), score, feedback)


@pytest.mark.parametrize(
    ("submission", "message"),
    [
        pytest.param(None, "Please choose an answer.", id="none"),
        pytest.param("", "Please choose an answer.", id="empty"),
        pytest.param("   ", "Please choose an answer.", id="blank"),
        pytest.param([], NOT_AN_OPTION, id="empty-list"),
        pytest.param({}, NOT_AN_OPTION, id="empty-dict"),
        pytest.param("True", NOT_AN_OPTION, id="word-true"),
        pytest.param(True, NOT_AN_OPTION, id="bool-true"),
        pytest.param(False, NOT_AN_OPTION, id="bool-false"),
        pytest.param(23, NOT_AN_OPTION, id="unknown-id"),
        pytest.param("abc", NOT_AN_OPTION, id="not-a-number"),
        pytest.param("21.5", NOT_AN_OPTION, id="decimal-string"),
    ],
)
def test_grade_true_false_invalid(submission: object, message: str) -> None:
    with pytest.raises(InvalidSubmission) as excinfo:
        grade_true_false(TF_KEY, submission)
    assert str(excinfo.value) == message


# Multiple response ----------------------------------------------------------------------


def partly(hits: int, misses: int = 0, r: int = 3, right: str = MULTI_RIGHT) -> str:
    wrong = f" and {misses} wrong one{'s' if misses > 1 else ''}" if misses else ""
    lead = "Partly right" if hits > misses else "Not quite"
    return (
        f"{lead}: you picked {hits} of the {r} right answers{wrong}. The right answers are {right}."
    )


@pytest.mark.parametrize(
    ("submission", "score", "feedback"),
    [
        pytest.param([31, 33, 35], Fraction(1), RIGHT, id="all-right"),
        pytest.param([35, 31, 33], Fraction(1), RIGHT, id="all-right-any-order"),
        pytest.param(["31", "33", "35"], Fraction(1), RIGHT, id="all-right-str-ids"),
        pytest.param([" 31 ", 33, "35"], Fraction(1), RIGHT, id="all-right-mixed-ids"),
        pytest.param((31, 33, 35), Fraction(1), RIGHT, id="all-right-tuple"),
        pytest.param({31, 33, 35}, Fraction(1), RIGHT, id="all-right-set"),
        pytest.param([31, 31, 33, 35], Fraction(1), RIGHT, id="all-right-duplicate"),
        pytest.param([31, "31", 33, 35], Fraction(1), RIGHT, id="all-right-str-int-duplicate"),
        pytest.param([31], Fraction(1, 3), partly(1), id="one-of-three"),
        pytest.param([31, 33], Fraction(2, 3), partly(2), id="two-of-three"),
        pytest.param([31, 31, 31], Fraction(1, 3), partly(1), id="duplicates-count-once"),
        pytest.param([33, "33"], Fraction(1, 3), partly(1), id="str-int-duplicate-once"),
        pytest.param(31, Fraction(1, 3), partly(1), id="scalar-int"),
        pytest.param("31", Fraction(1, 3), partly(1), id="scalar-str"),
        pytest.param([31, 32], Fraction(0), partly(1, 1), id="one-right-one-wrong"),
        pytest.param([31, 33, 32], Fraction(1, 3), partly(2, 1), id="two-right-one-wrong"),
        pytest.param([31, 33, 35, 32], Fraction(2, 3), partly(3, 1), id="all-right-plus-one-wrong"),
        pytest.param([31, 33, 35, 32, 34], Fraction(1, 3), partly(3, 2), id="everything-picked"),
        pytest.param([32, 32], Fraction(0), partly(0, 1), id="wrong-duplicate-costs-once"),
        pytest.param([32], Fraction(0), partly(0, 1), id="only-wrong-floor-zero"),
        pytest.param([32, 34], Fraction(0), partly(0, 2), id="two-wrong-floor-zero"),
        pytest.param([31, 32, 34], Fraction(0), partly(1, 2), id="net-negative-floor-zero"),
    ],
)
def test_grade_multiple(submission: object, score: Fraction, feedback: str) -> None:
    assert_grade(grade_multiple(MULTI_KEY, submission), score, feedback)


@pytest.mark.parametrize(
    ("hits", "misses", "r", "expected"),
    [
        # R = 1: all or nothing, and a wrong pick cancels the right one.
        pytest.param(1, 0, 1, Fraction(1), id="R1-right"),
        pytest.param(0, 1, 1, Fraction(0), id="R1-wrong"),
        pytest.param(1, 1, 1, Fraction(0), id="R1-right-and-wrong"),
        pytest.param(1, 3, 1, Fraction(0), id="R1-right-and-three-wrong-floor"),
        # R = 2: halves.
        pytest.param(1, 0, 2, Fraction(1, 2), id="R2-one-right"),
        pytest.param(2, 0, 2, Fraction(1), id="R2-full-marks"),
        pytest.param(2, 1, 2, Fraction(1, 2), id="R2-both-right-one-wrong"),
        pytest.param(1, 1, 2, Fraction(0), id="R2-cancels-out"),
        pytest.param(0, 2, 2, Fraction(0), id="R2-only-wrong-floor"),
        pytest.param(2, 3, 2, Fraction(0), id="R2-net-negative-floor"),
        # R = 3: thirds.
        pytest.param(1, 0, 3, Fraction(1, 3), id="R3-one-right"),
        pytest.param(2, 0, 3, Fraction(2, 3), id="R3-two-right"),
        pytest.param(3, 0, 3, Fraction(1), id="R3-full-marks"),
        pytest.param(3, 1, 3, Fraction(2, 3), id="R3-all-right-one-wrong"),
        pytest.param(3, 2, 3, Fraction(1, 3), id="R3-all-right-two-wrong"),
        pytest.param(3, 3, 3, Fraction(0), id="R3-all-right-all-wrong"),
        pytest.param(2, 1, 3, Fraction(1, 3), id="R3-two-right-one-wrong"),
        pytest.param(1, 2, 3, Fraction(0), id="R3-net-negative-floor"),
        # R = 4: quarters.
        pytest.param(1, 0, 4, Fraction(1, 4), id="R4-one-right"),
        pytest.param(2, 0, 4, Fraction(1, 2), id="R4-two-right"),
        pytest.param(3, 0, 4, Fraction(3, 4), id="R4-three-right"),
        pytest.param(4, 0, 4, Fraction(1), id="R4-full-marks"),
        pytest.param(4, 1, 4, Fraction(3, 4), id="R4-all-right-one-wrong"),
        pytest.param(3, 1, 4, Fraction(1, 2), id="R4-three-right-one-wrong"),
        pytest.param(4, 3, 4, Fraction(1, 4), id="R4-all-right-three-wrong"),
        pytest.param(2, 2, 4, Fraction(0), id="R4-cancels-out"),
        pytest.param(1, 3, 4, Fraction(0), id="R4-net-negative-floor"),
    ],
)
def test_grade_multiple_partial_credit_rule(
    hits: int, misses: int, r: int, expected: Fraction
) -> None:
    """Each right pick earns 1/R, each wrong pick costs 1/R, never below 0; the expected
    scores are worked out by hand, not by the formula under test."""
    right_ids = [1, 2, 3, 4][:r]
    wrong_ids = [100, 101, 102]
    key = ChoiceKey(
        options=tuple((i, f"option {i}") for i in right_ids + wrong_ids),
        correct=frozenset(right_ids),
    )
    assert_grade(grade_multiple(key, right_ids[:hits] + wrong_ids[:misses]), expected)


def test_grade_multiple_single_right_option() -> None:
    assert_grade(grade_multiple(MULTI_ONE_KEY, 1), Fraction(1), RIGHT)
    assert_grade(grade_multiple(MULTI_ONE_KEY, ["1"]), Fraction(1), RIGHT)
    assert_grade(grade_multiple(MULTI_ONE_KEY, [1, 2]), Fraction(0), partly(1, 1, 1, q("a")))


def test_grade_multiple_lists_right_answers_in_question_order() -> None:
    key = ChoiceKey(options=((3, "c"), (1, "a"), (2, "b")), correct=frozenset({1, 3}))
    result = grade_multiple(key, [2])
    assert result.feedback.endswith(f"The right answers are {q('c')} and {q('a')}.")


@pytest.mark.parametrize(
    ("submission", "message"),
    [
        pytest.param(None, "Please choose at least one answer.", id="none"),
        pytest.param("", "Please choose at least one answer.", id="empty-str"),
        pytest.param("   ", "Please choose at least one answer.", id="blank-str"),
        pytest.param([], "Please choose at least one answer.", id="empty-list"),
        pytest.param({}, "Please choose at least one answer.", id="empty-dict"),
        pytest.param((), "Please choose at least one answer.", id="empty-tuple"),
        pytest.param(set(), "Please choose at least one answer.", id="empty-set"),
        pytest.param([31, 99], NOT_AN_OPTION, id="unknown-id"),
        pytest.param([99], NOT_AN_OPTION, id="only-unknown-id"),
        pytest.param(99, NOT_AN_OPTION, id="scalar-unknown-id"),
        pytest.param([31, 21], NOT_AN_OPTION, id="other-questions-id"),
        pytest.param(["abc"], NOT_AN_OPTION, id="not-a-number"),
        pytest.param([31, "1.5"], NOT_AN_OPTION, id="decimal-string"),
        pytest.param(["31.0"], NOT_AN_OPTION, id="decimal-string-of-right-id"),
        pytest.param([31.0], NOT_AN_OPTION, id="float-in-list"),
        pytest.param(31.0, NOT_AN_OPTION, id="scalar-float"),
        pytest.param(Decimal("31.5"), NOT_AN_OPTION, id="scalar-decimal"),
        pytest.param(True, NOT_AN_OPTION, id="scalar-bool"),
        pytest.param([None], NOT_AN_OPTION, id="none-in-list"),
        pytest.param([""], NOT_AN_OPTION, id="empty-str-in-list"),
        pytest.param([[31]], NOT_AN_OPTION, id="nested-list"),
        pytest.param("31,33", NOT_AN_OPTION, id="comma-separated-str"),
    ],
)
def test_grade_multiple_invalid(submission: object, message: str) -> None:
    with pytest.raises(InvalidSubmission) as excinfo:
        grade_multiple(MULTI_KEY, submission)
    assert str(excinfo.value) == message


# Short text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "submission"),
    [
        pytest.param(TEXT_KEY, "Sergei Shoigu", id="exact"),
        pytest.param(TEXT_KEY, "Shoigu", id="second-accepted-answer"),
        pytest.param(TEXT_KEY, "sergei shoigu", id="lower-case"),
        pytest.param(TEXT_KEY, "SERGEI SHOIGU", id="upper-case"),
        pytest.param(TEXT_KEY, "  Sergei   SHOIGU.  ", id="whitespace-case-full-stop"),
        pytest.param(TEXT_KEY, "Sergei\tShoigu", id="tab"),
        pytest.param(TEXT_KEY, "Sergei\nShoigu", id="newline"),
        pytest.param(TEXT_KEY, f"Sergei{NBSP}Shoigu", id="no-break-space"),
        pytest.param(TEXT_KEY, "(Shoigu)", id="parentheses"),
        pytest.param(TEXT_KEY, "Shoigu?!", id="trailing-punctuation"),
        pytest.param(TEXT_KEY, f"{LDQUO}Shoigu{RDQUO}", id="edge-curly-quotes"),
        pytest.param(TEXT_KEY, "'Shoigu'", id="edge-straight-quotes"),
        pytest.param(DNIPRO_KEY, "Dnipro", id="accent-missing"),
        pytest.param(DNIPRO_KEY, f"Dn{I_ACUTE}pro", id="accent-present"),
        pytest.param(DNIPRO_KEY, f"Dni{COMBINING_ACUTE}pro", id="accent-combining"),
        pytest.param(DNIPRO_KEY, "DNIPRO", id="accent-missing-upper"),
        pytest.param(TextKey(accepted=("Dnipro",)), f"Dn{I_ACUTE}pro", id="accent-added"),
        pytest.param(OBRIEN_KEY, "O'Brien", id="straight-for-curly-apostrophe"),
        pytest.param(OBRIEN_KEY, f"O{LSQUO}Brien", id="left-for-right-quote"),
        pytest.param(OBRIEN_KEY, "O`Brien", id="grave-for-apostrophe"),
        pytest.param(OBRIEN_KEY, f"O{ACUTE}Brien", id="acute-for-apostrophe"),
        pytest.param(OBRIEN_KEY, "o'brien", id="apostrophe-lower"),
        pytest.param(TextKey(accepted=("O'Brien",)), f"O{RSQUO}Brien", id="curly-for-straight"),
        pytest.param(QUOTED_KEY, 'the "Kherson" bridge', id="straight-for-curly-doubles"),
        pytest.param(
            TextKey(accepted=('the "Kherson" bridge',)),
            f"The {LDQUO}Kherson{RDQUO} Bridge",
            id="curly-for-straight-doubles",
        ),
        pytest.param(HYPHEN_KEY, f"counter{EN_DASH}offensive", id="en-dash"),
        pytest.param(HYPHEN_KEY, f"counter{EM_DASH}offensive", id="em-dash"),
        pytest.param(HYPHEN_KEY, f"counter{HYPHEN}offensive", id="unicode-hyphen"),
        pytest.param(HYPHEN_KEY, f"counter{MINUS}offensive", id="minus-sign"),
        pytest.param(
            TextKey(accepted=(f"counter{EN_DASH}offensive",)),
            "counter-offensive",
            id="hyphen-for-en-dash",
        ),
        pytest.param(STRASSE_KEY, "STRASSE", id="casefold-sharp-s"),
    ],
)
def test_grade_short_text_right(key: TextKey, submission: str) -> None:
    assert_grade(grade_short_text(key, submission), Fraction(1), RIGHT)


@pytest.mark.parametrize(
    ("key", "submission", "feedback"),
    [
        pytest.param(
            TEXT_KEY,
            "Gerasimov",
            f"Not quite: the answer is {q('Sergei Shoigu')}.",
            id="wrong-shows-first-accepted",
        ),
        pytest.param(
            TEXT_KEY,
            "SergeiShoigu",
            f"Not quite: the answer is {q('Sergei Shoigu')}.",
            id="missing-space",
        ),
        pytest.param(
            TEXT_KEY, "Sergei", f"Not quite: the answer is {q('Sergei Shoigu')}.", id="partial"
        ),
        pytest.param(
            DNIPRO_KEY,
            "Dnieper",
            f"Not quite: the answer is {q(f'Dn{I_ACUTE}pro')}.",
            id="keeps-key-accent",
        ),
        pytest.param(
            OBRIEN_KEY,
            "OBrien",
            f"Not quite: the answer is {q(f'O{RSQUO}Brien')}.",
            id="apostrophe-missing",
        ),
    ],
)
def test_grade_short_text_wrong(key: TextKey, submission: str, feedback: str) -> None:
    assert_grade(grade_short_text(key, submission), Fraction(0), feedback)


@pytest.mark.parametrize(
    "submission",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("\t\n", id="blank-tab-newline"),
        pytest.param(" ... ", id="only-punctuation"),
        pytest.param("?!", id="only-question-exclamation"),
        pytest.param(f"{LDQUO}{RDQUO}", id="only-curly-quotes"),
        pytest.param([], id="empty-list"),
        pytest.param({}, id="empty-dict"),
    ],
)
def test_grade_short_text_empty(submission: object) -> None:
    with pytest.raises(InvalidSubmission, match=r"^Please type an answer\.$"):
        grade_short_text(TEXT_KEY, submission)


# Numeric --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "submission", "correct"),
    [
        # value 10, tolerance 0.5: [9.5, 10.5] inclusive.
        pytest.param(NUM_KEY, "10", True, id="exact"),
        pytest.param(NUM_KEY, "10.0000", True, id="exact-trailing-zeros"),
        pytest.param(NUM_KEY, "9.5", True, id="lower-bound-inclusive"),
        pytest.param(NUM_KEY, "10.5", True, id="upper-bound-inclusive"),
        pytest.param(NUM_KEY, "9,5", True, id="lower-bound-comma"),
        pytest.param(NUM_KEY, "10,50", True, id="upper-bound-comma"),
        pytest.param(NUM_KEY, " +10.5 ", True, id="upper-bound-plus-padded"),
        pytest.param(NUM_KEY, "9.4999", False, id="just-below"),
        pytest.param(NUM_KEY, "10.5001", False, id="just-above"),
        pytest.param(NUM_KEY, "9.49", False, id="below"),
        pytest.param(NUM_KEY, "11", False, id="above"),
        pytest.param(NUM_KEY, "-10", False, id="wrong-sign"),
        pytest.param(NUM_KEY, 10, True, id="int-submission"),
        pytest.param(NUM_KEY, 10.5, True, id="float-submission-bound"),
        pytest.param(NUM_KEY, Decimal("9.5"), True, id="decimal-submission-bound"),
        pytest.param(NUM_KEY, 0, False, id="zero-int-submission"),
        # value 1000, tolerance 0 (as the database stores them): only 1000 itself.
        pytest.param(EXACT_KEY, "1000", True, id="zero-tolerance-exact"),
        pytest.param(EXACT_KEY, "1,000", True, id="zero-tolerance-comma-thousands"),
        pytest.param(EXACT_KEY, "1 000", True, id="zero-tolerance-space-thousands"),
        pytest.param(EXACT_KEY, "1000.0", True, id="zero-tolerance-decimal-zero"),
        pytest.param(EXACT_KEY, "1000.", True, id="zero-tolerance-trailing-point"),
        pytest.param(EXACT_KEY, "+1000", True, id="zero-tolerance-plus"),
        pytest.param(EXACT_KEY, "999.9999", False, id="zero-tolerance-just-below"),
        pytest.param(EXACT_KEY, "1000.0001", False, id="zero-tolerance-just-above"),
        # value -3.5, tolerance 0.1: [-3.6, -3.4] inclusive.
        pytest.param(NEG_KEY, "-3.5", True, id="negative-exact"),
        pytest.param(NEG_KEY, f"{MINUS}3.5", True, id="negative-minus-sign"),
        pytest.param(NEG_KEY, f"{EN_DASH}3,5", True, id="negative-en-dash-comma"),
        pytest.param(NEG_KEY, f"{EM_DASH}3.5", True, id="negative-em-dash"),
        pytest.param(NEG_KEY, "-3.6", True, id="negative-lower-bound"),
        pytest.param(NEG_KEY, "-3.4", True, id="negative-upper-bound"),
        pytest.param(NEG_KEY, "-3.61", False, id="negative-just-below"),
        pytest.param(NEG_KEY, "-3.39", False, id="negative-just-above"),
        pytest.param(NEG_KEY, "3.5", False, id="negative-sign-missing"),
        # value 1 500 000, tolerance 50 000.
        pytest.param(BIG_KEY, "1,450,000", True, id="big-lower-bound"),
        pytest.param(BIG_KEY, "1 550 000", True, id="big-upper-bound"),
        pytest.param(BIG_KEY, "1,449,999", False, id="big-just-below"),
        pytest.param(BIG_KEY, "1550000.01", False, id="big-just-above"),
        # Leading and trailing points.
        pytest.param(NumericKey(Decimal("0.5"), Decimal(0)), ".5", True, id="leading-point"),
        pytest.param(NumericKey(Decimal("0.5"), Decimal(0)), "0,5", True, id="comma-half"),
        pytest.param(NumericKey(Decimal("5"), Decimal(0)), "5.", True, id="trailing-point"),
        pytest.param(NumericKey(Decimal("4"), Decimal(0)), "+4", True, id="plus-sign"),
        pytest.param(NumericKey(Decimal("2.5"), Decimal(0)), "2,5", True, id="comma-decimal"),
        pytest.param(NumericKey(Decimal("2.5"), Decimal(0)), "2.5", True, id="point-decimal"),
        pytest.param(NumericKey(Decimal("0"), Decimal(0)), "-0", True, id="negative-zero"),
    ],
)
def test_grade_numeric(key: NumericKey, submission: object, correct: bool) -> None:
    result = grade_numeric(key, submission)
    if correct:
        assert_grade(result, Fraction(1), RIGHT)
    else:
        assert_grade(result, Fraction(0))
        assert describe("numeric", key) in result.feedback


@pytest.mark.parametrize(
    ("key", "feedback"),
    [
        pytest.param(NUM_KEY, "Not quite: the answer is 10 (give or take 0.5).", id="tolerance"),
        pytest.param(EXACT_KEY, "Not quite: the answer is 1000.", id="zero-tolerance"),
        pytest.param(NEG_KEY, "Not quite: the answer is -3.5 (give or take 0.1).", id="negative"),
        pytest.param(
            BIG_KEY, "Not quite: the answer is 1500000 (give or take 50000).", id="big-no-exponent"
        ),
        pytest.param(
            NumericKey(Decimal("0.0010"), Decimal("0.0000")),
            "Not quite: the answer is 0.001.",
            id="small-trailing-zeros",
        ),
        pytest.param(
            NumericKey(Decimal("1E+3"), Decimal("0.50")),
            "Not quite: the answer is 1000 (give or take 0.5).",
            id="exponent-key",
        ),
    ],
)
def test_grade_numeric_feedback(key: NumericKey, feedback: str) -> None:
    assert_grade(grade_numeric(key, "123456789"), Fraction(0), feedback)


@pytest.mark.parametrize(
    ("submission", "message"),
    [
        pytest.param(None, r"^Please enter a number\.$", id="none"),
        pytest.param("", r"^Please enter a number\.$", id="empty"),
        pytest.param("   ", r"^Please enter a number\.$", id="blank"),
        pytest.param([], "is not a number", id="empty-list"),
        pytest.param({}, "is not a number", id="empty-dict"),
        pytest.param("NaN", "is not a number", id="nan"),
        pytest.param("inf", "is not a number", id="inf"),
        pytest.param("-inf", "is not a number", id="minus-inf"),
        pytest.param("1e3", "is not a number", id="exponent"),
        pytest.param("12abc", "is not a number", id="trailing-letters"),
        pytest.param("ten", "is not a number", id="word"),
        pytest.param("1.2.3", "is not a number", id="two-points"),
        pytest.param(float("nan"), "is not a number", id="float-nan"),
        pytest.param(float("inf"), "is not a number", id="float-inf"),
        pytest.param(Decimal("NaN"), "is not a number", id="decimal-nan"),
        pytest.param(True, "is not a number", id="bool"),
    ],
)
def test_grade_numeric_invalid(submission: object, message: str) -> None:
    with pytest.raises(InvalidSubmission, match=message):
        grade_numeric(NUM_KEY, submission)


# Ordering -------------------------------------------------------------------------------


def placed(n: int) -> str:
    return f"{n} of 4 in the right place. The right order is {ORDER_RIGHT}."


@pytest.mark.parametrize(
    ("submission", "score", "feedback"),
    [
        pytest.param([41, 42, 43, 44], Fraction(1), RIGHT, id="right-ints"),
        pytest.param(["41", "42", "43", "44"], Fraction(1), RIGHT, id="right-strs"),
        pytest.param([" 41", 42, "43 ", 44], Fraction(1), RIGHT, id="right-mixed"),
        pytest.param((41, 42, 43, 44), Fraction(1), RIGHT, id="right-tuple"),
        pytest.param([42, 41, 43, 44], Fraction(1, 2), placed(2), id="first-two-swapped"),
        pytest.param([41, 42, 44, 43], Fraction(1, 2), placed(2), id="last-two-swapped"),
        pytest.param([41, 43, 42, 44], Fraction(1, 2), placed(2), id="middle-swapped"),
        pytest.param([41, 43, 44, 42], Fraction(1, 4), placed(1), id="three-rotated"),
        pytest.param([44, 42, 43, 41], Fraction(1, 2), placed(2), id="ends-swapped"),
        pytest.param([44, 43, 42, 41], Fraction(0), placed(0), id="reversed"),
        pytest.param([42, 43, 44, 41], Fraction(0), placed(0), id="all-shifted-by-one"),
        pytest.param(["42", "41", "44", "43"], Fraction(0), placed(0), id="pairs-swapped-strs"),
    ],
)
def test_grade_ordering(submission: object, score: Fraction, feedback: str) -> None:
    assert_grade(grade_ordering(ORDER_KEY, submission), score, feedback)


def test_grade_ordering_two_items() -> None:
    key = OrderKey(items=((1, "first"), (2, "second")))
    assert_grade(grade_ordering(key, [1, 2]), Fraction(1), RIGHT)
    assert_grade(
        grade_ordering(key, ["2", "1"]),
        Fraction(0),
        "0 of 2 in the right place. The right order is first → second.",
    )


@pytest.mark.parametrize(
    ("submission", "message"),
    [
        pytest.param(None, "Please put the items in order.", id="none"),
        pytest.param("", "Please put the items in order.", id="empty-str"),
        pytest.param([], "Please put the items in order.", id="empty-list"),
        pytest.param((), "Please put the items in order.", id="empty-tuple"),
        pytest.param({}, "Please put the items in order.", id="empty-dict"),
        pytest.param(0, "Please put the items in order.", id="zero"),
        pytest.param(41, "Please put the items in order.", id="scalar-int"),
        pytest.param(1.5, "Please put the items in order.", id="scalar-float"),
        pytest.param(True, "Please put the items in order.", id="scalar-bool"),
        pytest.param("   ", NOT_AN_OPTION, id="blank-str"),
        pytest.param([41, 42, 43], "Please place every item exactly once.", id="missing-item"),
        pytest.param([41], "Please place every item exactly once.", id="only-one-item"),
        pytest.param(
            [41, 42, 43, 43], "Please place every item exactly once.", id="repeat-for-missing"
        ),
        pytest.param(
            [41, 42, 43, 44, 44], "Please place every item exactly once.", id="repeat-extra"
        ),
        pytest.param(
            [41, "41", 43, 44], "Please place every item exactly once.", id="repeat-str-int"
        ),
        pytest.param([41, 41, 41, 41], "Please place every item exactly once.", id="all-same"),
        pytest.param([41, 42, 43, 99], NOT_AN_OPTION, id="unknown-id"),
        pytest.param([41, 42, 43, 44, 99], NOT_AN_OPTION, id="extra-unknown-id"),
        pytest.param([41, 42, 43, 11], NOT_AN_OPTION, id="other-questions-id"),
        pytest.param([41, 42, 43, "abc"], NOT_AN_OPTION, id="not-a-number"),
        pytest.param([41, 42, 43, "1.5"], NOT_AN_OPTION, id="decimal-string"),
        pytest.param([41, 42, 43, "44.0"], NOT_AN_OPTION, id="decimal-string-of-right-id"),
        pytest.param([41, 42, 43, 44.0], NOT_AN_OPTION, id="float-id"),
        pytest.param([41, 42, 43, None], NOT_AN_OPTION, id="none-id"),
        pytest.param([41, 42, 43, ""], NOT_AN_OPTION, id="empty-id"),
        pytest.param("41,42,43,44", NOT_AN_OPTION, id="comma-separated-str"),
    ],
)
def test_grade_ordering_invalid(submission: object, message: str) -> None:
    with pytest.raises(InvalidSubmission) as excinfo:
        grade_ordering(ORDER_KEY, submission)
    assert str(excinfo.value) == message


# Matching -------------------------------------------------------------------------------


def matched(n: int) -> str:
    return f"{n} of 3 matched right. The right matches are {MATCH_RIGHT}."


@pytest.mark.parametrize(
    ("submission", "score", "feedback"),
    [
        pytest.param({51: SHOIGU, 52: SUROVIKIN, 53: SALDO}, Fraction(1), RIGHT, id="right"),
        pytest.param(
            {"51": SHOIGU, "52": SUROVIKIN, "53": SALDO}, Fraction(1), RIGHT, id="right-str-ids"
        ),
        pytest.param(
            {" 53 ": SALDO, 51: SHOIGU, "52": SUROVIKIN},
            Fraction(1),
            RIGHT,
            id="right-mixed-ids-any-order",
        ),
        pytest.param(
            {51: f"  {SHOIGU} ", 52: f"{SUROVIKIN}\n", 53: SALDO},
            Fraction(1),
            RIGHT,
            id="right-padded-matches",
        ),
        pytest.param(
            {51: SUROVIKIN, 52: SHOIGU, 53: SALDO}, Fraction(1, 3), matched(1), id="two-swapped"
        ),
        pytest.param(
            {51: SUROVIKIN, 52: SALDO, 53: SHOIGU}, Fraction(0), matched(0), id="all-rotated"
        ),
        pytest.param(
            {51: SHOIGU, 52: SHOIGU, 53: SHOIGU},
            Fraction(1, 3),
            matched(1),
            id="one-match-used-for-all",
        ),
        pytest.param(
            {51: SHOIGU, 52: SUROVIKIN, 53: SUROVIKIN},
            Fraction(2, 3),
            matched(2),
            id="one-match-used-twice",
        ),
    ],
)
def test_grade_matching(submission: object, score: Fraction, feedback: str) -> None:
    assert_grade(grade_matching(MATCH_KEY, submission), score, feedback)


@pytest.mark.parametrize(
    ("submission", "score"),
    [
        pytest.param(
            {61: "Dnipro", 62: "Dnipro", 63: "Southern Bug"}, Fraction(1), id="both-share-right"
        ),
        pytest.param(
            {61: "Southern Bug", 62: "Dnipro", 63: "Dnipro"}, Fraction(1, 3), id="one-sharer"
        ),
        pytest.param(
            {61: "Dnipro", 62: "Southern Bug", 63: "Dnipro"}, Fraction(1, 3), id="other-sharer"
        ),
        pytest.param(
            {61: "Southern Bug", 62: "Southern Bug", 63: "Dnipro"}, Fraction(0), id="none-right"
        ),
        pytest.param(
            {61: "Dnipro", 62: "Dnipro", 63: "Dnipro"}, Fraction(2, 3), id="shared-used-for-all"
        ),
    ],
)
def test_grade_matching_shared_match_text(submission: object, score: Fraction) -> None:
    result = grade_matching(SHARED_KEY, submission)
    assert_grade(result, score)
    if score < 1:
        assert result.feedback.endswith(
            "The right matches are Kherson → Dnipro; Zaporizhzhia → Dnipro; "
            "Mykolaiv → Southern Bug."
        )


def test_grade_matching_key_match_with_surrounding_spaces() -> None:
    """A match stored with stray spaces can still be given back exactly as shown."""
    key = MatchKey(pairs=((71, "Kyiv", "Ukraine "), (72, "Paris", " France")))
    assert_grade(grade_matching(key, {71: "Ukraine ", 72: " France"}), Fraction(1), RIGHT)
    assert_grade(grade_matching(key, {71: "Ukraine", 72: "France"}), Fraction(1), RIGHT)
    assert_grade(grade_matching(key, {71: "France", 72: "Ukraine"}), Fraction(0))


@pytest.mark.parametrize(
    ("submission", "message"),
    [
        pytest.param(None, "Please match every item.", id="none"),
        pytest.param({}, "Please match every item.", id="empty-dict"),
        pytest.param([], "Please match every item.", id="empty-list"),
        pytest.param("", "Please match every item.", id="empty-str"),
        pytest.param("   ", "Please match every item.", id="blank-str"),
        pytest.param(51, "Please match every item.", id="scalar"),
        pytest.param(
            [(51, SHOIGU), (52, SUROVIKIN), (53, SALDO)],
            "Please match every item.",
            id="list-of-pairs-not-mapping",
        ),
        pytest.param({51: SHOIGU, 52: SUROVIKIN}, "Please match every item.", id="missing-item"),
        pytest.param({51: SHOIGU}, "Please match every item.", id="only-one-item"),
        pytest.param(
            {51: SHOIGU, 52: SUROVIKIN, 53: ""}, "Please match every item.", id="empty-match"
        ),
        pytest.param(
            {51: SHOIGU, 52: SUROVIKIN, 53: "   "}, "Please match every item.", id="blank-match"
        ),
        pytest.param(
            {51: SHOIGU, 52: SUROVIKIN, 53: None}, "Please match every item.", id="none-match"
        ),
        pytest.param(
            {51: SHOIGU, 52: SUROVIKIN, 53: SALDO, 99: SALDO}, NOT_AN_OPTION, id="unknown-item"
        ),
        pytest.param({51: SHOIGU, 52: SUROVIKIN, 99: SALDO}, NOT_AN_OPTION, id="item-replaced"),
        pytest.param(
            {51: SHOIGU, 52: SUROVIKIN, 61: "Dnipro"}, NOT_AN_OPTION, id="other-questions-item"
        ),
        pytest.param({"abc": SHOIGU, 52: SUROVIKIN, 53: SALDO}, NOT_AN_OPTION, id="item-abc"),
        pytest.param({"51.5": SHOIGU, 52: SUROVIKIN, 53: SALDO}, NOT_AN_OPTION, id="item-1.5"),
        pytest.param({51.0: SHOIGU, 52: SUROVIKIN, 53: SALDO}, NOT_AN_OPTION, id="item-float"),
        pytest.param({None: SHOIGU, 52: SUROVIKIN, 53: SALDO}, NOT_AN_OPTION, id="item-none"),
        pytest.param(
            {51: "Prime Minister", 52: SUROVIKIN, 53: SALDO}, NOT_AN_OPTION, id="unknown-match"
        ),
        pytest.param(
            {51: "Sergei Shoigu", 52: SUROVIKIN, 53: SALDO},
            NOT_AN_OPTION,
            id="item-text-given-as-match",
        ),
        pytest.param(
            {51: "Dnipro", 52: SUROVIKIN, 53: SALDO}, NOT_AN_OPTION, id="other-questions-match"
        ),
        pytest.param({51: [SHOIGU], 52: SUROVIKIN, 53: SALDO}, NOT_AN_OPTION, id="match-in-a-list"),
    ],
)
def test_grade_matching_invalid(submission: object, message: str) -> None:
    with pytest.raises(InvalidSubmission) as excinfo:
        grade_matching(MATCH_KEY, submission)
    assert str(excinfo.value) == message


# Evidence: which sentence supports the statement -----------------------------------------

SUPPORTED_BY = "Not quite: the sentence that supports it is “Putin annexed the region.”."
SUPPORTED_BY_TWO = (
    "Not quite: the sentences that support it are “Putin annexed the region.” and "
    "“Kyiv's men broke through in October.”."
)


@pytest.mark.parametrize(
    ("key", "submission", "score", "feedback"),
    [
        pytest.param(EVIDENCE_KEY, 72, Fraction(1), RIGHT, id="the-cited-sentence"),
        pytest.param(EVIDENCE_KEY, " 72 ", Fraction(1), RIGHT, id="the-cited-sentence-str"),
        pytest.param(EVIDENCE_KEY, 71, Fraction(0), SUPPORTED_BY, id="another-sentence"),
        pytest.param(EVIDENCE_KEY, "74", Fraction(0), SUPPORTED_BY, id="the-last-sentence"),
        pytest.param(EVIDENCE_TWO_KEY, 72, Fraction(1), RIGHT, id="first-of-two-cited"),
        pytest.param(EVIDENCE_TWO_KEY, "74", Fraction(1), RIGHT, id="second-of-two-cited"),
        pytest.param(EVIDENCE_TWO_KEY, 73, Fraction(0), SUPPORTED_BY_TWO, id="two-cited-wrong"),
    ],
)
def test_grade_evidence(key: ChoiceKey, submission: object, score: Fraction, feedback: str) -> None:
    """Graded by the sentence picked: any cited sentence is right; a wrong pick is told
    which sentence (or sentences, in the article's order) supports the statement."""
    assert_grade(grade_evidence(key, submission), score, feedback)


@pytest.mark.parametrize(
    ("submission", "message"),
    [
        pytest.param(None, "Please choose a sentence.", id="none"),
        pytest.param("", "Please choose a sentence.", id="empty"),
        pytest.param(" \t", "Please choose a sentence.", id="blank"),
        pytest.param(99, NOT_AN_OPTION, id="a-sentence-outside-the-passage"),
        pytest.param("11", NOT_AN_OPTION, id="another-questions-id"),
        pytest.param("Putin annexed the region.", NOT_AN_OPTION, id="the-sentences-text"),
        pytest.param([72], NOT_AN_OPTION, id="a-list"),
        pytest.param("72.0", NOT_AN_OPTION, id="decimal-string"),
    ],
)
def test_grade_evidence_invalid(submission: object, message: str) -> None:
    with pytest.raises(InvalidSubmission) as excinfo:
        grade_evidence(EVIDENCE_KEY, submission)
    assert str(excinfo.value) == message


def test_evidence_sentences_are_never_shuffled() -> None:
    """Reading order matters: the passage is laid out as the article has it, shuffle or not."""
    import random

    from quiz.grading import ChoicePart

    parts = [ChoicePart(ident, text, False, "") for ident, text in EVIDENCE_KEY.options]
    for seed in range(20):
        options, _ = grading_kind("evidence").layout(parts, shuffle=True, rng=random.Random(seed))
        assert options == list(EVIDENCE_KEY.options)


# Every grader: right, wrong, feedback ---------------------------------------------------

# (kind, key, a right submission, a wrong submission)
EXAMPLES = [
    pytest.param("single", SINGLE_KEY, 11, 12, id="single"),
    pytest.param("true_false", TF_KEY, "22", "21", id="true_false"),
    pytest.param("multiple", MULTI_KEY, [31, 33, 35], [31, 32], id="multiple"),
    pytest.param("short_text", TEXT_KEY, "shoigu", "Gerasimov", id="short_text"),
    pytest.param("numeric", NUM_KEY, "10.5", "10.6", id="numeric"),
    pytest.param("ordering", ORDER_KEY, [41, 42, 43, 44], [42, 41, 43, 44], id="ordering"),
    pytest.param(
        "matching",
        MATCH_KEY,
        {51: SHOIGU, 52: SUROVIKIN, 53: SALDO},
        {51: SUROVIKIN, 52: SHOIGU, 53: SALDO},
        id="matching",
    ),
    pytest.param("evidence", EVIDENCE_KEY, 72, 73, id="evidence"),
]


@pytest.mark.parametrize(("kind", "key", "right", "wrong"), EXAMPLES)
def test_the_form_of_a_kinds_right_answer_grades_as_right(
    kind: str, key: object, right: object, wrong: object
) -> None:
    """What the answer form sends for the right answer reads back into that answer."""
    the_kind = grading_kind(kind)
    submission = the_kind.parse(the_kind.right_form(key))
    assert the_kind.grade(key, submission) == Grade(Fraction(1), True, RIGHT)
    assert the_kind.grade(key, submission) == the_kind.grade(key, right)


@pytest.mark.parametrize(("kind", "key", "right", "wrong"), EXAMPLES)
def test_a_kinds_key_comes_back_whole_from_an_attempts_json(
    kind: str, key: object, right: object, wrong: object
) -> None:
    """An attempt stores its key as JSON and grades against what comes back."""
    the_kind = grading_kind(kind)
    stored = json.loads(json.dumps(the_kind.key_to_data(key)))
    assert the_kind.key_from_data(stored) == key


@pytest.mark.parametrize(("kind", "key", "right", "wrong"), EXAMPLES)
def test_grade_dispatch_right(kind: str, key: object, right: object, wrong: object) -> None:
    assert grade(kind, key, right) == Grade(Fraction(1), True, RIGHT)


@pytest.mark.parametrize(("kind", "key", "right", "wrong"), EXAMPLES)
def test_grade_dispatch_wrong_names_right_answer(
    kind: str, key: object, right: object, wrong: object
) -> None:
    result = grade(kind, key, wrong)
    assert result.score < 1
    assert result.is_correct is False
    assert result.feedback != RIGHT
    assert describe(kind, key) in result.feedback


@pytest.mark.parametrize(
    ("kind", "function"),
    [
        pytest.param("single", grade_single, id="single"),
        pytest.param("true_false", grade_true_false, id="true_false"),
        pytest.param("multiple", grade_multiple, id="multiple"),
        pytest.param("short_text", grade_short_text, id="short_text"),
        pytest.param("numeric", grade_numeric, id="numeric"),
        pytest.param("ordering", grade_ordering, id="ordering"),
        pytest.param("matching", grade_matching, id="matching"),
        pytest.param("evidence", grade_evidence, id="evidence"),
    ],
)
def test_grade_dispatches_to_the_kinds_function(kind: str, function: object) -> None:
    key, right, wrong = next(p.values[1:] for p in EXAMPLES if p.values[0] == kind)
    assert grade(kind, key, right) == function(key, right)
    assert grade(kind, key, wrong) == function(key, wrong)


def test_kinds_are_all_dispatched() -> None:
    assert set(KINDS) == {p.values[0] for p in EXAMPLES}
    assert {k.name for k in all_kinds() if k.counts_picks} == {"single", "multiple", "true_false"}


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("essay", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param("SINGLE", id="wrong-case"),
        pytest.param(" single", id="padded"),
    ],
)
def test_grade_unknown_kind(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown question kind") as excinfo:
        grade(kind, SINGLE_KEY, 11)
    assert not isinstance(excinfo.value, InvalidSubmission)
    assert repr(kind) in str(excinfo.value)


# Bad input never crashes a grader -------------------------------------------------------

ODD_INPUTS = [
    pytest.param(None, id="none"),
    pytest.param("", id="empty-str"),
    pytest.param("   ", id="blank-str"),
    pytest.param([], id="empty-list"),
    pytest.param({}, id="empty-dict"),
    pytest.param((), id="empty-tuple"),
    pytest.param(0, id="zero"),
    pytest.param(-1, id="minus-one"),
    pytest.param(1.5, id="float"),
    pytest.param(float("nan"), id="float-nan"),
    pytest.param(True, id="bool"),
    pytest.param(Decimal("NaN"), id="decimal-nan"),
    pytest.param(object(), id="object"),
    pytest.param(b"1", id="bytes"),
    pytest.param("abc", id="letters"),
    pytest.param("1.5", id="decimal-str"),
    pytest.param(["abc"], id="list-letters"),
    pytest.param([None], id="list-none"),
    pytest.param([[1]], id="nested-list"),
    pytest.param({"x": None}, id="dict-bad-key"),
    pytest.param({None: None}, id="dict-none-key"),
    pytest.param("9" * 5000, id="huge-digits"),
]


@pytest.mark.parametrize("submission", ODD_INPUTS)
@pytest.mark.parametrize(("kind", "key", "right", "wrong"), EXAMPLES)
def test_odd_input_grades_or_raises_invalid_submission(
    kind: str, key: object, right: object, wrong: object, submission: object
) -> None:
    """Bad input either grades as not right or raises InvalidSubmission, never anything else."""
    message = None
    try:
        result = grade(kind, key, submission)
    except InvalidSubmission as exc:
        message = str(exc)
    if message is None:
        assert isinstance(result, Grade)
        assert result.is_correct is False
    else:
        assert message, "an InvalidSubmission must say why"


# Grade ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "score",
    [
        pytest.param(Fraction(0), id="zero"),
        pytest.param(Fraction(1, 3), id="third"),
        pytest.param(Fraction(1), id="one"),
    ],
)
def test_grade_accepts_score_in_range(score: Fraction) -> None:
    assert Grade(score, score == 1, "x").score == score


@pytest.mark.parametrize(
    "score",
    [
        pytest.param(Fraction(-1, 10), id="just-negative"),
        pytest.param(Fraction(-1), id="minus-one"),
        pytest.param(Fraction(11, 10), id="just-above-one"),
        pytest.param(Fraction(2), id="two"),
    ],
)
def test_grade_refuses_score_outside_range(score: Fraction) -> None:
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        Grade(score, False, "x")


def test_grade_is_frozen() -> None:
    result = Grade(Fraction(1), True, RIGHT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = Fraction(0)


def test_invalid_submission_is_a_value_error() -> None:
    assert issubclass(InvalidSubmission, ValueError)


# key_problems ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        pytest.param("single", SINGLE_KEY, id="single"),
        pytest.param("true_false", TF_KEY, id="true_false"),
        pytest.param("multiple", MULTI_KEY, id="multiple"),
        pytest.param("multiple", MULTI_ONE_KEY, id="multiple-one-right"),
        pytest.param(
            "multiple",
            ChoiceKey(options=((1, "a"), (2, "b")), correct=frozenset({1, 2})),
            id="multiple-all-right",
        ),
        pytest.param("short_text", TEXT_KEY, id="short_text"),
        pytest.param("short_text", DNIPRO_KEY, id="short_text-one-answer"),
        pytest.param("numeric", NUM_KEY, id="numeric"),
        pytest.param("numeric", EXACT_KEY, id="numeric-zero-tolerance"),
        pytest.param("numeric", NEG_KEY, id="numeric-negative"),
        pytest.param("ordering", ORDER_KEY, id="ordering"),
        pytest.param("matching", MATCH_KEY, id="matching"),
        pytest.param("matching", SHARED_KEY, id="matching-shared-match"),
        pytest.param("evidence", EVIDENCE_KEY, id="evidence"),
        pytest.param("evidence", EVIDENCE_TWO_KEY, id="evidence-two-cited"),
    ],
)
def test_key_problems_none_for_good_keys(kind: str, key: object) -> None:
    assert key_problems(kind, key) == []


def choice(*texts: str, correct: tuple[int, ...] = ()) -> ChoiceKey:
    return ChoiceKey(options=tuple(enumerate(texts, start=1)), correct=frozenset(correct))


@pytest.mark.parametrize(
    ("kind", "key", "problems"),
    [
        pytest.param(
            "single",
            choice("a", "b", "c", correct=(1, 2)),
            ["a single-choice question needs exactly one correct choice; it has 2"],
            id="single-two-correct",
        ),
        pytest.param(
            "single",
            choice("a", "b", "c"),
            ["a single-choice question needs exactly one correct choice; it has 0"],
            id="single-none-correct",
        ),
        pytest.param(
            "single",
            choice("a", correct=(1,)),
            ["it needs at least 2 choices; it has 1"],
            id="single-one-choice",
        ),
        pytest.param(
            "single",
            choice(),
            [
                "it needs at least 2 choices; it has 0",
                "a single-choice question needs exactly one correct choice; it has 0",
            ],
            id="single-no-choices",
        ),
        pytest.param(
            "single",
            choice("Kyiv", "kyiv", correct=(1,)),
            ["two of its choices say the same thing"],
            id="single-duplicate-case",
        ),
        pytest.param(
            "single",
            choice("Kyiv", " KYIV. ", "Lviv", correct=(1, 3)),
            [
                "two of its choices say the same thing",
                "a single-choice question needs exactly one correct choice; it has 2",
            ],
            id="single-duplicate-and-two-correct",
        ),
        pytest.param(
            "true_false",
            choice("True", "False", "Maybe", correct=(1,)),
            ["a true-or-false question needs exactly 2 choices; it has 3"],
            id="true_false-three-choices",
        ),
        pytest.param(
            "true_false",
            choice("True", correct=(1,)),
            ["a true-or-false question needs exactly 2 choices; it has 1"],
            id="true_false-one-choice",
        ),
        pytest.param(
            "true_false",
            choice("True", "False", correct=(1, 2)),
            ["a true-or-false question needs exactly one correct choice; it has 2"],
            id="true_false-both-correct",
        ),
        pytest.param(
            "true_false",
            choice("True", "False"),
            ["a true-or-false question needs exactly one correct choice; it has 0"],
            id="true_false-none-correct",
        ),
        pytest.param(
            "true_false",
            choice("True", "true", correct=(1,)),
            ["two of its choices say the same thing"],
            id="true_false-duplicate",
        ),
        pytest.param(
            "multiple",
            choice("a", "b", "c"),
            ["a multiple-response question needs at least one correct choice"],
            id="multiple-none-correct",
        ),
        pytest.param(
            "multiple",
            choice("a", correct=(1,)),
            ["it needs at least 2 choices; it has 1"],
            id="multiple-one-choice",
        ),
        pytest.param(
            "multiple",
            choice("Dnipro", f"Dn{I_ACUTE}pro", "Kyiv", correct=(1,)),
            ["two of its choices say the same thing"],
            id="multiple-duplicate-accent",
        ),
        pytest.param(
            "multiple",
            choice("O'Brien", f"O{RSQUO}Brien", correct=(1,)),
            ["two of its choices say the same thing"],
            id="multiple-duplicate-apostrophe",
        ),
        pytest.param(
            "short_text",
            TextKey(accepted=()),
            ["a short-answer question needs at least one accepted answer"],
            id="short_text-none",
        ),
        pytest.param(
            "short_text",
            TextKey(accepted=("",)),
            ["a short-answer question needs at least one accepted answer"],
            id="short_text-empty",
        ),
        pytest.param(
            "short_text",
            TextKey(accepted=("   ", "\t")),
            ["a short-answer question needs at least one accepted answer"],
            id="short_text-blank",
        ),
        pytest.param(
            "short_text",
            TextKey(accepted=("...",)),
            ["a short-answer question needs at least one accepted answer"],
            id="short_text-only-punctuation",
        ),
        pytest.param(
            "numeric",
            NumericKey(value=None, tolerance=Decimal(0)),
            ["a numeric question needs its answer"],
            id="numeric-no-answer",
        ),
        pytest.param(
            "numeric",
            NumericKey(value=Decimal(1), tolerance=Decimal("-0.1")),
            ["the tolerance cannot be negative"],
            id="numeric-negative-tolerance",
        ),
        pytest.param(
            "numeric",
            NumericKey(value=Decimal(1), tolerance=None),
            ["the tolerance cannot be negative"],
            id="numeric-no-tolerance",
        ),
        pytest.param(
            "numeric",
            NumericKey(value=None, tolerance=None),
            ["a numeric question needs its answer", "the tolerance cannot be negative"],
            id="numeric-nothing",
        ),
        pytest.param(
            "ordering",
            OrderKey(items=((1, "a"),)),
            ["an ordering question needs at least 3 items; it has 1"],
            id="ordering-one-item",
        ),
        pytest.param(
            "ordering",
            OrderKey(items=((1, "a"), (2, "b"))),
            ["an ordering question needs at least 3 items; it has 2"],
            id="ordering-two-items-give-the-answer-away",
        ),
        pytest.param(
            "ordering",
            OrderKey(items=()),
            ["an ordering question needs at least 3 items; it has 0"],
            id="ordering-no-items",
        ),
        pytest.param(
            "matching",
            MatchKey(pairs=((1, "a", "x"),)),
            ["a matching question needs at least 2 pairs; it has 1"],
            id="matching-one-pair",
        ),
        pytest.param(
            "matching",
            MatchKey(pairs=((1, "a", "x"), (2, "b", ""))),
            ["every item of a matching question needs its match"],
            id="matching-empty-match",
        ),
        pytest.param(
            "matching",
            MatchKey(pairs=((1, "a", "x"), (2, "b", "   "))),
            ["every item of a matching question needs its match"],
            id="matching-blank-match",
        ),
        pytest.param(
            "matching",
            MatchKey(pairs=((1, "a", " "),)),
            [
                "a matching question needs at least 2 pairs; it has 1",
                "every item of a matching question needs its match",
            ],
            id="matching-one-blank-pair",
        ),
        pytest.param(
            "evidence",
            choice("Alone in its paragraph.", correct=(1,)),
            [
                "its passage needs at least 2 sentences to choose from; it has 1",
                "it cites every sentence of its passage: no pick would be wrong",
            ],
            id="evidence-one-sentence",
        ),
        pytest.param(
            "evidence",
            choice("a", "b", "c"),
            ["it cites no sentence of its passage"],
            id="evidence-none-cited",
        ),
        pytest.param(
            "evidence",
            choice("a", "b", correct=(1, 2)),
            ["it cites every sentence of its passage: no pick would be wrong"],
            id="evidence-all-cited",
        ),
        pytest.param(
            "essay", TextKey(accepted=("x",)), ["unknown question type 'essay'"], id="unknown-kind"
        ),
    ],
)
def test_key_problems(kind: str, key: object, problems: list[str]) -> None:
    assert key_problems(kind, key) == problems


# describe -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key", "expected"),
    [
        pytest.param("single", SINGLE_KEY, q("Kyiv"), id="single"),
        pytest.param("true_false", TF_KEY, q("False"), id="true_false"),
        pytest.param("multiple", MULTI_KEY, MULTI_RIGHT, id="multiple-three"),
        pytest.param(
            "multiple",
            ChoiceKey(options=((3, "c"), (1, "a"), (2, "b")), correct=frozenset({1, 3})),
            f"{q('c')} and {q('a')}",
            id="multiple-two-in-question-order",
        ),
        pytest.param("multiple", MULTI_ONE_KEY, q("a"), id="multiple-one"),
        pytest.param("short_text", TEXT_KEY, q("Sergei Shoigu"), id="short_text-first-only"),
        pytest.param(
            "short_text", OBRIEN_KEY, q(f"O{RSQUO}Brien"), id="short_text-keeps-typography"
        ),
        pytest.param("numeric", NUM_KEY, "10", id="numeric"),
        pytest.param("numeric", EXACT_KEY, "1000", id="numeric-trailing-zeros"),
        pytest.param("numeric", NEG_KEY, "-3.5", id="numeric-negative"),
        pytest.param(
            "numeric", NumericKey(Decimal("1E+3"), Decimal(0)), "1000", id="numeric-exponent"
        ),
        pytest.param(
            "numeric", NumericKey(Decimal("0.0010"), Decimal(0)), "0.001", id="numeric-small"
        ),
        pytest.param("ordering", ORDER_KEY, ORDER_RIGHT, id="ordering"),
        pytest.param("matching", MATCH_KEY, MATCH_RIGHT, id="matching"),
        pytest.param("evidence", EVIDENCE_KEY, q("Putin annexed the region."), id="evidence"),
        pytest.param(
            "evidence",
            EVIDENCE_TWO_KEY,
            SUPPORTED_BY_TWO.removeprefix("Not quite: the sentences that support it are ")[:-1],
            id="evidence-two-in-article-order",
        ),
        pytest.param(
            "matching",
            SHARED_KEY,
            "Kherson → Dnipro; Zaporizhzhia → Dnipro; Mykolaiv → Southern Bug",
            id="matching-shared",
        ),
    ],
)
def test_describe(kind: str, key: object, expected: str) -> None:
    assert describe(kind, key) == expected


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="none"),
        pytest.param(object(), id="object"),
        pytest.param({"value": 1}, id="dict"),
    ],
)
def test_describe_unknown_key(key: object) -> None:
    with pytest.raises(ValueError, match="unknown key for 'numeric'"):
        describe("numeric", key)


# A stored answer in words (the review's and the feedback's "Your answer") ---------------------

OPTIONS = {
    11: "Kyiv",
    12: "Kharkiv",
    31: "Kherson",
    33: "Zaporizhzhia",
    41: "Invasion",
    42: "Occupation of Kherson",
    51: "Sergei Shoigu",
    52: "Sergei Surovikin",
}


@pytest.mark.parametrize(
    ("kind", "submission", "words"),
    [
        pytest.param("single", "12", "“Kharkiv”", id="single"),
        pytest.param("single", "999", "“999”", id="single-unknown-option"),
        pytest.param("true_false", "11", "“Kyiv”", id="true_false"),
        pytest.param("multiple", ["31", "33"], "“Kherson” and “Zaporizhzhia”", id="multiple"),
        pytest.param("multiple", ["31", "x"], "“Kherson” and “x”", id="multiple-odd-value"),
        pytest.param("short_text", "  Shoigu ", "“  Shoigu ”", id="short_text-as-typed"),
        pytest.param("numeric", "10,5", "10,5", id="numeric-as-typed"),
        pytest.param("ordering", ["42", "41"], "Occupation of Kherson → Invasion", id="ordering"),
        pytest.param("ordering", ["42", "7"], "Occupation of Kherson → 7", id="ordering-unknown"),
        pytest.param(
            "matching",
            {"51": "Minister of Defence", "52": "Installed governor of Kherson"},
            "Sergei Shoigu → Minister of Defence; Sergei Surovikin → Installed governor of Kherson",
            id="matching",
        ),
        pytest.param("matching", {"9": "Nobody"}, "9 → Nobody", id="matching-unknown-item"),
    ],
)
def test_a_stored_answer_in_words(kind: str, submission: object, words: str) -> None:
    assert grading_kind(kind).describe_submission(OPTIONS, submission) == words


def test_two_kinds_cannot_share_a_name() -> None:
    from quiz.grading.registry import register

    class Impostor(grading_kind("single").__class__):
        pass

    with pytest.raises(ValueError, match=r"^two kinds are named 'single'$"):
        register(Impostor)
    assert type(grading_kind("single")).__name__ == "SingleChoice"
