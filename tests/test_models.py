"""The database refuses what the forms would: invariants live in Meta.constraints."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError

from quiz import grading
from quiz.models import Citation, Question, Sentence
from tests.factories import (
    AcceptedAnswerFactory,
    ArticleFactory,
    ChoiceFactory,
    QuestionFactory,
    QuizFactory,
    QuizQuestionFactory,
)

pytestmark = pytest.mark.django_db


def test_database_refuses_two_questions_with_one_key_in_a_bank():
    question = QuestionFactory(key="who-agreed")
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionFactory(article=question.article, key="who-agreed")


def test_same_key_is_allowed_in_another_article():
    first = QuestionFactory(key="who-agreed")
    second = QuestionFactory(key="who-agreed")
    assert first.article_id != second.article_id
    stored = Question.objects.filter(key="who-agreed").values_list("article__slug", "prompt")
    assert sorted(stored) == sorted(
        [(first.article.slug, first.prompt), (second.article.slug, second.prompt)]
    )


def test_database_refuses_a_duplicate_prompt_in_a_bank():
    question = QuestionFactory(prompt="Who agreed?")
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionFactory(article=question.article, prompt="Who agreed?")


def test_database_refuses_an_unknown_question_kind():
    question = QuestionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(kind="essay")


@pytest.mark.parametrize("field", ["prompt", "explanation", "key"])
def test_database_refuses_an_empty_question_text(field):
    question = QuestionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(**{field: ""})


def test_database_refuses_a_numeric_question_without_its_answer():
    question = QuestionFactory(numeric=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(numeric_answer=None)


def test_database_refuses_a_negative_tolerance():
    question = QuestionFactory(numeric=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(numeric_tolerance=Decimal(-1))


def test_database_refuses_two_choices_at_one_position():
    question = QuestionFactory(choices=[("Shoigu", True)])
    with pytest.raises(IntegrityError), transaction.atomic():
        ChoiceFactory(question=question, position=1, text="Putin")


def test_database_refuses_choice_position_zero():
    question = QuestionFactory(choices=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        ChoiceFactory(question=question, position=0)


def test_database_refuses_the_same_accepted_answer_twice():
    answer = AcceptedAnswerFactory(text="Dnipro")
    with pytest.raises(IntegrityError), transaction.atomic():
        AcceptedAnswerFactory(question=answer.question, text="Dnipro")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pass_mark", 101),
        ("max_attempts", 0),
        ("time_limit_minutes", 0),
        ("draw_count", 0),
        ("feedback", "never"),
    ],
)
def test_database_refuses_impossible_quiz_settings(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizFactory(**{field: value})


def test_database_refuses_a_question_twice_in_a_quiz():
    item = QuizQuestionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizQuestionFactory(quiz=item.quiz, question=item.question, position=2)


def test_database_refuses_two_quiz_questions_at_one_position():
    item = QuizQuestionFactory(position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizQuestionFactory(quiz=item.quiz, position=1)


def test_database_refuses_two_sentences_at_one_place_in_an_article():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.create(article=article, text="Another.", position=1, paragraph=1)


def test_database_refuses_an_empty_sentence():
    sentence = ArticleFactory().current_sentences().first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.filter(pk=sentence.pk).update(text="")


@pytest.mark.parametrize(("position", "paragraph"), [(None, 1), (9, None), (0, 1), (9, 0)], ids=str)
def test_database_refuses_a_sentence_half_placed(position, paragraph):
    """A current sentence has a place and a paragraph; a retired one has neither."""
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.create(
            article=article, text="Another.", position=position, paragraph=paragraph
        )


def test_a_retired_sentence_has_no_place():
    article = ArticleFactory()
    Sentence.objects.create(article=article, text="Gone.", position=None, paragraph=None)
    Sentence.objects.create(article=article, text="Gone too.", position=None, paragraph=None)
    assert article.sentences.filter(position__isnull=True).count() == 2
    assert article.current_sentences().count() == 4


def test_database_refuses_citing_a_sentence_twice_or_two_at_one_place():
    question = QuestionFactory(excerpt="Russia captured Kherson back in March.")
    citation = question.citations.get()
    other = question.article.current_sentences().exclude(pk=citation.sentence_id).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(question=question, sentence=citation.sentence, position=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(question=question, sentence=other, position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(question=question, sentence=other, position=0)


def test_database_refuses_deleting_a_cited_sentence():
    question = QuestionFactory()
    with pytest.raises(RestrictedError):
        question.citations.get().sentence.delete()


def test_deleting_an_article_deletes_its_sentences_and_the_questions_citing_them():
    question = QuestionFactory()
    question.article.delete()
    assert not Sentence.objects.exists()
    assert not Question.objects.exists()


def test_validation_rejects_citing_a_sentence_of_another_article():
    question = QuestionFactory()
    stranger = ArticleFactory().current_sentences().first()
    citation = Citation(question=question, sentence=stranger, position=2)
    with pytest.raises(ValidationError) as excinfo:
        citation.full_clean()
    assert excinfo.value.message_dict["sentence"] == [
        "A question cites sentences of its own article only."
    ]


def test_the_excerpt_is_the_cited_sentences_joined_in_order():
    question = QuestionFactory(
        excerpt=[
            "Kyiv\u2019s men then made a breakthrough to the north of Kherson in October.",
            "Russia captured Kherson back in March.",
        ]
    )
    question = Question.objects.prefetch_related("citations__sentence").get(pk=question.pk)
    assert question.excerpt == (
        "Kyiv\u2019s men then made a breakthrough to the north of Kherson in October. "
        "Russia captured Kherson back in March."
    )
    assert [text for _, text in question.evidence()] == [s.text for s in question.cited()]
    assert [s.anchor for s in question.cited()] == [f"s{s.pk}" for s in question.cited()]


def test_validation_rejects_a_quiz_question_from_another_bank():
    quiz = QuizFactory()
    stranger = QuestionFactory()  # its own article
    item = QuizQuestionFactory.build(quiz=quiz, question=stranger, position=1)
    with pytest.raises(ValidationError) as excinfo:
        item.full_clean()
    assert "another article's bank" in str(excinfo.value)


def test_grading_key_reads_choices_in_position_order():
    question = QuestionFactory(
        kind=grading.ORDERING, choices=[("March", None), ("April", None), ("July", None)]
    )
    key = question.grading_key()
    assert [text for _, text in key.items] == ["March", "April", "July"]
    assert grading.grade(question.kind, key, [i for i, _ in key.items]).is_correct


def test_natural_keys_identify_every_bank_object():
    item = QuizQuestionFactory(question__key="who-agreed", quiz__slug="q1")
    question = item.question
    choice = question.choices.first()
    assert question.natural_key() == ("who-agreed", question.article.slug)
    assert Question.objects.get_by_natural_key(*question.natural_key()) == question
    assert type(choice).objects.get_by_natural_key(*choice.natural_key()) == choice
    assert type(item).objects.get_by_natural_key(*item.natural_key()) == item
