"""The database refuses what the forms would: invariants live in Meta.constraints."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from quiz import grading
from quiz.models import Question
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


@pytest.mark.parametrize("field", ["prompt", "explanation", "excerpt", "key"])
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


def test_validation_rejects_an_excerpt_not_in_the_article():
    question = QuestionFactory.build(
        article=ArticleFactory(), excerpt="Russia captured Kherson back in May."
    )
    with pytest.raises(ValidationError) as excinfo:
        question.full_clean()
    assert excinfo.value.message_dict["excerpt"] == [
        "This excerpt does not appear word for word in the article's text."
    ]


def test_validation_accepts_an_excerpt_quoted_verbatim_with_curly_apostrophe():
    excerpt = "Kyiv\u2019s men then made a breakthrough to the north of Kherson in October."
    question = QuestionFactory.build(article=ArticleFactory(), excerpt=excerpt)
    question.full_clean()  # raises ValidationError if the excerpt were refused
    question.save()
    assert Question.objects.get(pk=question.pk).excerpt == excerpt
    assert Question.objects.filter(excerpt__contains="Kyiv\u2019s").count() == 1


def test_validation_rejects_an_excerpt_with_a_straightened_apostrophe():
    question = QuestionFactory.build(
        article=ArticleFactory(),
        excerpt="Kyiv's men then made a breakthrough to the north of Kherson in October.",
    )
    with pytest.raises(ValidationError):
        question.full_clean()


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
