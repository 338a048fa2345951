"""Reads from one state of the database, holding no write lock.

Work read in several queries and then written in a short transaction (a start's items, built
before its transaction: `services.attempt_start`) must not mix two states: an edit committed
between two of its queries (an article edit retiring a cited sentence, a question's kind
changed with its options) would give a thing no moment of the database held. Django's
`atomic` cannot give such reads without the write lock on SQLite, whose transactions here are
IMMEDIATE (one writer at a time, `quiz/sqlite`), so:

- SQLite: a DEFERRED transaction, which in WAL mode reads one snapshot from its first read
  and takes no write lock;
- PostgreSQL: a REPEATABLE READ, READ ONLY transaction, whose queries all see the snapshot
  of its first.

Inside a transaction already open, the reads are that transaction's: nothing is added.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@contextmanager
def snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block's queries against one snapshot of the database. Read only."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor != "sqlite":
        yield
    else:
        connection.ensure_connection()
        with connection.wrap_database_errors:
            connection.connection.execute("BEGIN DEFERRED")
        try:
            yield
        except BaseException:
            _end(connection, "ROLLBACK")
            raise
        _end(connection, "COMMIT")


def _end(connection: BaseDatabaseWrapper, statement: str) -> None:
    # The connection may have been closed inside (an error on it): nothing left to end.
    if connection.connection is not None and connection.connection.in_transaction:
        with connection.wrap_database_errors:
            connection.connection.execute(statement)
