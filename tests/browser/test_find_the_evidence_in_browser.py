"""Find the evidence, then retry, in Chromium: a wrong answer, the search through the passage,
the second try and the way there on the review; by mouse, by keyboard only, without
JavaScript, and on a phone; axe-clean throughout."""

import re

import pytest
from django.urls import reverse

from quiz.models import AttemptItem, Quiz, Response
from tests.answers import choose
from tests.browser.conftest import PHONE
from tests.browser.test_student_in_browser import (
    arrow_to,
    check_accessible,
    log_in,
    press_enter_on,
    settle,
    student,  # noqa: F401 (a fixture)
)
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = (
    "Russia captured Kherson back in March.\n"
    "The city was the only regional capital taken.\n"
    "Kyiv’s men made a breakthrough in October.\n"
    "Sergei Shoigu agreed to the plan.\n"
    "Troops began to withdraw."
)
CITED = "Russia captured Kherson back in March."
OTHER = "Kyiv’s men made a breakthrough in October."
ANOTHER = "The city was the only regional capital taken."


@pytest.fixture
def quiz(student):  # noqa: F811
    article = ArticleFactory(text=TEXT)
    questions = [
        QuestionFactory(
            article=article,
            key=f"q{n}",
            excerpt=CITED,
            prompt=f"When did Russia capture Kherson? ({n})",
            explanation="The article says Russia captured it back in March.",
            choices=[("March", True), ("October", False), ("November", False)],
        )
        for n in (1, 2)
    ]
    return QuizFactory(
        open_to=[student],
        slug="evidence",
        title="Evidence",
        feedback=Quiz.Feedback.EVIDENCE,
        questions=questions,
    )


def item(student, position):  # noqa: F811
    return AttemptItem.objects.select_related("question").get(
        attempt__user=student, position=position
    )


def sentence_radio(text):
    return f".passage label:has-text('{text}') input[name=sentence]"


def start(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["evidence"]))
    page.click("text=Start the quiz")
    page.wait_for_selector("text=Question 1 of 2")


def wired(page, selector):
    """Wait until htmx has settled and taken over the form of `selector`: a key pressed
    before that submits the plain form (which works, but reloads the page)."""
    settle(page)
    page.wait_for_function(
        f"() => document.querySelector({selector!r}).form['htmx-internal-data'] !== undefined"
    )


def test_search_then_second_try_by_mouse(page, live_server, quiz, student):  # noqa: F811
    start(page, live_server)
    page.check(f"input[name=answer][value='{choose(item(student, 1), False)[0]}']")
    page.click("button.answer-submit")
    page.wait_for_selector("text=Not quite: find the evidence")
    text = page.inner_text("main")
    assert "Right answer" not in text
    assert "The article says" not in text
    check_accessible(page)
    page.check(sentence_radio(OTHER))
    page.click("button.evidence-submit")
    page.wait_for_selector("text=That sentence does not support the answer")
    said = page.inner_text("#announce")
    assert said == "That sentence does not support the answer. Pick once more."
    check_accessible(page)
    page.check(sentence_radio(CITED))
    page.click("button.evidence-submit")
    page.wait_for_selector("text=Yes: that sentence supports the answer.")
    assert page.text_content("mark.cited") == "The evidence: " + CITED
    check_accessible(page)
    page.check(f"input[name=answer][value='{choose(item(student, 1), True)[0]}']")
    page.click("button.answer-submit")
    page.wait_for_selector("text=Right on the second try")
    assert "0.50 of 1 point (50%)" in page.inner_text("main")
    assert "How you got there" in page.inner_text("main")
    check_accessible(page)
    response = Response.objects.get(item__position=1)
    assert (response.tries, response.score) == (2, 0.5)


def test_search_then_second_try_by_keyboard_only(page, live_server, quiz, student):  # noqa: F811
    start(page, live_server)
    wrong = choose(item(student, 1), False)[0]
    arrow_to(page, "input[name=answer]", value=wrong)
    page.keyboard.press("Space")
    press_enter_on(page, "button.answer-submit")
    page.wait_for_selector("#ev-heading")
    settle(page)
    assert page.evaluate("document.activeElement.id") == "ev-heading"  # read from the top
    # Two wrong picks with the arrow keys: then the sentence is shown and the retry opens.
    for text in (OTHER, ANOTHER):
        wired(page, "input[name=sentence]")
        arrow_to(page, "input[name=sentence]", label=text)
        page.keyboard.press("Space")
        press_enter_on(page, "button.evidence-submit")
        settle(page)
    page.wait_for_selector("text=That is not it either.")
    assert "highlighted" in page.inner_text("#announce")
    right = choose(item(student, 1), True)[0]
    wired(page, "input[name=answer]")
    arrow_to(page, "input[name=answer]", value=right)
    page.keyboard.press("Space")
    press_enter_on(page, "button.answer-submit")
    page.wait_for_selector("text=Right on the second try")
    check_accessible(page)
    assert len(Response.objects.get(item__position=1).picks) == 2


def test_search_then_second_try_without_javascript(browser, live_server, quiz, student):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    start(page, live_server)
    page.check(f"input[name=answer][value='{choose(item(student, 1), False)[0]}']")
    page.click("button.answer-submit")
    page.wait_for_selector("text=Not quite: find the evidence")
    assert page.url.endswith("/questions/1/")
    page.click("button.evidence-submit")  # nothing picked: the browser asks for a pick
    assert page.url.endswith("/questions/1/")
    page.check(sentence_radio(CITED))
    page.click("button.evidence-submit")
    page.wait_for_selector("text=Yes: that sentence supports the answer.")
    page.reload()  # post/redirect/get: a reload re-posts nothing and shows the same
    page.wait_for_selector("text=Yes: that sentence supports the answer.")
    page.check(f"input[name=answer][value='{choose(item(student, 1), False)[0]}']")
    page.click("button.answer-submit")
    page.wait_for_selector("#fb-heading")
    assert page.inner_text("#fb-heading").strip() == "Not quite"
    page.click("text=Next question")
    page.wait_for_selector("text=Question 2 of 2")
    context.close()


def test_the_search_on_a_phone_reads_without_scrolling_sideways(phone, live_server, quiz, student):  # noqa: F811
    page = phone("dark")
    start(page, live_server)
    page.check(f"input[name=answer][value='{choose(item(student, 1), False)[0]}']")
    page.click("button.answer-submit")
    page.wait_for_selector("text=Not quite: find the evidence")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessible(page)
    page.check(sentence_radio(OTHER))  # a wrong pick first: its note beside the sentence
    page.click("button.evidence-submit")
    page.wait_for_selector("text=(picked: not this one)")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessible(page)
    page.screenshot(path="/tmp/evidence-phone-find.png", full_page=True)
    page.check(sentence_radio(CITED))
    page.click("button.evidence-submit")
    page.wait_for_selector("text=Yes: that sentence supports the answer.")
    check_accessible(page)
    page.screenshot(path="/tmp/evidence-phone-retry.png", full_page=True)
    assert re.search(r"50%", page.inner_text("main"))
