"""Loading and checking question banks.

`loaddata` saves objects as they are: no `full_clean()`, no invariants, and an explicit
primary key silently overwrites whatever row has it. Instructors load banks through
`bank_load` instead: one transaction, natural keys only, every object validated, the bank's
invariants checked, and on any problem nothing kept and every problem named.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, OperationalError, models, transaction
from django.db.models import F

from quiz import articles, drawing, grading, sentences
from quiz.models import (
    AcceptedAnswer,
    Article,
    ArticleRevision,
    Choice,
    Citation,
    Question,
    Quiz,
    QuizQuestion,
    Sentence,
)

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
    removed: Counter[str] = field(default_factory=Counter)  # see `_Plan.stale`
    articles: set[str] = field(default_factory=set)
    sentences_added: int = 0
    sentences_retired: int = 0
    cited: int = 0  # questions whose evidence was set or changed
    revised: list[str] = field(default_factory=list)  # articles whose text changed
    # "article/key" of the questions this load left needing review (not before it)
    flagged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        models_seen = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        lines = [
            f"  {label}: {self.created[label]} created, {self.updated[label]} updated, "
            + (f"{self.removed[label]} removed, " if self.removed[label] else "")
            + f"{self.unchanged[label]} unchanged"
            for label in models_seen
        ]
        lines.append(
            f"  sentences: {self.sentences_added} added, {self.sentences_retired} retired; "
            f"evidence set for {self.cited} question(s)"
        )
        lines += [
            f"  article {slug}: its text changed; the previous text is kept as a revision"
            for slug in self.revised
        ]
        if self.flagged:
            lines.append(
                f"  {len(self.flagged)} question(s) now need review, a sentence they cite "
                "having changed, and new attempts leave them out until their evidence is "
                "re-picked or confirmed in the admin, or given in a bank file: "
                + ", ".join(self.flagged)
            )
        return "\n".join(lines)


def bank_load(
    *,
    paths: Sequence[Path | str],
    dry_run: bool = False,
    inspect: Callable[[LoadResult], None] | None = None,
) -> LoadResult:
    """Load bank files all or nothing; raise `BankError` listing every problem.

    Objects are matched by natural key, so loading the same files again changes nothing.
    With `dry_run`, everything is checked and then rolled back. `inspect` is called with the
    banks written, before the commit or rollback (`validate_bank` reads them there to lint).
    """
    return _load(
        ((str(path), _read_file(Path(path))) for path in paths), dry_run=dry_run, inspect=inspect
    )


def bank_load_entries(
    *, entries: list[dict[str, Any]], source: str, dry_run: bool = False
) -> LoadResult:
    """Load bank objects already in memory (an import), exactly as `bank_load` loads files."""
    return _load([(source, entries)], dry_run=dry_run)


def _load(
    sources: Iterable[tuple[str, list[Any] | Problem]],
    *,
    dry_run: bool,
    inspect: Callable[[LoadResult], None] | None = None,
) -> LoadResult:
    # Every object is read, resolved and validated, and the bank-wide checks run on the
    # banks as they will be, all outside any transaction: with SQLite's BEGIN IMMEDIATE a
    # transaction holds the write lock from its start, and students' answers wait on it.
    # Inside it run only the writes and a re-read that what was written is what was checked.
    result = LoadResult()
    sources = list(sources)
    plan = _Plan()
    plan.prefetch(data for _, data in sources if not isinstance(data, Problem))
    problems: list[Problem] = []
    for source, data in sources:
        if isinstance(data, Problem):
            problems.append(data)
            continue
        for index, entry in enumerate(data, 1):
            problems += _load_entry(entry, f"{source}, object {index}", plan, result)
    plan.find_stale()
    banks = _Banks.read(plan.articles)
    banks.overlay(plan)
    # Every question's quotes, even when other objects failed: a teacher fixes them together.
    problems += plan.resolve_evidence() + banks.clashes(plan)
    if problems:
        raise BankError(problems)
    problems = banks.problems()
    if problems:
        raise BankError(problems)
    sources_named = ", ".join(source for source, _ in sources)
    with transaction.atomic():
        try:
            plan.write(result)
        except OperationalError as exc:  # most often the database busy, not the bank
            message = f"{exc}; nothing was loaded (if it was busy, run it again)"
            raise BankError([Problem("the database", message)]) from None
        except DatabaseError as exc:  # a last resort: what validation could not foresee
            raise BankError([Problem("the bank", f"the database refused it: {exc}")]) from None
        # Someone may have changed these banks since they were read (an instructor in the
        # admin): then the rows differ from the ones checked, and the checks run again on
        # what the database holds now.
        if _Banks.rows(plan.articles) != banks.expected_rows():
            problems = bank_problems(article_slugs=result.articles)
            if problems:
                raise BankError(problems)
        plan.write_sentences(result, via=sources_named)
        if inspect is not None:
            inspect(result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def bank_problems(*, article_slugs: Iterable[str] | None = None) -> list[Problem]:
    """What is wrong with banks in the database: all of them, or the articles named."""
    return _Banks.read(article_slugs).problems()


def _node(obj: models.Model) -> Any:
    """What names a row while checking banks: its primary key, or the object itself while it
    is still to be written."""
    return obj.pk if obj.pk is not None else ("new", id(obj))


def _ref(obj: models.Model, name: str) -> Any:
    value = getattr(obj, f"{name}_id")
    return value if value is not None else _node(getattr(obj, name))


class _Banks:
    """Some articles' banks in memory, as the database holds them or a load will leave them:
    what the bank-wide checks read, each row once."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[Any, models.Model]] = {label: {} for label in BANK_MODELS}
        # a quiz question's question may be another article's: (its article, its key)
        self.question_articles: dict[Any, tuple[Any, str]] = {}
        self.cited: set[int] = set()  # saved questions that cite at least one sentence
        self.planned: set[Any] = set()  # questions a load sets the evidence of

    @staticmethod
    def _querysets(article_slugs: Iterable[str] | None) -> dict[str, models.QuerySet]:
        articles = Article.objects.all()
        if article_slugs is not None:
            articles = articles.filter(slug__in=list(article_slugs))
        return {
            "quiz.article": articles,
            "quiz.question": Question.objects.filter(article__in=articles),
            "quiz.choice": Choice.objects.filter(question__article__in=articles),
            "quiz.acceptedanswer": AcceptedAnswer.objects.filter(question__article__in=articles),
            "quiz.quiz": Quiz.objects.filter(article__in=articles),
            "quiz.quizquestion": QuizQuestion.objects.filter(quiz__article__in=articles),
        }

    @classmethod
    def read(cls, article_slugs: Iterable[str] | None) -> _Banks:
        banks = cls()
        for label, queryset in cls._querysets(article_slugs).items():
            if label == "quiz.quizquestion":
                queryset = queryset.annotate(
                    question_article=F("question__article_id"), question_key=F("question__key")
                )
            for obj in queryset.order_by():
                banks.rows[label][obj.pk] = obj
                if label == "quiz.quizquestion":
                    banks.question_articles[obj.question_id] = (
                        obj.question_article,
                        obj.question_key,
                    )
        questions = cls._querysets(article_slugs)["quiz.question"]
        banks.cited = set(
            Citation.objects.filter(question__in=questions)
            .order_by()
            .values_list("question_id", flat=True)
            .distinct()
        )
        return banks

    @classmethod
    def rows(cls, article_slugs: Iterable[str]) -> dict[str, dict[Any, tuple]]:
        """Every column of these banks' rows, by model and primary key."""
        rows = {}
        for label, queryset in cls._querysets(article_slugs).items():
            names = [f.attname for f in queryset.model._meta.concrete_fields]
            rows[label] = {values[0]: values for values in queryset.order_by().values_list(*names)}
        return rows

    def expected_rows(self) -> dict[str, dict[Any, tuple]]:
        """The rows as they were checked (after the write, when every object has its key)."""
        return {
            label: {obj.pk: tuple(_values(obj).values()) for obj in objects.values()}
            for label, objects in self.rows.items()
        }

    def overlay(self, plan: _Plan) -> None:
        """The banks as the plan's objects will leave them."""
        for label, stale in plan.stale.items():
            for obj in stale:
                self.rows[label].pop(obj.pk, None)
        for label, planned in plan.objects.items():
            for item in planned.values():
                self.rows[label][_node(item.obj)] = item.obj
        for item in plan.objects["quiz.quizquestion"].values():
            question = item.obj.question
            self.question_articles[_node(question)] = (_ref(question, "article"), question.key)
        self.planned = {_node(plan.objects["quiz.question"][key].obj) for key in plan.evidence}

    def clashes(self, plan: _Plan) -> list[Problem]:
        """The plan's objects that the database's unique constraints would refuse, with each
        other or with the saved rows they leave in place: what full_clean would ask the
        database object by object (a natural key named twice is one object, and one found
        saved is that row, so these are the others)."""
        wheres = {
            _node(item.obj): item.where
            for planned in plan.objects.values()
            for item in planned.values()
        }
        order = {node: n for n, node in enumerate(wheres)}
        problems = []
        for label, objects in self.rows.items():
            model = apps.get_model(label)
            for constraint in model._meta.constraints:
                if not isinstance(constraint, models.UniqueConstraint) or constraint.condition:
                    continue
                seen: dict[tuple, str] = {}
                saved = f"a {model._meta.verbose_name} already in the database"
                # the saved rows first, then the files' order: each object that clashes is named
                for obj in sorted(objects.values(), key=lambda o: order.get(_node(o), -1)):
                    value = tuple(
                        _ref(obj, name)
                        if model._meta.get_field(name).many_to_one
                        else getattr(obj, name)
                        for name in constraint.fields
                    )
                    where = wheres.get(_node(obj))
                    if value in seen and where is not None:
                        fields = ", ".join(constraint.fields)
                        problems.append(Problem(where, f"same {fields} as {seen[value]}"))
                    seen.setdefault(value, where or saved)
        return problems

    def problems(self) -> list[Problem]:
        def planned(question: Question) -> bool:
            return _node(question) in self.planned

        articles = self.rows["quiz.article"]
        choices: dict[Any, list[Choice]] = {}
        for choice in self.rows["quiz.choice"].values():
            choices.setdefault(_ref(choice, "question"), []).append(choice)
        accepted: dict[Any, list[str]] = {}
        for answer in self.rows["quiz.acceptedanswer"].values():
            accepted.setdefault(_ref(answer, "question"), []).append(answer.text)
        for question in self.rows["quiz.question"].values():
            self.question_articles[_node(question)] = (_ref(question, "article"), question.key)
        problems: list[Problem] = []
        prompts: dict[tuple[Any, str], str] = {}
        questions = sorted(
            self.rows["quiz.question"].values(),
            key=lambda q: (articles[_ref(q, "article")].slug, q.key),
        )
        for question in questions:
            article = articles[_ref(question, "article")]
            where = f"question {article.slug}/{question.key}"
            if question.pk is not None and question.pk not in self.cited and not planned(question):
                problems.append(Problem(where, "it cites no sentence of its article"))
            kind = grading.kind(question.kind) if question.kind in grading.KINDS else None
            own_choices = sorted(choices.get(_node(question), []), key=lambda c: c.position)
            own_accepted = accepted.get(_node(question), [])
            if kind is None:
                problems.append(Problem(where, f"unknown question type {question.kind!r}"))
                continue
            # A kind whose options are its passage's sentences has no key in the file: its
            # key is checked with its evidence (`_Plan.resolve_evidence`).
            if not kind.uses_passage:
                key = kind.build_key(
                    choices=[
                        grading.ChoicePart(c.pk or -n, c.text, c.is_correct, c.match)
                        for n, c in enumerate(own_choices, 1)
                    ]
                    if kind.uses_choices
                    else [],
                    accepted=own_accepted if kind.uses_accepted else [],
                    numeric_answer=question.numeric_answer,
                    numeric_tolerance=question.numeric_tolerance,
                )
                for message in grading.key_problems(question.kind, key):
                    problems.append(Problem(where, message))
            if not kind.uses_choices and own_choices:
                problems.append(Problem(where, f"a {kind.label.lower()} question takes no choices"))
            if not kind.uses_accepted:  # the others' keys check their accepted answers
                problems += [Problem(where, m) for m in kind.accepted_problems(own_accepted)]
            prompt = (_ref(question, "article"), grading.normalise_text(question.prompt))
            if prompt in prompts:
                problems.append(Problem(where, f"same prompt as question {prompts[prompt]}"))
            prompts[prompt] = f"{article.slug}/{question.key}"

        pools: dict[Any, list[QuizQuestion]] = {}
        for link in self.rows["quiz.quizquestion"].values():
            pools.setdefault(_ref(link, "quiz"), []).append(link)
        for quiz in sorted(self.rows["quiz.quiz"].values(), key=lambda q: q.title):
            where = f"quiz {quiz.slug}"
            pool = pools.get(_node(quiz), [])
            if not pool:
                problems.append(Problem(where, "it has no questions"))
            if quiz.draw_count is not None and quiz.draw_count > len(pool):
                problems.append(
                    Problem(
                        where, f"it draws {quiz.draw_count} questions from a pool of {len(pool)}"
                    )
                )
            elif quiz.draw_count is not None:
                groups = [
                    getattr(
                        self.rows["quiz.question"].get(_ref(link, "question")), "draw_group", ""
                    )
                    for link in pool
                ]
                slots = drawing.draw_slots(groups)
                if quiz.draw_count > slots:
                    problems.append(
                        Problem(
                            where,
                            f"it draws {quiz.draw_count} questions, but its draw groups let one "
                            f"attempt ask only {slots} of its {len(pool)} (a draw group counts "
                            "once): lower the draw or split a group",
                        )
                    )
            for link in pool:
                question = _ref(link, "question")
                article, key = self.question_articles[question]
                if article != _ref(quiz, "article"):
                    problems.append(
                        Problem(where, f"question {key} is from another article's bank")
                    )
        return problems


