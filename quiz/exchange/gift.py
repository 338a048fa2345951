"""Moodle's GIFT format: export every kind that GIFT can say, import what Moodle writes.

GIFT escapes `~ = # { } :` and the backslash with a backslash; `_tokens` is the one place
that reads those escapes, and everything that scans GIFT text goes through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from quiz import grading
from quiz.banks import Problem
from quiz.exchange.common import (
    Exported,
    Imported,
    QuestionData,
    exportable,
    general_feedback,
    plain,
    split_feedback,
)
from quiz.grading.base import gift_escape
from quiz.grading.choice import true_false_parts
from quiz.grading.numeric import further_value
from quiz.models import Article


def export_gift(article: Article) -> Exported:
    lines = [
        f"// Question bank of “{article.title}” ({article.slug}).",
        "// The general feedback of each question ends with its source sentences, one",
        "// `Source: “…”` line each.",
        "",
    ]
    questions, left_out = exportable(article)
    topic = None
    for q in questions:
        try:
            answers = grading.kind(q.kind).gift_answers(q.parts)
        except grading.CannotExport as exc:
            left_out.append(f"{q.key}: {exc}")
            continue
        if q.topic != topic:
            topic = q.topic
            lines += [f"$CATEGORY: {article.slug}/{topic}", ""]
        lines.append(f"::{gift_escape(q.key)}::[plain]{gift_escape(q.prompt)} {{")
        lines += [f"\t{line}" for line in answers]
        lines.append(f"\t####{gift_escape(general_feedback(q))}")
        lines += ["}", ""]
    return Exported("\n".join(lines), left_out)


def import_gift(text: str) -> Imported:
    questions: list[QuestionData] = []
    problems: list[Problem] = []
    topic = "Imported"
    for number, block in enumerate(_blocks(text), 1):
        if block.startswith("$CATEGORY:"):
            topic = block.removeprefix("$CATEGORY:").strip().rstrip("/").rsplit("/", 1)[-1]
            continue
        try:
            questions.append(_question(block, topic))
        except ValueError as exc:
            title = re.match(r"::(.*?)::", block)
            where = f"GIFT question {number} ({title.group(1) if title else block[:40]!r})"
            problems.append(Problem(where, str(exc)))
    return Imported(questions, problems)


# Reading GIFT's escapes ----------------------------------------------------------------------


def _tokens(text: str, start: int = 0) -> Iterator[tuple[int, str, bool]]:
    """Each character from `start` with its index in `text` and whether a backslash escaped
    it (the index is the backslash's)."""
    i = start
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            yield i, text[i + 1], True
            i += 2
        else:
            yield i, text[i], False
            i += 1


def _unescape(text: str) -> str:
    return "".join("\n" if escaped and c == "n" else c for _, c, escaped in _tokens(text)).strip()


def _find(text: str, needle: str, start: int = 0) -> int | None:
    """Where `needle` first starts at an unescaped character, from `start`."""
    for i, _, escaped in _tokens(text, start):
        if not escaped and text.startswith(needle, i):
            return i
    return None


def _split(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separators: [(the separator before, the raw text), …]; the first
    piece has no separator."""
    cuts = [i for i, c, escaped in _tokens(text) if not escaped and c in separators]
    pieces, previous, sep = [], 0, ""
    for cut in cuts:
        pieces.append((sep, text[previous:cut]))
        sep, previous = text[cut], cut + 1
    pieces.append((sep, text[previous:]))
    return pieces


def _depth(text: str) -> int:
    """Unescaped `{` less unescaped `}`."""
    return sum({"{": 1, "}": -1}.get(c, 0) for _, c, escaped in _tokens(text) if not escaped)


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    for i, c, escaped in _tokens(text, start):
        if escaped:
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        if c == "}" and depth == 0:
            return i
    raise ValueError("its answers are not closed with }")


# Questions ------------------------------------------------------------------------------------


def _blocks(text: str) -> list[str]:
    """Questions and category lines, comments dropped; a blank line ends a question."""
    blocks, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:"):
            if current:
                blocks.append("\n".join(current))
                current = []
            blocks.append(stripped)
            continue
        if not stripped:
            if current and _depth("\n".join(current)) <= 0:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _question(block: str, topic: str) -> QuestionData:
    raw = block.strip()
    key = ""
    title = re.match(r"::((?:\\.|[^:])*)::", raw)
    if title:
        key = _unescape(title.group(1))
        raw = raw[title.end() :]
    marker = _FORMAT.match(raw)
    raw = raw[marker.end() :] if marker else raw
    # Moodle's own format (no marker) and HTML are HTML; what we export is [plain] and kept.
    is_html = (marker.group(1) if marker else "moodle") in ("html", "moodle")

    def text(value: str) -> str:
        value = _unescape(value)
        return plain(value) if is_html else value

    open_at = _find(raw, "{")
    if open_at is None:
        raise ValueError("has no answers: description items are not questions")
    close_at = _closing_brace(raw, open_at)
    prompt = text(raw[:open_at])
    if raw[close_at + 1 :].strip():
        raise ValueError(
            "answers in the middle of the text (missing-word format) are not "
            "supported: put the answers at the end"
        )
    answers = raw[open_at + 1 : close_at]
    general = ""
    cut = _find(answers, "####")
    if cut is not None:
        general = text(answers[cut + 4 :])
        answers = answers[:cut]
    explanation, evidence = split_feedback(general)
    q = QuestionData(
        key=key or slugify(prompt)[:60],
        kind="",
        prompt=prompt,
        explanation=explanation,
        evidence=evidence,
        topic=topic,
    )
    _read_answers(q, answers.strip(), lambda raw: text(_FORMAT.sub("", raw)))
    return q


_FORMAT = re.compile(r"^\s*\[(plain|html|markdown|moodle)\]")


def _read_answers(q: QuestionData, body: str, _text: Callable[[str], str]) -> None:
    """Tell the kind from GIFT's answer syntax and read its parts into `q`; `_text` reads
    an answer's raw text (its format marker, escapes and, for HTML, tags)."""
    if not body:
        raise ValueError("essay questions ({}) are not supported")
    if body.startswith("#"):
        # `{#45:0}`, or as Moodle writes it, `{#\n=%100%45:0#feedback\n=%50%44:0#…}`.
        q.kind = grading.NUMERIC
        pieces = _split(body[1:], "=~")
        answers = [_weight(text) for sep, text in pieces if sep == "="] or [(None, pieces[0][1])]
        rights = [text for weight, text in answers if weight is None or weight >= 100]
        if not rights:
            raise ValueError("has no fully right answer")
        first, *further = (_number(_unescape(_split(t, "#")[0][1])) for t in rights)
        q.numeric_answer, q.numeric_tolerance = first
        q.accepted = [further_value(str(value), tolerance) for value, tolerance in further]
        return
    if re.match(r"^(T|TRUE|F|FALSE)\s*(#|$)", body, re.I):
        truth = body.split("#")[0].strip().upper().startswith("T")
        q.kind = grading.TRUE_FALSE
        q.parts = true_false_parts(truth)
        return
    entries = [(sep, _split(text, "#")[0][1]) for sep, text in _split(body, "=~") if sep]
    if not entries:
        raise ValueError("could not read its answers")
    if all(sep == "=" for sep, _ in entries) and all("->" in t for _, t in entries):
        q.kind = grading.MATCHING
        for _, text in entries:
            item, _, match = text.partition("->")
            q.choices.append((_text(item), False, _text(match)))
        return
    weighted = [(sep, _weight(text)) for sep, text in entries]
    if all(sep == "=" for sep, _ in entries):
        # Only full marks are an accepted answer: we have no partial credit for short text.
        q.kind = grading.SHORT_TEXT
        q.accepted = [_text(text) for _, (w, text) in weighted if w is None or w >= 100]
        return
    right = [w for sep, (w, _) in weighted if sep == "=" or (w is not None and w > 0)]
    if any(sep == "~" and w is not None and w > 0 for sep, (w, _) in weighted) or len(right) > 1:
        q.kind = grading.MULTIPLE
        q.choices = [(_text(t), (w or 0) > 0 or sep == "=", "") for sep, (w, t) in weighted]
        return
    q.kind = grading.SINGLE
    q.choices = [(_text(t), sep == "=" or (w or 0) >= 100, "") for sep, (w, t) in weighted]


def _weight(text: str) -> tuple[float | None, str]:
    match = re.match(r"\s*%(-?[\d.]+)%", text)
    if match:
        return float(match.group(1)), text[match.end() :]
    return None, text


def _number(value: str) -> tuple[Decimal, Decimal]:
    try:
        if ".." in value:
            low, high = (Decimal(v) for v in value.split(".."))
            return (low + high) / 2, (high - low) / 2
        number, _, tolerance = value.partition(":")
        return Decimal(number), Decimal(tolerance or 0)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
