"""An article's bank as a bank file (`load_bank`'s format): the article, its questions with
their evidence as the cited sentences' verbatim texts, their choices and accepted answers,
and the article's quizzes, all by natural key, so it loads into any database."""

from __future__ import annotations

import json
from typing import Any

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder

from quiz.exchange.common import Exported, bank_entries, exportable
from quiz.models import Article, Quiz, QuizQuestion


def export_bank_json(article: Article) -> Exported:
    questions, left_out = exportable(article)
    kept = {q.key for q in questions}
    quizzes = Quiz.objects.filter(article=article).select_related("article").order_by("slug")
    links = []
    for link in (
        QuizQuestion.objects.filter(quiz__article=article)
        .select_related("quiz", "question__article")
        .order_by("quiz__slug", "position")
    ):
        question = link.question
        if question.article_id == article.pk and question.key not in kept:
            left_out.append(f"quiz {link.quiz.slug}: without {question.key}, left out above")
        else:
            links.append(link)
    entries: list[dict[str, Any]] = [
        *_serialized([article]),
        *bank_entries(article, questions),
        *_serialized(quizzes),
        *_serialized(links),
    ]
    text = json.dumps(entries, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return Exported(text + "\n", left_out)


def _serialized(objects: Any) -> list[dict[str, Any]]:
    # Django's own serializer, so every field of these models is written as loaddata and
    # load_bank read it; with natural keys and no primary keys.
    return serializers.serialize(
        "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
