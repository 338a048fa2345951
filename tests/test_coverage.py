"""The coverage map: which sentences of an article the questions cite, and how a cohort did
on them, as instructors read it and students cannot."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from quiz import services
from quiz.articles import article_text_set
from tests.answers import page_values
from tests.factories import (
    ArticleFactory,
    CohortFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHOIGU = "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city."
MARCH = "Russia captured Kherson back in March."
CAPTION = "General Sergei Surovikin (left) has announced the withdrawal"
REFERENDUM = "The 45-year-old was a driving force in organising the referendum."
OCTOBER = "Kyiv’s men then made a breakthrough to the north of Kherson in October."
TEXT = f"{SHOIGU} {MARCH}\n{CAPTION}\n{REFERENDUM} {OCTOBER}"
CORRECTED = "Kyiv’s forces then broke through north of Kherson in October."


def answer(user, attempt, rights: list[bool]) -> None:
    """Answer each item of the attempt, in order, right or wrong."""
    for item, right in zip(attempt.items.order_by("position"), rights, strict=True):
        key = item.grading_key()
        choice = next(i for i, _ in key.options if (i in key.correct) == right)
        services.answer_record(
            user=user, attempt_id=attempt.pk, item_id=item.pk, answers=page_values(item, choice)
        )


@pytest.fixture
def article():
    """Shoigu cited twice, March once, the caption once; the referendum never; October's
    sentence was cited, then corrected away (retired)."""
    article = ArticleFactory(slug="kherson", title="Kherson", text=TEXT)
    QuestionFactory(article=article, key="who-agreed", excerpt=SHOIGU)
    QuestionFactory(article=article, key="plan-and-march", excerpt=[SHOIGU, MARCH])
    QuestionFactory(article=article, key="caption-says", excerpt=CAPTION)
    QuestionFactory(article=article, key="october", excerpt=OCTOBER)
    article_text_set(article=article, text=TEXT.replace(OCTOBER, CORRECTED), user=None, via="test")
    return article


@pytest.fixture
def cohorts(article):
    """Year 10: alice (right, wrong, right), bob (right, right, wrong) and bob's practice
    (the caption question right). Year 11: carol, all wrong."""
    quiz = QuizFactory(article=article, questions=list(article.questions.order_by("pk"))[:3])
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    year10 = CohortFactory(name="Year 10", students=[alice, bob], quizzes=[quiz])
    year11 = CohortFactory(name="Year 11", students=[carol], quizzes=[quiz])
    answer(alice, services.attempt_start(user=alice, quiz=quiz), [True, False, True])
    answer(bob, services.attempt_start(user=bob, quiz=quiz), [True, True, False])
    answer(bob, services.practice_start(user=bob, quiz=quiz), [True])
    answer(carol, services.attempt_start(user=carol, quiz=quiz), [False, False, False])
    return year10, year11


def coverage_url(article, cohort=None) -> str:
    url = reverse("quiz:coverage", args=[article.slug])
    return f"{url}?cohort={cohort.pk}" if cohort else url


def table_rows(html: str) -> list[str]:
    """Each row of the table as a user reads it: its cells' text, one space apart."""
    body = html.split('<table class="coverage-table"', 1)[1].split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(strip_tags(row).split()) for row in rows]


def map_text(html: str) -> str:
    section = html.split('<article class="article card coverage-map"', 1)[1].split("</article>")[0]
    return " ".join(strip_tags(section).split())


def test_it_counts_questions_and_the_cohorts_right_answers_per_sentence(
    instructor_client, article, cohorts
):
    year10, _ = cohorts
    html = instructor_client.get(coverage_url(article, year10)).content.decode()
    assert table_rows(html) == [
        f"1 1 {SHOIGU} 2: plan-and-march, who-agreed 4 75%",
        f"2 1 {MARCH} 1: plan-and-march 2 50%",
        f"3 2 Picture caption {CAPTION} 1: caption-says 2 50%",
        f"4 3 {REFERENDUM} 0 0 —",
        f"5 3 {CORRECTED} 0 0 —",
    ]
    assert f"{SHOIGU} [2 questions, 75% right] {MARCH} [1 question, 50% right]" in map_text(html)
    assert f"{REFERENDUM} [not cited]" in map_text(html)


def test_without_a_cohort_it_counts_every_students_graded_answers(
    instructor_client, article, cohorts
):
    rows = table_rows(instructor_client.get(coverage_url(article)).content.decode())
    assert rows[:3] == [
        f"1 1 {SHOIGU} 2: plan-and-march, who-agreed 6 50%",
        f"2 1 {MARCH} 1: plan-and-march 3 33%",
        f"3 2 Picture caption {CAPTION} 1: caption-says 3 33%",
    ]


def test_another_cohorts_answers_are_not_counted(instructor_client, article, cohorts):
    _, year11 = cohorts
    rows = table_rows(instructor_client.get(coverage_url(article, year11)).content.decode())
    assert rows[0] == f"1 1 {SHOIGU} 2: plan-and-march, who-agreed 2 0%"


def test_a_cited_sentence_nobody_answered_yet_says_so(instructor_client, article):
    html = instructor_client.get(coverage_url(article)).content.decode()
    assert f"{SHOIGU} [2 questions, no answers]" in map_text(html)
    assert table_rows(html)[0] == f"1 1 {SHOIGU} 2: plan-and-march, who-agreed 0 —"


