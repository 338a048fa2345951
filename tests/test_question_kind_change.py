"""Changing a question from one choice kind to another in the admin: its choices' columns
are checked for the new kind, never a 500."""

import pytest

from quiz import grading
from quiz.models import Question
from tests.factories import QuestionFactory
from tests.test_question_authoring import change_url, form_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (grading.SINGLE, grading.MATCHING),
        (grading.SINGLE, grading.ORDERING),
        (grading.MULTIPLE, grading.MATCHING),
        (grading.ORDERING, grading.MATCHING),
        (grading.MATCHING, grading.ORDERING),
    ],
)
def test_a_change_of_choice_kind_is_answered_with_the_form_not_an_error(
    instructor_client, before, after
):
    question = QuestionFactory(kind=before)
    response = instructor_client.post(change_url(question), form_of(question, kind=after))
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: what the new kind needs is said on the form
        assert response.context["errors"]
        assert Question.objects.get(pk=question.pk).kind == before


def test_an_article_changed_between_the_checks_and_the_save_keeps_nothing_and_says_so(
    instructor_client, monkeypatch
):
    from quiz import articles, errors

    question = QuestionFactory()

    def article_changed_meanwhile(**kwargs):
        raise errors.NotASentence()

    monkeypatch.setattr(articles, "evidence_set", article_changed_meanwhile)
    data = form_of(question, prompt="A new prompt?")
    response = instructor_client.post(change_url(question), data, follow=True)
    assert response.status_code == 200
    assert "Nothing was saved: Only current sentences" in response.content.decode()
    assert Question.objects.get(pk=question.pk).prompt == question.prompt
