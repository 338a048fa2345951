"""Moving banks to and from Moodle: GIFT and Moodle XML.

Both formats carry a question's key as its name, its topic as its category and its
explanation as the general feedback, which ends with the source sentence as a paragraph
`Source: “…”`, so Moodle's students see the source too and an import gets it back. What a
format cannot express is reported, never dropped in silence: GIFT has no ordering questions
(Moodle XML carries them as qtype_ordering). Imports go through `banks.bank_load_entries`:
validated, all or nothing.

Plain text throughout: imported HTML is reduced to its text.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.text import slugify

from quiz import grading
from quiz.banks import Problem
from quiz.models import Article, Question

SOURCE_PREFIX = "Source: “"
SOURCE_SUFFIX = "”"


@dataclass
class QuestionData:
    """A question as the formats see it, independent of the database."""

    key: str
    kind: str
    prompt: str
    explanation: str
    excerpt: str
    topic: str
    choices: list[tuple[str, bool, str]] = field(default_factory=list)  # text, correct, match
    accepted: list[str] = field(default_factory=list)
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal = Decimal(0)

    def comparable(self) -> tuple:
        choices = self.choices if self.kind == grading.ORDERING else sorted(self.choices)
        return (
            self.key,
            self.kind,
            self.prompt,
            self.explanation,
            self.excerpt,
            self.topic,
            tuple(choices),
            tuple(sorted(self.accepted)),
            None if self.numeric_answer is None else self.numeric_answer.normalize(),
            self.numeric_tolerance.normalize(),
        )


@dataclass
class Exported:
    text: str
    left_out: list[str]  # what the format could not carry, one line each


@dataclass
class Imported:
    questions: list[QuestionData]
    problems: list[Problem]


def bank_questions(article: Article) -> list[QuestionData]:
    questions = article.questions.prefetch_related("choices", "accepted_answers").order_by(
        "topic", "key"
    )
    return [
        QuestionData(
            key=q.key,
            kind=q.kind,
            prompt=q.prompt,
            explanation=q.explanation,
            excerpt=q.excerpt,
            topic=q.topic,
            choices=[(c.text, c.is_correct, c.match) for c in q.choices.all()],
            accepted=[a.text for a in q.accepted_answers.all()],
            numeric_answer=q.numeric_answer,
            numeric_tolerance=q.numeric_tolerance,
        )
        for q in questions
    ]


def bank_entries(article: Article, questions: list[QuestionData]) -> list[dict[str, Any]]:
    """The imported questions as bank objects with natural keys, for `bank_load_entries`."""
    entries: list[dict[str, Any]] = []
    for q in questions:
        entries.append(
            {
                "model": "quiz.question",
                "fields": {
                    "article": [article.slug],
                    "key": q.key,
                    "kind": q.kind,
                    "prompt": q.prompt,
                    "explanation": q.explanation,
                    "excerpt": q.excerpt,
                    "topic": q.topic,
                    "numeric_answer": None if q.numeric_answer is None else str(q.numeric_answer),
                    "numeric_tolerance": str(q.numeric_tolerance),
                },
            }
        )
        for position, (text, correct, match) in enumerate(q.choices, 1):
            entries.append(
                {
                    "model": "quiz.choice",
                    "fields": {
                        "question": [q.key, article.slug],
                        "position": position,
                        "text": text,
                        "is_correct": correct,
                        "match": match,
                    },
                }
            )
        for text in q.accepted:
            entries.append(
                {
                    "model": "quiz.acceptedanswer",
                    "fields": {
                        "question": [q.key, article.slug],
                        "text": text,
                    },
                }
            )
    return entries


def new_bank_problems(article: Article, questions: list[QuestionData]) -> list[Problem]:
    """An import makes new questions: a key the article's bank has already is a clash."""
    taken = set(Question.objects.filter(article=article).values_list("key", flat=True))
    problems = []
    seen: set[str] = set()
    for q in questions:
        if q.key in taken:
            problems.append(
                Problem(
                    f"question {q.key}",
                    f"the bank of {article.slug} has a question with this key already",
                )
            )
        if q.key in seen:
            problems.append(
                Problem(f"question {q.key}", "two questions in the file have this name")
            )
        seen.add(q.key)
    return problems


