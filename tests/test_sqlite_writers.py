"""On SQLite, write transactions queue on a file lock beside the database (quiz/sqlite): held
from the transaction's first statement to its end, whichever way it ends, and never left
held."""

import fcntl
import io
import os
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections, transaction
from django.db.transaction import TransactionManagementError

from quiz.models import Quiz
from tests.factories import QuizFactory
from tests.threads import run_together

BANK = Path(__file__).resolve().parent.parent / "fixtures" / "kherson-withdrawal.json"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writers only"),
]


def queue_file() -> int:
    """The lock file, opened apart from the connection's: as another writer holds it."""
    connection.ensure_connection()
    return os.open(f"{connection.settings_dict['NAME']}-writers", os.O_RDWR)


@pytest.fixture
def queue():
    """Whether another writer could take the queue now."""
    fd = queue_file()

    def free() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True

    yield free
    os.close(fd)


@pytest.fixture
def patience():
    """The connection's timeout made 0.1 s (it is 20 s): how long a writer waits its turn."""
    options = connection.settings_dict["OPTIONS"]
    kept = options["timeout"]
    connection.close()
    options["timeout"] = 0.1
    yield
    connection.close()
    options["timeout"] = kept


def test_a_transaction_takes_the_queue_with_its_first_statement(queue):
    with transaction.atomic():
        assert queue()  # the Python before the first statement holds no lock
        Quiz.objects.exists()
        assert not queue()
    assert queue()


def test_a_transaction_that_runs_no_statement_leaves_none_open(queue):
    with transaction.atomic():
        pass
    assert Quiz.objects.count() == 0  # outside any transaction again
    assert queue()


def test_a_write_transaction_holds_the_queue_until_it_commits(queue):
    assert queue()
    with transaction.atomic():
        QuizFactory()
        assert not queue()
    assert queue()
    assert Quiz.objects.count() == 1


class Refused(Exception):
    pass


def write_then_fail() -> None:
    with transaction.atomic():
        QuizFactory()
        raise Refused


def test_a_transaction_rolled_back_lets_the_queue_go(queue):
    with pytest.raises(Refused):
        write_then_fail()
    assert queue()
    assert Quiz.objects.count() == 0


def test_a_savepoint_keeps_the_queue_until_the_outer_transaction_ends(queue):
    with transaction.atomic():
        with pytest.raises(Refused):
            write_then_fail()  # a savepoint, rolled back
        assert not queue()
        with transaction.atomic():
            QuizFactory()
        assert not queue()
    assert queue()


def test_a_connection_closed_in_a_transaction_lets_the_queue_go(queue):
    block = transaction.atomic()
    block.__enter__()
    QuizFactory()
    assert not queue()
    connection.close()  # as a request's end does to a connection left broken
    assert queue()
    block.__exit__(None, None, None)
    assert Quiz.objects.count() == 0


def test_writers_in_threads_each_get_their_turn():
    quiz = QuizFactory(time_limit_minutes=1)

    def write(_) -> None:
        for _ in range(25):
            with transaction.atomic():
                minutes = Quiz.objects.get(pk=quiz.pk).time_limit_minutes
                Quiz.objects.filter(pk=quiz.pk).update(time_limit_minutes=minutes + 1)

    run_together(write, range(4))
    assert Quiz.objects.get(pk=quiz.pk).time_limit_minutes == 101


def test_a_writer_kept_waiting_past_the_timeout_is_told_the_database_is_locked(patience):
    other = queue_file()
    fcntl.flock(other, fcntl.LOCK_EX)  # a long bank load, say
    outcome = []

    def write() -> None:
        try:
            with transaction.atomic():
                QuizFactory()
        except OperationalError as error:
            outcome.append(str(error))
        finally:
            connections.close_all()

    try:
        writer = threading.Thread(target=write, daemon=True)  # never a hung suite
        writer.start()
        writer.join(timeout=10)
        assert outcome == ["database is locked"]
        assert not Quiz.objects.exists()
    finally:
        os.close(other)
    with transaction.atomic():  # its turn, once the other has gone
        QuizFactory()
    assert Quiz.objects.count() == 1


def test_a_block_whose_first_statement_was_refused_its_turn_cannot_go_on(patience):
    """Caught inside the block, the refusal must not leave the rest to run in autocommit."""

    def refused_then_on() -> None:
        with transaction.atomic():
            with pytest.raises(OperationalError, match="database is locked"):
                QuizFactory()
            QuizFactory()

    other = queue_file()
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        with pytest.raises(TransactionManagementError):
            refused_then_on()
    finally:
        os.close(other)
    assert not Quiz.objects.exists()


def test_a_bank_load_refused_its_turn_says_so_and_loads_nothing(patience):
    other = queue_file()
    fcntl.flock(other, fcntl.LOCK_EX)  # another load, say
    errors = io.StringIO()
    try:
        with pytest.raises(CommandError, match="nothing was loaded"):
            call_command("load_bank", str(BANK), stderr=errors)
    finally:
        os.close(other)
    assert (
        "the database: database is locked; nothing was loaded (if it was busy, run it again)"
        in (errors.getvalue())
    )
    assert not Quiz.objects.exists()
    call_command("load_bank", str(BANK), stdout=io.StringIO())  # its turn, once the other went
    assert Quiz.objects.exists()
