"""What the formats share: questions as plain data, the cited sentences carried in the
general feedback, HTML reduced to text, and the way back into a bank."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.html import strip_tags

from quiz import grading, selectors
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
    evidence: list[str]  # the cited sentences' verbatim texts, in order
    topic: str
    # text, correct, match: its options, which are the sentences of its passage for a kind
    # that asks for one of them (`Kind.uses_passage`)
    choices: list[tuple[str, bool, str]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal = Decimal(0)
    weight: int = 1
    draw_group: str = ""  # the bank format keeps it; GIFT and Moodle XML have no such thing

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
    """Every question of the article's bank, in export order."""
    questions = list(_bank(article))
    passages = selectors.passages(questions)
    return [_data(q, passages[q.pk]) for q in questions]


def exportable(article: Article) -> tuple[list[QuestionData], list[str]]:
    """The questions an export can carry, and one line for each it cannot: evidence that
    is no longer in the article (a question needing review) would be refused by any import."""
    questions, left_out = [], []
    bank = list(_bank(article))
    passages = selectors.passages(bank)
    for q in bank:
        cited = q.cited()
        if not cited:
            left_out.append(f"{q.key}: it cites no sentence of the article")
        elif not all(s.is_current for s in cited):
            left_out.append(
                f"{q.key}: it cites a sentence no longer in the article (it needs review): "
                "confirm or re-pick its evidence first"
            )
        else:
            questions.append(_data(q, passages[q.pk]))
    return questions, left_out


def _bank(article: Article) -> QuerySet[Question]:
    # One query per relation, whatever the bank's size.
    return article.questions.prefetch_related(
        "choices", "accepted_answers", "citations__sentence"
    ).order_by("topic", "key")


def _data(q: Question, passage: list[list[Any]]) -> QuestionData:
    return QuestionData(
        key=q.key,
        kind=q.kind,
        prompt=q.prompt,
        explanation=q.explanation,
        evidence=[s.text for s in q.cited()],
        topic=q.topic,
        choices=[(c.text, c.is_correct, c.match) for c in q.option_parts(passage)],
        accepted=[a.text for a in q.accepted_answers.all()],
        numeric_answer=q.numeric_answer,
        numeric_tolerance=q.numeric_tolerance,
        weight=q.weight,
        draw_group=q.draw_group,
    )


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
                    "evidence": q.evidence,
                    "topic": q.topic,
                    "numeric_answer": _number(q.numeric_answer),
                    "numeric_tolerance": _number(q.numeric_tolerance),
                    "weight": q.weight,
                    "draw_group": q.draw_group,
                },
            }
        )
        # A kind that asks for a sentence of its passage keeps no choices: the bank has them
        # as the article's sentences.
        choices = q.choices if grading.kind(q.kind).uses_choices else []
        for position, (text, correct, match) in enumerate(choices, 1):
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


def _number(value: Decimal | None) -> str | None:
    """As a person writes it in a bank file: 45, not 45.0000 (nor 4.5E+1)."""
    return None if value is None else format(value.normalize(), "f")


def new_bank_problems(article: Article, questions: list[QuestionData]) -> list[Problem]:
    """An import makes new questions: a key the article's bank has already is a clash, and
    a question must say which sentences it rests on."""
    taken = set(Question.objects.filter(article=article).values_list("key", flat=True))
    problems = []
    seen: set[str] = set()
    for q in questions:
        if not q.evidence:
            problems.append(
                Problem(
                    f"question {q.key}",
                    f"its general feedback does not end with the sentences it cites, one "
                    f"{SOURCE_PREFIX}…{SOURCE_SUFFIX} line each, quoted from the article",
                )
            )
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
    """The explanation, then each cited sentence on a line of its own, `Source: “…”`: a
    teacher in Moodle reads the sources, and an import gets each sentence back exactly."""
    sources = "\n".join(f"{SOURCE_PREFIX}{text}{SOURCE_SUFFIX}" for text in q.evidence)
    return f"{q.explanation}\n\n{sources}"


def split_feedback(text: str) -> tuple[str, list[str]]:
    """(explanation, evidence) from a general feedback that ends with `Source: “…”` lines,
    blank lines between them or not (Moodle's HTML makes them paragraphs). A file from
    before multi-sentence evidence has one such line, which may quote a run of sentences."""
    lines = text.strip().split("\n")
    evidence: list[str] = []
    while lines:
        line = lines[-1].strip()
        if line and not _is_source(line):
            break
        if line:
            evidence.insert(0, line[len(SOURCE_PREFIX) : -len(SOURCE_SUFFIX)])
        lines.pop()
    return "\n".join(lines).strip(), evidence


def _is_source(line: str) -> bool:
    return (
        line.startswith(SOURCE_PREFIX)
        and line.endswith(SOURCE_SUFFIX)
        and len(line) > len(SOURCE_PREFIX) + len(SOURCE_SUFFIX)
    )


_PARAGRAPH_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)


def plain(text: str) -> str:
    """Text without HTML tags or entities (Moodle often exports HTML); paragraphs and line
    breaks become blank lines, which is how the source lines are told from the rest."""
    if "<" in text:
        text = strip_tags(_PARAGRAPH_BREAK.sub("\n\n", text))
    return html.unescape(text).strip()
