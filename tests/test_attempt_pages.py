"""The student's path through the test client: plain requests and htmx requests both."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from quiz import errors, grading, services, views
from quiz.articles import article_text_set
from quiz.models import Attempt, CohortQuiz, Membership, Response
from tests.answers import page_values, right_answers
from tests.factories import (
    ArticleFactory,
    CohortFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# The quiz fixture asks one question of each kind, worth a point each.
N = len(grading.KINDS)


@pytest.fixture
def quiz(student):
    return QuizFactory(
        open_to=[student],
        slug="kherson",
        questions=[QuestionFactory(kind=kind) for kind in grading.KINDS if kind != "numeric"]
        + [QuestionFactory(numeric=True)],
    )


@pytest.fixture
def attempt(student, quiz):
    return services.attempt_start(user=student, quiz=quiz)


def post_answer(client, attempt, item, *, htmx=False, **payload):
    payload = payload or right_answers(item)
    data = {"item": item.pk, "answer": payload.get("answers", [])}
    data.update({f"match-{k}": v for k, v in payload.get("matches", {}).items()})
    return client.post(reverse("quiz:answer", args=[attempt.pk]), data, **(HTMX if htmx else {}))


def test_start_redirects_to_the_first_question(student_client, quiz):
    response = student_client.post(reverse("quiz:start", args=["kherson"]))
    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("quiz:attempt", args=[attempt.pk])


def test_start_is_a_post(student_client, quiz):
    assert student_client.get(reverse("quiz:start", args=["kherson"])).status_code == 405


def test_quiz_pages_need_a_login(client, attempt):
    for url in [
        reverse("quiz:quiz", args=["kherson"]),
        attempt.get_absolute_url(),
        reverse("quiz:review", args=[attempt.pk]),
        reverse("quiz:progress"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_question_page_shows_one_question_with_progress(student_client, attempt):
    html = student_client.get(attempt.get_absolute_url()).content.decode()
    first = attempt.items.get(position=1).question
    assert first.prompt in html
    assert f"Question 1 of {N}" in html
    assert '<progress id="progress-' in html
    assert attempt.items.get(position=2).question.prompt not in html


def test_question_page_reveals_no_right_answer(student_client, attempt):
    for item in attempt.items.order_by("position"):
        html = student_client.get(attempt.get_absolute_url()).content.decode()
        question = item.question
        assert question.explanation not in html
        if not question.kind_object.uses_passage:  # else among its options, unmarked
            assert question.excerpt not in html
        assert "is_correct" not in html
        assert "Correct" not in html
        for accepted in question.accepted_answers.all():
            assert f'value="{accepted.text}"' not in html
        if question.kind == grading.ORDERING:
            shown = re.findall(r'name="answer" value="(\d+)"', html)
            assert shown != right_answers(item)["answers"]
        post_answer(student_client, attempt, item)


def test_htmx_answer_swaps_in_feedback(student_client, attempt):
    item = attempt.items.get(position=1)
    response = post_answer(student_client, attempt, item, htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="question-region"' in html
    assert "Correct" in html
    assert item.question.explanation in html
    assert item.question.excerpt in html
    assert 'hx-swap-oob="true"' in html
    assert response.headers["HX-Push-Url"] == reverse("quiz:item", args=[attempt.pk, 1])


def test_plain_answer_redirects_to_the_same_feedback(student_client, attempt):
    item = attempt.items.get(position=1)
    response = post_answer(student_client, attempt, item)
    assert response.status_code == 302
    assert response.url == reverse("quiz:item", args=[attempt.pk, 1])
    page = student_client.get(response.url)
    html = page.content.decode()
    assert "<html" in html
    assert item.question.explanation in html
    assert "Next question" in html


def test_wrong_answer_shows_the_right_one_and_the_source_link(student_client, attempt):
    item = attempt.items.get(position=1)  # single choice
    key = item.question.grading_key()
    wrong = next(i for i, _ in key.options if i not in key.correct)
    response = post_answer(
        student_client, attempt, item, htmx=True, answers=page_values(item, wrong)
    )
    html = response.content.decode()
    assert "Not quite" in html
    assert grading.describe(item.question.kind, key) in html.replace("&quot;", '"')
    (cited,) = item.cited_ids
    assert source_links(html) == [
        article_url(item.question.article, cited, back=attempt.get_absolute_url())
    ]
    assert "Read this sentence in the article" in html


def test_wrong_answer_links_to_every_sentence_a_question_cites(student_client, student):
    question = QuestionFactory(
        excerpt=[
            "Kyiv\u2019s men then made a breakthrough to the north of Kherson in October.",
            "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city.",
        ]
    )
    quiz = QuizFactory(article=question.article, open_to=[student], questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    html = post_answer(student_client, attempt, item, htmx=True, **wrong_answers(item)).content
    html = html.decode()
    assert "Not quite" in html
    kyiv, shoigu = (s.pk for s in question.cited())
    assert source_links(html) == [
        article_url(question.article, kyiv, shoigu, back=attempt.get_absolute_url())
    ]
    assert "Read these sentences in the article" in html
    page = student_client.get(source_links(html)[0].replace("&amp;", "&")).content.decode()
    assert marked(page) == [f"s{shoigu}", f"s{kyiv}"]  # in the article's order


def test_double_submit_records_one_answer_and_shows_the_standing_one(student_client, attempt):
    item = attempt.items.get(position=1)
    key = item.question.grading_key()
    wrong = next(i for i, _ in key.options if i not in key.correct)
    post_answer(student_client, attempt, item, htmx=True, answers=page_values(item, wrong))
    again = post_answer(student_client, attempt, item, htmx=True)
    assert again.status_code == 200
    assert views.ALREADY_ANSWERED in again.content.decode()
    assert "Not quite" in again.content.decode()
    assert Response.objects.count() == 1


def test_invalid_answer_is_a_422_with_a_message_and_nothing_saved(student_client, attempt):
    item = attempt.items.get(position=1)
    response = post_answer(student_client, attempt, item, htmx=True, answers=["999999"])
    assert response.status_code == 422
    assert "That is not one of this question" in response.content.decode()
    assert item.question.prompt in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"item": "abc"}, {"item": "1.5"}, {"item": "-3"}],
    ids=["missing-item", "text-item", "float-item", "negative-item"],
)
def test_malformed_answers_are_422(student_client, attempt, data):
    response = student_client.post(reverse("quiz:answer", args=[attempt.pk]), data)
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_an_empty_answer_is_a_422_asking_for_one(student_client, attempt):
    item = attempt.items.get(position=1)
    response = student_client.post(reverse("quiz:answer", args=[attempt.pk]), {"item": item.pk})
    assert response.status_code == 422
    assert "Please choose an answer." in response.content.decode()


def test_an_oversized_body_is_a_400(student_client, attempt):
    item = attempt.items.get(position=1)
    client = Client(raise_request_exception=False)
    client.force_login(attempt.user)
    response = client.post(
        reverse("quiz:answer", args=[attempt.pk]), {"item": item.pk, "answer": "x" * 100_000}
    )
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_too_long_an_answer_is_a_422(student_client, attempt):
    item = attempt.items.get(position=1)
    response = student_client.post(
        reverse("quiz:answer", args=[attempt.pk]), {"item": item.pk, "answer": "x" * 500}
    )
    assert response.status_code == 422
    assert "at most 200 characters" in response.content.decode()


def test_answer_is_a_post(student_client, attempt):
    assert student_client.get(reverse("quiz:answer", args=[attempt.pk])).status_code == 405


def test_another_students_attempt_is_404_everywhere(student_client, quiz):
    other = services.attempt_start(user=open_to_them(quiz, UserFactory()), quiz=quiz)
    item = other.items.get(position=1)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="nosy"))
    urls = [
        other.get_absolute_url(),
        reverse("quiz:review", args=[other.pk]),
        reverse("quiz:item", args=[other.pk, 1]),
        reverse("quiz:timer", args=[other.pk]),
        reverse("quiz:finish", args=[other.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert post_answer(client, other, item).status_code == 404
    assert client.post(reverse("quiz:finish", args=[other.pk])).status_code == 404
    assert not Response.objects.exists()
    other.refresh_from_db()
    assert other.is_open


def test_answer_to_an_item_of_another_attempt_is_404(student_client, attempt, quiz):
    theirs = services.attempt_start(user=open_to_them(quiz, UserFactory()), quiz=quiz)
    response = post_answer(student_client, attempt, theirs.items.get(position=1))
    assert response.status_code == 404


def test_answer_after_finishing_is_409(student_client, attempt):
    student_client.post(reverse("quiz:finish", args=[attempt.pk]))
    response = post_answer(student_client, attempt, attempt.items.get(position=1), htmx=True)
    assert response.status_code == 409
    assert str(errors.AttemptClosed()) in response.content.decode()


def test_a_whole_attempt_ends_in_a_review(student_client, attempt):
    for item in attempt.items.order_by("position"):
        response = post_answer(student_client, attempt, item)
    assert response.url == reverse("quiz:item", args=[attempt.pk, N])
    assert "See your results" in student_client.get(response.url).content.decode()
    review = student_client.get(reverse("quiz:review", args=[attempt.pk]))
    html = review.content.decode()
    assert f"{N} out of {N} points · 100%" in html
    assert "Passed." in html
    for item in attempt.items.all():
        assert item.question.explanation in html
    assert ">Try again</button>" in html
    assert "Practise the ones I missed" not in html


def test_review_of_an_open_attempt_goes_back_to_the_question(student_client, attempt):
    response = student_client.get(reverse("quiz:review", args=[attempt.pk]))
    assert response.status_code == 302
    assert response.url == attempt.get_absolute_url()


def test_deferred_feedback_saves_and_moves_on(student):
    quiz = QuizFactory(
        open_to=[student], feedback="at_end", questions=QuestionFactory.create_batch(2)
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    client = Client()
    client.force_login(student)
    first = attempt.items.get(position=1)
    response = post_answer(client, attempt, first, htmx=True)
    html = response.content.decode()
    assert "Question 2 of 2" in html
    assert first.question.explanation not in html
    assert "Correct" not in html
    # The feedback page of an answered question stays closed until the end.
    early = client.get(reverse("quiz:item", args=[attempt.pk, 1]))
    assert early.status_code == 302
    second = post_answer(client, attempt, attempt.items.get(position=2), htmx=True)
    assert second.headers["HX-Redirect"] == reverse("quiz:review", args=[attempt.pk])


def wrong_answers(item):
    """A wrong pick for a single-choice item, as its page posts it."""
    key = item.question.grading_key()
    return {"answers": page_values(item, next(i for i, _ in key.options if i not in key.correct))}


@pytest.fixture
def at_end_quiz(student):
    return QuizFactory(
        open_to=[student], feedback="at_end", questions=QuestionFactory.create_batch(3)
    )


def shown_after(client, response, *, htmx: bool) -> str:
    """The page the student sees after an answer: the htmx swap, or the redirect followed."""
    if htmx:
        assert response.status_code == 200
        return response.content.decode()
    assert response.status_code == 302
    return client.get(response.url).content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_graded_attempt_at_an_at_end_quiz_keeps_feedback_to_the_end(
    student_client, student, at_end_quiz, htmx
):
    graded = services.attempt_start(user=student, quiz=at_end_quiz)
    item = graded.items.get(position=1)
    response = post_answer(student_client, graded, item, htmx=htmx, **wrong_answers(item))
    if htmx:
        assert response.headers["HX-Push-Url"] == graded.get_absolute_url()
    else:
        assert response.url == graded.get_absolute_url()
    html = shown_after(student_client, response, htmx=htmx)
    assert "Question 2 of 3" in html
    assert "Save answer" in html
    assert "Not quite" not in html
    assert item.question.explanation not in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_practice_at_an_at_end_quiz_shows_feedback_after_each_answer(
    student_client, student, at_end_quiz, htmx
):
    graded = services.attempt_start(user=student, quiz=at_end_quiz)
    missed = graded.items.get(position=1)
    post_answer(student_client, graded, missed, **wrong_answers(missed))
    student_client.post(reverse("quiz:finish", args=[graded.pk]))
    practice = services.practice_start(user=student, quiz=at_end_quiz)
    assert practice.items.count() == 3

    for item in practice.items.order_by("position"):
        response = post_answer(student_client, practice, item, htmx=htmx)
        html = shown_after(student_client, response, htmx=htmx)
        assert "Correct" in html, f"no feedback after answer {item.position}"
        assert item.question.explanation in html
        assert item.question.excerpt in html
        assert ("Next question" if item.position < 3 else "See your results") in html
        feedback_url = reverse("quiz:item", args=[practice.pk, item.position])
        if htmx:
            assert response.headers["HX-Push-Url"] == feedback_url
        else:
            assert response.url == feedback_url


def test_quiz_page_does_not_count_practice_among_the_attempts_used(student_client, student):
    quiz = QuizFactory(
        open_to=[student], slug="twice", max_attempts=2, questions=QuestionFactory.create_batch(2)
    )
    graded = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=graded.pk)
    practice = services.practice_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=practice.pk)

    html = student_client.get(reverse("quiz:quiz", args=["twice"])).content.decode()
    assert "1 of 2 used" in html
    assert ">Try again</button>" in html
    response = student_client.post(reverse("quiz:start", args=["twice"]))

    assert response.status_code == 302
    second = Attempt.objects.get(user=student, quiz=quiz, state=Attempt.State.IN_PROGRESS)
    assert not second.is_practice
    assert response.url == second.get_absolute_url()


def test_ordering_move_buttons_rearrange_without_saving(student_client, student):
    question = QuestionFactory(kind=grading.ORDERING)
    attempt = services.attempt_start(
        user=student, quiz=QuizFactory(open_to=[student], questions=[question])
    )
    item = attempt.items.get()
    order = [value for value, _ in item.page_options]
    moved = [order[1], order[0], *order[2:]]
    arrange = ",".join(map(str, moved))
    response = student_client.get(
        attempt.get_absolute_url(), {"arrange": f"{arrange}/up-{order[1]}"}, **HTMX
    )
    shown = re.findall(r'name="answer" value="(\d+)"', response.content.decode())
    assert shown == [str(i) for i in moved]
    assert f'id="up-{order[1]}"' in response.content.decode()
    focused = re.findall(r'<button[^>]*id="([a-z]+-\d+)"[^>]*autofocus', response.content.decode())
    # Moved to the top, the item has no Move up any more: focus goes to its Move down.
    assert focused == [f"down-{order[1]}"]
    assert not Response.objects.exists()
    nonsense = student_client.get(attempt.get_absolute_url(), {"arrange": "1,2,999999"})
    shown = re.findall(r'name="answer" value="(\d+)"', nonsense.content.decode())
    assert shown == [str(i) for i in order]


def test_only_an_ordering_question_can_be_rearranged(student_client, student):
    question = QuestionFactory(kind=grading.SINGLE)
    attempt = services.attempt_start(
        user=student, quiz=QuizFactory(open_to=[student], questions=[question])
    )
    order = [value for value, _ in attempt.items.get().page_options]
    reversed_order = ",".join(map(str, reversed(order)))
    html = student_client.get(attempt.get_absolute_url(), {"arrange": reversed_order}).content
    shown = re.findall(r'name="answer" value="(\d+)"', html.decode())
    assert shown == [str(i) for i in order]
    assert 'id="arrange-' not in html.decode()


def test_resume_shows_the_same_question_and_order(student_client, attempt):
    post_answer(student_client, attempt, attempt.items.get(position=1))

    def page():
        html = student_client.get(attempt.get_absolute_url()).content.decode()
        return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", html)

    first, again = page(), page()
    assert f"Question 2 of {N}" in first
    assert first == again


def test_question_page_queries_do_not_grow_with_the_bank(
    student_client, student, django_assert_max_num_queries
):
    small = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(3))
    big = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(60))
    for quiz in (small, big):
        attempt = services.attempt_start(user=student, quiz=quiz)
        # Session, user, and the item with its attempt, quiz and question.
        with django_assert_max_num_queries(3):
            assert student_client.get(attempt.get_absolute_url()).status_code == 200


def test_answer_post_queries_do_not_grow_with_the_bank(
    student_client, student, django_assert_max_num_queries
):
    small = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(3))
    big = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(60))
    for quiz in (small, big):
        attempt = services.attempt_start(user=student, quiz=quiz)
        item = attempt.items.get(position=1)
        payload = right_answers(item)
        # Session, user, the item with its attempt (locked), question and whether the quiz is
        # open to the student, its response read once the lock is held, the insert; and the
        # savepoint and its release that the test's own transaction adds.
        with django_assert_max_num_queries(7):
            response = post_answer(student_client, attempt, item, htmx=True, **payload)
        assert response.status_code == 200
        assert "Correct" in response.content.decode()


def test_home_shows_where_the_student_stands(student_client, student, quiz, attempt):
    QuizFactory(open_to=[student], title="Untouched", questions=QuestionFactory.create_batch(1))
    post_answer(student_client, attempt, attempt.items.get(position=1))
    html = student_client.get(reverse("quiz:home")).content.decode()
    assert f"In progress</strong>: question 2 of {N}" in html
    assert "Not started" in html


def test_progress_page_has_a_chart_and_its_table(student_client, attempt):
    for item in attempt.items.order_by("position"):
        post_answer(student_client, attempt, item)
    html = student_client.get(reverse("quiz:progress")).content.decode()
    assert "<svg" in html
    assert "<table>" in html
    assert "100%" in html
    assert "By topic" in html


# The article page ---------------------------------------------------------------------

PAGE_TEXT = (
    ">\n"
    "Sergei Shoigu agreed to a plan. Russia captured Kherson back in March.\n"
    "Russia captured Kherson back in March (pictured) and Putin annexed the region\n"
    "The 45-year-old was a driving force. Kyiv\u2019s men then made a breakthrough."
)


def article_url(article, *cited: int, back: str = "") -> str:
    url = reverse("quiz:article", args=[article.slug])
    query = f"cite={'%2C'.join(map(str, cited))}" if cited else ""
    if back:
        query += ("&" if query else "") + "back=" + back.replace("/", "%2F")
    return (f"{url}?{query}" if query else url) + (f"#s{cited[0]}" if cited else "")


def source_links(html: str) -> list[str]:
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'<a href="([^"]+)">Read (?:this sentence|these sentences)', html)
    ]


def anchors(html: str) -> list[str]:
    """The ids of the sentences on the page, in order."""
    return re.findall(r'<(?:span|mark) id="(s\d+)" class="sentence', html)


def marked(html: str) -> list[str]:
    """The ids of the sentences the page highlights."""
    return re.findall(r'<mark id="(s\d+)" class="sentence cited">', html)


@pytest.fixture
def article():
    return ArticleFactory(text=PAGE_TEXT)


def test_article_page_anchors_every_sentence(student_client, article):
    html = student_client.get(article_url(article)).content.decode()
    sentences = list(article.current_sentences())
    assert len(sentences) == 5
    assert anchors(html) == [s.anchor for s in sentences]
    for sentence in sentences:
        assert f'id="{sentence.anchor}"' in html
        assert sentence.text.replace("\u2019", "\u2019") in html
    assert marked(html) == []
    assert "&gt;" not in html.split("<article", 1)[1]  # the stray line is no paragraph


def test_article_page_highlights_exactly_the_cited_sentences(student_client, article):
    first, second, _, fourth, fifth = article.current_sentences()
    html = student_client.get(article_url(article, second.pk, fourth.pk)).content.decode()
    assert marked(html) == [second.anchor, fourth.anchor]  # two paragraphs apart
    assert html.count('class="sentence cited"') == 2
    assert html.count("(cited by the question)") == 2
    assert f'<span id="{first.anchor}" class="sentence">{first.text}</span>' in html
    assert f'<span id="{fifth.anchor}" class="sentence">' in html


def cited_note(html: str) -> str | None:
    found = re.search(
        r'<nav class="notice" aria-label="Cited sentences">(.*?)</nav>'
        r'|(<p class="notice">The question cites.*?</p>)',
        html,
        re.S,
    )
    return " ".join((found[1] or found[2]).split()) if found else None


def test_article_page_says_which_sentences_are_cited_with_a_link_to_each(student_client, article):
    first, second, _, fourth, _ = article.current_sentences()
    url = reverse("quiz:article", args=[article.slug])
    assert cited_note(student_client.get(url).content.decode()) is None
    one = student_client.get(url, {"cite": second.pk}).content.decode()
    assert cited_note(one) == '<p class="notice">The question cites the highlighted sentence.</p>'

    two = student_client.get(url, {"cite": f"{fourth.pk},{first.pk}"}).content.decode()
    assert cited_note(two) == (
        "<p>The question cites the 2 highlighted sentences: "
        f'<a href="#{first.anchor}">sentence 1</a>, <a href="#{fourth.anchor}">sentence 2</a>.</p>'
    )


def test_article_page_shows_a_caption_as_a_picture_caption(student_client, article):
    caption = article.current_sentences().get(is_caption=True)
    html = student_client.get(article_url(article, caption.pk)).content.decode()
    figures = re.findall(r'<figure class="caption"[^>]*>(.*?)</figure>', html, re.S)
    assert len(figures) == 1
    assert '<span class="caption-label">Picture caption</span>' in figures[0]
    assert f'<mark id="{caption.anchor}" class="sentence cited">{caption.text}' in figures[0]
    # Body text is not in a figure, even the sentence the caption repeats.
    body = re.sub(r'<figure class="caption".*?</figure>', "", html, flags=re.S)
    assert "Russia captured Kherson back in March.</span>" in body


def test_article_page_notes_a_cited_sentence_since_corrected(student_client, student, instructor):
    article = ArticleFactory(text=PAGE_TEXT)
    question = QuestionFactory(article=article, excerpt="The 45-year-old was a driving force.")
    quiz = QuizFactory(article=article, open_to=[student], questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    article_text_set(
        article=article,
        text=PAGE_TEXT.replace("a driving force", "the driving force"),
        user=instructor,
        via="admin",
    )
    feedback = post_answer(student_client, attempt, item, htmx=True).content.decode()
    assert "The 45-year-old was a driving force." in feedback  # as the attempt showed it
    (link,) = source_links(feedback)

    html = student_client.get(link).content.decode()

    assert "The sentence this question cited has since been corrected in the article." in html
    assert "<blockquote>The 45-year-old was a driving force.</blockquote>" in html
    assert "The 45-year-old was the driving force.</span>" in html
    assert marked(html) == []


def test_review_after_an_edit_shows_and_links_what_the_attempt_showed(
    student_client, student, instructor
):
    article = ArticleFactory(text=PAGE_TEXT)
    question = QuestionFactory(
        article=article,
        excerpt=["Sergei Shoigu agreed to a plan.", "The 45-year-old was a driving force."],
    )
    quiz = QuizFactory(article=article, open_to=[student], questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    post_answer(student_client, attempt, attempt.items.get())
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    shoigu, driving = (s.pk for s in question.cited())
    article_text_set(
        article=article,
        text=PAGE_TEXT.replace("a driving force", "the driving force"),
        user=instructor,
        via="admin",
    )

    review = student_client.get(reverse("quiz:review", args=[attempt.pk])).content.decode()

    assert (
        "<blockquote><p>Sergei Shoigu agreed to a plan.</p>"
        "<p>The 45-year-old was a driving force.</p></blockquote>" in review
    )
    back = reverse("quiz:review", args=[attempt.pk])
    assert source_links(review) == [article_url(article, shoigu, driving, back=back)]
    page = student_client.get(source_links(review)[0]).content.decode()
    assert marked(page) == [f"s{shoigu}"]
    assert "One of the sentences this question cited has since been corrected" in page
    assert "<blockquote>The 45-year-old was a driving force.</blockquote>" in page


@pytest.mark.parametrize(
    "cite",
    [
        "",
        "abc",
        "1;2",
        "-1",
        "1.5",
        "%00",
        "\u00b2",  # a superscript two: a digit to str.isdigit, not to int()
        "\u0661",  # an Arabic-Indic one
        "9" * 19,  # beyond a 64-bit integer
        "9" * 30,
        ",".join(["1"] * 500),
    ],
)
def test_article_page_ignores_a_garbled_cite(student_client, article, cite):
    response = student_client.get(article_url(article), {"cite": cite})
    assert response.status_code == 200
    assert anchors(response.content.decode()) == [s.anchor for s in article.current_sentences()]


def test_article_page_highlights_the_sound_ids_among_garbled_ones(student_client, article):
    second = article.current_sentences()[1]
    url = reverse("quiz:article", args=[article.slug])
    response = student_client.get(url, {"cite": f"abc, {second.pk} ,\u00b2,{'9' * 30}"})
    assert marked(response.content.decode()) == [second.anchor]


def test_article_page_is_for_logged_in_users_and_known_articles(client, student_client, article):
    response = client.get(article_url(article))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert student_client.post(article_url(article)).status_code == 405
    missing = student_client.get(reverse("quiz:article", args=["no-such-article"]))
    assert missing.status_code == 404


@pytest.mark.parametrize("lines", [1, 100])
def test_article_page_queries_do_not_grow_with_the_article(
    student_client, lines, django_assert_max_num_queries
):
    """4 sentences or 400: the same queries (session, user, article, sentences, the cited
    ones since corrected)."""
    article = ArticleFactory(
        text="\n".join(
            f"Line {n} says this. It says {n} more. And once more. Done." for n in range(lines)
        )
    )
    ids = list(article.current_sentences().values_list("pk", flat=True))
    assert len(ids) == 4 * lines
    with django_assert_max_num_queries(5):
        response = student_client.get(article_url(article, ids[0], ids[-1], 999_999))
    assert len(marked(response.content.decode())) == 2


def test_timer_closes_the_attempt_when_time_is_up(student_client, student):
    quiz = QuizFactory(
        open_to=[student], time_limit_minutes=5, questions=QuestionFactory.create_batch(2)
    )
    attempt = services.attempt_start(
        user=student, quiz=quiz, now=timezone.now() - timedelta(minutes=6)
    )
    response = student_client.get(reverse("quiz:timer", args=[attempt.pk]), **HTMX)
    assert response.headers["HX-Redirect"] == reverse("quiz:review", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    review = student_client.get(reverse("quiz:review", args=[attempt.pk])).content.decode()
    assert "time ran out" in review
    assert "0 out of 2 points" in review


def test_timer_shows_the_time_left(student_client, student):
    quiz = QuizFactory(
        open_to=[student], time_limit_minutes=15, questions=QuestionFactory.create_batch(2)
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    html = student_client.get(reverse("quiz:timer", args=[attempt.pk]), **HTMX).content.decode()
    assert re.search(r'data-seconds-left="(899|900)"', html)
    deadline = timezone.localtime(attempt.deadline).strftime("%H:%M")
    assert "Time is up at <time datetime=" in html
    assert f">{deadline}</time>" in html
    # The server re-syncs the countdown twice a minute: extra time given shows within 30 s.
    assert 'hx-trigger="every 30s"' in html


def test_the_timer_url_opened_in_a_browser_shows_the_question(student_client, student):
    quiz = QuizFactory(open_to=[student], time_limit_minutes=15, questions=[QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    response = student_client.get(reverse("quiz:timer", args=[attempt.pk]))
    assert (response.status_code, response.url) == (302, attempt.get_absolute_url())


def test_finish_now_shows_the_summary_first_then_finishes(student_client, attempt):
    url = reverse("quiz:finish", args=[attempt.pk])
    page = student_client.get(url).content.decode()
    assert f"You have answered 0 of {N} questions." in page
    assert f"{N} questions not answered." in page
    attempt.refresh_from_db()
    assert attempt.is_open
    response = student_client.post(url)
    assert response.url == reverse("quiz:review", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.points == 0


def open_to_them(quiz, user):
    """Put `user` in a cohort the quiz is open to; return the user."""
    CohortFactory(students=[user], quizzes=[quiz])
    return user


def test_question_pages_name_options_by_their_places_never_by_choice_ids(student_client, student):
    QuestionFactory.create_batch(3)  # takes the lowest ids: no choice id can pass for a place
    quiz = QuizFactory(
        open_to=[student],
        questions=[QuestionFactory(kind=kind) for kind in grading.KINDS if kind != "numeric"],
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    for item in attempt.items.order_by("position"):
        html = student_client.get(attempt.get_absolute_url()).content.decode()
        assert item.question.prompt in html
        ids = {str(pk) for pk in item.question.choices.values_list("pk", flat=True)}
        places = [str(n) for n in range(1, len(item.options) + 1)]
        assert min(map(int, ids or ["99"])) > len(places)
        values = re.findall(r'name="answer" value="([^"]*)"', html)
        names = re.findall(r'name="match-([^"]*)"', html)
        arranged = re.findall(r'name="arrange" value="([^"]*)"', html)
        arranged_values = {v for a in arranged for v in re.split(r"[,/]|up-|down-", a) if v}
        assert not ids & {*values, *names, *arranged_values}, item.question.kind
        if item.question.kind_object.arranges:
            assert sorted(values) == places
            assert arranged_values <= {*places, "None"}
        elif values or names:
            assert (values or names) == places, item.question.kind
        post_answer(student_client, attempt, item)
    assert attempt.items.filter(response__is_correct=True).count() == len(grading.KINDS) - 1


def test_posting_a_choice_id_from_the_page_source_is_refused_and_saves_nothing(
    student_client, student
):
    QuestionFactory.create_batch(2)
    question = QuestionFactory()
    attempt = services.attempt_start(
        user=student, quiz=QuizFactory(open_to=[student], questions=[question])
    )
    item = attempt.items.get()
    right_id = question.choices.get(is_correct=True).pk
    assert right_id > len(item.options)
    response = post_answer(student_client, attempt, item, htmx=True, answers=[str(right_id)])
    assert response.status_code == 422
    assert "That is not one of this question" in response.content.decode()
    assert not Response.objects.exists()


# Closed is closed: the quiz's window and the student's cohorts ---------------------------------


def close_the_window(student, quiz):
    """The quiz's window for the student's cohort closed a minute ago; the refusal it brings."""
    assignment = CohortQuiz.objects.get(quiz=quiz, cohort__memberships__user=student)
    assignment.opens_at = timezone.now() - timedelta(days=2)
    assignment.closes_at = timezone.now() - timedelta(minutes=1)
    assignment.save()
    return errors.WindowClosed(
        when=date_format(timezone.localtime(assignment.closes_at), "j F Y, H:i")
    )


def leave_the_cohort(student, quiz):
    Membership.objects.filter(user=student).delete()
    return errors.LeftCohort()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("end", [close_the_window, leave_the_cohort], ids=["closed", "left"])
def test_an_answer_once_the_quiz_is_not_open_is_a_409_with_a_link_to_the_results(
    student_client, student, quiz, attempt, htmx, end
):
    post_answer(student_client, attempt, attempt.items.get(position=1))
    refusal = end(student, quiz)
    response = post_answer(student_client, attempt, attempt.items.get(position=2), htmx=htmx)
    html = response.content.decode()
    assert response.status_code == 409
    assert str(refusal) in html
    review = reverse("quiz:review", args=[attempt.pk])
    assert f'href="{review}"' in html
    assert ("<html" in html) is not htmx  # the partial for htmx, the whole page otherwise
    assert Response.objects.count() == 1  # nothing saved
    attempt.refresh_from_db()
    assert (attempt.state, attempt.points, attempt.passed) == (Attempt.State.FINISHED, 1, False)
    assert f"1 out of {N} points" in student_client.get(review).content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_finishing_after_the_window_closed_is_a_409_that_still_closes(
    student_client, student, quiz, attempt, htmx
):
    post_answer(student_client, attempt, attempt.items.get(position=1))
    refusal = close_the_window(student, quiz)
    response = student_client.post(
        reverse("quiz:finish", args=[attempt.pk]), **(HTMX if htmx else {})
    )
    assert response.status_code == 409
    assert str(refusal) in response.content.decode()
    assert f'href="{reverse("quiz:review", args=[attempt.pk])}"' in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.points) == (Attempt.State.FINISHED, 1)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("end", [close_the_window, leave_the_cohort], ids=["closed", "left"])
def test_the_question_page_after_the_quiz_closed_says_why_and_links_the_results(
    student_client, student, quiz, attempt, end, htmx
):
    post_answer(student_client, attempt, attempt.items.get(position=1))
    refusal = end(student, quiz)
    response = student_client.get(attempt.get_absolute_url(), **(HTMX if htmx else {}))
    review = reverse("quiz:review", args=[attempt.pk])
    assert response.status_code == 409
    assert str(refusal) in response.content.decode()
    assert f'href="{review}"' in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.points) == (Attempt.State.FINISHED, 1)
    assert f"1 out of {N} points" in student_client.get(review).content.decode()
    # And it stays the results: the closed attempt shows no question to answer.
    again = student_client.get(attempt.get_absolute_url(), **HTMX)
    assert again.headers["HX-Redirect"] == review


@pytest.mark.parametrize(
    ("end", "said"),
    [(close_the_window, "This quiz closed on"), (leave_the_cohort, "no longer set for you")],
    ids=["closed", "left"],
)
def test_the_results_after_the_quiz_closed_offer_no_new_attempt_and_say_why(
    student_client, student, quiz, attempt, end, said
):
    item = attempt.items.get(position=1)
    key = item.grading_key()
    wrong = next(i for i, _ in key.options if i not in key.correct)  # something to practise
    post_answer(student_client, attempt, item, answers=page_values(item, wrong))
    end(student, quiz)
    student_client.get(attempt.get_absolute_url())  # the page view closes the attempt
    html = student_client.get(reverse("quiz:review", args=[attempt.pk])).content.decode()
    assert said in html
    assert ">Try again</button>" not in html
    assert "Practise the ones I missed" not in html
    assert "Not passed." in html
    assert "attempts." not in html  # not "You have used all None attempts."


def test_a_finished_attempt_shows_no_question_to_answer(student_client, attempt):
    student_client.post(reverse("quiz:finish", args=[attempt.pk]))
    response = student_client.get(attempt.get_absolute_url())
    assert (response.status_code, response.url) == (302, reverse("quiz:review", args=[attempt.pk]))


def test_the_question_page_still_asks_while_another_cohort_has_the_quiz_open(
    student_client, student, quiz, attempt
):
    open_to_them(quiz, student)  # a second cohort, open for 30 days
    first = CohortQuiz.objects.filter(quiz=quiz).order_by("pk").first()
    first.opens_at = timezone.now() - timedelta(days=2)
    first.closes_at = timezone.now() - timedelta(minutes=1)
    first.save()
    assert student_client.get(attempt.get_absolute_url()).status_code == 200
    assert post_answer(student_client, attempt, attempt.items.get(position=1)).status_code == 302


def test_article_page_leads_back_to_the_page_the_link_was_on_and_nowhere_else(
    student_client, article
):
    first = article.current_sentences()[0]
    url = reverse("quiz:article", args=[article.slug])
    html = student_client.get(url, {"cite": first.pk, "back": "/attempts/7/"}).content.decode()
    assert html.count('<a href="/attempts/7/">Back to the question</a>') == 2
    for elsewhere in ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\x"]:
        html = student_client.get(url, {"back": elsewhere}).content.decode()
        assert "Back to the question" not in html, elsewhere
