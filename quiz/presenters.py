"""How a question is laid out for a student: options in display order, nothing that tells."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from quiz import retrying, selectors, sentences
from quiz.grading import FormAnswer
from quiz.models import AttemptItem, Question


@dataclass(frozen=True)
class Move:
    """An ordering item with the arrangements its Move up / Move down buttons ask for."""

    value: int  # what the page posts for the item
    text: str
    up: str | None
    down: str | None
    focus_up: bool = False  # after a move, focus returns to the button that was pressed
    focus_down: bool = False


@dataclass(frozen=True)
class Option:
    """A choice or matching item as its widget shows it, with what the student had given for
    it when the question is shown again (after a refused answer)."""

    value: int  # what the page posts for it
    text: str
    picked: bool = False  # its radio or checkbox was ticked
    match: str = ""  # matching: the match chosen for it


@dataclass(frozen=True)
class QuestionDisplay:
    question: Question
    options: list[tuple[int, str]]  # (page value, text) of each option, as shown
    matches: list[str]  # matching questions: every match, in a neutral order
    moved: str = ""  # "up-<value>" or "down-<value>": the move just made
    given: FormAnswer | None = None  # what the student posted, in page values, to show again

    @property
    def template(self) -> str:
        """The answer widget of the question's kind."""
        return self.question.kind_object.template

    @property
    def arranges(self) -> bool:
        return self.question.kind_object.arranges

    @property
    def choices(self) -> list[Option]:
        """The options with the student's picks and matches, for the widget to keep them."""
        picked = {value.strip() for value in self.given.answers} if self.given else set()
        matches = (
            {key.strip(): match for key, match in self.given.matches.items()} if self.given else {}
        )
        return [
            Option(value, text, picked=str(value) in picked, match=matches.get(str(value), ""))
            for value, text in self.options
        ]

    @property
    def typed(self) -> str:
        """What the student had typed into a text or number box."""
        return self.given.answers[0] if self.given and self.given.answers else ""

    @property
    def moves(self) -> list[Move]:
        values = [value for value, _ in self.options]
        moves = []
        for n, (value, text) in enumerate(self.options):
            up = down = None
            if n > 0:
                swapped = [*values[: n - 1], values[n], values[n - 1], *values[n + 1 :]]
                up = ",".join(map(str, swapped))
            if n < len(values) - 1:
                swapped = [*values[:n], values[n + 1], values[n], *values[n + 2 :]]
                down = ",".join(map(str, swapped))
            focus = self.moved in (f"up-{value}", f"down-{value}")
            wants_up = self.moved.startswith("up-")
            moves.append(
                Move(
                    value,
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
    for the same `seed`, without shuffling what the quiz may leave unshuffled; its values are
    those an attempt's page would post."""
    return item_display(preview_item(question, seed=seed))


def preview_item(question: Question, *, seed: int | str | None = None) -> AttemptItem:
    """The item an attempt would freeze for `question` (never saved), so that a preview
    names options, and reads and grades answers, as an attempt's page does."""
    kind = question.kind_object
    passage = selectors.passages([question])[question.pk]
    options, matches = kind.layout(
        question.option_parts(passage), shuffle=False, rng=random.Random(f"{seed}")
    )
    return AttemptItem(
        question=question,
        options=[list(o) for o in options],
        matches=matches,
        key=kind.key_to_data(question.grading_key(passage)),
        evidence=question.evidence(),
    )


def item_display(
    item: AttemptItem,
    *,
    arrangement: Sequence[int] | None = None,
    moved: str = "",
    given: FormAnswer | None = None,
) -> QuestionDisplay:
    """Lay out an attempt's item as frozen when the attempt started, its options named by
    their page values. An ordering question shows its items in the order the student last
    sent, when that is a permutation of them: the posted answer in `given`, else the Move
    buttons' `arrangement`. `given` (page values) is shown again in the widget. No queries."""
    options = item.page_options
    if item.question.kind_object.arranges:
        for order in (_as_places(given.answers) if given else None, arrangement):
            if order is not None and sorted(order) == sorted(v for v, _ in options):
                texts = dict(options)
                options = [(value, texts[value]) for value in order]
                break
    return QuestionDisplay(
        question=item.question,
        options=options,
        matches=list(item.matches),
        moved=moved,
        given=given,
    )


def _as_places(values: Sequence[str]) -> list[int] | None:
    """Posted values as places, or None if any is not a number."""
    try:
        return [int(str(value).strip()) for value in values]
    except ValueError:
        return None


def source_link(slug: str, cited: Sequence[int], back: str = "") -> str:
    """The article's page with these sentences highlighted, scrolled to the first, and a
    way `back` to the page the link is on (a path of this site)."""
    url = reverse("quiz:article", args=[slug])
    query = {"cite": ",".join(map(str, cited))} if cited else {}
    if back:
        query["back"] = back
    return (f"{url}?{urlencode(query)}" if query else url) + (f"#s{cited[0]}" if cited else "")


def back_path(value: str) -> str:
    """A `back` parameter fit to link to: a path of this site, or nothing."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts=None) else ""


# An id as links write it: ASCII digits (str.isdigit also takes "²", which int() refuses),
# few enough to fit the database's 64-bit integer.
_SENTENCE_ID = re.compile(r"[0-9]{1,18}")


def cited_ids(value: str) -> list[int]:
    """The sentence ids of an article link's `cite` parameter; anything else is ignored."""
    parts = (part.strip() for part in value.split(",")[:50])
    return [int(part) for part in parts if _SENTENCE_ID.fullmatch(part)]


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


def saved_form(item: AttemptItem) -> FormAnswer | None:
    """The student's standing answer as its page posted it (page values), to show again in
    the widget of a question whose answer may still be changed; None if not answered."""
    response = getattr(item, "response", None)
    if response is None:
        return None
    return item.page_from_ids(item.question.kind_object.form_of(response.submission))


# Find the evidence, then retry ------------------------------------------------------------


@dataclass(frozen=True)
class PassageSentence:
    """A sentence of the passage a student picks the evidence from."""

    place: int  # what its radio posts: its place in the passage, never its id
    text: str
    picked: bool  # picked already (while searching, a wrong pick: a right one ends it)
    marked: bool  # highlighted as the evidence: once found or shown, never before


@dataclass(frozen=True)
class PassageParagraph:
    number: int
    sentences: list[PassageSentence]


def passage(item: AttemptItem) -> list[PassageParagraph]:
    """The item's passage by paragraph, for the student to pick the evidence from or, once
    the search is over, with the evidence highlighted. No queries."""
    response = item.response
    cited = set(item.cited_ids)
    over = item.stage is not retrying.Stage.FIND
    paragraphs: list[PassageParagraph] = []
    for place, (ident, text, number) in enumerate(item.passage, 1):
        if not paragraphs or paragraphs[-1].number != number:
            paragraphs.append(PassageParagraph(number, []))
        sentence = PassageSentence(
            place, text, picked=ident in response.picks, marked=over and ident in cited
        )
        paragraphs[-1].sentences.append(sentence)
    return paragraphs


@dataclass(frozen=True)
class Step:
    """One step of the way a student answered under find the evidence, then retry."""

    what: str
    detail: str
    outcome: str
    quoted: bool = False  # a sentence of the article, quoted


def path(item: AttemptItem) -> list[Step]:
    """How the answer came about: the first try, the sentences picked, the second try; empty
    for an answer given once with no search for the evidence."""
    response = getattr(item, "response", None)
    if response is None or not item.attempt.finds_evidence:
        return []
    if response.tries == 1 and response.is_correct:
        return []  # right at once: nothing to tell
    kind = item.question.kind_object
    options = dict(item.options)
    first = response.first_submission if response.tries > 1 else response.submission
    first_score = response.first_score if response.tries > 1 else response.score
    steps = [Step("First answer", kind.describe_submission(options, first), _verdict(first_score))]
    texts = {ident: text for ident, text, _ in item.passage}
    cited = set(item.cited_ids)
    for ident in response.picks:
        outcome = "supports the answer" if ident in cited else "not the evidence"
        steps.append(Step("Sentence picked", texts.get(ident, ""), outcome, quoted=True))
    if retrying.shown(response.picks, cited):
        evidence = sentences.join(text for _, text in item.evidence)
        steps.append(Step("Evidence shown", evidence, "", quoted=True))
    if response.tries > 1:
        verdict = "right" if response.is_correct else "not right"
        share = f"a second try earns {item.attempt.retry_credit}% of the points"
        steps.append(
            Step(
                "Second answer",
                kind.describe_submission(options, response.submission),
                f"{verdict} ({share})",
            )
        )
    else:
        steps.append(Step("Second answer", "none given: the first answer stands", ""))
    return steps


def _verdict(score: Decimal) -> str:
    if score >= 1:
        return "right"
    if score > 0:
        return f"partly right ({score * 100:.0f}%)"
    return "not right"
