"""A numeric question may accept further values besides its answer and tolerance: the
values an instructor accepts as right from the item analysis, or types in the admin.
(Accepting one from the analysis and the regrade are tested in test_instructor_review.)"""

from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from quiz import grading
from quiz.banks import bank_problems
from quiz.exchange import (
    bank_questions,
    export_gift,
    export_moodle_xml,
    import_gift,
    import_moodle_xml,
)
from quiz.grading import InvalidSubmission, NumericKey
from quiz.models import Question
from tests.factories import ArticleFactory, QuestionFactory
from tests.test_admin import ADD_URL, question_form
from tests.test_exchange import xml_question

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


def test_the_admin_takes_no_accepted_answers_for_choice_questions(instructor_client):
    article = ArticleFactory()
    page = instructor_client.get(ADD_URL, {"article": article.pk, "kind": grading.SINGLE})
    assert "accepted_answers-TOTAL_FORMS" not in page.content.decode()
    form = question_form(article, choices=[("Shoigu", True), ("Putin", False)], accepted=["Shoigu"])
    instructor_client.post(ADD_URL, form)  # posted anyway: not the form's, not saved
    assert not Question.objects.get().accepted_answers.exists()


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
    page = instructor_client.post(
        reverse("admin:quiz_question_preview", args=[question.pk]),
        {"item": question.pk, "answer": "40"},
    )
    assert "<dd>45 or 46</dd>" in page.content.decode()


# GIFT and Moodle XML --------------------------------------------------------------------------


@pytest.fixture
def counted(db):
    """An article whose bank is one numeric question with two accepted values."""
    article = ArticleFactory(slug="counted")
    QuestionFactory(
        article=article,
        key="count",
        numeric=True,
        numeric_answer=Decimal(1000),
        numeric_tolerance=Decimal(5),
        accepted=["1,200", "1300.5"],
    )
    return article


def test_gift_writes_accepted_values_as_further_exact_answers(counted):
    exported = export_gift(counted)
    assert "\t#\n\t=1000:5\n\t=1200:0\n\t=1300.5:0\n" in exported.text
    assert exported.left_out == []


def test_moodle_xml_writes_accepted_values_as_further_full_mark_answers(counted):
    text = export_moodle_xml(counted).text
    assert text.count('<answer fraction="100" format="plain_text">') == 3
    assert "<text>1200</text><tolerance>0</tolerance>" in text.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize(
    ("export", "name"), [(export_gift, "bank.gift"), (export_moodle_xml, "bank.xml")]
)
def test_accepted_values_survive_a_round_trip(tmp_path, counted, export, name):
    copy = ArticleFactory(slug="counted-copy", text=counted.text)
    path = tmp_path / name
    path.write_text(export(counted).text, encoding="utf-8")
    call_command("import_bank", str(path), "--article", copy.slug, stdout=StringIO())
    (question,) = bank_questions(copy)
    assert question.kind == grading.NUMERIC
    assert (question.numeric_answer, question.numeric_tolerance) == (1000, 5)
    assert question.accepted == ["1200", "1300.5"]


def test_a_gift_number_without_further_answers_reads_as_before():
    (question,) = import_gift(gift_numeric("#45:0.5")).questions
    assert (question.numeric_answer, question.numeric_tolerance, question.accepted) == (
        Decimal(45),
        Decimal("0.5"),
        [],
    )


def test_moodles_partial_credit_numbers_are_not_accepted_values():
    (question,) = import_gift(gift_numeric("#\n=%100%45:0#Yes\n=%50%44:0#Close\n=46:0")).questions
    assert (question.numeric_answer, question.accepted) == (Decimal(45), ["46"])


def test_a_further_right_number_with_a_tolerance_is_refused():
    imported = import_gift(gift_numeric("#\n=45:0\n=50:2"))
    assert imported.questions == []
    assert [p.message for p in imported.problems] == [
        "the further right answer 50 has a tolerance: only the first right answer may have one"
    ]
    body = (
        '<answer fraction="100"><text>45</text><tolerance>0</tolerance></answer>'
        '<answer fraction="100"><text>50</text><tolerance>2</tolerance></answer>'
    )
    imported = import_moodle_xml(xml_question(body, "numerical"))
    assert [p.message for p in imported.problems] == [
        "the further right answer 50 has a tolerance: only the first right answer may have one"
    ]


def gift_numeric(answers: str) -> str:
    return f"::age::How old? {{{answers}####Why.\\n\\nSource: “x”}}\n"
