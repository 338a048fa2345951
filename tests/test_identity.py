"""Each request's session and user, read by written-out queries (quiz/identity.py), keep what
Django's session store and ModelBackend guarantee: an expired or unknown session is nobody's,
an inactive or deleted user is logged out, and the user read is the user stored."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quiz.identity import SessionStore, UserBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("quiz:home")


def test_a_logged_in_student_stays_logged_in(student_client, student):
    response = student_client.get(HOME)
    assert response.status_code == 200
    assert response.wsgi_request.user == student


def test_a_session_past_its_expiry_date_is_nobodys(student_client):
    key = student_client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = student_client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_unknown_session_key_is_nobodys_and_gets_a_new_key_when_saved(db):
    store = SessionStore("k" * 32)
    assert store.load() == {}
    store["seen"] = True
    store.save()
    assert store.session_key != "k" * 32  # never the key the client chose: no fixation
    assert SessionStore(store.session_key).load() == {"seen": True}


def test_a_malformed_session_key_is_nobodys(db):
    assert SessionStore("short").load() == {}


def test_a_logged_out_session_no_longer_logs_anyone_in(student_client):
    stolen = student_client.cookies["sessionid"].value
    assert student_client.post(reverse("logout")).status_code == 302
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(HOME).status_code == 302


def test_a_deactivated_student_is_logged_out(student_client, student):
    student.is_active = False
    student.save()
    assert student_client.get(HOME).status_code == 302


def test_a_deleted_student_is_logged_out(student_client, student):
    student.delete()
    assert student_client.get(HOME).status_code == 302


def test_the_user_read_is_the_user_stored(db):
    stored = UserFactory(instructor=True, first_name="Ada", last_name="L", email="ada@example.org")
    stored.last_login = timezone.now()
    stored.save()
    read = UserBackend().get_user(str(stored.pk))  # as the session holds it: a string
    expected = get_user_model().objects.get(pk=stored.pk)
    fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    assert {f: getattr(read, f) for f in fields} == {f: getattr(expected, f) for f in fields}


@pytest.mark.parametrize("user_id", ["", "x", None, "1.5"])
def test_a_session_naming_no_valid_user_is_nobody(db, user_id):
    assert UserBackend().get_user(user_id) is None


def test_a_page_reads_the_session_and_the_user_once_each(student_client):
    with CaptureQueriesContext(connection) as queries:
        assert student_client.get(HOME).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "django_session"' in q for q in sql) == 1
    assert sum('FROM "auth_user"' in q for q in sql) == 1
