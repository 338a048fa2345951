"""Login throttling's hooks into django-axes: who the client is, and the page of a lockout."""

import math
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address, IPv6Address, ip_address

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted_proxy(address: IPv4Address | IPv6Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE): the connection's own, unless it comes
    from a trusted proxy; then the right-most X-Forwarded-For entry that is not a trusted
    proxy. Entries further left were written by the client and can say anything."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not _is_trusted_proxy(remote):
        return str(remote) if remote else None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for entry in reversed(forwarded):
        address = _address(entry)
        if address is None:
            break  # not an address: not written by a proxy of ours
        if not _is_trusted_proxy(address):
            return str(address)
    return str(remote)


def _unlocks_at(rows: list[tuple[datetime, int]], limit: int, cool_off: timedelta) -> datetime:
    """When a key's failures (oldest first) fall below the limit: each leaves the count once
    the cool-off has passed since it was made."""
    failures = sum(count for _, count in rows)
    unlocks = datetime.min.replace(tzinfo=UTC)
    for attempt_time, count in rows:
        if failures < limit:
            break
        unlocks = attempt_time + cool_off
        failures -= count
    return unlocks


def lockout_ends_at(request: HttpRequest, credentials: dict | None) -> datetime:
    """When axes lets this login try again: when every key it is locked by (here the username
    alone) has fewer failures within the cool-off than the limit. Failures during a lockout
    are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off): this does not move."""
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    handler = AxesProxyHandler.get_implementation()
    ends = []
    for attempts in handler.get_user_attempts(request, credentials):
        rows = list(
            attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start")
        )
        ends.append(_unlocks_at(rows, limit, cool_off))
    return max(ends, default=datetime.min.replace(tzinfo=UTC))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, in the site's layout,
    saying at what time and in how many minutes the student may try again.

    Trying at the minute shown always works: the end is rounded up to the next minute."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    ends = lockout_ends_at(request, credentials)
    # Axes lets the login in only after `ends`, so the page names the next whole minute.
    until = max(ends, now).replace(second=0, microsecond=0) + timedelta(minutes=1)
    wait = until - now
    context = {
        "username": get_client_username(request, credentials) or "",
        "until": until,
        "minutes": math.ceil(wait.total_seconds() / 60),
        "back": request.get_full_path(),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response
