"""`backup` while students answer, `restore` into an empty database, every refusal named.

Each test runs on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL).
Restores into an empty database run `manage.py restore` as the instructor would, against a
scratch database; refusals that stop before the database is touched run against the suite's.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from quiz import services
from quiz.backups import manifest_path
from quiz.models import Response
from tests.answers import right_answers
from tests.factories import QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ON_POSTGRES = connection.vendor == "postgresql"
SCRATCH = "test_quiz_restore_scratch"


def pg_connect(dbname: str):
    """A connection to another database of the suite's PostgreSQL server, as Django connects."""
    import psycopg

    return psycopg.connect(**{**connection.get_connection_params(), "dbname": dbname})


@pytest.fixture
def scratch(tmp_path) -> str:
    """The DATABASE_URL of an empty database, for `manage.py restore`."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    with pg_connect("postgres") as db:
        db.autocommit = True
        db.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        db.execute(f"CREATE DATABASE {SCRATCH}")
    params = connection.get_connection_params()
    user = quote(params.get("user", ""))
    password = f":{quote(params['password'])}" if params.get("password") else ""
    host, port = quote(str(params.get("host", "")), safe=""), params.get("port", "")
    yield f"postgres://{user}{password}@/{SCRATCH}?host={host}&port={port}"
    with pg_connect("postgres") as db:
        db.autocommit = True
        db.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows_at(database_url: str, query: str) -> list[tuple]:
    if ON_POSTGRES:
        with pg_connect(SCRATCH) as db:
            return db.execute(query).fetchall()
    db = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def counts_at(database_url: str, tables: list[str]) -> dict[str, int]:
    return {t: rows_at(database_url, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def manifest_of(path: Path) -> dict:
    return json.loads(manifest_path(path).read_text())


def answer_all(student, attempt, begun: threading.Event, errors: list) -> None:
    try:
        for item in attempt.items.order_by("position"):
            services.answer_record(
                user=student, attempt_id=attempt.pk, item_id=item.pk, **right_answers(item)
            )
            begun.set()
    except Exception as exc:
        errors.append(exc)
    finally:
        connection.close()  # this thread's own: left open, it would keep the test database


@pytest.fixture
def answered(student):
    """A quiz with one answer recorded; the backup of it is taken by each test."""
    quiz = QuizFactory(open_to=[student], questions=[QuestionFactory(), QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    services.answer_record(
        user=student, attempt_id=attempt.pk, item_id=item.pk, **right_answers(item)
    )
    return attempt


def test_a_backup_taken_while_students_answer_restores_every_row_it_counts(tmp_path, scratch):
    students = UserFactory.create_batch(8)
    quiz = QuizFactory(open_to=students, questions=[QuestionFactory() for _ in range(25)])
    attempts = [services.attempt_start(user=s, quiz=quiz) for s in students]
    total = 8 * 25
    begun, errors = threading.Event(), []
    threads = [
        threading.Thread(target=answer_all, args=(s, a, begun, errors))
        for s, a in zip(students, attempts, strict=True)
    ]
    for thread in threads:
        thread.start()
    begun.wait(timeout=30)
    before = Response.objects.count()
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    after = Response.objects.count()
    for thread in threads:
        thread.join()
    assert errors == []
    assert before < total, "the backup ran while answers were still being written"
    manifest = manifest_of(path)
    assert before <= manifest["tables"]["quiz_response"] <= after

    restored = manage("restore", str(path), database_url=scratch)
    assert restored.returncode == 0, restored.stderr
    assert "each as its manifest counts" in restored.stdout
    assert counts_at(scratch, list(manifest["tables"])) == manifest["tables"]
    # Every answer the backup holds is one the students gave, as they gave it.
    kept = set(rows_at(scratch, "SELECT id, item_id, score FROM quiz_response"))
    assert kept <= set(Response.objects.values_list("id", "item_id", "score"))

    again = manage("restore", str(path), database_url=scratch)
    assert again.returncode == 1
    assert "is not empty" in again.stderr
    assert "give --replace" in again.stderr
    assert "Traceback" not in again.stderr
    assert counts_at(scratch, list(manifest["tables"])) == manifest["tables"]


def test_restore_replace_brings_the_database_back_to_the_backup(tmp_path, answered, student):
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    Response.objects.all().delete()
    item = answered.items.get(position=1)
    services.answer_record(
        user=student, attempt_id=answered.pk, item_id=item.pk, **right_answers(item)
    )
    later = Response.objects.get().pk
    call_command("restore", str(path), "--replace", stdout=StringIO())
    assert live_counts() == manifest_of(path)["tables"]
    assert not Response.objects.filter(pk=later).exists()


def test_restore_refuses_a_database_with_tables_and_changes_nothing(tmp_path, answered):
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    Response.objects.all().delete()
    counts = live_counts()
    with pytest.raises(CommandError, match=r"is not empty .* give --replace"):
        call_command("restore", str(path))
    assert live_counts() == counts


def test_restore_of_a_missing_file_exits_1_naming_it(tmp_path, scratch):
    done = manage("restore", str(tmp_path / "nowhere.backup"), database_url=scratch)
    assert done.returncode == 1
    assert f"CommandError: {tmp_path / 'nowhere.backup'}: no such file." in done.stderr
    assert "Traceback" not in done.stderr


def test_restore_refuses_a_file_without_a_manifest(tmp_path):
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"SQLite format 3\x00 and then some")
    with pytest.raises(CommandError, match=r"no manifest beside it \(db.sqlite3.manifest.json\)"):
        call_command("restore", str(path))


def test_restore_refuses_a_manifest_that_is_not_one(tmp_path, answered):
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    manifest_path(path).write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match=r"quiz\.backup\.manifest\.json: not a backup manifest"):
        call_command("restore", str(path))
    call_command("backup", str(tmp_path / "b2"), stdout=StringIO())
    data = manifest_of(tmp_path / "b2")
    data["tables"]['quiz_response"; DROP TABLE x; --'] = 1
    manifest_path(tmp_path / "b2").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=r"is not a table name"):
        call_command("restore", str(tmp_path / "b2"))


def test_restore_refuses_a_file_changed_after_its_backup(tmp_path, answered):
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    with path.open("ab") as file:
        file.write(b"\0")
    with pytest.raises(CommandError, match=r"does not match its manifest"):
        call_command("restore", str(path), "--replace")


def test_restore_refuses_a_backup_of_the_other_engine(tmp_path, answered):
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    data = manifest_of(path)
    data["engine"] = "sqlite" if ON_POSTGRES else "postgresql"
    manifest_path(path).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=r"was made from .*; this database is"):
        call_command("restore", str(path))


def test_a_manifest_counting_rows_the_backup_lacks_restores_nothing(tmp_path, answered, student):
    """Even with --replace: on PostgreSQL the drop, the restore and the count check are one
    transaction, so the failed check takes the drop back with it."""
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    data = manifest_of(path)
    data["tables"]["quiz_response"] += 1
    manifest_path(path).write_text(json.dumps(data), encoding="utf-8")
    item = answered.items.get(position=2)
    services.answer_record(
        user=student, attempt_id=answered.pk, item_id=item.pk, **right_answers(item)
    )
    counts = live_counts()
    with pytest.raises(
        CommandError, match=r"table quiz_response has 1 rows, the manifest counts 2"
    ):
        call_command("restore", str(path), "--replace")
    assert live_counts() == counts


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's checks; PostgreSQL enforces keys on restore")
def test_restore_refuses_a_backup_with_a_broken_foreign_key(tmp_path, answered):
    path = tmp_path / "quiz.backup"
    call_command("backup", str(path), stdout=StringIO())
    copy = sqlite3.connect(path)
    copy.execute("UPDATE quiz_response SET item_id = 999999")
    copy.commit()
    copy.close()
    data = manifest_of(path)
    data["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path(path).write_text(json.dumps(data), encoding="utf-8")
    counts = live_counts()
    with pytest.raises(CommandError, match=r"quiz_response row .* missing row of quiz_attemptitem"):
        call_command("restore", str(path), "--replace")
    assert live_counts() == counts


def test_backup_keeps_an_existing_backup(tmp_path, answered):
    path = tmp_path / "quiz.backup"
    path.write_text("last night's", encoding="utf-8")
    with pytest.raises(CommandError, match=r"quiz\.backup exists already"):
        call_command("backup", str(path))
    assert path.read_text(encoding="utf-8") == "last night's"
    assert not manifest_path(path).exists()
    with pytest.raises(CommandError, match=r"nowhere is not a directory"):
        call_command("backup", str(tmp_path / "nowhere" / "quiz.backup"))
