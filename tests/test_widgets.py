"""The answer widgets shown again with what the student posted (as after a refused answer):
ticks, typed text, chosen matches and an ordering's arrangement are kept, in page values."""

import re

import pytest
from django.template.loader import render_to_string

from quiz import grading, services
from quiz.grading import FormAnswer
from quiz.models import AttemptItem
from quiz.presenters import item_display
from tests.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db


def item_of(student, **question) -> AttemptItem:
    quiz = QuizFactory(open_to=[student], questions=[QuestionFactory(**question)])
    return services.attempt_start(user=student, quiz=quiz).items.get()


def widget(item: AttemptItem, **display) -> str:
    context = {"display": item_display(item, **display), "item": item, "attempt": item.attempt}
    return render_to_string("quiz/includes/answer_widget.html", context)


def ticked(html: str) -> list[str]:
    """The values of the radios and checkboxes that are checked."""
    inputs = re.findall(r'<input type="(?:radio|checkbox)" name="answer" [^>]*>', html)
    return [re.search(r'value="([^"]*)"', i)[1] for i in inputs if " checked" in i]


def typed(html: str) -> str | None:
    found = re.search(r'<input type="text" [^>]*name="answer"[^>]*>', html)[0]
    value = re.search(r' value="([^"]*)"', found)
    return value[1] if value else None


def arranged(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="answer" value="([^"]*)">', html)


@pytest.mark.parametrize("kind", [grading.SINGLE, grading.TRUE_FALSE])
def test_a_picked_radio_is_checked_again(student, kind):
    item = item_of(student, kind=kind)
    assert ticked(widget(item)) == []
    assert ticked(widget(item, given=FormAnswer(answers=["2"]))) == ["2"]


def test_picked_checkboxes_are_checked_again(student):
    item = item_of(student, kind=grading.MULTIPLE)
    assert ticked(widget(item, given=FormAnswer(answers=["1", "3"]))) == ["1", "3"]
    assert ticked(widget(item, given=FormAnswer(answers=["9", "x"]))) == []


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ({"kind": grading.SHORT_TEXT}, "Dnipro <b>River</b>"),
        ({"numeric": True}, "4,5"),
    ],
    ids=["short_text", "numeric"],
)
def test_typed_text_is_filled_in_again_and_escaped(student, question, text):
    item = item_of(student, **question)
    assert typed(widget(item)) is None
    html = widget(item, given=FormAnswer(answers=[text]))
    assert typed(html) == text.replace("<", "&lt;").replace(">", "&gt;")
    assert "<b>" not in html


def test_chosen_matches_are_selected_again(student):
    item = item_of(student, kind=grading.MATCHING)
    right = item.page_from_ids(item.question.kind_object.right_form(item.grading_key()))
    match = right.matches["2"]
    html = widget(item, given=FormAnswer(matches={"2": match}))
    selects = dict(re.findall(r'<select id="match-(\d+)"[^>]*>(.*?)</select>', html, re.S))
    assert re.findall(r"<option selected>([^<]*)</option>", selects["2"]) == [match]
    assert "selected" not in selects["1"] + selects["3"]


def test_an_ordering_is_shown_as_posted_when_it_is_a_permutation(student):
    item = item_of(student, kind=grading.ORDERING)
    assert arranged(widget(item)) == ["1", "2", "3"]
    assert arranged(widget(item, given=FormAnswer(answers=["3", "1", "2"]))) == ["3", "1", "2"]
    # What the posted answer says wins over the Move buttons' last arrangement.
    both = widget(item, arrangement=[2, 1, 3], given=FormAnswer(answers=["3", "1", "2"]))
    assert arranged(both) == ["3", "1", "2"]
    for nonsense in (["1", "1", "2"], ["1", "2"], ["x", "1", "2"], ["1", "2", "99"]):
        html = widget(item, arrangement=[2, 1, 3], given=FormAnswer(answers=nonsense))
        assert arranged(html) == ["2", "1", "3"], nonsense
        assert arranged(widget(item, given=FormAnswer(answers=nonsense))) == ["1", "2", "3"]


def test_the_kept_answer_is_what_the_page_posts_again(student):
    """Shown again and sent again unchanged, the answer is the one the student gave."""
    item = item_of(student, kind=grading.MULTIPLE)
    right = item.page_from_ids(item.question.kind_object.right_form(item.grading_key()))
    html = widget(item, given=right)
    recorded = services.answer_record(
        user=student, attempt_id=item.attempt_id, item_id=item.pk, answers=ticked(html)
    )
    assert recorded.response.is_correct
