import math
from datetime import datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone

from quiz import models, presenters

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
