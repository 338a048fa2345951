"""Answers as a question page posts them: options named by their places on the page, turned
from choice ids by the one translation (`AttemptItem.page_from_ids`)."""

from quiz import grading
from quiz.models import AttemptItem


def right_answers(item: AttemptItem) -> dict:
    """What a student who read the article would send for this item, as its page posts it."""
    form = item.page_from_ids(item.question.kind_object.right_form(item.grading_key()))
    return {"answers": form.answers, "matches": form.matches}


def page_values(item: AttemptItem, *ids: int) -> list[str]:
    """The values the item's page posts for these choices."""
    return item.page_from_ids(grading.FormAnswer(answers=[str(i) for i in ids])).answers


def choose(item: AttemptItem, right: bool) -> list[str]:
    """A choice question's page values for one right option, or one wrong one."""
    key = item.grading_key()
    choice = next(i for i, _ in key.options if (i in key.correct) == right)
    return page_values(item, choice)
