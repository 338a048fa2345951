"""A student takes whole quizzes in Chromium: by mouse, by keyboard, without JavaScript."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from quiz import grading
from quiz.models import Attempt, AttemptItem, CohortQuiz, Response
from quiz.presenters import source_link
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The quiz fixture asks one question of each type, worth a point each.
N = len(grading.KINDS)

KHERSON_TEXT = (
    Path(__file__).resolve().parents[2] / "fixtures" / "articles" / "kherson-withdrawal.txt"
).read_text(encoding="utf-8")

NTH_ITEM_IS = (
    "([n, id]) => document.querySelectorAll('.ordering input[name=answer]')[n].value === id"
)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}


@pytest.fixture
def quiz(student):
    """One question of every type, in a set order, feedback at once."""
    return QuizFactory(
        open_to=[student],
        slug="every-type",
        title="Every type",
        questions=[
            QuestionFactory(kind=kind, key=kind)
            for kind in grading.KINDS
            if kind != grading.NUMERIC
        ]
        + [QuestionFactory(numeric=True, key="numeric")],
    )


@pytest.fixture
def student(db):
    return UserFactory(username="amira", password="pass")


def log_in(page, live_server, username="amira"):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pass")
    page.click("button[type=submit]")
    # Students land on their quizzes, instructors on theirs.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def check_accessible(page):
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def current_item(student):
    return (
        AttemptItem.objects.filter(attempt__user=student, response__isnull=True)
        .select_related("question")
        .order_by("attempt_id", "position")
        .first()
    )


def right_form(page, item):
    """What the answer form sends for the item's right answer, in the page's values: its
    `answer` values and `match-<value>` selects. The widgets are found on the page by those
    names, once the item's form is on it (htmx may still be swapping it in)."""
    page.wait_for_selector(f"input[name=item][value='{item.pk}']", state="attached")
    settle(page)
    return item.page_from_ids(item.question.kind_object.right_form(item.grading_key()))


# htmx moves focus (autofocus) as it settles a swap; keys pressed before that go astray.
SETTLED = "() => !document.querySelector('.htmx-request,.htmx-swapping,.htmx-settling,.htmx-added')"


def settle(page):
    page.wait_for_function(SETTLED)


def press_enter_on(page, selector):
    """Tab to `selector` and press Enter there, once htmx has stopped moving the focus."""
    for _ in range(3):
        tab_to(page, selector)
        settle(page)
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"focus kept leaving {selector}")


def answer_by_mouse(page, item):
    """Answer the item on screen right, with the mouse."""
    form = right_form(page, item)
    if page.locator(".ordering").count():
        for _ in range(10):
            shown = page.eval_on_selector_all(
                ".ordering input[name=answer]", "els => els.map(e => e.value)"
            )
            if shown == form.answers:
                break
            # Move the first misplaced item up until it is in its place.
            n = next(i for i, (a, b) in enumerate(zip(shown, form.answers, strict=True)) if a != b)
            target = form.answers[n]
            index = shown.index(target)
            page.locator(".ordering li").nth(index).get_by_role(
                "button", name=re.compile("^Move up")
            ).click()
            page.wait_for_function(NTH_ITEM_IS, arg=[index - 1, target])
    else:
        for value in form.answers:
            option = page.locator(f"input[name=answer][value='{value}']")
            if option.count():
                option.check()
            else:
                page.fill("input[name=answer]", value)
    for ident, match in form.matches.items():
        page.select_option(f"select[name='match-{ident}']", label=match)
    page.click("button.answer-submit")


def test_whole_quiz_by_mouse_with_instant_feedback(page, live_server, quiz, student):
    log_in(page, live_server)
    check_accessible(page)
    page.click("text=Every type")
    check_accessible(page)
    page.click("text=Start the quiz")
    for n in range(1, N + 1):
        page.wait_for_selector(f"text=Question {n} of {N}")
        check_accessible(page)
        answer_by_mouse(page, current_item(student))
        page.wait_for_selector("#fb-heading")
        assert page.inner_text("#fb-heading").strip() == "Correct"
        # htmx moves focus to the feedback when it settles, just after the swap.
        page.wait_for_function("() => document.activeElement.id === 'fb-heading'")
        assert "Correct." in page.inner_text("#announce")
        check_accessible(page)
        if n < N:
            page.click("text=Next question")
    page.click("text=See your results")
    assert f"{N} out of {N} points · 100%" in page.inner_text("main")
    check_accessible(page)
    page.click("text=My progress")
    assert page.locator("svg.chart").count() == 1
    check_accessible(page)
    page.goto(live_server.url + reverse("quiz:article", args=[quiz.article.slug]))
    check_accessible(page)


