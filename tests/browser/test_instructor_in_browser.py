"""An instructor, in Chromium, goes from the gradebook to a student's answers, corrects a
score, and accepts a misspelling from the item analysis; every page passes axe."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from quiz import grading, services
from quiz.models import Attempt
from tests.browser.test_student_in_browser import check_accessible, log_in
from tests.factories import CohortFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_gradebook_to_answers_to_a_corrected_score(page, live_server):
    UserFactory(username="teacher", password="pass", instructor=True)
    bob = UserFactory(username="bob", first_name="Bob", last_name="Baker")
    month = QuestionFactory(key="month", kind=grading.SHORT_TEXT, accepted=["November"])
    quiz = QuizFactory(slug="months", pass_mark=100, questions=[month])
    cohort = CohortFactory(name="Year 10", students=[bob], quizzes=[quiz])
    attempt = services.attempt_start(user=bob, quiz=quiz)
    item = attempt.items.get()
    services.answer_record(user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=["Novmber"])

    log_in(page, live_server, "teacher")
    page.goto(live_server.url + reverse("quiz:gradebook", args=[cohort.pk, quiz.slug]))
    check_accessible(page)
    page.get_by_role("link", name="bob's attempt 1").click()
    page.wait_for_url(f"**/instructors/attempts/{attempt.pk}/")
    assert "Results of Bob Baker" in page.content()
    check_accessible(page)

    page.get_by_label("New score (0 to 1 point)").fill("0.5")
    page.get_by_label("Why (the student sees this)").fill("Misspelt, but the right month.")
    page.get_by_role("button", name="Change score").click()
    page.wait_for_load_state()
    assert "0 → 0.50. Misspelt, but the right month." in page.content()
    assert Attempt.objects.get(pk=attempt.pk).points == Decimal("0.5")

    page.goto(live_server.url + reverse("quiz:analysis", args=[quiz.slug]))
    check_accessible(page)
    assert "novmber: 1 (100%)" in page.content()


def test_an_instructor_lands_on_the_instructors_page(page, live_server):
    UserFactory(username="teacher", password="pass", instructor=True)
    bob = UserFactory(username="bob")
    quiz = QuizFactory(slug="months", title="Months", questions=[QuestionFactory()])
    CohortFactory(name="Year 10", students=[bob], quizzes=[quiz])
    log_in(page, live_server, "teacher")
    assert page.url == live_server.url + reverse("quiz:instructors")
    assert page.get_by_role("heading", name="Instructors").is_visible()
    assert page.get_by_role("link", name="Gradebook of Months, Year 10").is_visible()
    check_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    # The table scrolls in its own box; its links' hidden text must not widen the page.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    check_accessible(page)


def test_a_forgotten_password_is_replaced_by_mail(page, live_server, settings, mailoutbox):
    settings.PASSWORD_RESET_BY_MAIL = True
    cache.clear()  # reset mails are counted per account in the cache, which tests share
    UserFactory(username="amira", email="amira@example.org")
    page.goto(live_server.url + reverse("login"))
    page.get_by_role("link", name="Forgot password?").click()
    check_accessible(page)
    page.get_by_label("Email address").fill("amira@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/password_reset/done/")
    check_accessible(page)
    (mail,) = mailoutbox
    link = next(line for line in mail.body.splitlines() if "/reset/" in line)
    page.goto(link)
    page.get_by_label("New password").fill("a-new-password-42")
    page.get_by_label("The same password again").fill("a-new-password-42")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url("**/reset/done/")
    check_accessible(page)
