"""Loading and checking question banks.

`loaddata` saves objects as they are: no `full_clean()`, no invariants, and an explicit
primary key silently overwrites whatever row has it. Instructors load banks through
`bank_load` instead: one transaction, natural keys only, every object validated, the bank's
invariants checked, and on any problem nothing kept and every problem named.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import Count, Prefetch

from quiz import grading
from quiz.models import AcceptedAnswer, Article, Choice, Question, Quiz, QuizQuestion

BANK_MODELS = (
    "quiz.article",
    "quiz.question",
    "quiz.choice",
    "quiz.acceptedanswer",
    "quiz.quiz",
    "quiz.quizquestion",
)


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class BankError(Exception):
    """The bank has problems; nothing of it was kept."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class LoadResult:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    articles: set[str] = field(default_factory=set)
    # Natural keys of objects that failed: what refers to them is not reported again.
    failed: set[tuple[str, tuple]] = field(default_factory=set, repr=False)

    def summary(self) -> str:
        models_seen = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return "\n".join(
            f"  {label}: {self.created[label]} created, {self.updated[label]} updated, "
            f"{self.unchanged[label]} unchanged"
            for label in models_seen
        )


def bank_load(*, paths: Sequence[Path | str], dry_run: bool = False) -> LoadResult:
    """Load bank files in one transaction; raise `BankError` listing every problem.

    Objects are matched by natural key, so loading the same files again changes nothing.
    With `dry_run`, everything is checked and then rolled back.
    """
    return _load(((str(path), _read_file(Path(path))) for path in paths), dry_run=dry_run)


def bank_load_entries(
    *, entries: list[dict[str, Any]], source: str, dry_run: bool = False
) -> LoadResult:
    """Load bank objects already in memory (an import), exactly as `bank_load` loads files."""
    return _load([(source, entries)], dry_run=dry_run)


def _load(sources: Iterable[tuple[str, list[Any] | Problem]], *, dry_run: bool) -> LoadResult:
    with transaction.atomic():
        result = LoadResult()
        problems: list[Problem] = []
        for source, data in sources:
            if isinstance(data, Problem):
                problems.append(data)
                continue
            for index, entry in enumerate(data, 1):
                problems += _load_entry(entry, f"{source}, object {index}", result)
        if not problems:
            problems += bank_problems(article_slugs=result.articles)
        if problems:
            raise BankError(problems)
        if dry_run:
            transaction.set_rollback(True)
    return result


def bank_problems(*, article_slugs: Iterable[str] | None = None) -> list[Problem]:
    """What is wrong with banks in the database: all of them, or the articles named."""
    articles = Article.objects.all()
    if article_slugs is not None:
        articles = articles.filter(slug__in=list(article_slugs))
    questions = (
        Question.objects.filter(article__in=articles)
        .select_related("article")
        .prefetch_related("choices", "accepted_answers")
        .order_by("article__slug", "key")
    )
    problems: list[Problem] = []
    prompts: dict[tuple[int, str], str] = {}
    for question in questions:
        where = f"question {question.article.slug}/{question.key}"
        if question.excerpt not in question.article.text:
            problems.append(Problem(where, "its excerpt does not appear in the article's text"))
        for message in grading.key_problems(question.kind, question.grading_key()):
            problems.append(Problem(where, message))
        kind = question.kind_object
        if not kind.uses_choices and question.choices.all():
            problems.append(Problem(where, f"a {kind.label.lower()} question takes no choices"))
        if not kind.uses_accepted and question.accepted_answers.all():
            problems.append(Problem(where, "only short-text questions take accepted answers"))
        prompt = (question.article_id, grading.normalise_text(question.prompt))
        if prompt in prompts:
            problems.append(Problem(where, f"same prompt as question {prompts[prompt]}"))
        prompts[prompt] = f"{question.article.slug}/{question.key}"

    quizzes = (
        Quiz.objects.filter(article__in=articles)
        .select_related("article")
        .annotate(pool=Count("quiz_questions"))
        .prefetch_related(
            Prefetch("quiz_questions", QuizQuestion.objects.select_related("question"))
        )
    )
    for quiz in quizzes:
        where = f"quiz {quiz.slug}"
        if quiz.pool == 0:
            problems.append(Problem(where, "it has no questions"))
        if quiz.draw_count is not None and quiz.draw_count > quiz.pool:
            problems.append(
                Problem(where, f"it draws {quiz.draw_count} questions from a pool of {quiz.pool}")
            )
        for item in quiz.quiz_questions.all():
            if item.question.article_id != quiz.article_id:
                problems.append(
                    Problem(where, f"question {item.question.key} is from another article's bank")
                )
    return problems


