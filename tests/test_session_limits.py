"""Sessions end after 30 minutes without a request and 8 hours after the login, whichever first."""

import runpy
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from quiz import services
from quiz.session_limits import LOGIN_AT, SEEN_AT
from tests.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOME = reverse("quiz:home")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return time_machine


@pytest.fixture
def student_client(client, student, clock):
    client.force_login(student)
    return client


def session_writes(response) -> bool:
    """SessionMiddleware sends the cookie exactly when it has saved the session."""
    return django_settings.SESSION_COOKIE_NAME in response.cookies


def test_31_minutes_without_a_request_log_the_student_out(student_client, clock):
    old_key = student_client.session.session_key
    clock.shift(timedelta(minutes=31))
    response = student_client.get(HOME)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={HOME}"
    assert not Session.objects.filter(session_key=old_key).exists()  # flushed
    login_page = student_client.get(response.url)
    assert b"logged out after 30 minutes without activity" in login_page.content
    assert student_client.get(HOME).status_code == 302  # anonymous from now on


def test_the_clocks_syncs_do_not_keep_a_page_left_open_alive(student_client, student, clock):
    """A timed attempt left open on a shared computer syncs its clock twice a minute; that is
    the page talking, not the student."""
    quiz = QuizFactory(open_to=[student], time_limit_minutes=120, questions=[QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    timer = reverse("quiz:timer", args=[attempt.pk])
    for _ in range(30):
        clock.shift(timedelta(minutes=1))
        sync = student_client.get(timer, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="timer")
    assert sync.status_code == 200  # the 30th minute: still in
    clock.shift(timedelta(minutes=1))
    sync = student_client.get(timer, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="timer")
    assert sync.headers["HX-Redirect"].startswith(reverse("login"))


def test_29_minutes_without_a_request_keep_the_session(student_client, clock):
    clock.shift(timedelta(minutes=29))
    assert student_client.get(HOME).status_code == 200


def test_a_request_every_10_minutes_keeps_the_session_until_8_hours_after_login(
    student_client, clock
):
    for _ in range(47):  # 09:10 … 16:50
        clock.shift(timedelta(minutes=10))
        assert student_client.get(HOME).status_code == 200
    # Each of those saved the session, so its expiry date has moved on past 17:00 ...
    key = student_client.session.session_key
    assert Session.objects.get(session_key=key).expire_date > MORNING + timedelta(hours=8)
    # ... but eight hours after the login it ends all the same.
    clock.shift(timedelta(minutes=10))
    response = student_client.get(HOME)
    assert response.status_code == 302
    assert b"8 hours after logging in" in student_client.get(response.url).content


def test_the_session_is_written_at_most_once_a_minute(student_client, clock):
    key = student_client.session.session_key
    expires = Session.objects.get(session_key=key).expire_date
    for seconds in (0, 20, 40, 59):
        clock.move_to(MORNING + timedelta(seconds=seconds), tick=False)
        assert not session_writes(student_client.get(HOME)), seconds
    assert Session.objects.get(session_key=key).expire_date == expires
    clock.move_to(MORNING + timedelta(seconds=61), tick=False)
    assert session_writes(student_client.get(HOME))
    assert not session_writes(student_client.get(HOME))


def test_logging_in_again_restarts_both_limits(client, student, clock):
    credentials = {"username": "alice", "password": "pass"}
    assert client.post(reverse("login"), credentials).status_code == 302
    for _ in range(47):  # active until 16:50, in the same session
        clock.shift(timedelta(minutes=10))
        assert client.get(HOME).status_code == 200
    # Logging in again keeps the session's data (Django cycles its key): not its login time.
    assert client.post(reverse("login"), credentials).status_code == 302
    clock.shift(timedelta(minutes=20))  # 8 h 10 after the first login
    assert client.get(HOME).status_code == 200
    clock.shift(timedelta(minutes=29))
    assert client.get(HOME).status_code == 200


def test_an_htmx_request_after_the_limit_sends_the_whole_page_to_login(student_client, clock):
    page = reverse("quiz:item", args=[1, 2])
    clock.shift(timedelta(minutes=31))
    response = student_client.post(
        reverse("quiz:answer", args=[1]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page}?from=htmx",
    )
    # The page the student was on answers GET; the answer URL may not.
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"{reverse('login')}?next={page}%3Ffrom%3Dhtmx"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_session_from_before_the_limits_were_kept_ends_once(student_client, student):
    session = student_client.session
    del session[LOGIN_AT], session[SEEN_AT]
    session.save()
    assert student_client.get(HOME).status_code == 302
    student_client.force_login(student)
    assert student_client.get(HOME).status_code == 200


def test_the_admin_is_logged_out_alike(client, instructor, clock):
    client.force_login(instructor)
    assert client.get(reverse("admin:index")).status_code == 200
    clock.shift(timedelta(minutes=31))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_idle_timeout_of_0_keeps_only_the_absolute_limit(student_client, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 0
    clock.shift(timedelta(hours=7, minutes=59))
    assert student_client.get(HOME).status_code == 200
    clock.shift(timedelta(minutes=1))
    assert student_client.get(HOME).status_code == 302


def test_the_limits_default_to_8_hours_and_30_minutes_and_read_the_environment(monkeypatch):
    path = str(django_settings.BASE_DIR / "config" / "settings.py")
    monkeypatch.delenv("SESSION_COOKIE_AGE", raising=False)
    monkeypatch.delenv("SESSION_IDLE_TIMEOUT", raising=False)
    defaults = runpy.run_path(path)
    assert defaults["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert defaults["SESSION_IDLE_TIMEOUT"] == 30 * 60
    monkeypatch.setenv("SESSION_IDLE_TIMEOUT", "600")
    assert runpy.run_path(path)["SESSION_IDLE_TIMEOUT"] == 600
