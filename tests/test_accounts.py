"""Demo accounts for `make run`, and the Instructors group."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from quiz.models import CohortQuiz
from quiz.roles import INSTRUCTORS
from tests.factories import QuizFactory

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("create_demo_accounts")
    assert not get_user_model().objects.exists()


def test_demo_accounts_log_in_with_their_names(settings, login_request):
    settings.DEBUG = True
    call_command("create_demo_accounts", stdout=StringIO())
    student = authenticate(login_request, username="student", password="student")
    instructor = authenticate(login_request, username="instructor", password="instructor")
    assert student is not None
    assert not student.is_staff
    assert instructor is not None
    assert instructor.is_staff
    assert not instructor.is_superuser
    assert list(instructor.groups.values_list("name", flat=True)) == [INSTRUCTORS]


def test_demo_accounts_twice_duplicates_nothing_and_keeps_passwords(settings, login_request):
    settings.DEBUG = True
    call_command("create_demo_accounts", stdout=StringIO())
    student = get_user_model().objects.get(username="student")
    student.set_password("changed-by-the-student")
    student.save()
    out = StringIO()
    call_command("create_demo_accounts", stdout=out)
    assert "student: already there" in out.getvalue()
    assert get_user_model().objects.count() == 2
    assert authenticate(login_request, username="student", password="changed-by-the-student")


def test_instructors_group_has_exactly_the_quiz_permissions():
    group = Group.objects.get(name=INSTRUCTORS)  # made by migrate
    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert apps == {"quiz"}
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_question", "change_question", "delete_choice", "change_quiz"} <= codenames


def test_demo_student_has_the_published_quizzes_open(settings, client):
    settings.DEBUG = True
    QuizFactory(title="Open to the demo")
    call_command("create_demo_accounts", stdout=StringIO())
    call_command("create_demo_accounts", stdout=StringIO())  # twice: nothing doubles
    assert CohortQuiz.objects.count() == 1
    response = client.post(reverse("login"), {"username": "student", "password": "student"})
    assert response.status_code == 302
    assert b"Open to the demo" in client.get("/").content
