"""How a question is laid out for a student: options in display order, nothing that tells."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from quiz.models import AttemptItem, Question


@dataclass(frozen=True)
class Move:
    """An ordering item with the arrangements its Move up / Move down buttons ask for."""

    id: int
    text: str
    up: str | None
    down: str | None
    focus_up: bool = False  # after a move, focus returns to the button that was pressed
    focus_down: bool = False


@dataclass(frozen=True)
class QuestionDisplay:
    question: Question
    options: list[tuple[int, str]]  # choices, ordering items or matching items, as shown
    matches: list[str]  # matching questions: every match, in a neutral order
    moved: str = ""  # "up-<id>" or "down-<id>": the move just made

    @property
    def template(self) -> str:
        """The answer widget of the question's kind."""
        return self.question.kind_object.template

    @property
    def arranges(self) -> bool:
        return self.question.kind_object.arranges

    @property
    def moves(self) -> list[Move]:
        ids = [i for i, _ in self.options]
        moves = []
        for n, (ident, text) in enumerate(self.options):
            up = down = None
            if n > 0:
                swapped = [*ids[: n - 1], ids[n], ids[n - 1], *ids[n + 1 :]]
                up = ",".join(map(str, swapped))
            if n < len(ids) - 1:
                swapped = [*ids[:n], ids[n + 1], ids[n], *ids[n + 2 :]]
                down = ",".join(map(str, swapped))
            focus = self.moved in (f"up-{ident}", f"down-{ident}")
            wants_up = self.moved.startswith("up-")
            moves.append(
                Move(
                    ident,
                    text,
                    up,
                    down,
                    focus_up=focus and up is not None and (wants_up or down is None),
                    focus_down=focus and down is not None and (not wants_up or up is None),
                )
            )
        return moves


def question_display(question: Question, *, seed: int | str | None = None) -> QuestionDisplay:
    """Lay out `question` for a preview as its kind lays it out for an attempt, the same way
    for the same `seed`, without shuffling what the quiz may leave unshuffled."""
    options, matches = question.kind_object.layout(
        question.choice_parts(), shuffle=False, rng=random.Random(f"{seed}")
    )
    return QuestionDisplay(question=question, options=options, matches=matches)


def item_display(
    item: AttemptItem,
    *,
    arrangement: Sequence[int] | None = None,
    moved: str = "",
    given: object = None,
) -> QuestionDisplay:
    """Lay out an attempt's item as frozen when the attempt started, or an ordering question's
    items in the student's `arrangement` when it is a permutation of them. No queries."""
    options = [(ident, text) for ident, text in item.options]
    arranges = item.question.kind_object.arranges
    if (
        arranges
        and arrangement is not None
        and sorted(arrangement) == sorted(i for i, _ in options)
    ):
        texts = dict(options)
        options = [(ident, texts[ident]) for ident in arrangement]
    return QuestionDisplay(
        question=item.question, options=options, matches=list(item.matches), moved=moved
    )


def excerpt_anchor(excerpt: str) -> str:
    """A stable fragment id for a source sentence on its article's page."""
    return "s-" + hashlib.sha1(excerpt.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


@dataclass(frozen=True)
class Segment:
    text: str
    anchor: str | None = None  # set on a source sentence
    aliases: tuple[str, ...] = ()  # anchors of excerpts that overlap this one


def article_paragraphs(text: str, excerpts: Iterable[str]) -> list[list[Segment]]:
    """The article's lines as paragraphs, each source sentence a segment with its anchor.

    Where two excerpts overlap, the longer is marked and the shorter's anchor becomes an alias
    of it, so a link to either highlights the sentence.
    """
    wanted = sorted({e for e in excerpts if e}, key=len, reverse=True)
    paragraphs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        spans: list[tuple[int, int, str, list[str]]] = []
        for excerpt in wanted:
            start = line.find(excerpt)
            if start < 0:
                continue
            end = start + len(excerpt)
            overlapping = [span for span in spans if span[0] < end and start < span[1]]
            if overlapping:
                overlapping[0][3].append(excerpt_anchor(excerpt))
            else:
                spans.append((start, end, excerpt_anchor(excerpt), []))
        spans.sort()
        segments, cursor = [], 0
        for start, end, anchor, aliases in spans:
            if start > cursor:
                segments.append(Segment(line[cursor:start]))
            segments.append(Segment(line[start:end], anchor, tuple(aliases)))
            cursor = end
        if cursor < len(line):
            segments.append(Segment(line[cursor:]))
        paragraphs.append(segments)
    return paragraphs


def given_answer(item: AttemptItem) -> str:
    """The student's answer in words, from the stored submission and the item's options."""
    response = getattr(item, "response", None)
    if response is None:
        return "No answer"
    options = dict(item.options)
    return item.question.kind_object.describe_submission(options, response.submission)


def right_answer(item: AttemptItem) -> str:
    """The right answer in words, as the item was graded."""
    return item.question.kind_object.describe(item.grading_key())