def _read_file(path: Path) -> list[Any] | Problem:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return Problem(str(path), f"cannot be read: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return Problem(str(path), "is not UTF-8 text")
    except json.JSONDecodeError as exc:
        return Problem(str(path), f"is not valid JSON: {exc.msg} (line {exc.lineno})")
    if not isinstance(data, list):
        return Problem(str(path), "must hold a JSON list of objects, as dumpdata writes")
    return data


def _load_entry(entry: Any, where: str, result: LoadResult) -> list[Problem]:
    problems = _load_one(entry, where, result)
    if problems and isinstance(entry, dict) and isinstance(entry.get("fields"), dict):
        label = str(entry.get("model", "")).lower()
        if label in REFERABLE:
            result.failed.add((label, tuple(REFERABLE[label](entry["fields"]))))
    return problems


# How the objects that others refer to are named in a file, to recognise a reference to
# an object that failed to load.
REFERABLE = {
    "quiz.article": lambda fields: [fields.get("slug")],
    "quiz.question": lambda fields: [fields.get("key"), *(fields.get("article") or [])],
    "quiz.quiz": lambda fields: [fields.get("slug")],
}


def _load_one(entry: Any, where: str, result: LoadResult) -> list[Problem]:
    if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
        return [Problem(where, 'must be an object with "model" and "fields"')]
    label = str(entry.get("model", "")).lower()
    if label not in BANK_MODELS:
        return [
            Problem(
                where,
                f"{label or 'an object without a model'} cannot be loaded from a "
                "bank, which holds only articles, questions, choices, accepted "
                "answers, quizzes and their questions",
            )
        ]
    fields = entry["fields"]
    where = f"{where} ({label} {_name(label, fields)})"
    if "pk" in entry:
        return [
            Problem(
                where,
                'carries a primary key ("pk"); a bank names objects by their '
                "natural keys only, so remove it",
            )
        ]
    model = apps.get_model(label)
    problems, broken = _dangling_references(model, fields, where, result.failed)
    if problems or broken:
        return problems
    try:
        (deserialized,) = serializers.deserialize("python", [{"model": label, "fields": fields}])
    except (
        serializers.base.DeserializationError,
        FieldDoesNotExist,
        ValidationError,
        ValueError,
        TypeError,
        ObjectDoesNotExist,
    ) as exc:
        return [Problem(where, _deserialization_message(exc))]
    obj = deserialized.object
    previous = _saved_values(obj)
    if previous is not None:
        obj._state.adding = False  # found by natural key: validate as an update of that row
    try:
        obj.full_clean()
    except ValidationError as exc:
        return [
            Problem(where, f"{name}: {message}" if name != "__all__" else message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    if previous is not None and previous == _values(obj):
        result.unchanged[label] += 1
    else:
        try:
            with transaction.atomic():
                obj.save()
        except (IntegrityError, DatabaseError) as exc:
            return [Problem(where, f"the database refused it: {exc}")]
        (result.updated if previous is not None else result.created)[label] += 1
    slug = _article_slug(obj)
    if slug:
        result.articles.add(slug)
    return []


def _dangling_references(
    model: type[models.Model], fields: dict, where: str, failed: set[tuple[str, tuple]]
) -> tuple[list[Problem], bool]:
    """Name the field whose natural key points at nothing, which the deserializer does not.

    Also says whether a reference is to an object that failed already (reported there).
    """
    problems = []
    broken = False
    for name, value in fields.items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return [Problem(where, f"{model._meta.label_lower} has no field {name!r}")], False
        if not (model_field.many_to_one and isinstance(value, list)):
            continue
        related = model_field.related_model
        try:
            related._default_manager.get_by_natural_key(*value)
        except (ObjectDoesNotExist, TypeError, ValueError):
            if (related._meta.label_lower, tuple(value)) in failed:
                broken = True
                continue
            problems.append(
                Problem(
                    where,
                    f"{name}: no {related._meta.verbose_name} {_key_text(value)} in "
                    "the database or earlier in the files",
                )
            )
    return problems, broken


def _deserialization_message(exc: Exception) -> str:
    original = getattr(exc, "original_exc", None)
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(original or exc)


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}


def _saved_values(obj: models.Model) -> dict[str, Any] | None:
    if obj.pk is None:
        return None
    saved = type(obj)._default_manager.filter(pk=obj.pk).first()
    return _values(saved) if saved is not None else None


def _article_slug(obj: models.Model) -> str | None:
    if isinstance(obj, Article):
        return obj.slug
    if isinstance(obj, Question | Quiz):
        return obj.article.slug
    if isinstance(obj, Choice | AcceptedAnswer):
        return obj.question.article.slug
    if isinstance(obj, QuizQuestion):
        return obj.quiz.article.slug
    return None


def _name(label: str, fields: dict) -> str:
    for attr in ("slug", "key", "text"):
        if isinstance(fields.get(attr), str):
            owner = fields.get("article") or fields.get("question")
            prefix = f"{_key_text(owner)} " if owner else ""
            text = fields[attr] if len(fields[attr]) <= 40 else fields[attr][:39] + "…"
            return f"{prefix}{text!r}"
    if label == "quiz.quizquestion":
        return f"{_key_text(fields.get('quiz'))} {_key_text(fields.get('question'))}"
    return ""


def _key_text(value: Any) -> str:
    if isinstance(value, list):
        return "/".join(str(v) for v in reversed(value))
    return repr(value)
