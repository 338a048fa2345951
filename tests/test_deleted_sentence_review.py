"""A cited sentence deleted from its article, not corrected: every review page still works
and offers re-picking, never a confirmation of an unrelated sentence."""

import pytest
from django.urls import reverse

from quiz.articles import article_text_set
from quiz.models import Question
from tests.factories import ARTICLE_TEXT, ArticleFactory, QuestionFactory

MARCH = "Russia captured Kherson back in March."

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(instructor):
    article = ArticleFactory()
    question = QuestionFactory(article=article, excerpt=MARCH)
    article_text_set(
        article=article, text=ARTICLE_TEXT.replace(MARCH, ""), user=instructor, via="test"
    )
    return Question.objects.get(pk=question.pk)


def test_the_review_list_shows_a_deleted_sentence_without_a_confirm_button(
    instructor_client, flagged
):
    response = instructor_client.get(reverse("admin:quiz_article_review"))
    html = response.content.decode()
    assert response.status_code == 200
    assert MARCH in html
    assert "None close: the sentence was deleted. Re-pick the evidence." in html
    assert "Confirm the nearest sentence" not in html


def test_the_question_form_shows_a_deleted_sentence_with_nothing_beside_it(
    instructor_client, flagged
):
    response = instructor_client.get(reverse("admin:quiz_question_change", args=[flagged.pk]))
    assert response.status_code == 200
    assert "None close: the sentence was deleted." in response.content.decode()


def test_confirming_a_deleted_sentence_is_refused_with_a_message(instructor_client, flagged):
    url = reverse("admin:quiz_article_review_confirm", args=[flagged.pk])
    response = instructor_client.post(url, follow=True)
    assert response.status_code == 200
    assert "re-pick its evidence on the question" in response.content.decode()
    assert Question.objects.get(pk=flagged.pk).needs_review