def _feedback(q: QuestionData) -> str:
    return f"{q.explanation}\n\n{SOURCE_PREFIX}{q.excerpt}{SOURCE_SUFFIX}"


def _split_feedback(text: str) -> tuple[str, str]:
    """(explanation, excerpt) from a general feedback that ends with `Source: “…”`."""
    text = text.strip()
    head, sep, tail = text.rpartition("\n\n")
    last = tail if sep else text
    if last.startswith(SOURCE_PREFIX) and last.endswith(SOURCE_SUFFIX):
        excerpt = last[len(SOURCE_PREFIX) : -len(SOURCE_SUFFIX)]
        return (head.strip() if sep else ""), excerpt
    return text, ""


def _weight(right: int) -> str:
    return f"{100 / right:.5f}".rstrip("0").rstrip(".")


# GIFT ----------------------------------------------------------------------------------------

_GIFT_SPECIAL = "~=#{}:\\"


def _gift_escape(text: str) -> str:
    escaped = "".join("\\" + c if c in _GIFT_SPECIAL else c for c in text)
    return escaped.replace("\n", "\\n")


def export_gift(article: Article) -> Exported:
    lines = [
        f"// Question bank of “{article.title}” ({article.slug}).",
        "// The general feedback of each question ends with its source sentence.",
        "",
    ]
    left_out = []
    topic = None
    for q in bank_questions(article):
        if q.kind == grading.ORDERING:
            left_out.append(f"{q.key}: GIFT has no ordering questions (use Moodle XML)")
            continue
        if q.topic != topic:
            topic = q.topic
            lines += [f"$CATEGORY: {article.slug}/{topic}", ""]
        body = _gift_answers(q)
        lines.append(f"::{_gift_escape(q.key)}::[plain]{_gift_escape(q.prompt)} {{")
        lines += [f"\t{line}" for line in body]
        lines.append(f"\t####{_gift_escape(_feedback(q))}")
        lines += ["}", ""]
    return Exported("\n".join(lines), left_out)


def _gift_answers(q: QuestionData) -> list[str]:
    if q.kind == grading.TRUE_FALSE:
        right = next(text for text, correct, _ in q.choices if correct)
        return ["TRUE" if right.strip().lower() == "true" else "FALSE"]
    if q.kind == grading.SINGLE:
        return [("=" if correct else "~") + _gift_escape(text) for text, correct, _ in q.choices]
    if q.kind == grading.MULTIPLE:
        right = sum(1 for _, correct, _ in q.choices if correct)
        weight = _weight(right)
        return [
            f"~%{weight if correct else '-' + weight}%{_gift_escape(text)}"
            for text, correct, _ in q.choices
        ]
    if q.kind == grading.SHORT_TEXT:
        return ["=" + _gift_escape(text) for text in q.accepted]
    if q.kind == grading.NUMERIC:
        return [f"#{_number(q.numeric_answer)}:{_number(q.numeric_tolerance)}"]
    if q.kind == grading.MATCHING:
        return [f"={_gift_escape(text)} -> {_gift_escape(match)}" for text, _, match in q.choices]
    raise ValueError(q.kind)


def _number(value: Decimal | None) -> str:
    return format(Decimal(value or 0).normalize(), "f")


def import_gift(text: str) -> Imported:
    questions: list[QuestionData] = []
    problems: list[Problem] = []
    topic = "Imported"
    for number, block in enumerate(_gift_blocks(text), 1):
        where = f"GIFT question {number}"
        if block.startswith("$CATEGORY:"):
            topic = block.removeprefix("$CATEGORY:").strip().rstrip("/").rsplit("/", 1)[-1]
            continue
        try:
            questions.append(_gift_question(block, topic))
        except ValueError as exc:
            title = re.match(r"::(.*?)::", block)
            problems.append(
                Problem(f"{where} ({title.group(1) if title else block[:40]!r})", str(exc))
            )
    return Imported(questions, problems)


