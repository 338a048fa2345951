"""Where people land after logging in, the instructors' page, and "Forgot password?"."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz import services
from quiz.models import CohortQuiz
from tests.factories import CohortFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_reset_mails_counted():
    """The reset mails counted per account live in the cache, which tests share."""
    cache.clear()


def log_in(client: Client, username: str):
    return client.post(reverse("login"), {"username": username, "password": "pass"})


def test_instructors_land_on_their_page_and_students_on_their_quizzes(client):
    UserFactory(username="teacher", instructor=True)
    UserFactory(username="bob")
    assert log_in(client, "teacher").url == reverse("quiz:landing")
    assert client.get(reverse("quiz:landing")).url == reverse("quiz:instructors")
    client.logout()
    log_in(client, "bob")
    assert client.get(reverse("quiz:landing")).url == reverse("quiz:home")
    assert client.get(reverse("quiz:instructors")).status_code == 403


def test_instructors_who_came_in_through_the_sites_address_land_on_their_page(client):
    UserFactory(username="teacher", instructor=True)
    login = reverse("login") + "?next=" + reverse("quiz:home")
    response = client.post(login, {"username": "teacher", "password": "pass", "next": "/"})
    assert response.url == reverse("quiz:instructors")
    client.logout()
    UserFactory(username="bob")
    response = client.post(login, {"username": "bob", "password": "pass", "next": "/"})
    assert response.url == reverse("quiz:home")


def test_the_instructors_page_lists_what_is_open_closing_soonest_first(
    instructor_client, django_assert_max_num_queries
):
    now = timezone.now()
    students = [UserFactory() for _ in range(3)]
    late = QuizFactory(title="Closes late", questions=[QuestionFactory()])
    soon = QuizFactory(title="Closes soon", questions=[QuestionFactory()])
    shut = QuizFactory(title="Closed already", questions=[QuestionFactory()])
    cohort = CohortFactory(name="Year 10", students=students)
    for quiz, closes in [(late, 30), (soon, 2), (shut, -1)]:
        CohortQuiz.objects.create(
            cohort=cohort,
            quiz=quiz,
            opens_at=now - timedelta(days=5),
            closes_at=now + timedelta(days=closes),
        )
    services.attempt_start(user=students[0], quiz=soon)
    waiting = QuestionFactory()
    type(waiting).objects.filter(pk=waiting.pk).update(needs_review=True)
    for n in range(60):  # more cohorts than the page lists
        CohortFactory(name=f"Group {n:02d}")
    with django_assert_max_num_queries(8):
        html = instructor_client.get(reverse("quiz:instructors")).content.decode()
    assert html.index("Closes soon") < html.index("Closes late")
    assert "Closed already" not in html
    assert "(within 7 days)" in html
    assert "Quizzes open now (2)" in html
    assert "Cohorts (61)" in html
    assert "Group 00</a>, Autumn 2026: 0 students" in html
    assert "The 50 largest; every cohort is under" in html
    assert html.index("Year 10</a>") < html.index("Group 00</a>")  # the class first
    assert "1: a sentence they cite was changed" in html
    assert "<dt>Graded attempts in progress</dt><dd>1</dd>" in html


def test_forgot_password_is_offered_only_where_mail_is_set_up(client, settings, mailoutbox):
    UserFactory(username="amira", email="amira@example.org")
    settings.PASSWORD_RESET_BY_MAIL = False
    login = client.get(reverse("login")).content.decode()
    assert "Ask your teacher for a new set-password link" in login
    assert reverse("password_reset") not in login
    client.post(reverse("password_reset"), {"email": "amira@example.org"})
    assert mailoutbox == []
    settings.PASSWORD_RESET_BY_MAIL = True
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
    response = client.post(reverse("password_reset"), {"email": "amira@example.org"})
    assert response.url == reverse("password_reset_done")
    (mail,) = mailoutbox
    assert mail.to == ["amira@example.org"]
    assert "/accounts/reset/" in mail.body
    client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert len(mailoutbox) == 1  # an unknown address gets no mail, and the page says the same


def test_a_class_list_account_without_a_password_can_reset_it_once_in_a_while(
    client, settings, mailoutbox
):
    settings.PASSWORD_RESET_BY_MAIL = True
    student = UserFactory(username="ben", email="ben@school.example")
    student.set_unusable_password()  # as load_cohort makes them
    student.save()
    client.post(reverse("password_reset"), {"email": "BEN@school.example"})
    assert len(mailoutbox) == 1
    client.post(reverse("password_reset"), {"email": "ben@school.example"})
    assert len(mailoutbox) == 1  # again within minutes: nothing more
    page = client.get(reverse("password_reset_done")).content.decode()
    assert "Asking again within a few minutes sends nothing more." in page


def test_the_done_page_says_no_mail_is_sent_where_none_is(client, settings):
    settings.PASSWORD_RESET_BY_MAIL = False
    page = client.get(reverse("password_reset_done")).content.decode()
    assert "This site sends no mail." in page
    assert "on its way" not in page