def test_uncovered_sentences_are_listed(instructor_client, article):
    html = instructor_client.get(coverage_url(article)).content.decode()
    section = html.split('id="uncovered-heading"', 1)[1].split("</section>")[0]
    text = " ".join(strip_tags(section).split())
    assert text.startswith(">Not cited by any question (2)")
    assert f"Sentence 4, paragraph 3: {REFERENDUM}" in text
    assert f"Sentence 5, paragraph 3: {CORRECTED}" in text
    assert SHOIGU not in text


def test_retired_sentences_are_not_shown(instructor_client, article):
    html = instructor_client.get(coverage_url(article)).content.decode()
    assert OCTOBER not in html
    assert article.sentences.filter(text=OCTOBER, position__isnull=True).exists()


def test_every_sentence_has_its_anchor_and_captions_are_captions(instructor_client, article):
    html = instructor_client.get(coverage_url(article)).content.decode()
    for sentence in article.current_sentences():
        assert html.count(f'id="{sentence.anchor}"') == 1
        assert f'href="#{sentence.anchor}"' in html
    caption = article.current_sentences().get(text=CAPTION)
    assert re.search(
        rf'<figure class="caption"[^>]*>\s*<figcaption><span class="caption-label">Picture '
        rf'caption</span> <span id="{caption.anchor}"',
        html,
    )


def test_the_legend_names_every_band(instructor_client, article):
    html = instructor_client.get(coverage_url(article)).content.decode()
    for label in (
        "Not cited by any question",
        "Cited by 1 question",
        "Cited by 2 questions",
        "Cited by 3 questions or more",
    ):
        assert label in html


def test_the_cohort_is_chosen_with_a_plain_form(instructor_client, article, cohorts):
    year10, _ = cohorts
    html = instructor_client.get(coverage_url(article, year10)).content.decode()
    assert '<form method="get"' in html
    assert f'<option value="{year10.pk}" selected>Year 10 (Autumn 2026)</option>' in html
    described = re.search(r'<select name="cohort"[^>]*aria-describedby="([^"]+)"', html)
    assert f'<p class="hint" id="{described.group(1)}">Facility counts' in html


def test_students_get_403(student_client, article):
    assert student_client.get(coverage_url(article)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, article):
    response = client.get(coverage_url(article))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_rejects_post(instructor_client, article):
    assert instructor_client.post(coverage_url(article)).status_code == 405


def test_an_unknown_article_is_404(instructor_client):
    assert instructor_client.get(reverse("quiz:coverage", args=["nope"])).status_code == 404


@pytest.mark.parametrize("cohort", ["abc", "999999"])
def test_a_cohort_that_is_not_one_is_400(instructor_client, article, cohort):
    response = instructor_client.get(coverage_url(article) + f"?cohort={cohort}")
    assert response.status_code == 400


def test_the_article_and_cohort_admin_pages_link_to_it(instructor_client, article, cohorts):
    year10, _ = cohorts
    page = instructor_client.get(reverse("admin:quiz_article_change", args=[article.pk]))
    assert f'href="{coverage_url(article)}"' in page.content.decode()
    page = instructor_client.get(reverse("admin:quiz_cohort_change", args=[year10.pk]))
    assert f'href="{coverage_url(article, year10)}"' in page.content.decode()


def test_the_item_analysis_links_to_it(instructor_client, article, cohorts):
    year10, _ = cohorts
    quiz = article.quizzes.get()
    page = instructor_client.get(
        reverse("quiz:analysis", args=[quiz.slug]) + f"?cohort={year10.pk}"
    )
    assert f'href="{coverage_url(article, year10)}"' in page.content.decode()


@pytest.mark.parametrize("size", [1, 12])
def test_queries_do_not_grow_with_the_article_or_the_cohort(
    instructor, size, django_assert_max_num_queries
):
    """Small: one sentence, one question, one student. Larger: 101 sentences, 12 questions
    citing two each, 12 students with two attempts each."""
    more = (f"Paragraph {k} opens here. Paragraph {k} closes here." for k in range(size * 4))
    article = ArticleFactory(text="\n".join([TEXT, *more]) if size > 1 else SHOIGU)
    texts = [s.text for s in article.current_sentences()]
    questions = [QuestionFactory(article=article, excerpt=texts[n : n + 2]) for n in range(size)]
    quiz = QuizFactory(article=article, questions=questions)
    students = UserFactory.create_batch(size)
    cohort = CohortFactory(students=students, quizzes=[quiz])
    for n, student in enumerate(students):
        for _ in range(2 if size > 1 else 1):
            attempt = services.attempt_start(user=student, quiz=quiz)
            answer(student, attempt, [n % 2 == 0] * size)
    client = Client()
    client.force_login(instructor)
    # Session, user; the cohort (validating the form); the article; the citations, the
    # answers grouped by sentence, the sentences; the cohorts listed in the form.
    with django_assert_max_num_queries(8):
        response = client.get(coverage_url(article, cohort))
    assert response.status_code == 200
    assert len(table_rows(response.content.decode())) == len(texts)
