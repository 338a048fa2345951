"""Running test code in real threads, each with its own database connections."""

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections


def run_together(action: Callable[[Any], Any], arguments: Iterable[Any]) -> list:
    """`action` on each argument in its own thread, all released at once; their results,
    once every thread has ended. An exception in a thread fails the test, and so does a
    thread still running after a minute (it is a daemon: never a hung suite)."""
    arguments = list(arguments)
    barrier = threading.Barrier(len(arguments))
    results, failures = [], []

    def run(argument: Any) -> None:
        try:
            barrier.wait()
            results.append(action(argument))
        except Exception as exc:  # said below, not lost in the thread
            failures.append(exc)
        finally:
            # Closed, not close_old_connections(): under CONN_MAX_AGE that keeps the thread's
            # connection open, and PostgreSQL then refuses to drop the test database.
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,), daemon=True) for a in arguments]
    for thread in threads:
        thread.start()
    ends = time.monotonic() + 60  # for them all, not each
    for thread in threads:
        thread.join(timeout=max(0.0, ends - time.monotonic()))
    assert not [thread for thread in threads if thread.is_alive()], "a thread never ended"
    assert failures == [], failures
    return results
