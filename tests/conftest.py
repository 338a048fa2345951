import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import UserFactory

KHERSON_BANK = Path(settings.BASE_DIR) / "fixtures" / "kherson-withdrawal.json"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Under mutmut (`make mutants`), give each process its own SQLite test file: mutmut runs
    two forked children at once, and one shared file would be dropped under the other."""
    test = settings.DATABASES["default"].get("TEST", {})
    if os.environ.get("MUTANT_UNDER_TEST") and test.get("NAME"):
        test["NAME"] = f"{test['NAME']}.{os.getpid()}"


@pytest.fixture
def student(db):
    return UserFactory(username="alice")


@pytest.fixture
def instructor(db):
    return UserFactory(username="teacher", instructor=True)


@pytest.fixture
def login_request():
    """A POST to the login page, for `authenticate(login_request, username=…, password=…)`:
    django-axes counts failures per request and refuses to authenticate without one."""
    return RequestFactory().post(reverse("login"))


@pytest.fixture
def student_client(student) -> Client:
    client = Client()
    client.force_login(student)
    return client


@pytest.fixture
def instructor_client(instructor) -> Client:
    client = Client()
    client.force_login(instructor)
    return client


@pytest.fixture(scope="module")
def kherson_bank(django_db_setup, django_db_blocker) -> str:
    """The first bank, loaded once for the whole module that asks for it; its slug.

    Loading it takes 1-2 s (every object is validated), too slow to repeat for each test.
    It is committed outside the tests' transactions, so each test still rolls back what it
    changes, and it is deleted when the module is done: later modules start empty.
    Tests marked `transaction=True` flush the database, but pytest-django runs them after
    every other database test, so after this fixture is gone.
    """
    from quiz.banks import bank_load
    from quiz.models import Article, Quiz

    with django_db_blocker.unblock():
        result = bank_load(paths=[KHERSON_BANK])
    yield "kherson-withdrawal"
    with django_db_blocker.unblock():
        # Quizzes first: their questions are protected while a quiz uses them.
        Quiz.objects.filter(article__slug__in=result.articles).delete()
        Article.objects.filter(slug__in=result.articles).delete()
