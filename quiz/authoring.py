"""What the admin's question form reads to let an instructor pick a question's evidence:
the article's current sentences, each with how it is cited already. Reads only; the evidence
is saved by `articles.evidence_set`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from quiz.grading import normalise_text
from quiz.models import Citation, Sentence


@dataclass(frozen=True)
class SentenceRow:
    """A current sentence of the article as the evidence picker lists it."""

    pk: int
    text: str
    paragraph: int
    is_caption: bool
    cited_here: int | None  # its place among this question's saved evidence, if cited
    cited_elsewhere: int  # how many other questions cite it

    @property
    def anchor(self) -> str:
        return f"s{self.pk}"


def sentence_rows(
    *,
    article_id: int | None,
    question_id: int | None = None,
    search: str = "",
    keep: Collection[int] = (),
) -> list[SentenceRow]:
    """The article's current sentences in order, in one query; with `search`, only those
    containing it and those in `keep` (the ones ticked, so a filter never drops a pick).
    The search ignores what a typist cannot easily match: case, accents, curly or straight
    quotes, kinds of dash (`grading.normalise_text`), so "Kyiv's" finds "Kyiv’s"."""
    if article_id is None:
        return []
    sentences = Sentence.objects.filter(article_id=article_id, position__isnull=False)
    others = ~Q(citations__question_id=question_id) if question_id else Q()
    place = Citation.objects.filter(question_id=question_id, sentence_id=OuterRef("pk"))
    rows = (
        sentences.annotate(
            cited_elsewhere=Count("citations", filter=others),
            cited_here=Subquery(place.values("position")[:1]),
        )
        .order_by("position")
        .values_list("pk", "text", "paragraph", "is_caption", "cited_here", "cited_elsewhere")
    )
    found = [SentenceRow(*row) for row in rows]
    wanted = normalise_text(search)
    if not wanted:
        return found
    kept = set(keep)
    return [row for row in found if row.pk in kept or wanted in normalise_text(row.text)]