# A bank is text for people to edit; a file far larger than any bank is a mistake, and
# reading it whole would take the server's memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


def _read_file(path: Path) -> list[Any] | Problem:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Problem(str(path), f"is larger than {MAX_FILE_BYTES // 2**20} MB: not a bank")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return Problem(str(path), f"cannot be read: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return Problem(str(path), "is not UTF-8 text")
    except json.JSONDecodeError as exc:
        return Problem(str(path), f"is not valid JSON: {exc.msg} (line {exc.lineno})")
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits; deep nesting
        return Problem(str(path), f"is not a JSON bank: {exc or 'nested too deeply'}")
    if not isinstance(data, list):
        return Problem(str(path), "must hold a JSON list of objects, as dumpdata writes")
    return data


# What names each object, in the order of its `natural_key()`: a reference in a file is the
# referred object's natural key, e.g. a question's ["key", "article-slug"].
NATURAL_FIELDS = {
    "quiz.article": ("slug",),
    "quiz.question": ("key", "article"),
    "quiz.choice": ("position", "question"),
    "quiz.acceptedanswer": ("text", "question"),
    "quiz.quiz": ("slug",),
    "quiz.quizquestion": ("quiz", "question"),
}
KEY_LENGTHS = {"quiz.article": 1, "quiz.question": 2, "quiz.quiz": 1}
_KEY_SIZES = {**KEY_LENGTHS, "quiz.choice": 3, "quiz.acceptedanswer": 3, "quiz.quizquestion": 3}


def _needing_review(slugs: Iterable[str]) -> list[str]:
    return [
        f"{slug}/{key}"
        for slug, key in Question.objects.filter(article__slug__in=list(slugs), needs_review=True)
        .order_by("article__slug", "key")
        .values_list("article__slug", "key")
    ]


@dataclass
class _Planned:
    obj: models.Model
    where: str
    previous: dict[str, Any] | None  # the saved row's values, if it exists
    changed: list[str]  # the fields whose values differ from the saved row's


class _Plan:
    """The objects to write, by model and natural key, in the files' order; an object named
    again later replaces the earlier one, as loading it twice would."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[tuple, _Planned]] = {label: {} for label in BANK_MODELS}
        self.saved: dict[tuple[str, tuple], models.Model | None] = {}
        self.failed: set[tuple[str, tuple]] = set()
        self.articles: set[str] = set()
        # question's natural key -> (the quoted sentences, where the file says so)
        self.evidence: dict[tuple, tuple[list[str], str]] = {}
        # question's natural key -> places of its cited sentences in its article's new split
        self.resolved: dict[tuple, list[int]] = {}
        self._splits: dict[Any, list[sentences.Piece]] = {}
        # saved rows the files replace: see `find_stale`
        self.stale: dict[str, list[models.Model]] = {}

    # A file that defines a question and lists its choices (or accepted answers), or defines
    # a quiz and lists its questions, lists all of them: loading an edited bank leaves no
    # choice, answer or quiz question it dropped. Attempts keep what they showed and were
    # graded against, frozen on their items. Anything else is added to what is saved.
    _OWNED = {
        "quiz.choice": ("question", "quiz.question"),
        "quiz.acceptedanswer": ("question", "quiz.question"),
        "quiz.quizquestion": ("quiz", "quiz.quiz"),
    }

    def find_stale(self) -> None:
        for label, (owner, owner_label) in self._OWNED.items():
            listed = [planned.obj for planned in self.objects[label].values()]
            defined = {planned.obj.pk for planned in self.objects[owner_label].values()}
            owners = sorted({getattr(o, f"{owner}_id") for o in listed} & defined - {None})
            keep = {o.pk for o in listed if o.pk is not None}
            manager = apps.get_model(label)._default_manager
            stale = []
            for start in range(0, len(owners), BATCH):
                saved = manager.filter(**{f"{owner}_id__in": owners[start : start + BATCH]})
                stale += [obj for obj in saved.order_by("pk") if obj.pk not in keep]
            if label == "quiz.quizquestion":
                stale += self._moved_in_quizzes()
            self.stale[label] = stale

    def _moved_in_quizzes(self) -> list[models.Model]:
        """A quiz question the file moves is written anew: updated in place, two questions
        swapping places would each hold the other's place for a moment, which the unique
        (quiz, position) refuses on some databases."""
        moved = []
        for planned in self.objects["quiz.quizquestion"].values():
            if planned.previous is not None and "position" in planned.changed:
                moved.append(QuizQuestion(pk=planned.obj.pk))
                planned.obj.pk = None
                planned.obj._state.adding = True
                planned.previous, planned.changed = None, []
        return moved

    def split_of(self, article: Article) -> list[str]:
        """The sentences the article will have: of its text in the files, or as saved."""
        return [piece.text for piece in self._pieces_of(article)]

    def _pieces_of(self, article: Article) -> list[sentences.Piece]:
        node = _node(article)
        if node not in self._splits:
            self._splits[node] = sentences.split(article.text)
        return self._splits[node]

    def _passage_problems(self, question: Question, places: list[int]) -> list[str]:
        """What stops a question whose options are the sentences of its passage (the
        paragraphs around its cited sentences, `Kind.uses_passage`) from being graded fairly,
        read from the article as the load will split it; nothing for other kinds."""
        if question.kind not in grading.KINDS or not grading.kind(question.kind).uses_passage:
            return []
        pieces = self._pieces_of(question.article)
        article = [(place, piece.text, piece.paragraph) for place, piece in enumerate(pieces)]
        passage = grading.passage_parts(sentences.passage(article, places), places)
        kind = grading.kind(question.kind)
        return kind.key_problems(kind.build_key(choices=passage))

    def resolve_evidence(self) -> list[Problem]:
        """Each question's quoted evidence as sentences of its article, in order; a quote
        that is not a sentence or a run of consecutive sentences is named with the nearest
        sentence and where they differ."""
        problems = []
        for key, (quotes, where) in self.evidence.items():
            question = self.objects["quiz.question"][key].obj
            texts = self.split_of(question.article)
            places: list[int] = []
            missed = False
            for number, quote in enumerate(quotes, 1):
                found = sentences.resolve(quote, texts)
                label = f"evidence {number}" if len(quotes) > 1 else "evidence"
                if isinstance(found, sentences.Mismatch):
                    problems.append(Problem(where, f"{label}: {found.message(quote)}"))
                    missed = True
                    continue
                if set(found) & set(places):
                    problems.append(Problem(where, f"{label}: cites a sentence already cited"))
                places += found
            self.resolved[key] = places
            if not missed:
                problems += [Problem(where, m) for m in self._passage_problems(question, places)]
        return problems

    def write_sentences(self, result: LoadResult, *, via: str) -> None:
        """After the rows: split the articles whose text is new or changed (keeping the
        former text as a revision), then give each question of the files its evidence;
        say which questions that leaves needing review."""
        waiting = _needing_review(self.articles)
        for planned in self.objects["quiz.article"].values():
            article = planned.obj
            if planned.previous is not None and "text" in planned.changed:
                ArticleRevision.objects.create(
                    article=article, text=planned.previous["text"], via=via[:100]
                )
                result.revised.append(article.slug)
            elif planned.previous is not None and article.sentences.exists():
                continue
            change = articles.sentences_sync(article)
            result.sentences_added += change.added
            result.sentences_retired += change.retired
        self._write_citations(result)
        result.flagged = sorted(set(_needing_review(self.articles)) - set(waiting))

    def _write_citations(self, result: LoadResult) -> None:
        if not self.resolved:
            return
        questions = {key: self.objects["quiz.question"][key].obj for key in self.resolved}
        article_ids = {q.article_id for q in questions.values()}
        loaded = {planned.obj.pk for planned in self.objects["quiz.article"].values()}
        for article in {q.article for q in questions.values() if q.article_id not in loaded}:
            articles.sentences_sync(article)  # stored as split now, as resolved above
        current: dict[int, list[int]] = {}
        for article_id, pk in (
            Sentence.objects.filter(article_id__in=article_ids, position__isnull=False)
            .order_by("article_id", "position")
            .values_list("article_id", "pk")
        ):
            current.setdefault(article_id, []).append(pk)
        before: dict[int, list[int]] = {}
        for question_id, sentence_id in (
            Citation.objects.filter(question__in=[q.pk for q in questions.values()])
            .order_by("question_id", "position")
            .values_list("question_id", "sentence_id")
        ):
            before.setdefault(question_id, []).append(sentence_id)
        wanted = {
            q.pk: [current[q.article_id][place] for place in self.resolved[key]]
            for key, q in questions.items()
        }
        changed = [pk for pk, ids in wanted.items() if before.get(pk) != ids]
        replaced = [pk for pk in changed if pk in before]
        for start in range(0, len(replaced), BATCH):
            Citation.objects.filter(question__in=replaced[start : start + BATCH]).delete()
        Citation.objects.bulk_create(
            (
                Citation(question_id=pk, sentence_id=sentence_id, position=place)
                for pk in changed
                for place, sentence_id in enumerate(wanted[pk], 1)
            ),
            batch_size=BATCH,
        )
        # Evidence given by the files settles a review: it resolved against the text now.
        saved = [q.pk for key, q in questions.items() if q.pk in before]
        for start in range(0, len(saved), BATCH):
            Question.objects.filter(pk__in=saved[start : start + BATCH], needs_review=True).update(
                needs_review=False
            )
        result.cited += len(changed)

    def key(self, obj: models.Model) -> tuple:
        label = obj._meta.label_lower
        key: list[Any] = []
        for name in NATURAL_FIELDS[label]:
            value = getattr(obj, name)
            key += self.key(value) if isinstance(value, models.Model) else [value]
        return tuple(key)

    def find(self, label: str, key: tuple) -> models.Model | None:
        """The object with this natural key: earlier in the files, or else in the database."""
        planned = self.objects[label].get(key)
        if planned is not None:
            return planned.obj
        if (label, key) not in self.saved:
            manager = apps.get_model(label)._default_manager
            try:
                self.saved[label, key] = manager.get_by_natural_key(*key)
            except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
                self.saved[label, key] = None
        return self.saved[label, key]

    def prefetch(self, files: Iterable[list[Any]]) -> None:
        """Look up every object the files name, and the objects they refer to, a batch of
        keys at a time, instead of one query each (a reload of a large bank names thousands)."""
        wanted: dict[str, set[tuple]] = {label: set() for label in BANK_MODELS}
        for data in files:
            for entry in data:
                if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
                    continue
                label, fields = str(entry.get("model", "")).lower(), entry["fields"]
                if label not in NATURAL_FIELDS:
                    continue
                key: list[Any] = []
                for name in NATURAL_FIELDS[label]:
                    value = fields.get(name)
                    key += value if isinstance(value, list) else [value]
                named = [(label, key)]
                for name, target in (("article", "quiz.article"), ("quiz", "quiz.quiz")):
                    if isinstance(fields.get(name), list):
                        named.append((target, fields[name]))
                if isinstance(fields.get("question"), list) and label != "quiz.question":
                    named.append(("quiz.question", fields["question"]))
                for target, parts in named:
                    # what a file may name an object by; anything else is reported later
                    if all(isinstance(v, str) or type(v) is int for v in parts):
                        wanted[target].add(tuple(parts))
        for label, keys in wanted.items():
            keys = {key for key in keys if len(key) == _KEY_SIZES[label]}
            found = {}
            chunks = sorted(keys, key=lambda key: repr(key[::-1]))  # by owner, then own name
            for start in range(0, len(chunks), BATCH):
                for obj in _by_natural_keys(label, chunks[start : start + BATCH]):
                    found[self.key(obj)] = obj
            for key in keys:
                self.saved[label, key] = found.get(key)

    def write(self, result: LoadResult) -> None:
        for label, stale in self.stale.items():  # first: they may hold places the new rows take
            pks = [obj.pk for obj in stale]
            for start in range(0, len(pks), BATCH):
                apps.get_model(label)._default_manager.filter(
                    pk__in=pks[start : start + BATCH]
                ).delete()
            result.removed[label] += len(pks)
        for label in BANK_MODELS:
            model = apps.get_model(label)
            new = [p.obj for p in self.objects[label].values() if p.previous is None]
            changed = [p for p in self.objects[label].values() if p.previous and p.changed]
            model._default_manager.bulk_create(new, batch_size=BATCH)
            if changed:
                # Only the fields that changed, in small batches: bulk_update sets each field
                # with a CASE of every row of the batch, so its cost grows with batch × rows.
                fields = sorted({name for p in changed for name in p.changed})
                model._default_manager.bulk_update(
                    [p.obj for p in changed], fields, batch_size=UPDATE_BATCH
                )
            result.created[label] += len(new)
            result.updated[label] += len(changed)
            result.unchanged[label] += len(self.objects[label]) - len(new) - len(changed)
        result.articles |= self.articles


BATCH = 500
UPDATE_BATCH = 100


def _by_natural_keys(label: str, keys: list[tuple]) -> list[models.Model]:
    """The saved objects of these natural keys (and, as a query can't match tuples on every
    database, perhaps some others: the caller matches them by key), with what names them."""
    column = [{str(key[i]) for key in keys} for i in range(max(map(len, keys), default=0))]

    def text(i: int) -> list[str]:
        return sorted(column[i]) if i < len(column) else []

    if label in ("quiz.article", "quiz.quiz"):
        queryset = apps.get_model(label)._default_manager.filter(slug__in=text(0))
        return list(queryset.select_related("article") if label == "quiz.quiz" else queryset)
    if label == "quiz.question":
        return list(
            Question.objects.filter(key__in=text(0), article__slug__in=text(1)).select_related(
                "article"
            )
        )
    if label in ("quiz.choice", "quiz.acceptedanswer"):
        return list(
            apps.get_model(label)
            ._default_manager.filter(question__key__in=text(1), question__article__slug__in=text(2))
            .select_related("question__article")
        )
    assert label == "quiz.quizquestion"
    return list(
        QuizQuestion.objects.filter(
            quiz__slug__in=text(0), question__key__in=text(1), question__article__slug__in=text(2)
        ).select_related("quiz__article", "question__article")
    )


def _load_entry(entry: Any, where: str, plan: _Plan, result: LoadResult) -> list[Problem]:
    problems = _load_one(entry, where, plan)
    if problems and isinstance(entry, dict) and isinstance(entry.get("fields"), dict):
        # What refers to an object that failed is not reported again.
        label = str(entry.get("model", "")).lower()
        key = _file_key(label, entry["fields"])
        if key is not None:
            plan.failed.add((label, key))
    return problems


def _file_key(label: str, fields: dict) -> tuple | None:
    """How the files name an object that others refer to, if they can name it at all."""
    if label in ("quiz.article", "quiz.quiz"):
        key: tuple = (fields.get("slug"),)
    elif label == "quiz.question" and isinstance(fields.get("article"), list):
        key = (fields.get("key"), *fields["article"])
    else:
        return None
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _load_one(entry: Any, where: str, plan: _Plan) -> list[Problem]:
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
    extra = set(entry) - {"model", "fields", "pk"}
    if "pk" in entry or "id" in fields or "pk" in fields:
        return [
            Problem(
                where,
                'carries a primary key ("pk"); a bank names objects by their '
                "natural keys only, so remove it",
            )
        ]
    if extra:
        return [Problem(where, f"has keys a bank object does not: {', '.join(sorted(extra))}")]
    quotes: list[str] | None = None
    if label == "quiz.question":
        fields = dict(fields)
        quotes, problem = _evidence(fields)
        if problem is not None:
            return [Problem(where, problem)]
    model = apps.get_model(label)
    obj = model()
    problems: list[Problem] = []
    unsaved: list[str] = []  # references to objects still to be written
    broken = False
    for name, value in fields.items():
        try:
            field_ = model._meta.get_field(name)
        except FieldDoesNotExist:
            field_ = None
        if field_ is None or not field_.concrete or field_.primary_key:
            return [Problem(where, f"{label} has no field {name!r}")]
        if field_.many_to_one:
            target, problem = _reference(field_, value, plan)
            if problem is not None:
                problems.append(Problem(where, problem))
            elif target is None:
                broken = True
            else:
                setattr(obj, field_.name, target)
                if target.pk is None:
                    unsaved.append(field_.name)
            continue
        problem = _type_problem(field_, value)
        if problem is not None:
            problems.append(Problem(where, f"{name}: {problem}"))
            continue
        try:
            setattr(obj, field_.attname, field_.to_python(value))
        except ValidationError as exc:
            problems.append(Problem(where, f"{name}: {'; '.join(exc.messages)}"))
    for field_ in model._meta.concrete_fields:
        if field_.many_to_one and field_.name not in fields:
            problems.append(Problem(where, f"{field_.name}: missing; name its natural key"))
    if problems or broken:
        return problems
    previous = None
    changed: list[str] = []
    if not unsaved:
        saved = plan.find(label, plan.key(obj))
        if saved is not None and saved._state.adding is False:
            obj.pk = saved.pk
            obj._state.adding = False  # found by natural key: validate as an update of that row
            previous = _values(saved)
    try:
        if previous is not None:
            now = _values(obj)
            changed = [
                f.name
                for f in model._meta.concrete_fields
                if not f.primary_key and now[f.attname] != previous[f.attname]
            ]
        _validate(obj, unsaved, changed=previous is None or bool(changed))
    except ValidationError as exc:
        return [
            Problem(where, f"{name}: {message}" if name != "__all__" else message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    plan.objects[label][plan.key(obj)] = _Planned(obj, where, previous, changed)
    plan.articles.add(_article_slug(obj))
    if quotes is not None:
        plan.evidence[plan.key(obj)] = (quotes, where)
    return []


def _evidence(fields: dict[str, Any]) -> tuple[list[str] | None, str | None]:
    """Take a question's evidence out of its fields: `evidence`, a list of its sentences'
    verbatim texts (each a sentence or a run of consecutive ones), or a bank's older single
    `excerpt`. Returns (the quotes, None) or (None, what is wrong)."""
    if "needs_review" in fields:
        return None, "needs_review: set by the app when an article edit changes a cited sentence"
    if "evidence" in fields and "excerpt" in fields:
        return None, 'give "evidence" only; "excerpt" is its older, single-quote form'
    if "excerpt" in fields:
        value: Any = [fields.pop("excerpt")]
    elif "evidence" in fields:
        value = fields.pop("evidence")
    else:
        return None, (
            "evidence: missing; list the sentences of the article the question rests on, "
            'word for word: "evidence": ["First sentence.", "Another sentence."]'
        )
    if not isinstance(value, list) or not value:
        return None, "evidence: must be a non-empty list of the article's sentences, as text"
    for quote in value:
        if not isinstance(quote, str) or not quote.strip():
            return None, f"evidence: {json.dumps(quote)[:40]} is not a sentence's text"
        if "\x00" in quote or any(0xD800 <= ord(ch) <= 0xDFFF for ch in quote):
            return None, "evidence: contains a character that is not text"
    return [quote.strip() for quote in value], None


def _validate(obj: models.Model, unsaved: list[str], *, changed: bool) -> None:
    """`full_clean()` without its queries, thousands on a large bank: every reference was
    found by natural key (so its row exists), unique constraints are checked on the banks in
    memory (`_Banks.clashes`), and a row saved as it is already meets the check constraints.
    A reference to an object still to be written has no row to check against: the model's
    own clean() checks it in memory, the bank-wide checks after."""
    model = type(obj)
    references = [f.name for f in model._meta.concrete_fields if f.many_to_one]
    obj.full_clean(exclude=references, validate_unique=False, validate_constraints=False)
    if not changed:
        return
    errors: dict[str, list[ValidationError]] = {}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            try:
                constraint.validate(model, obj, exclude=set(unsaved))
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _reference(
    field_: models.ForeignKey, value: Any, plan: _Plan
) -> tuple[models.Model | None, str | None]:
    """The object a natural-key reference names, or what is wrong with the reference
    (neither: it names an object that failed already, and was reported there)."""
    related = field_.related_model
    label = related._meta.label_lower
    length = KEY_LENGTHS[label]
    if not (
        isinstance(value, list) and len(value) == length and all(isinstance(v, str) for v in value)
    ):
        example = json.dumps(["question-key", "article-slug"] if length == 2 else ["slug"])
        return None, (
            f"{field_.name}: names a {related._meta.verbose_name} by {json.dumps(value)[:40]}; "
            f"a bank names it by its natural key, a list like {example}"
        )
    key = tuple(value)
    target = plan.find(label, key)
    if target is not None:
        return target, None
    if (label, key) in plan.failed:
        return None, None
    return None, (
        f"{field_.name}: no {related._meta.verbose_name} {_key_text(value)} in "
        "the database or earlier in the files"
    )


def _type_problem(field_: models.Field, value: Any) -> str | None:
    """What is wrong with a value's JSON type for the field, as dumpdata writes it."""
    if value is None:
        return None  # full_clean says whether the field may be empty
    if isinstance(field_, models.BooleanField):
        return None if isinstance(value, bool) else f"must be true or false, not {value!r:.40}"
    if isinstance(field_, models.IntegerField):
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return f"must be a whole number, not {value!r:.40}"
    if isinstance(field_, models.DecimalField):
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return None
        return f"must be a number, not {value!r:.40}"
    if isinstance(field_, models.CharField | models.TextField):
        if not isinstance(value, str):
            return f"must be text, not {value!r:.40}"
        if "\x00" in value:
            return "contains a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode text (a lone surrogate escape)"
    return None


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}


def _article_slug(obj: models.Model) -> str:
    if isinstance(obj, Article):
        return obj.slug
    if isinstance(obj, Question | Quiz):
        return obj.article.slug
    if isinstance(obj, Choice | AcceptedAnswer):
        return obj.question.article.slug
    assert isinstance(obj, QuizQuestion)
    return obj.quiz.article.slug


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