def _gift_blocks(text: str) -> list[str]:
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
            if current and _balanced(current):
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _balanced(lines: list[str]) -> bool:
    depth = 0
    for char, escaped in _chars("\n".join(lines)):
        if not escaped and char == "{":
            depth += 1
        elif not escaped and char == "}":
            depth -= 1
    return depth <= 0


def _chars(text: str):
    """Each character with whether a backslash escaped it."""
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            yield text[i + 1], True
            i += 2
        else:
            yield text[i], False
            i += 1


def _unescape(text: str) -> str:
    out = []
    for char, escaped in _chars(text):
        out.append("\n" if escaped and char == "n" else char)
    return "".join(out).strip()


def _split_unescaped(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters: [(separator, raw text after it), …]."""
    parts: list[tuple[str, str]] = []
    sep, buf = "", []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if char in separators:
            parts.append((sep, "".join(buf)))
            sep, buf = char, []
        else:
            buf.append(char)
        i += 1
    parts.append((sep, "".join(buf)))
    return parts


def _gift_question(block: str, topic: str) -> QuestionData:
    raw = block.strip()
    key = ""
    title = re.match(r"::((?:\\.|[^:])*)::", raw)
    if title:
        key = _unescape(title.group(1))
        raw = raw[title.end() :]
    raw = re.sub(r"^\s*\[(plain|html|markdown|moodle)\]", "", raw)
    open_at = next((i for i, (c, e) in enumerate(_indexed_chars(raw)) if c == "{" and not e), None)
    if open_at is None:
        raise ValueError("has no answers: description items are not questions")
    close_at = _matching_brace(raw, open_at)
    prompt = _plain(_unescape(raw[:open_at]))
    after = raw[close_at + 1 :].strip()
    if after:
        raise ValueError(
            "answers in the middle of the text (missing-word format) are not "
            "supported: put the answers at the end"
        )
    answers = raw[open_at + 1 : close_at]
    general = ""
    cut = _find_unescaped(answers, "####")
    if cut is not None:
        general = _unescape(answers[cut + 4 :])
        answers = answers[:cut]
    explanation, excerpt = _split_feedback(_plain(general))
    q = QuestionData(
        key=key or slugify(prompt)[:60],
        kind="",
        prompt=prompt,
        explanation=explanation,
        excerpt=excerpt,
        topic=topic,
    )
    body = answers.strip()
    if not body:
        raise ValueError("essay questions ({}) are not supported")
    if body.startswith("#"):
        q.kind = grading.NUMERIC
        first = _split_unescaped(body[1:], "=~")
        value = (first[1][1] if len(first) > 1 else first[0][1]).split("#")[0].strip()
        q.numeric_answer, q.numeric_tolerance = _gift_number(value)
        return q
    if body.upper() in ("T", "TRUE", "F", "FALSE") or re.match(
        r"^(T|TRUE|F|FALSE)\s*#", body, re.I
    ):
        truth = body.split("#")[0].strip().upper().startswith("T")
        q.kind = grading.TRUE_FALSE
        q.choices = [("True", truth, ""), ("False", not truth, "")]
        return q
    entries = [
        (sep, _split_unescaped(text, "#")[0][1])
        for sep, text in _split_unescaped(body, "=~")
        if sep
    ]
    if not entries:
        raise ValueError("could not read its answers")
    if all(sep == "=" for sep, _ in entries) and all("->" in t for _, t in entries):
        q.kind = grading.MATCHING
        for _, text in entries:
            item, _, match = text.partition("->")
            q.choices.append((_unescape(item), False, _unescape(match)))
        return q
    weighted = [(sep, _gift_weight(text)) for sep, text in entries]
    if all(sep == "=" for sep, _ in entries):
        q.kind = grading.SHORT_TEXT
        q.accepted = [_unescape(text) for _, (_, text) in weighted]
        return q
    right = [w for sep, (w, _) in weighted if sep == "=" or (w is not None and w > 0)]
    if any(sep == "~" and w is not None and w > 0 for sep, (w, _) in weighted) or len(right) > 1:
        q.kind = grading.MULTIPLE
        q.choices = [(_unescape(t), (w or 0) > 0 or sep == "=", "") for sep, (w, t) in weighted]
        return q
    q.kind = grading.SINGLE
    q.choices = [(_unescape(t), sep == "=" or (w or 0) >= 100, "") for sep, (w, t) in weighted]
    return q


def _indexed_chars(text: str):
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            yield text[i + 1], True
            yield "", True  # keep indexes aligned with the raw text
            i += 2
        else:
            yield text[i], False
            i += 1


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("its answers are not closed with }")


def _find_unescaped(text: str, needle: str) -> int | None:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(needle, i):
            return i
        i += 1
    return None


def _gift_weight(text: str) -> tuple[float | None, str]:
    match = re.match(r"\s*%(-?[\d.]+)%", text)
    if match:
        return float(match.group(1)), text[match.end() :]
    return None, text


def _gift_number(value: str) -> tuple[Decimal, Decimal]:
    try:
        if ".." in value:
            low, high = (Decimal(v) for v in value.split(".."))
            return (low + high) / 2, (high - low) / 2
        number, _, tolerance = value.partition(":")
        return Decimal(number), Decimal(tolerance or 0)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def _plain(text: str) -> str:
    """Text without HTML tags or entities (Moodle often exports HTML)."""
    if "<" in text:
        text = re.sub(r"<br\s*/?>|</p>\s*<p[^>]*>", "\n\n", text)
        text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


# Moodle XML -----------------------------------------------------------------------------------


def export_moodle_xml(article: Article) -> Exported:
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(f" Question bank of “{article.title}” ({article.slug}) "))
    topic = None
    for q in bank_questions(article):
        if q.topic != topic:
            topic = q.topic
            category = ET.SubElement(quiz, "question", type="category")
            _text(ET.SubElement(category, "category"), f"$course$/top/{article.slug}/{topic}")
        quiz.append(_xml_question(q))
    ET.indent(quiz)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode")
    return Exported(text + "\n", [])


def _text(parent: ET.Element, value: str) -> ET.Element:
    ET.SubElement(parent, "text").text = value
    return parent


_XML_TYPES = {
    grading.SINGLE: "multichoice",
    grading.MULTIPLE: "multichoice",
    grading.TRUE_FALSE: "truefalse",
    grading.SHORT_TEXT: "shortanswer",
    grading.NUMERIC: "numerical",
    grading.MATCHING: "matching",
    grading.ORDERING: "ordering",
}


def _xml_question(q: QuestionData) -> ET.Element:
    element = ET.Element("question", type=_XML_TYPES[q.kind])
    _text(ET.SubElement(element, "name"), q.key)
    _text(ET.SubElement(element, "questiontext", format="plain_text"), q.prompt)
    _text(ET.SubElement(element, "generalfeedback", format="plain_text"), _feedback(q))
    ET.SubElement(element, "defaultgrade").text = "1"
    ET.SubElement(element, "idnumber").text = q.key
    if q.kind in (grading.SINGLE, grading.MULTIPLE):
        ET.SubElement(element, "single").text = "true" if q.kind == grading.SINGLE else "false"
        ET.SubElement(element, "shuffleanswers").text = "1"
        ET.SubElement(element, "answernumbering").text = "abc"
        right = sum(1 for _, correct, _ in q.choices if correct)
        for text, correct, _ in q.choices:
            if q.kind == grading.SINGLE:
                fraction = "100" if correct else "0"
            else:
                fraction = _weight(right) if correct else "-" + _weight(right)
            _text(ET.SubElement(element, "answer", fraction=fraction, format="plain_text"), text)
    elif q.kind == grading.TRUE_FALSE:
        truth = next(t for t, c, _ in q.choices if c).strip().lower() == "true"
        for value in ("true", "false"):
            fraction = "100" if (value == "true") == truth else "0"
            _text(
                ET.SubElement(element, "answer", fraction=fraction, format="moodle_auto_format"),
                value,
            )
    elif q.kind == grading.SHORT_TEXT:
        ET.SubElement(element, "usecase").text = "0"
        for text in q.accepted:
            _text(ET.SubElement(element, "answer", fraction="100", format="plain_text"), text)
    elif q.kind == grading.NUMERIC:
        answer = _text(
            ET.SubElement(element, "answer", fraction="100", format="plain_text"),
            _number(q.numeric_answer),
        )
        ET.SubElement(answer, "tolerance").text = _number(q.numeric_tolerance)
    elif q.kind == grading.MATCHING:
        ET.SubElement(element, "shuffleanswers").text = "true"
        for text, _, match in q.choices:
            sub = _text(ET.SubElement(element, "subquestion", format="plain_text"), text)
            _text(ET.SubElement(sub, "answer"), match)
    elif q.kind == grading.ORDERING:
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
        for text, _, _ in q.choices:
            _text(ET.SubElement(element, "answer", fraction="1.0000000", format="plain_text"), text)
    return element


def import_moodle_xml(text: str) -> Imported:
    questions: list[QuestionData] = []
    problems: list[Problem] = []
    try:
        root = SafeET.fromstring(text.encode("utf-8"))
    except DefusedXmlException as exc:
        return Imported([], [Problem("the file", f"was refused as unsafe XML ({exc!r})")])
    except SafeET.ParseError as exc:
        return Imported([], [Problem("the file", f"is not well-formed XML: {exc}")])
    if root.tag != "quiz":
        return Imported([], [Problem("the file", "is not Moodle XML (no <quiz> root)")])
    topic = "Imported"
    for number, element in enumerate(root.findall("question"), 1):
        kind = element.get("type", "")
        if kind == "category":
            path = element.findtext("category/text", default="")
            topic = path.rstrip("/").rsplit("/", 1)[-1] or topic
            continue
        name = element.findtext("name/text", default="").strip()
        where = f"XML question {number} ({name or kind})"
        try:
            questions.append(_xml_import_question(element, kind, name, topic))
        except ValueError as exc:
            problems.append(Problem(where, str(exc)))
    return Imported(questions, problems)


def _xml_import_question(element: Any, kind: str, name: str, topic: str) -> QuestionData:
    prompt = _plain(element.findtext("questiontext/text", default=""))
    explanation, excerpt = _split_feedback(
        _plain(element.findtext("generalfeedback/text", default=""))
    )
    q = QuestionData(
        key=name or slugify(prompt)[:60],
        kind="",
        prompt=prompt,
        explanation=explanation,
        excerpt=excerpt,
        topic=topic,
    )
    answers = [
        (_plain(a.findtext("text", default="")), float(a.get("fraction", "0") or 0), a)
        for a in element.findall("answer")
    ]
    if kind == "multichoice":
        single = element.findtext("single", default="true").strip().lower() in ("true", "1")
        q.kind = grading.SINGLE if single else grading.MULTIPLE
        q.choices = [
            (text, fraction > 0 if not single else fraction >= 100, "")
            for text, fraction, _ in answers
        ]
    elif kind == "truefalse":
        truth = any(text.lower() == "true" and fraction >= 100 for text, fraction, _ in answers)
        q.kind = grading.TRUE_FALSE
        q.choices = [("True", truth, ""), ("False", not truth, "")]
    elif kind == "shortanswer":
        q.kind = grading.SHORT_TEXT
        q.accepted = [text for text, fraction, _ in answers if fraction >= 100]
    elif kind == "numerical":
        right = next(((t, a) for t, f, a in answers if f >= 100), None)
        if right is None:
            raise ValueError("has no fully right answer")
        q.kind = grading.NUMERIC
        try:
            q.numeric_answer = Decimal(right[0])
            q.numeric_tolerance = Decimal(right[1].findtext("tolerance", default="0") or 0)
        except InvalidOperation:
            raise ValueError(f"{right[0]!r} is not a number") from None
    elif kind == "matching":
        q.kind = grading.MATCHING
        for sub in element.findall("subquestion"):
            text = _plain(sub.findtext("text", default=""))
            match = _plain(sub.findtext("answer/text", default=""))
            if text:
                q.choices.append((text, False, match))
            # A subquestion without text is a distractor match, which we do not have.
            elif match:
                raise ValueError(
                    "extra wrong matches (subquestions without text) are not supported"
                )
    elif kind == "ordering":
        q.kind = grading.ORDERING
        q.choices = [(text, False, "") for text, _, _ in answers]
    else:
        raise ValueError(f"Moodle's {kind or 'unknown'} questions are not supported")
    return q
