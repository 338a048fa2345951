"""A numeric question may accept further values besides its answer and tolerance: the
values an instructor accepts as right from the item analysis, or types in the admin.
(Accepting one from the analysis and the regrade are tested in test_instructor_review.)"""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse

from quiz import grading
from quiz.banks import bank_problems
from quiz.grading import InvalidSubmission, NumericKey
from quiz.models import Question
from tests.factories import ArticleFactory, QuestionFactory
from tests.test_admin import ADD_URL, question_form

NUMERIC = grading.kind(grading.NUMERIC)
# 1000 give or take 5, or 1200, or 1300.5
KEY = NumericKey(Decimal(1000), Decimal(5), ("1,200", "1300.5"))


# Grading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submission", "right"),
    [
        ("1000", True),
        ("1005", True),  # the tolerance still holds
        ("1200", True),
        ("1 200.00", True),  # as grading reads numbers, the accepted text as much as the answer
        ("1,200", True),
        ("1300.5", True),
        ("1300,5", True),
        ("1201", False),  # an accepted value is exact: the tolerance is the answer's only
        ("1199.99", False),
        ("1300", False),
        ("12", False),
    ],
)
def test_a_number_is_right_within_the_tolerance_or_equal_to_an_accepted_value(submission, right):
    grade = NUMERIC.grade(KEY, submission)
    assert (grade.score, grade.is_correct) == (Fraction(int(right)), right)


def test_accepted_values_are_named_with_the_answer():
    assert grading.describe(grading.NUMERIC, KEY) == "1000, 1200 or 1300.5"
    assert grading.describe(grading.NUMERIC, NumericKey(Decimal(7), Decimal(0))) == "7"


def test_each_accepted_value_must_be_a_number():
    key = NumericKey(Decimal(1000), Decimal(0), ("1200", "twelve hundred"))
    assert grading.key_problems(grading.NUMERIC, key) == [
        "the accepted answer “twelve hundred” is not a number"
    ]
    assert grading.key_problems(grading.NUMERIC, KEY) == []


def test_a_frozen_key_keeps_its_accepted_values():
    assert NUMERIC.key_from_data(NUMERIC.key_to_data(KEY)) == KEY


def test_a_key_frozen_before_numbers_took_accepted_values_still_grades():
    old = NUMERIC.key_from_data({"value": "1000", "tolerance": "5"})
    assert old == NumericKey(Decimal(1000), Decimal(5))
    assert NUMERIC.grade(old, "1003").is_correct
    assert not NUMERIC.grade(old, "1200").is_correct


def test_accepting_a_number_adds_it_as_grading_reads_it_once():
    wider = NUMERIC.with_accepted(KEY, "1 250,0")
    assert wider.accepted == ("1,200", "1300.5", "1250")
    assert NUMERIC.with_accepted(wider, "1250.00") == wider
    assert NUMERIC.with_accepted(KEY, "1004") == KEY  # within the tolerance: right already
    with pytest.raises(InvalidSubmission):
        NUMERIC.with_accepted(KEY, "about 1200")


# The admin and bank checks ------------------------------------------------------------------


def numeric_form(accepted):
    return question_form(
        ArticleFactory(),
        kind=grading.NUMERIC,
        accepted=accepted,
        numeric_answer="1000",
        numeric_tolerance="5",
    )


def test_the_admin_saves_a_numeric_question_with_accepted_values(instructor_client):
    response = instructor_client.post(ADD_URL, numeric_form(["1,200", "1300.5"]))
    assert response.status_code == 302
    question = Question.objects.get()
    assert list(question.accepted_answers.values_list("text", flat=True)) == ["1,200", "1300.5"]
    assert question.kind_object.grade(question.grading_key(), "1200").is_correct


def test_the_admin_refuses_an_accepted_value_that_is_not_a_number(instructor_client):
    response = instructor_client.post(ADD_URL, numeric_form(["1200", "many"]))
    assert "The accepted answer “many” is not a number." in response.content.decode()
    assert not Question.objects.exists()


def test_the_admin_still_refuses_accepted_answers_for_choice_questions(instructor_client):
    form = question_form(
        ArticleFactory(), choices=[("Shoigu", True), ("Putin", False)], accepted=["Shoigu"]
    )
    response = instructor_client.post(ADD_URL, form)
    assert "A single choice question takes no accepted answers." in response.content.decode()
    assert not Question.objects.exists()


def test_bank_validation_allows_numbers_and_names_what_is_not_one(db):
    good = QuestionFactory(key="count", numeric=True, accepted=["46", "1,000"])
    QuestionFactory(key="other", article=good.article, numeric=True, accepted=["many"])
    QuestionFactory(key="who", article=good.article, accepted=["Shoigu"])
    problems = [(p.where, p.message) for p in bank_problems()]
    slug = good.article.slug
    assert problems == [
        (f"question {slug}/other", "the accepted answer “many” is not a number"),
        (f"question {slug}/who", "a single choice question takes no accepted answers"),
    ]


def test_the_admin_preview_names_the_accepted_values(instructor_client):
    question = QuestionFactory(numeric=True, accepted=["46"])
    page = instructor_client.get(reverse("admin:quiz_question_preview", args=[question.pk]))
    assert "45 or 46" in page.content.decode()
