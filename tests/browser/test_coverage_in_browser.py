"""An instructor, in Chromium, opens an article's coverage map from the admin, picks a cohort
and follows a sentence from the table to the map: by keyboard, without JavaScript, on a
desktop and on a phone; every page passes axe."""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from quiz import services
from quiz.banks import bank_load
from tests.browser.test_student_in_browser import check_accessible, log_in, tab_to
from tests.conftest import KHERSON_BANK
from tests.factories import (
    ArticleFactory,
    CohortFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)
from tests.test_coverage import CAPTION, MARCH, SHOIGU, TEXT, answer

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
YEAR_10 = "Year 10 (Autumn 2026)"
# The form also sends the retention forecast's day and threshold, unticked or not.
CHOSEN = re.compile(r"\?cohort=\d+(&|$)")


@pytest.fixture
def article():
    """Shoigu's sentence cited twice, the caption once; Year 10's two students answered."""
    UserFactory(username="teacher", password="pass", instructor=True)
    article = ArticleFactory(slug="kherson", title="Russia retreats from Kherson", text=TEXT)
    questions = [
        QuestionFactory(article=article, key="who-agreed", excerpt=SHOIGU),
        QuestionFactory(article=article, key="plan-and-march", excerpt=[SHOIGU, MARCH]),
        QuestionFactory(article=article, key="caption-says", excerpt=CAPTION),
    ]
    quiz = QuizFactory(article=article, questions=questions)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    CohortFactory(name="Year 10", students=[alice, bob], quizzes=[quiz])
    CohortFactory(name="Year 11")
    answer(alice, services.attempt_start(user=alice, quiz=quiz), [True, False, True])
    answer(bob, services.attempt_start(user=bob, quiz=quiz), [True, True, False])
    return article


def screenshot(page, name: str, tmp_path: Path) -> None:
    """Saved where SCREENSHOTS says (to look at), else with the test's temporary files."""
    folder = Path(os.environ.get("SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"coverage-{name}.png"), full_page=True)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_from_the_article_admin_to_a_sentence_by_keyboard(page, live_server, article, tmp_path):
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("admin:quiz_article_change", args=[article.pk]))
    map_url = reverse("quiz:coverage", args=[article.slug])
    tab_to(page, f"a[href='{map_url}']", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + map_url)
    check_accessible(page)

    tab_to(page, "select[name=cohort]")
    for _ in range(5):
        if page.evaluate("document.activeElement.selectedOptions[0].text") == YEAR_10:
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(CHOSEN)
    first = page.locator(".coverage-table tbody tr").first
    assert " ".join(first.inner_text().split()).endswith("4 75%")
    assert "[2 questions, 75% right]" in page.inner_text(".coverage-map")
    check_accessible(page)
    screenshot(page, "desktop", tmp_path)

    sentence = article.current_sentences().get(text=MARCH)
    tab_to(page, f".coverage-table a[href='#{sentence.anchor}']", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"#{sentence.anchor}$"))
    assert page.locator(".sentence:target").inner_text() == MARCH

    page.set_viewport_size(PHONE)
    assert no_horizontal_overflow(page)
    check_accessible(page)  # axe runs in the page: here, where JavaScript is on


def test_the_map_without_javascript_on_a_phone(browser, live_server, article, tmp_path):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("quiz:coverage", args=[article.slug]))
    page.select_option("select[name=cohort]", label=YEAR_10)
    page.click("text=Show")
    page.wait_for_url(CHOSEN)
    assert "[1 question, 50% right]" in page.inner_text(".coverage-map")
    assert page.locator("figure.caption .caption-label").inner_text().lower() == "picture caption"
    assert no_horizontal_overflow(page)
    screenshot(page, "phone", tmp_path)
    context.close()


def test_the_demo_articles_map_fits_a_phone(page, live_server, tmp_path):
    """The shipped article, its six captions and its longest sentences, at 390 px."""
    UserFactory(username="teacher", password="pass", instructor=True)
    bank_load(paths=[KHERSON_BANK])
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("quiz:coverage", args=["kherson-withdrawal"]))
    assert page.locator("figure.caption").count() == 6
    assert page.locator(".coverage-table tbody tr").count() == 38
    assert no_horizontal_overflow(page)
    check_accessible(page)
    screenshot(page, "demo-phone", tmp_path)
