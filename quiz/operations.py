"""What the people who run the app need from it: a health check for the load balancer and one
log line per request (issue 15).

`/healthz` is answered by `HealthMiddleware`, first in the chain, before any other: a load
balancer probes each instance by its address (not a name in `ALLOWED_HOSTS`), over plain
HTTP (no redirect to HTTPS), with no session; and a probe every few seconds should cost one
query, not a session, a user and the rest of a page. It says only "ok" or "unavailable":
what failed is for the instance's own log, not for whoever can reach the port.

`RequestLogMiddleware` (with `REQUEST_LOG` on) writes one JSON line per request to the
`quiz.requests` logger: a request id (the proxy's `X-Request-ID` if it sent a sane one,
else a new one, echoed in the response), the user's id, method, path, status, duration and
the number of database queries.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty

HEALTH_PATH = "/healthz"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
requests_log = logging.getLogger("quiz.requests")
health_log = logging.getLogger("quiz.health")

# Once every migration is applied, it stays so for this process's life (a deploy that adds
# one starts new processes): later probes check the database alone.
_migrated = False


def healthy() -> bool:
    """Whether this instance can serve: the database answers and every migration the code
    knows is applied. What failed goes to this instance's log."""
    global _migrated
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                health_log.warning("unhealthy: %d migrations not applied", len(pending))
                return False
            _migrated = True
    except DatabaseError as exc:
        health_log.warning("unhealthy: the database did not answer: %s", exc)
        return False
    return True


class HealthMiddleware:
    """Answers `/healthz` (GET or HEAD) before anything else: 200 `{"status": "ok"}` or 503
    `{"status": "unavailable"}`, never cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != HEALTH_PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        ok = healthy()
        response = JsonResponse(
            {"status": "ok" if ok else "unavailable"}, status=200 if ok else 503
        )
        add_never_cache_headers(response)
        return response


class RequestLogMiddleware:
    """One JSON line per request to `quiz.requests` (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        queries = QueryCount()
        started = time.perf_counter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        line = {
            "request_id": request_id,
            "user": _user_id(request),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "queries": queries.count,
        }
        requests_log.info(json.dumps(line, separators=(",", ":")))
        response["X-Request-ID"] = request_id
        return response


class QueryCount:
    """Counts the queries run while installed: `with connection.execute_wrapper(count):`."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.count += 1
        return execute(*args)


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if this request loaded them; a request that never looked
    (a static file, a health probe) is not made to query for it here."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None
