"""Login throttling (django-axes): per username, with a cool-off, on the site and the admin."""

import runpy
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from quiz.lockout import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A Monday in March: London is on GMT, so local times read as these UTC ones.
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CLASSROOM = "203.0.113.7"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return time_machine


def log_in(client, username, password, url=None, **extra):
    url = url or reverse("login")
    return client.post(url, {"username": username, "password": password}, **extra)


def lock_out(client, username, **extra):
    """Wrong passwords up to the limit: the last one is answered with the lockout."""
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, username, "wrong", **extra).status_code == 200
    response = log_in(client, username, "wrong", **extra)
    assert response.status_code == 429
    return response


def is_logged_in(client) -> bool:
    return client.get(reverse("quiz:home")).status_code == 200


def test_five_wrong_passwords_refuse_even_the_right_one(client, student, clock):
    for _ in range(4):
        response = log_in(client, "alice", "wrong")
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content
    assert log_in(client, "alice", "wrong").status_code == 429
    assert log_in(client, "alice", "pass").status_code == 429
    assert not is_logged_in(client)


def test_the_lockout_page_says_at_what_time_and_in_how_many_minutes(client, student, clock):
    response = lock_out(client, "alice")
    page = response.content.decode()
    # Locked at 10:00:00 for 15 minutes: open again just after 10:15:00, so from 10:16.
    assert "<h1>Too many attempts to log in</h1>" in page
    assert '<time datetime="2026-03-02T10:16:00+00:00">10:16</time>' in page
    assert "in 16 minutes" in page
    assert "<strong>alice</strong>" in page
    assert response.headers["Retry-After"] == str(16 * 60)
    # In the site's layout, under its Content Security Policy.
    assert "<title>Too many attempts · Article quizzes</title>" in page
    assert 'class="skip-link"' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert f'href="{reverse("login")}"' in page


def test_trying_during_the_lockout_does_not_push_it_back(client, student, clock):
    lock_out(client, "alice")
    clock.shift(timedelta(minutes=5))
    response = log_in(client, "alice", "pass")
    assert response.status_code == 429
    assert ">10:16</time>" in response.content.decode()
    assert "in 11 minutes" in response.content.decode()
    clock.shift(timedelta(minutes=5))
    log_in(client, "alice", "wrong")
    clock.move_to(MORNING + timedelta(minutes=16), tick=False)
    assert log_in(client, "alice", "pass").status_code == 302


def test_the_cool_off_ends_and_the_right_password_works_again(client, student, clock):
    lock_out(client, "alice")
    clock.move_to(MORNING + timedelta(minutes=15), tick=False)
    assert log_in(client, "alice", "pass").status_code == 429
    clock.move_to(MORNING + timedelta(minutes=15, seconds=1), tick=False)
    response = log_in(client, "alice", "pass")
    assert response.status_code == 302
    assert response.url == reverse("quiz:landing")  # which sends a student on to their quizzes
    assert is_logged_in(client)


def test_other_students_behind_the_same_address_still_log_in(client, student, clock):
    """One classroom, one address: typos by some never lock out the others."""
    lock_out(client, "alice", REMOTE_ADDR=CLASSROOM)
    for name in ("bob", "chen", "dana"):
        UserFactory(username=name)
        for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
            log_in(client, name, "wrong", REMOTE_ADDR=CLASSROOM)
    for name in ("bob", "chen", "dana"):
        response = log_in(client, name, "pass", REMOTE_ADDR=CLASSROOM)
        assert response.status_code == 302, name
        client.post(reverse("logout"))


@pytest.mark.parametrize(
    "trusted", [[], [ip_network("127.0.0.1/32")]], ids=["no-trusted-proxy", "trusted-proxy"]
)
def test_a_rotating_x_forwarded_for_does_not_escape_the_lockout(
    client, student, clock, settings, trusted
):
    settings.TRUSTED_PROXIES = trusted
    for i in range(django_settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert response.status_code == 429
    response = log_in(client, "alice", "pass", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429
    assert not is_logged_in(client)


def test_the_admin_login_is_throttled_too(client, instructor, clock):
    url = f"{reverse('admin:login')}?next=/admin/"
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "teacher", "wrong", url=url)
    assert response.status_code == 429
    assert ">10:16</time>" in response.content.decode()
    assert f'href="{url}"' in response.content.decode()
    assert log_in(client, "teacher", "pass", url=url).status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_successful_login_clears_the_usernames_failures(client, student, clock):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", "pass").status_code == 302
    client.post(reverse("logout"))
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "alice", "wrong").status_code == 200
    assert log_in(client, "alice", "pass").status_code == 302


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post(reverse("login"), **extra)


def test_x_forwarded_for_is_ignored_unless_a_trusted_proxy_sent_it(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request_from("203.0.113.5", "198.51.100.9")) == "203.0.113.5"
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.0/8")]
    assert client_ip(request_from("203.0.113.5", "198.51.100.9")) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_client_is_the_last_address_it_did_not_write(settings):
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.0/8")]
    # What a client puts in the header comes first; each proxy appends whom it heard from.
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 198.51.100.9")) == "198.51.100.9"
    assert client_ip(request_from("10.0.0.2", "198.51.100.9, 10.0.0.3")) == "198.51.100.9"
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, not-an-address")) == "10.0.0.2"
    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"


def test_axes_is_the_first_backend_and_the_last_middleware():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_throttling_defaults_to_five_failures_and_fifteen_minutes_and_reads_the_environment(
    monkeypatch,
):
    path = str(django_settings.BASE_DIR / "config" / "settings.py")
    for name in ("LOGIN_FAILURE_LIMIT", "LOGIN_COOLOFF_MINUTES", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_path(path)
    assert defaults["AXES_FAILURE_LIMIT"] == 5
    assert defaults["AXES_COOLOFF_TIME"] == timedelta(minutes=15)
    assert defaults["TRUSTED_PROXIES"] == []
    monkeypatch.setenv("LOGIN_FAILURE_LIMIT", "8")
    monkeypatch.setenv("LOGIN_COOLOFF_MINUTES", "30")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1, 172.16.0.0/12")
    configured = runpy.run_path(path)
    assert configured["AXES_FAILURE_LIMIT"] == 8
    assert configured["AXES_COOLOFF_TIME"] == timedelta(minutes=30)
    assert configured["TRUSTED_PROXIES"] == [ip_network("10.0.0.1"), ip_network("172.16.0.0/12")]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT must be at least 1, not 0"),
        ("LOGIN_COOLOFF_MINUTES", "0", "LOGIN_COOLOFF_MINUTES must be at least 1, not 0"),
        ("SESSION_IDLE_TIMEOUT", "-5", "SESSION_IDLE_TIMEOUT must be at least 0, not -5"),
        ("SESSION_COOKIE_AGE", "0", "SESSION_COOKIE_AGE must be at least 60, not 0"),
    ],
)
def test_a_limit_that_would_lock_everyone_out_is_refused_at_start(
    monkeypatch, name, value, message
):
    """A failure limit of 0 would refuse every login; a negative idle time, every request."""
    monkeypatch.setenv(name, value)
    path = str(django_settings.BASE_DIR / "config" / "settings.py")
    with pytest.raises(ImproperlyConfigured, match=f"^{message}$"):
        runpy.run_path(path)
