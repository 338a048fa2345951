"""An instructor, in Chromium, picks a question's evidence and answers its preview: by
keyboard only with JavaScript, and without JavaScript; every page passes axe."""

import re

import pytest
from django.urls import reverse

from quiz import grading
from quiz.models import Question, Response
from quiz.presenters import preview_item
from tests.browser.test_student_in_browser import (
    answer_by_keyboard,
    answer_by_mouse,
    check_accessible,
    log_in,
    settle,
    tab_to,
)
from tests.factories import ArticleFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

OCTOBER = "Kyiv’s men then made a breakthrough to the north of Kherson in October."
MARCH = "Russia captured Kherson back in March."


@pytest.fixture
def instructor(db):
    return UserFactory(username="teacher", password="pass", instructor=True)


def check_accessible_without_javascript(browser, page):
    """axe on a page as served without JavaScript. axe itself needs JavaScript (it never
    finishes in a context without it), so the page's HTML is served again at its address to
    a context that refuses every script the page loads, and axe runs there."""
    html, url = page.content(), page.url
    context = browser.new_context()
    try:
        checker = context.new_page()
        checker.route("**/*.js", lambda route: route.abort())
        checker.route(
            lambda address: address == url,
            lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
        )
        checker.goto(url)
        check_accessible(checker)
    finally:
        context.close()


def change_url(live_server, question: Question) -> str:
    return live_server.url + reverse("admin:quiz_question_change", args=[question.pk])


def cited(question: Question) -> list[str]:
    return [c.sentence.text for c in question.citations.order_by("position")]


def test_picking_evidence_by_keyboard_only(page, live_server, instructor):
    question = QuestionFactory(excerpt=MARCH)
    log_in(page, live_server, "teacher")
    page.goto(change_url(live_server, question))
    page.wait_for_selector("#evidence-filter:visible")
    check_accessible(page)
    tab_to(page, "#evidence-filter")
    page.keyboard.type("octob")
    page.wait_for_selector("#evidence-status:has-text('containing “octob”')")
    settle(page)
    # The ticked sentence stays listed (and ticked) beside the one that matches.
    assert page.locator("#evidence-rows input[type=checkbox]").count() == 2
    page.keyboard.press("Enter")  # in the filter: filters, never saves the form
    october = question.article.sentences.get(text=OCTOBER)
    tab_to(page, f"#evidence-{october.pk}")
    page.keyboard.press("Space")
    assert page.is_checked(f"#evidence-{october.pk}")
    check_accessible(page)
    tab_to(page, "input[name=_save]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/admin/quiz/question/$"))
    assert cited(question) == [MARCH, OCTOBER]


def test_adding_and_picking_evidence_without_javascript(browser, live_server, instructor):
    article = ArticleFactory(title="Kherson")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("admin:quiz_question_add"))
    check_accessible_without_javascript(browser, page)
    page.select_option("#id_article", label="Kherson")
    page.select_option("#id_kind", value=grading.SHORT_TEXT)
    page.click("input[type=submit][value=Continue]")
    page.wait_for_selector("#evidence-rows")
    assert page.locator("#evidence-filter").is_hidden()
    assert "choices-TOTAL_FORMS" not in page.content()
    check_accessible_without_javascript(browser, page)
    page.fill("#id_key", "river")
    page.fill("#id_topic", "Places")
    page.fill("#id_prompt", "Which river?")
    page.fill("#id_explanation", "The article names it.")
    page.fill("#id_accepted_answers-0-text", "Dnipro")
    page.click("input[name=_save]")
    # No sentence ticked: refused on the field, nothing saved.
    page.wait_for_selector("text=Pick at least one sentence of the article")
    assert not Question.objects.exists()
    check_accessible_without_javascript(browser, page)
    page.check(f"#evidence-{article.sentences.get(text=OCTOBER).pk}")
    page.check(f"#evidence-{article.sentences.get(text=MARCH).pk}")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/quiz/question/$"))
    assert cited(Question.objects.get(key="river")) == [MARCH, OCTOBER]
    context.close()


def preview_of(question: Question):
    """The item the preview lays out; its page posts the question's id as `item`."""
    item = preview_item(question, seed=question.pk)
    item.pk = question.pk
    return item


@pytest.mark.parametrize("kind", [grading.ORDERING, grading.MATCHING, grading.SHORT_TEXT])
def test_answering_the_preview_by_keyboard(page, live_server, instructor, kind):
    question = QuestionFactory(kind=kind)
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("admin:quiz_question_preview", args=[question.pk]))
    check_accessible(page)
    answer_by_keyboard(page, preview_of(question))
    page.wait_for_selector("#fb-heading")
    assert page.inner_text("#fb-heading").strip() == "Correct"
    # htmx moves focus when the swap settles, a moment after the element appears.
    page.wait_for_function('() => document.activeElement?.id === "fb-heading"')
    assert page.get_by_role("link", name="Read this sentence in the article").count() == 1
    check_accessible(page)
    assert not Response.objects.exists()


def test_answering_the_preview_without_javascript(browser, live_server, instructor):
    question = QuestionFactory(kind=grading.ORDERING)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("admin:quiz_question_preview", args=[question.pk]))
    page.click("button.answer-submit")  # in the order shown: never the right one
    page.wait_for_selector("#fb-heading")
    assert page.inner_text("#fb-heading").strip() in ("Not quite", "Partly right")
    check_accessible_without_javascript(browser, page)
    answer_by_mouse(page, preview_of(question))
    page.wait_for_selector("#fb-heading:has-text('Correct')")
    check_accessible_without_javascript(browser, page)
    assert not Response.objects.exists()
    context.close()


def test_a_blank_answer_in_the_preview_is_told_in_place(page, live_server, instructor):
    question = QuestionFactory(kind=grading.NUMERIC, numeric_answer=45)
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("admin:quiz_question_preview", args=[question.pk]))
    page.evaluate("window.notReloaded = true")
    page.locator("input[name=answer]").evaluate("el => el.removeAttribute('required')")
    page.click("button.answer-submit")
    page.wait_for_selector("#answer-error:has-text('Please enter a number.')")
    settle(page)
    assert page.evaluate("window.notReloaded === true")  # swapped in place by htmx
    # htmx moves focus when the swap settles, a moment after the element appears.
    page.wait_for_function('() => document.activeElement?.id === "answer-error"')
    check_accessible(page)
    page.fill("input[name=answer]", "45")
    page.click("button.answer-submit")
    page.wait_for_selector("#fb-heading:has-text('Correct')")
    assert not Response.objects.exists()
