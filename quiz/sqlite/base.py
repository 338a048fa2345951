"""Django's SQLite backend, with the writers of a database file queued on a file lock.

SQLite lets one transaction write at a time. A writer that finds the database locked sleeps
and tries again, 1, 2, 5, 10, 15 ms later and so on (SQLite's busy handler), so under a
class's answers the lock is often free while every waiter sleeps: on this 2-core box the
answers stopped at about 135 requests a second with the cores a third idle, whatever the
number of workers (bench/capacity.py). Here each write transaction (every transaction, in
IMMEDIATE mode) first takes an exclusive `flock` on a file beside the database. A writer
waits a millisecond between tries, not SQLite's growing sleeps, so the next writer goes
within about a millisecond of the lock being let go. As with SQLite's own lock, a writer
that waited past the database's `timeout` gets "database is locked" (a 503 to retry,
`views.server_error`), not an endless wait. (A blocking `flock` would hand over at once,
but cannot be given up after a timeout.)

A transaction begins (takes the queue and issues its BEGIN) with its first statement, not
when `atomic` is entered: the Python before that statement, mostly compiling it (a
millisecond for an answer's item read), then holds no lock while other writers wait. What the
database sees is the same transaction.

The file lock only orders writers; SQLite's own locking still guarantees what it always did,
so a writer that does not take the queue (an autocommit statement outside `atomic`, another
program) is safe, merely not queued. The lock goes with the transaction's end (commit,
rollback, the connection closed) and with the process (the kernel frees it).
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# Seconds between tries at a queue held by another writer.
POLL = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue_file: int | None = None  # the lock file, open while connected
        self._queued = False  # holding the lock: in a write transaction
        self._patience = 5.0  # seconds to wait for it: the connection's `timeout`
        self._begin_pending = False  # in `atomic`, its BEGIN not yet issued

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        self._patience = float(conn_params.get("timeout", self._patience))
        if self.transaction_mode in {"IMMEDIATE", "EXCLUSIVE"} and not self.is_in_memory_db():
            self._queue_file = os.open(
                f"{self.settings_dict['NAME']}-writers", os.O_RDWR | os.O_CREAT, 0o600
            )
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=lambda raw: _Cursor(raw, self))

    def _start_transaction_under_autocommit(self) -> None:
        self._begin_pending = True  # with the first statement: `_begin`

    def _begin(self) -> None:
        self._begin_pending = False
        try:
            if self._queue_file is not None:
                self._join_queue()
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            # No transaction began: the block must not go on (caught inside it, the next
            # statements would each commit on their own), as if entering it had failed.
            self.needs_rollback = True
            raise

    def _commit(self) -> Any:
        self._begin_pending = False  # a block that ran no statement: nothing to commit
        try:
            return super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self) -> Any:
        self._begin_pending = False
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self) -> Any:
        self._begin_pending = False
        try:
            return super()._close()
        finally:
            if self._queue_file is not None:
                os.close(self._queue_file)  # which lets the queue go, if held
                self._queue_file, self._queued = None, False

    def _join_queue(self) -> None:
        given_up = time.monotonic() + self._patience
        while True:
            try:
                fcntl.flock(self._queue_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= given_up:
                    raise OperationalError("database is locked") from None
                time.sleep(POLL)
            else:
                self._queued = True
                return

    def _leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_file, fcntl.LOCK_UN)


class _Cursor(base.SQLiteCursorWrapper):
    """Django's cursor, which first begins the transaction `atomic` left pending."""

    def __init__(self, connection: Any, wrapper: DatabaseWrapper) -> None:
        super().__init__(connection)
        self._wrapper = wrapper

    def execute(self, query: str, params: Any = None) -> Any:
        if self._wrapper._begin_pending:
            self._wrapper._begin()
        return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        if self._wrapper._begin_pending:
            self._wrapper._begin()
        return super().executemany(query, param_list)
