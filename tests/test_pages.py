"""The pages that answer before the student's quiz exists: login and the list of quizzes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quiz import services
from quiz.models import Attempt
from tests.factories import QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_answers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b"<h1>Log in</h1>" in response.content


def test_student_logs_in_and_lands_on_their_quizzes(client, student):
    response = client.post(reverse("login"), {"username": "alice", "password": "pass"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("quiz:home")
    assert b"Signed in as <strong>alice</strong>" in response.content


def test_wrong_password_is_refused_with_a_message(client, student):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_home_needs_a_login(client):
    response = client.get(reverse("quiz:home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_home_lists_published_quizzes_of_the_students_cohorts_only(student_client, student):
    QuizFactory(title="Kherson in full", open_to=[student])
    QuizFactory(title="Draft quiz", is_published=False, open_to=[student])
    QuizFactory(title="Another cohort's quiz", open_to=[UserFactory()])
    response = student_client.get(reverse("quiz:home"))
    assert b"Kherson in full" in response.content
    assert b"Draft quiz" not in response.content
    assert b"Another cohort" not in response.content


def test_unpublished_quiz_is_not_found(student_client, student):
    quiz = QuizFactory(is_published=False, open_to=[student])
    assert student_client.get(quiz.get_absolute_url()).status_code == 404


def test_logout_is_a_post(student_client):
    assert student_client.get(reverse("logout")).status_code == 405
    response = student_client.post(reverse("logout"))
    assert response.status_code == 302
    assert student_client.get(reverse("quiz:home")).status_code == 302


def test_pages_carry_a_content_security_policy(client):
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy


@pytest.mark.parametrize(("draw", "said"), [(None, "2"), (3, "2"), (1, "1, drawn at random")])
def test_quiz_page_counts_only_the_questions_an_attempt_can_ask(
    student_client, student, instructor, draw, said
):
    from quiz.articles import article_text_set
    from tests.factories import ARTICLE_TEXT, ArticleFactory, QuestionFactory

    article = ArticleFactory()
    questions = [
        QuestionFactory(article=article, excerpt=sentence.text)
        for sentence in article.current_sentences()[:3]
    ]
    quiz = QuizFactory(article=article, questions=questions, open_to=[student], draw_count=draw)
    # Correcting the first sentence leaves its question waiting for review: 2 remain.
    article_text_set(
        article=article,
        text=ARTICLE_TEXT.replace("agreed to", "accepted"),
        user=instructor,
        via="test",
    )
    html = student_client.get(quiz.get_absolute_url()).content.decode()
    assert f"<dt>Questions</dt><dd>{said}" in html


def test_home_says_a_timed_attempt_past_its_deadline_is_over_and_leads_to_the_results(
    student_client, student
):
    quiz = QuizFactory(open_to=[student], time_limit_minutes=10, questions=[QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    html = student_client.get(reverse("quiz:home")).content.decode()
    assert "</time> left" in html
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    html = student_client.get(reverse("quiz:home")).content.decode()
    assert "</time> left" not in html
    assert "its time is up" in html
    results = reverse("quiz:review", args=[attempt.pk])
    assert f'href="{results}"' in html
    assert student_client.get(results).status_code == 200
    assert not Attempt.objects.get(pk=attempt.pk).is_open
