"""Moodle XML: every kind exports (ordering as qtype_ordering); imports are parsed with
defusedxml, so entity expansion and external entities are refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
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
from quiz.grading.base import xml_text
from quiz.models import MAX_WEIGHT, Article


def export_moodle_xml(article: Article) -> Exported:
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(f" Question bank of “{article.title}” ({article.slug}) "))
    questions, left_out = exportable(article)
    topic = None
    for q in questions:
        try:
            element = _question(q)
        except grading.CannotExport as exc:
            left_out.append(f"{q.key}: {exc}")
            continue
        if q.topic != topic:
            topic = q.topic
            category = ET.SubElement(quiz, "question", type="category")
            xml_text(category, "category", f"$course$/top/{article.slug}/{topic}")
        quiz.append(element)
    ET.indent(quiz)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode")
    return Exported(text + "\n", left_out)


def _question(q: QuestionData) -> ET.Element:
    kind = grading.kind(q.kind)
    element = ET.Element("question", type=kind.xml_type)
    xml_text(element, "name", q.key)
    xml_text(element, "questiontext", q.prompt, format="plain_text")
    xml_text(element, "generalfeedback", general_feedback(q), format="plain_text")
    ET.SubElement(element, "defaultgrade").text = str(q.weight)
    ET.SubElement(element, "idnumber").text = q.key
    kind.xml_write(element, q.parts)
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
        try:
            questions.append(_import_question(element, name, topic))
        except ValueError as exc:
            problems.append(Problem(f"XML question {number} ({name or kind})", str(exc)))
    return Imported(questions, problems)


def _import_question(element: Any, name: str, topic: str) -> QuestionData:
    prompt = plain(element.findtext("questiontext/text", default=""))
    explanation, evidence = split_feedback(
        plain(element.findtext("generalfeedback/text", default=""))
    )
    read = _read(element)
    kind = next(
        (k for k in grading.all_kinds() if k.xml_type == read.type and k.xml_claims(read)), None
    )
    if kind is None:
        raise ValueError(f"Moodle's {read.type or 'unknown'} questions are not supported")
    q = QuestionData(
        key=name or slugify(prompt)[:60],
        kind=kind.name,
        prompt=prompt,
        explanation=explanation,
        evidence=evidence,
        topic=topic,
        weight=_weight(element.findtext("defaultgrade", default="1")),
    )
    q.parts = kind.xml_parts(read)
    return q


def _weight(text: str) -> int:
    """Moodle's default mark ("1.0000000") as our weight: whole points, 1 to MAX_WEIGHT."""
    try:
        mark = Decimal(text.strip() or "1")
    except InvalidOperation:
        raise ValueError(f"its default mark {text.strip()!r} is not a number") from None
    if mark != mark.to_integral_value() or not 1 <= mark <= MAX_WEIGHT:
        raise ValueError(
            f"its default mark {text.strip()} is not a whole number of points from 1 to "
            f"{MAX_WEIGHT}, which is what a question here may be worth"
        )
    return int(mark)


def _read(element: Any) -> grading.XmlQuestion:
    """The answers and subquestions of a <question>, as plain data."""
    return grading.XmlQuestion(
        type=element.get("type", ""),
        single=element.findtext("single", default="true").strip().lower() in ("true", "1"),
        answers=[
            (
                plain(a.findtext("text", default="")),
                _fraction(a.get("fraction", "0")),
                a.findtext("tolerance", default="0") or "0",
            )
            for a in element.findall("answer")
        ],
        subquestions=[
            (
                plain(sub.findtext("text", default="")),
                plain(sub.findtext("answer/text", default="")),
            )
            for sub in element.findall("subquestion")
        ],
    )


def _fraction(value: str) -> float:
    try:
        return float(value or 0)
    except ValueError:
        raise ValueError(f"an answer's fraction {value!r} is not a number") from None