def test_source_link_highlights_the_sentence(page, live_server, quiz, student):
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["every-type"]))
    page.click("text=Start the quiz")
    answer_by_mouse(page, current_item(student))
    page.click("text=Read this sentence in the article")
    target = page.locator("mark.cited:target")
    assert target.count() == 1
    excerpt = Response.objects.get().item.question.excerpt
    # Read out as the sentence, then "(cited by the question)" for screen readers.
    assert target.inner_text().split("\n") == [excerpt, "(cited by the question)"]
    assert page.locator("mark.cited").count() == 1
    background = target.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


@pytest.mark.parametrize(("width", "height"), [(1100, 900), (390, 844)], ids=["desktop", "phone"])
def test_article_page_with_citations_and_captions_reads_well(
    page, live_server, student, width, height
):
    """The real article, a question citing sentences of two paragraphs: both highlighted,
    the first scrolled into view, the six captions labelled, nothing wider than a phone."""
    article = ArticleFactory(text=KHERSON_TEXT)
    question = QuestionFactory(
        article=article,
        excerpt=[
            "Shoigu squirmed in his seat as he agreed to the plan.",
            "Now, In November, Russia looks to have abandoned Kherson altogether.",
        ],
    )
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    page.goto(live_server.url + source_link(article.slug, [s.pk for s in question.cited()]))

    check_accessible(page)
    marks = page.locator("mark.cited")
    assert marks.count() == 2
    for n in range(2):
        background = marks.nth(n).evaluate("el => getComputedStyle(el).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator("mark.cited:target").inner_text().startswith("Shoigu squirmed")
    assert marks.first.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight }"
    )
    assert page.locator("figure.caption").count() == 6
    labels = page.locator("figure.caption .caption-label")
    assert [labels.nth(n).text_content() for n in range(6)] == ["Picture caption"] * 6
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.screenshot(path=f"/tmp/article-page-{width}.png", full_page=False)
    # The note above the article leads to each cited sentence in turn.
    page.click("nav[aria-label='Cited sentences'] >> text=sentence 2")
    assert page.locator("mark.cited:target").inner_text().startswith("Now, In November")
    check_accessible(page)


