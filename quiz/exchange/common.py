"""What GIFT and Moodle XML share: questions as plain data, the source sentence carried in
the general feedback, HTML reduced to text, and the way back into a bank."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.html import strip_tags

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

    @property
    def parts(self) -> grading.Parts:
        return grading.Parts(
            choices=self.choices,
            accepted=self.accepted,
            numeric_answer=self.numeric_answer,
            numeric_tolerance=self.numeric_tolerance,
        )

    @parts.setter
    def parts(self, parts: grading.Parts) -> None:
        self.choices = parts.choices
        self.accepted = parts.accepted
        self.numeric_answer = parts.numeric_answer
        self.numeric_tolerance = parts.numeric_tolerance


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
                    "fields": {"question": [q.key, article.slug], "text": text},
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


def general_feedback(q: QuestionData) -> str:
    """The explanation, then the source sentence as a paragraph of its own."""
    return f"{q.explanation}\n\n{SOURCE_PREFIX}{q.excerpt}{SOURCE_SUFFIX}"


def split_feedback(text: str) -> tuple[str, str]:
    """(explanation, excerpt) from a general feedback that ends with `Source: “…”`."""
    text = text.strip()
    head, sep, tail = text.rpartition("\n\n")
    last = tail if sep else text
    if last.startswith(SOURCE_PREFIX) and last.endswith(SOURCE_SUFFIX):
        excerpt = last[len(SOURCE_PREFIX) : -len(SOURCE_SUFFIX)]
        return (head.strip() if sep else ""), excerpt
    return text, ""


_PARAGRAPH_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)


def plain(text: str) -> str:
    """Text without HTML tags or entities (Moodle often exports HTML); paragraphs and line
    breaks become blank lines, which is how the source sentence is told from the rest."""
    if "<" in text:
        text = strip_tags(_PARAGRAPH_BREAK.sub("\n\n", text))
    return html.unescape(text).strip()
