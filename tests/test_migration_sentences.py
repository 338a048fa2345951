"""Migration 0006_sentences on a copy of the data as it was before it: every question's
excerpt becomes its cited sentence(s), attempts freeze what they showed, an excerpt that is
not whole sentences stops the migration naming its question, and going back restores the
excerpts.

The data is `tests/data/bank-before-sentences.json` (the shipped article and its questions on
the day), written through the historical models of 0005. Each test leaves the test database
migrated to the latest state, with no rows (it is a `transaction=True` test: flushed anyway).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("quiz", "0005_score_changes")]
AFTER = [("quiz", "0006_sentences")]
DATA = json.loads(
    (Path(__file__).parent / "data" / "bank-before-sentences.json").read_text(encoding="utf-8")
)
# Paragraph 3 of the article: two sentences, quoted together.
TWO_SENTENCES = (
    "Surovikin told Shoigu that the city is now impossible to defend and recommended that "
    "troops withdraw across the Dnipro River ‘in the near future’ to defend the other bank. "
    "Shoigu squirmed in his seat as he agreed to the plan."
)


def migrate(targets):
    """Migrate to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before():
    """The database at 0005 (the models then); at the end, empty and at the latest state."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        yield migrate(BEFORE)
    finally:
        call_command("flush", interactive=False, verbosity=0)
        migrate(latest)


def load_today(apps):
    """The article and its questions as they were, plus a two-sentence excerpt and an
    attempt that asked one question; the questions by key."""
    Article = apps.get_model("quiz", "Article")
    Question = apps.get_model("quiz", "Question")
    article = Article.objects.create(**DATA["article"])
    questions = [
        Question(article=article, **fields)
        for fields in [
            *DATA["questions"],
            {
                "key": "two-sentences",
                "kind": "true_false",
                "prompt": "Did Shoigu agree to the plan?",
                "explanation": "He agreed, squirming.",
                "excerpt": TWO_SENTENCES,
                "topic": "The announcement",
            },
        ]
    ]
    Question.objects.bulk_create(questions)
    return {q.key: q for q in Question.objects.all()}


def attempt_asking(apps, question):
    User = apps.get_model("auth", "User")
    Quiz = apps.get_model("quiz", "Quiz")
    Attempt = apps.get_model("quiz", "Attempt")
    AttemptItem = apps.get_model("quiz", "AttemptItem")
    quiz = Quiz.objects.create(article=question.article, slug="kherson", title="Kherson")
    attempt = Attempt.objects.create(user=User.objects.create(username="alice"), quiz=quiz)
    return AttemptItem.objects.create(attempt=attempt, question=question, position=1)


def test_every_excerpt_becomes_its_sentences_and_going_back_restores_it(before):
    questions = load_today(before)
    excerpts = {key: q.excerpt for key, q in questions.items()}
    assert len(excerpts) == len(DATA["questions"]) + 1
    item = attempt_asking(before, questions["two-sentences"])

    after = migrate(AFTER)

    Sentence = after.get_model("quiz", "Sentence")
    Question = after.get_model("quiz", "Question")
    AttemptItem = after.get_model("quiz", "AttemptItem")
    assert Sentence.objects.count() == 38  # 37 paragraphs, one of two sentences
    assert Sentence.objects.filter(is_caption=True).count() == 6
    cited = {
        q.key: [c.sentence.text for c in q.citations.order_by("position")]
        for q in Question.objects.prefetch_related("citations__sentence")
    }
    assert {key: " ".join(texts) for key, texts in cited.items()} == excerpts
    assert cited["two-sentences"] == [
        TWO_SENTENCES.split(" Shoigu squirmed")[0],
        "Shoigu squirmed in his seat as he agreed to the plan.",
    ]
    assert all(len(texts) == 1 for key, texts in cited.items() if key != "two-sentences")
    first, second = Sentence.objects.filter(paragraph=3).order_by("position")
    assert AttemptItem.objects.get(pk=item.pk).evidence == [
        [first.pk, first.text],
        [second.pk, second.text],
    ]

    back = migrate(BEFORE)

    restored = {q.key: q.excerpt for q in back.get_model("quiz", "Question").objects.all()}
    assert restored == excerpts


def test_an_excerpt_that_is_not_whole_sentences_stops_the_migration_naming_it(before):
    questions = load_today(before)
    Question = before.get_model("quiz", "Question")
    Question.objects.filter(pk=questions["two-sentences"].pk).update(
        excerpt="Shoigu squirmed in his seat"
    )
    other = next(key for key in questions if key != "two-sentences")
    Question.objects.filter(key=other).update(excerpt="Putin resigned.")

    with pytest.raises(RuntimeError) as excinfo:
        migrate(AFTER)

    message = str(excinfo.value)
    assert "Question 'two-sentences' of article 'kherson-withdrawal':" in message
    assert "This is only part of a sentence of the article" in message
    assert f"Question {other!r} of article 'kherson-withdrawal'" in message  # all at once
    assert message.endswith("2 excerpt(s) to correct on the previous release, then migrate again.")
    # Nothing half done: the database is still at 0005, with every excerpt.
    recorder = MigrationExecutor(connection).loader.applied_migrations
    assert ("quiz", "0006_sentences") not in recorder
    assert Question.objects.get(key="two-sentences").excerpt == "Shoigu squirmed in his seat"