def tab_to(page, selector, limit=60):
    """Press Tab until the element matching `selector` has focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def arrow_to(page, selector: str, *, value: str = "", label: str = "") -> None:
    """Tab to the radio group or select at `selector`, then press the down arrow until the
    control in focus has `value` (or, given `label`, sits in a label reading it)."""
    tab_to(page, selector)
    probe = "document.activeElement." + ("parentElement.innerText" if label else "value")
    for _ in range(10):
        if page.evaluate(probe).strip() == (label or value):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached {label or value!r} in {selector}")


def answer_by_keyboard(page, item):
    form = right_form(page, item)
    if page.locator(".ordering").count():
        right = form.answers
        for _ in range(10):
            shown = page.eval_on_selector_all(
                ".ordering input[name=answer]", "els => els.map(e => e.value)"
            )
            if shown == right:
                break
            n = next(i for i, (a, b) in enumerate(zip(shown, right, strict=True)) if a != b)
            index = shown.index(right[n])
            button = f".ordering li:nth-child({index + 1}) button:first-of-type"
            # Press only once htmx has settled the last swap (its autofocus may still move
            # the focus) and wired the new buttons, on the button Tab reached.
            settle(page)
            tab_to(page, button)
            page.wait_for_function(
                "() => document.activeElement['htmx-internal-data'] !== undefined"
            )
            press_enter_on(page, button)
            page.wait_for_function(NTH_ITEM_IS, arg=[index - 1, right[n]])
            # Focus comes back to the moved item's button (htmx settles it just after the
            # swap), so the next Tab starts from there.
            page.wait_for_function("() => /^(up|down)-\\d+$/.test(document.activeElement.id)")
    else:
        for value in form.answers:
            option = page.locator(f"input[name=answer][value='{value}']")
            if not option.count():  # a text box
                tab_to(page, "input[name=answer]")
                page.keyboard.type(value)
            elif option.get_attribute("type") == "radio":
                # Tab lands on the radio group; arrows move through it and select.
                arrow_to(page, "input[name=answer]", value=value)
                page.keyboard.press("Space")
            else:
                tab_to(page, f"input[name=answer][value='{value}']")
                page.keyboard.press("Space")
    for ident, match in form.matches.items():
        arrow_to(page, f"select[name='match-{ident}']", value=match)
    press_enter_on(page, "button.answer-submit")


def test_whole_quiz_by_keyboard_only(page, live_server, quiz, student):
    page.goto(live_server.url + reverse("login"))
    tab_to(page, "#id_username")
    page.keyboard.type("amira")
    page.keyboard.press("Tab")
    page.keyboard.type("pass")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")
    tab_to(page, "a[href='/quizzes/every-type/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/quizzes/every-type/$"))
    tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/attempts/\d+/$"))
    for n in range(1, N + 1):
        page.wait_for_selector(f"text=Question {n} of {N}")
        answer_by_keyboard(page, current_item(student))
        page.wait_for_selector("#fb-heading")
        assert page.inner_text("#fb-heading").strip() == "Correct", n
        tab_to(page, "a.button.primary")
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/review/$"))
    assert f"{N} out of {N} points · 100%" in page.inner_text("main")


def test_whole_quiz_without_javascript(browser, live_server, quiz, student):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.click("text=Every type")
    page.click("text=Start the quiz")
    for n in range(1, N + 1):
        page.wait_for_selector(f"text=Question {n} of {N}")
        item = current_item(student)
        answer_by_mouse(page, item)
        page.wait_for_selector("#fb-heading")
        assert page.inner_text("#fb-heading").strip() == "Correct"
        # Post/redirect/get: the feedback has its own address, and a reload re-posts nothing.
        assert page.url.endswith(f"/questions/{n}/")
        page.reload()
        assert page.inner_text("#fb-heading").strip() == "Correct"
        if n < N:
            page.click("text=Next question")
    page.click("text=See your results")
    assert f"{N} out of {N} points · 100%" in page.inner_text("main")
    assert Response.objects.count() == N
    context.close()


def test_double_click_on_submit_records_one_answer(page, live_server, quiz, student):
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["every-type"]))
    page.click("text=Start the quiz")
    item = current_item(student)
    (value,) = right_form(page, item).answers
    page.check(f"input[name=answer][value='{value}']")
    page.dblclick("button.answer-submit")
    page.wait_for_selector("#fb-heading")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#fb-heading").strip() == "Correct"
    assert Response.objects.count() == 1
    assert "Server Error" not in page.content()


def test_resume_after_closing_the_page(context, live_server, quiz, student):
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["every-type"]))
    page.click("text=Start the quiz")
    for _ in range(2):
        answer_by_mouse(page, current_item(student))
        page.click("text=Next question")
    page.wait_for_selector(f"text=Question 3 of {N}")
    order = page.eval_on_selector_all(
        "input[name=answer], select", "els => els.map(e => e.name + e.value)"
    )
    page.close()

    again = context.new_page()
    again.goto(live_server.url + reverse("quiz:home"))
    assert f"question 3 of {N}" in again.inner_text("main")
    again.click("text=Every type")
    again.click("text=Resume")
    again.wait_for_selector(f"text=Question 3 of {N}")
    assert (
        again.eval_on_selector_all(
            "input[name=answer], select", "els => els.map(e => e.name + e.value)"
        )
        == order
    )
    assert Attempt.objects.count() == 1


def test_an_answer_after_the_window_closed_shows_why_in_place(page, live_server, quiz, student):
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["every-type"]))
    page.click("text=Start the quiz")
    page.wait_for_selector(f"text=Question 1 of {N}")
    assignment = CohortQuiz.objects.get(quiz=quiz)
    assignment.opens_at = timezone.now() - timedelta(days=2)
    assignment.closes_at = timezone.now() - timedelta(minutes=1)
    assignment.save()
    answer_by_mouse(page, current_item(student))
    # htmx swaps a refusal (409) in like any answer: the reason, and the way to the results.
    page.wait_for_selector("#closed-heading")
    assert "your attempt was closed with the answers you had given" in page.inner_text("main")
    check_accessible(page)
    page.click("text=See your results")
    assert f"0 out of {N} points" in page.inner_text("main")
    assert not Response.objects.exists()


def test_an_evidence_question_by_keyboard_reads_its_statement_and_question(
    page, live_server, student
):
    """The radios are named by their sentences, the group by the statement, and each radio
    described by the question asked of it; arrows move through them in the article's order."""
    question = QuestionFactory(evidence=True, key="evidence")
    QuizFactory(open_to=[student], slug="evidence", title="Evidence", questions=[question])
    log_in(page, live_server)
    page.goto(live_server.url + reverse("quiz:quiz", args=["evidence"]))
    page.click("text=Start the quiz")
    page.wait_for_selector("text=Question 1 of 1")
    check_accessible(page)
    sentences = [s.text for s in question.article.current_sentences()]
    assert page.locator(".answer label.option").all_inner_texts() == sentences
    group = page.get_by_role("group", name=question.prompt)
    radio = group.get_by_role("radio", name=sentences[0])
    assert radio.get_attribute("aria-describedby") == f"hint-{question.pk}"
    assert page.inner_text(f"#hint-{question.pk}") == (
        "Which sentence of the article supports this statement?"
    )
    tab_to(page, "input[name=answer]")
    page.keyboard.press("ArrowDown")  # the second sentence, the cited one
    assert page.evaluate("document.activeElement.checked")
    press_enter_on(page, "button.answer-submit")
    page.wait_for_selector("#fb-heading")
    assert page.inner_text("#fb-heading").strip() == "Correct"
    check_accessible(page)
