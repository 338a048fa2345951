"""An instructor, in Chromium, reviews the questions an article edit flagged and reads the
edit's revision: both pages pass axe, work by keyboard alone and without JavaScript."""

import re

import pytest
from django.urls import reverse

from quiz import articles
from quiz.models import ArticleRevision, Question
from tests.browser.test_student_in_browser import check_accessible, log_in, tab_to
from tests.factories import ARTICLE_TEXT, ArticleFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

OLD = "Russia captured Kherson back in March."
NEW = "Russia captured the city of Kherson in early March."


@pytest.fixture
def corrected(db):
    """An article whose edit changed the sentence two questions cite."""
    teacher = UserFactory(username="teacher", password="pass", instructor=True)
    article = ArticleFactory(slug="kherson", title="Kherson")
    first = QuestionFactory(article=article, key="when-captured", excerpt=OLD)
    QuestionFactory(article=article, key="captured-what", excerpt=OLD)
    articles.article_text_set(
        article=article, text=ARTICLE_TEXT.replace(OLD, NEW), user=teacher, via="the admin"
    )
    return article, first


def test_confirm_a_review_by_keyboard(page, live_server, corrected):
    article, first = corrected
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("admin:quiz_article_change", args=[article.pk]))
    assert "2 questions of this article need review" in page.inner_text("#review-count")
    tab_to(page, "#review-count a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/quiz/article/review/?article=*")
    check_accessible(page)
    row = page.locator(f"#q{first.pk}")
    assert row.locator("del").all_text_contents() == ["[removed:]  back"]
    assert row.locator("ins").all_text_contents() == ["[added:] the city of ", "[added:] early "]

    tab_to(page, f"#q{first.pk} button")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist")
    assert "is back in new attempts" in page.inner_text(".messagelist")
    check_accessible(page)
    assert not Question.objects.get(pk=first.pk).needs_review
    assert page.locator(f"#q{first.pk}").count() == 0


def test_read_a_revision_by_keyboard(page, live_server, corrected):
    article, _ = corrected
    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("admin:quiz_article_change", args=[article.pk]))
    check_accessible(page)
    tab_to(page, "#revisions a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/revisions/*/")
    check_accessible(page)
    changed = page.get_by_role("row", name=re.compile("^Changed "))
    assert changed.locator("del").all_text_contents() == ["[removed:]  back"]
    assert changed.locator("ins").all_text_contents() == [
        "[added:] the city of ",
        "[added:] early ",
    ]


def test_review_and_revision_without_javascript(browser, live_server, corrected):
    article, first = corrected
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "teacher")
    revision = ArticleRevision.objects.get()
    page.goto(
        live_server.url + reverse("admin:quiz_article_revision", args=[article.pk, revision.pk])
    )
    assert OLD in page.inner_text("main")
    page.goto(live_server.url + reverse("admin:quiz_article_review"))
    page.locator(f"#q{first.pk} button").click()
    page.wait_for_selector(".messagelist")
    assert not Question.objects.get(pk=first.pk).needs_review
    context.close()
