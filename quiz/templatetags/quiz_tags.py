import math
from datetime import datetime, timedelta
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quiz import models, presenters
from quiz.selectors import MapEntry

register = template.Library()


@register.simple_tag
def source_link(slug: str, cited: list[int], back: str = "") -> str:
    """The article's page with the cited sentences highlighted, and a way back."""
    return presenters.source_link(slug, cited, back)


@register.filter
def duration(value: timedelta) -> str:
    """ "45 seconds", "3 min 10 s", "1 h 5 min": how long an attempt took."""
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


@register.filter
def seconds_left(deadline: datetime) -> int:
    """Whole seconds from now until `deadline`, rounded up, never below 0: the countdown's
    start, measured on the server's clock so that the computer's clock does not matter."""
    left = (deadline - timezone.now()).total_seconds()
    return max(0, math.ceil(left))


@register.filter
def times(score: Decimal, weight: int) -> Decimal:
    """A score (the share of a question earned) in that question's points."""
    return models.points(score, weight)


@register.simple_tag
def map_entries(attempt_id: int, entries: list[MapEntry], current: int) -> SafeString:
    """The question map's entries, each a link to its question, `current` marked. Built here
    rather than as a template loop: a 55-question map as a loop of `{% url %}`s took 8.5 of
    the question page's 15 ms (bench/loadtest.py)."""
    base = _questions_base(attempt_id)
    return mark_safe("".join(_map_entry(base, entry, current) for entry in entries))


@register.simple_tag
def map_entry(attempt_id: int, entry: MapEntry, current: int) -> SafeString:
    """One entry of the map, swapped out of band into its place (a flag changed)."""
    return _map_entry(_questions_base(attempt_id), entry, current, oob=True)


def _questions_base(attempt_id: int) -> str:
    # One reverse for the whole map: a question's address is this plus its position.
    return escape(reverse("quiz:item", args=[attempt_id, 0]).removesuffix("0/"))


def _map_entry(base: str, entry: MapEntry, current: int, *, oob: bool = False) -> SafeString:
    # Plain formatting, not format_html: every part is escaped `base`, a number or a fixed word.
    url = f"{base}{entry.position}/"
    classes = ("answered" if entry.answered else "") + (" flagged" if entry.flagged else "")
    marks = ("✓" if entry.answered else "") + ("⚑" if entry.flagged else "")
    state = entry.state.lower() + (", flagged" if entry.flagged else "")
    swap = ' hx-swap-oob="true"' if oob else ""
    here = ' aria-current="step"' if entry.position == current else ""
    return mark_safe(
        f'<li id="map-{entry.position}"{swap}><a href="{url}" class="{classes}"{here}'
        f' hx-get="{url}" hx-target="#question-region" hx-swap="outerHTML" hx-push-url="true">'
        f'<span class="visually-hidden">Question </span>{entry.position}'
        f'<span class="marks" aria-hidden="true">{marks}</span>'
        f'<span class="visually-hidden">: {state}</span></a></li>'
    )
