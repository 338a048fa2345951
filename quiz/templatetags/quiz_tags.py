from django import template

from quiz import presenters

register = template.Library()


@register.filter
def excerpt_anchor(excerpt: str) -> str:
    """The fragment id of a source sentence on its article's page."""
    return presenters.excerpt_anchor(excerpt)
