"""Two limits on a logged-in session, for shared school computers: idle and absolute.

A session ends after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_COOKIE_AGE
seconds after its login whatever happens. Django has neither as such: its session expiry
slides each time the session is saved, and the idle bookkeeping below saves it, so the login
time is recorded and the absolute limit checked here rather than left to the expiry date.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

LOGIN_AT = "_session_login_at"
SEEN_AT = "_session_seen_at"
# The last request's time is written at most this often, so that a student's pages do not
# each write the session: it lags by up to a minute, so an idle session may end up to a
# minute early (between SESSION_IDLE_TIMEOUT - 60 s and SESSION_IDLE_TIMEOUT after the last
# request).
SEEN_PRECISION = 60


def record_login(
    sender: object, request: HttpRequest | None, user: object, **kwargs: object
) -> None:
    """user_logged_in: both limits start at the login, a repeated login included."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def _ended(session: SessionBase, now: float) -> str | None:
    """Why the session is over, or None."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        # Logged in before these limits were kept (every login records them): no way to
        # know how old it is, so it ends once.
        return "Please log in again."
    if now - login_at >= settings.SESSION_COOKIE_AGE:
        hours = settings.SESSION_COOKIE_AGE / 3600
        return f"You were logged out {hours:g} hours after logging in. Please log in again."
    idle = settings.SESSION_IDLE_TIMEOUT
    if idle and now - seen_at >= idle:
        minutes = idle / 60
        return f"You were logged out after {minutes:g} minutes without activity."
    return None


def _by_itself(request: HttpRequest) -> bool:
    """A request the page sends on its own, not the student: the countdown's sync (htmx names
    the element that asked). It must not keep a page left open on a shared computer alive."""
    return request.headers.get("HX-Trigger") == "timer"


class SessionLimitsMiddleware:
    """Logs out a session past either limit; the request goes on as an anonymous one, so
    pages that need a login send it to the login page (`views.student_view`: htmx requests
    by a full-page redirect, and back to a page that answers GET)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            reason = _ended(session, now)
            if reason:
                logout(request)  # flushes the session: a new key, nothing of the old one
                messages.info(request, reason)
                request.session_ended = True  # said why: the login redirect need not
            elif now - session[SEEN_AT] >= SEEN_PRECISION and not _by_itself(request):
                session[SEEN_AT] = int(now)
        return self.get_response(request)
