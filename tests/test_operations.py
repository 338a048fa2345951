"""What the people who run the app rely on: the load balancer's health check and the request
log (quiz/operations.py)."""

import json
import logging
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from quiz import operations

pytestmark = pytest.mark.django_db

# The middleware as REQUEST_LOG=1 sets it: the log second, after the health probe.
LOGGED = [settings.MIDDLEWARE[0], "quiz.operations.RequestLogMiddleware", *settings.MIDDLEWARE[1:]]


@pytest.fixture(autouse=True)
def unchecked_migrations(monkeypatch):
    """Each test starts as a new process would: migrations not yet checked."""
    monkeypatch.setattr(operations, "_migrated", False)


def test_health_says_ok_to_anyone_by_address_over_plain_http(client, django_assert_max_num_queries):
    with override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["quiz.example.org"]):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert client.head("/healthz", HTTP_HOST="10.0.0.7").status_code == 200
    with django_assert_max_num_queries(1):  # once the migrations are known applied: SELECT 1
        client.get("/healthz")


def test_health_says_unavailable_without_details_when_the_database_does_not_answer(client, caplog):
    with mock.patch.object(
        operations.connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}  # nothing about why, to the network
    assert "connection refused" in caplog.text  # that is for the instance's own log


def test_health_says_unavailable_while_a_migration_is_not_applied(client):
    with mock.patch.object(
        operations.MigrationExecutor, "migration_plan", return_value=[("quiz", "9999_new")]
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert client.get("/healthz").status_code == 200  # applied since: healthy again


def test_health_is_only_the_probe_not_a_page_under_it(client):
    assert client.post("/healthz").status_code != 200  # a GET or HEAD, nothing else
    assert client.get("/healthz/extra").status_code == 404


@override_settings(MIDDLEWARE=LOGGED)
def test_the_request_log_writes_one_json_line_per_request(student_client, student, caplog):
    caplog.set_level(logging.INFO, logger="quiz.requests")
    response = student_client.get(reverse("quiz:home"), HTTP_X_REQUEST_ID="lb-42")
    assert response["X-Request-ID"] == "lb-42"
    (record,) = [r for r in caplog.records if r.name == "quiz.requests"]
    line = json.loads(record.getMessage())
    assert line["request_id"] == "lb-42"
    assert line["user"] == student.pk
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["queries"] >= 2  # the session and the user at least
    assert line["duration_ms"] >= 0


@override_settings(MIDDLEWARE=LOGGED)
def test_the_request_log_makes_its_own_id_for_a_missing_or_odd_one(client, caplog):
    caplog.set_level(logging.INFO, logger="quiz.requests")
    first = client.get(reverse("login"))
    odd = client.get(reverse("login"), HTTP_X_REQUEST_ID='"><script>')
    ids = [json.loads(r.getMessage())["request_id"] for r in caplog.records]
    assert ids == [first["X-Request-ID"], odd["X-Request-ID"]]
    assert len(set(ids)) == 2
    assert all(len(i) == 32 for i in ids)
    assert [json.loads(r.getMessage())["user"] for r in caplog.records] == [None, None]


def sqlite_synchronous(tmp_path, value: str) -> subprocess.CompletedProcess:
    """A new process with production settings on a SQLite file: the synchronous level its
    connection runs at (SQLite's numbers: 1 NORMAL, 2 FULL)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SQLITE_SYNCHRONOUS": value,
    }
    code = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA synchronous'); print(c.fetchone()[0])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(("value", "level"), [("", "1"), ("normal", "1"), ("FULL", "2")])
def test_sqlites_durability_is_normal_unless_set_to_full(tmp_path, value, level):
    assert sqlite_synchronous(tmp_path, value).stdout.strip() == level


def test_an_unknown_durability_stops_the_app_saying_what_is_allowed(tmp_path):
    result = sqlite_synchronous(tmp_path, "OFF")
    assert result.returncode != 0
    assert "SQLITE_SYNCHRONOUS must be NORMAL or FULL, not 'OFF'" in result.stderr
