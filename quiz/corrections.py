"""What an instructor reads after an article is corrected: how each edit changed the text,
sentence by sentence, and the questions whose evidence needs review beside the nearest
current sentence. Read-only: every change goes through `quiz.articles`.

A diff is by sentence, as questions cite them: a sentence whose text survives is the same
sentence wherever it moved (as `sentences.reconcile` keeps it), and a changed one is shown
beside what replaced it with the changed words marked by `<del>`/`<ins>` and a word, never
by colour alone.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from quiz import articles, sentences
from quiz.models import Citation, Question, Sentence

SAME, CHANGED, ADDED, REMOVED, MOVED = "same", "changed", "added", "removed", "moved"

# Words, runs of spaces and single marks: a changed sentence marks only what changed.
_TOKENS = re.compile(r"\s+|[\w’'-]+|[^\w\s]")


@dataclass(frozen=True)
class Part:
    """A stretch of a sentence and whether it differs from the other version."""

    text: str
    differs: bool = False


@dataclass(frozen=True)
class Change:
    """One line of a diff: a sentence kept, changed, added, removed or moved."""

    kind: str
    before: tuple[Part, ...] = ()
    after: tuple[Part, ...] = ()
    unchanged: int = 0  # for SAME: how many sentences in a row are unchanged

    @property
    def label(self) -> str:
        return {
            SAME: "Unchanged",
            CHANGED: "Changed",
            ADDED: "Added",
            REMOVED: "Removed",
            MOVED: "Moved",
        }[self.kind]


def word_diff(before: str, after: str) -> tuple[tuple[Part, ...], tuple[Part, ...]]:
    """The two texts as parts, the words that differ marked on each side."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    old: list[Part] = []
    new: list[Part] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            old.append(Part("".join(a[i1:i2]), differs=op != "equal"))
        if j2 > j1:
            new.append(Part("".join(b[j1:j2]), differs=op != "equal"))
    return tuple(old), tuple(new)


def text_diff(before: str, after: str) -> list[Change]:
    """How the article's text `after` differs from `before`, sentence by sentence, in the
    order of `after` (removed sentences where they stood). Runs of unchanged sentences are
    one SAME line saying how many."""
    a = [piece.text for piece in sentences.split(before)]
    b = [piece.text for piece in sentences.split(after)]
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # A text both removed somewhere and added elsewhere moved: the same sentence.
    removed = Counter(t for op, i1, i2, _, _ in opcodes if op != "equal" for t in a[i1:i2])
    added = Counter(t for op, _, _, j1, j2 in opcodes if op != "equal" for t in b[j1:j2])
    moved = removed & added
    gone = moved.copy()  # each moved text is shown once, where it now stands
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            changes.append(Change(SAME, unchanged=i2 - i1))
            continue
        olds = []
        for text in a[i1:i2]:
            if gone[text]:
                gone[text] -= 1
            else:
                olds.append(text)
        news = []
        for text in b[j1:j2]:
            if moved[text]:
                moved[text] -= 1
                changes.append(Change(MOVED, after=(Part(text),)))
            else:
                news.append(text)
        for old, new in zip(olds, news, strict=False):
            changes.append(Change(CHANGED, *word_diff(old, new)))
        pairs = min(len(olds), len(news))
        changes += [Change(REMOVED, before=(Part(t, True),)) for t in olds[pairs:]]
        changes += [Change(ADDED, after=(Part(t, True),)) for t in news[pairs:]]
    return changes


def edit_summary(change: articles.TextChange) -> str:
    """What an edit did, in a sentence for the instructor who saved it."""
    changed = min(change.added, change.retired)
    parts = [
        _count(changed, "sentence changed", "sentences changed"),
        _count(change.added - changed, "sentence added", "sentences added"),
        _count(change.retired - changed, "sentence removed", "sentences removed"),
    ]
    said = ", ".join(p for p in parts if p) or (
        "No sentence changed (a sentence that moved keeps its questions)"
    )
    settled = _count(
        change.settled,
        "question no longer needs review (its sentences are back)",
        "questions no longer need review (their sentences are back)",
    )
    settled = f"; {settled}" if settled else ""
    if change.flagged:
        flagged = _count(change.flagged, "question now needs", "questions now need")
        return f"{said}; {flagged} review{settled}."
    return f"{said}{settled or '; no question needs review'}."


def _count(n: int, one: str, many: str) -> str:
    return "" if n == 0 else f"1 {one}" if n == 1 else f"{n} {many}"


def questions_to_review(article_id: int | None = None) -> QuerySet[Question]:
    """Every question needing review (of one article if given), with what it cites."""
    questions = Question.objects.filter(needs_review=True)
    if article_id is not None:
        questions = questions.filter(article_id=article_id)
    return (
        questions.select_related("article")
        .prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("sentence").order_by("position"),
            )
        )
        .order_by("article__title", "article_id", "key")
    )


@dataclass(frozen=True)
class Pair:
    """A retired sentence a question cites and the current sentence nearest it."""

    old: Sentence
    nearest: Sentence | None
    before: tuple[Part, ...]
    after: tuple[Part, ...]


@dataclass
class Review:
    question: Question
    pairs: list[Pair] = field(default_factory=list)
    current: list[Sentence] = field(default_factory=list)  # cited sentences still current

    @property
    def confirmable(self) -> bool:
        """Whether every retired sentence has a nearest current one to confirm."""
        return all(pair.nearest is not None for pair in self.pairs)


def reviews(questions: Sequence[Question]) -> list[Review]:
    """Each question (from `questions_to_review`) with its retired sentences beside the
    nearest current ones: one query for the current sentences of all their articles."""
    article_ids = {q.article_id for q in questions}
    current: dict[int, list[Sentence]] = {pk: [] for pk in article_ids}
    for sentence in Sentence.objects.filter(
        article_id__in=article_ids, position__isnull=False
    ).order_by("article_id", "position"):
        current[sentence.article_id].append(sentence)
    found: dict[int, Pair] = {}  # questions often cite the same retired sentence
    rows = []
    for question in questions:
        row = Review(question)
        for sentence in question.cited():
            if sentence.is_current:
                row.current.append(sentence)
                continue
            if sentence.pk not in found:
                candidates = current[question.article_id]
                nearest = articles.nearest_current(sentence, candidates)
                before, after = word_diff(sentence.text, nearest.text if nearest else "")
                found[sentence.pk] = Pair(sentence, nearest, before, after)
            row.pairs.append(found[sentence.pk])
        rows.append(row)
    return rows
