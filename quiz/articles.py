"""An article's text and the sentences questions cite: every change to either goes through here.

Saving a text splits it into sentences (`quiz.sentences`). A sentence whose text survives
the edit keeps its row, wherever it moved; one that does not is retired, never deleted, and
every question citing it is marked as needing review, which keeps it out of new attempts
(see `selectors.askable`) until an instructor re-picks or confirms its evidence. Attempts
already started froze the sentences they showed (`AttemptItem.evidence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from quiz import errors, sentences
from quiz.models import Article, ArticleRevision, Citation, Question, Sentence


@dataclass(frozen=True)
class TextChange:
    """What saving an article's text did."""

    changed: bool
    added: int = 0  # sentences in the text that were not (new, or retired ones restored)
    retired: int = 0
    flagged: int = 0  # questions now needing review
    settled: int = 0  # questions needing review whose every cited sentence is back


def article_text_set(
    *, article: Article, text: str, user: AbstractBaseUser | None, via: str
) -> TextChange:
    """Give a saved article `text`, keeping the previous text as a revision, and bring its
    sentences and the questions citing them up to date. `user` is None for a command-line
    load; otherwise an instructor. An unchanged text changes nothing."""
    if user is not None and not _is_instructor(user):
        raise errors.InstructorsOnlyArticle()
    with transaction.atomic():
        previous = (
            Article.objects.select_for_update().values_list("text", flat=True).get(pk=article.pk)
        )
        article.text = text
        if previous == text and article.sentences.exists():
            return TextChange(changed=False)
        if previous != text:
            ArticleRevision.objects.create(
                article=article, text=previous, edited_by=user, via=via[:100]
            )
            Article.objects.filter(pk=article.pk).update(text=text)
        return sentences_sync(article)


def sentences_sync(article: Article) -> TextChange:
    """Split the article's saved text into its sentences (see the module's docstring)."""
    pieces = sentences.split(article.text)
    old = list(
        article.sentences.order_by(F("position").asc(nulls_last=True), "pk").values_list(
            "pk", "text", "position"
        )
    )
    kept = sentences.reconcile([(pk, text) for pk, text, _ in old], [p.text for p in pieces])
    keeping = {pk for pk in kept if pk is not None}
    retired = [pk for pk, _, position in old if position is not None and pk not in keeping]
    restored = [pk for pk, _, position in old if position is None and pk in keeping]
    # Positions are unique per article: free them all, then hand them out again.
    article.sentences.filter(position__isnull=False).update(position=None, paragraph=None)
    updates, creates = [], []
    for position, (piece, pk) in enumerate(zip(pieces, kept, strict=True), 1):
        row = Sentence(
            pk=pk,
            article=article,
            text=piece.text,
            position=position,
            paragraph=piece.paragraph,
            is_caption=piece.is_caption,
        )
        (updates if pk is not None else creates).append(row)
    Sentence.objects.bulk_update(updates, ["position", "paragraph", "is_caption"], batch_size=500)
    Sentence.objects.bulk_create(creates, batch_size=500)
    flagged = (
        Question.objects.filter(citations__sentence__in=retired, needs_review=False)
        .distinct()
        .update(needs_review=True)
        if retired
        else 0
    )
    # An edit undone: a question whose every cited sentence is current again is as it was.
    settled = (
        Question.objects.filter(citations__sentence__in=restored, needs_review=True)
        .exclude(citations__sentence__position__isnull=True)
        .distinct()
        .update(needs_review=False)
        if restored
        else 0
    )
    return TextChange(
        changed=True,
        added=len(creates) + len(restored),
        retired=len(retired),
        flagged=flagged,
        settled=settled,
    )


def evidence_set(
    *, user: AbstractBaseUser | None, question: Question, sentence_ids: Sequence[int]
) -> None:
    """Make the question cite these sentences of its article, in this order. Current
    sentences only; citing only current sentences settles a review. `user` None is a
    command-line load; otherwise an instructor."""
    if user is not None and not _is_instructor(user):
        raise errors.InstructorsOnlyEdit()
    ids = list(dict.fromkeys(sentence_ids))
    if not ids:
        raise errors.NoEvidence()
    with transaction.atomic():
        found = set(
            Sentence.objects.filter(
                pk__in=ids, article_id=question.article_id, position__isnull=False
            ).values_list("pk", flat=True)
        )
        if any(pk not in found for pk in ids):
            raise errors.NotASentence()
        Citation.objects.filter(question=question).delete()
        Citation.objects.bulk_create(
            Citation(question=question, sentence_id=pk, position=place)
            for place, pk in enumerate(ids, 1)
        )
        Question.objects.filter(pk=question.pk).update(needs_review=False)
        question.needs_review = False


def evidence_confirm(*, user: AbstractBaseUser, question: Question) -> None:
    """Settle a review by taking, for each retired sentence the question cites, the nearest
    current sentence of its article (what the review page shows beside it). Refused when a
    retired sentence has none close (it was deleted, not corrected): re-pick instead."""
    with transaction.atomic():  # one reading of the article for the nearest and the check
        cited = list(question.citations.select_related("sentence").order_by("position"))
        current = list(question.article.current_sentences())
        ids = []
        for citation in cited:
            sentence = citation.sentence
            nearest = sentence if sentence.is_current else nearest_current(sentence, current)
            if nearest is None:
                raise errors.NothingToConfirm()
            ids.append(nearest.pk)
        evidence_set(user=user, question=question, sentence_ids=ids)


def nearest_current(sentence: Sentence, current: Sequence[Sentence]) -> Sentence | None:
    """The current sentence most like a retired one; None when none is close enough to be
    its correction (`sentences.UNLIKE`): the sentence was deleted."""
    found = sentences.nearest(sentence.text, [s.text for s in current])
    return next((s for s in current if s.text == found.nearest), None) if found.nearest else None


def _is_instructor(user: AbstractBaseUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)
