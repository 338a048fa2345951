"""The class retention forecast on the coverage map: the share of a cohort predicted (by FSRS,
from each student's memory of each question) to recall each sentence's questions on a chosen
day, and the students under a threshold per paragraph, as instructors read it."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from quiz import memory, reports
from tests.factories import (
    ArticleFactory,
    CohortFactory,
    MemoryFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHOIGU = "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city."
MARCH = "Russia captured Kherson back in March."
REFERENDUM = "The 45-year-old was a driving force in organising the referendum."
OCTOBER = "Kyiv’s men then made a breakthrough to the north of Kherson in October."
TEXT = f"{SHOIGU} {MARCH}\n{REFERENDUM} {OCTOBER}"
DAY = timezone.localdate() + timedelta(days=3)  # the forecast's day: three days from now
AT = memory.school_start(DAY)


@pytest.fixture
def article():
    """Paragraph 1: Shoigu (cited by who-agreed and plan-and-march), March (plan-and-march).
    Paragraph 2: the referendum (cited by referendum), October (by nothing)."""
    article = ArticleFactory(slug="kherson", title="Kherson", text=TEXT)
    QuestionFactory(article=article, key="who-agreed", excerpt=SHOIGU)
    QuestionFactory(article=article, key="plan-and-march", excerpt=[SHOIGU, MARCH])
    QuestionFactory(article=article, key="referendum", excerpt=REFERENDUM)
    return article


def remember(user, article, key: str, *, stability: float, days_before: int) -> None:
    """`user`'s memory of question `key`: `stability` days, last reviewed `days_before`
    whole days before the forecast's moment."""
    question = article.questions.get(key=key)
    MemoryFactory(
        user=user,
        question=question,
        stability=stability,
        last_review=AT - timedelta(days=days_before),
    )


@pytest.fixture
def cohort(article):
    """Year 10: alice, bob and carol; dave, in Year 11, remembers everything well.

    FSRS-6 with the default parameters: R = (1 + F·t/S)^-0.1542, F = 0.9^(-1/0.1542) - 1
    = 0.98035, t whole days since the last review, S the stability. So t = S gives R = 0.9
    exactly (the definition of stability), and t = 3S gives (1 + 3·0.98035)^-0.1542 =
    3.94104^-0.1542 = 0.8094.

      alice: who-agreed t = S = 5 → 0.9; plan-and-march S = 2, t = 6 → 0.8094;
             referendum t = S = 10 → 0.9.
      bob:   who-agreed S = 4, t = 12 → 0.8094; plan-and-march never answered → 0;
             referendum t = S = 2 → 0.9.
      carol: never answered anything → 0 everywhere.
    """
    alice, bob, carol, dave = (
        UserFactory(username=name) for name in ("alice", "bob", "carol", "dave")
    )
    alice.first_name, alice.last_name = "Alice", "Adams"
    alice.save()
    remember(alice, article, "who-agreed", stability=5, days_before=5)
    remember(alice, article, "plan-and-march", stability=2, days_before=6)
    remember(alice, article, "referendum", stability=10, days_before=10)
    remember(bob, article, "who-agreed", stability=4, days_before=12)
    remember(bob, article, "referendum", stability=2, days_before=2)
    for key in ("who-agreed", "plan-and-march", "referendum"):
        remember(dave, article, key, stability=100, days_before=1)
    CohortFactory(name="Year 11", students=[dave])
    return CohortFactory(name="Year 10", students=[alice, bob, carol])


def forecast_url(article, cohort=None, **query) -> str:
    url = reverse("quiz:coverage", args=[article.slug])
    if cohort is not None:
        query = {"cohort": cohort.pk, **query}
    return url + "?" + "&".join(f"{name}={value}" for name, value in query.items())


def asked(**query) -> dict:
    """The query string of a forecast asked for, for DAY unless told otherwise."""
    return {"forecast": "on", "day": DAY.isoformat(), **query}


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()
    return response.content.decode()


def text_of(html: str) -> str:
    return " ".join(strip_tags(html).split())


def paragraph_rows(html: str) -> list[str]:
    """Each row of the forecast's table as a user reads it."""
    table = html.split('<table class="forecast-table"', 1)[1].split("</table>", 1)[0]
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]


def sentence_rows(html: str) -> list[str]:
    body = html.split('<table class="coverage-table"', 1)[1].split("<tbody>", 1)[1]
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def map_text(html: str) -> str:
    section = html.split('<article class="article card coverage-map"', 1)[1].split("</article>")[0]
    return text_of(section)


def test_it_predicts_the_share_of_the_class_recalling_each_sentence(
    instructor_client, article, cohort
):
    """Over the 3 students × the questions citing each sentence (see `cohort`):
    Shoigu: (0.9 + 0.8094 + 0.8094 + 0 + 0 + 0) / 6 = 41.98% → 42%;
    March: (0.8094 + 0 + 0) / 3 = 26.98% → 27%; the referendum: (0.9 + 0.9 + 0) / 3 = 60%;
    October: not asked. Dave, in another cohort, counts for nothing."""
    html = page(instructor_client, forecast_url(article, cohort, **asked()))
    assert sentence_rows(html) == [
        f"1 1 {SHOIGU} 2: plan-and-march, who-agreed 0 — 42%",
        f"2 1 {MARCH} 1: plan-and-march 0 — 27%",
        f"3 2 {REFERENDUM} 1: referendum 0 — 60%",
        f"4 2 {OCTOBER} 0 0 — not asked",
    ]
    text = map_text(html)
    assert f"{SHOIGU} [2 questions, no answers, 42% predicted to recall]" in text
    assert f"{MARCH} [1 question, no answers, 27% predicted to recall]" in text
    assert f"{REFERENDUM} [1 question, no answers, 60% predicted to recall]" in text
    assert f"{OCTOBER} [not cited, not asked]" in text


def test_the_map_is_shaded_by_predicted_recall(instructor_client, article, cohort):
    html = page(instructor_client, forecast_url(article, cohort, **asked()))
    assert re.findall(r'class="sentence cov rec-(\w+)">([^<]+)</span>', html) == [
        ("low", SHOIGU),
        ("low", MARCH),
        ("mid", REFERENDUM),
        ("none", OCTOBER),
    ]
    for label in (
        "Not asked: no question cites it",
        "Under 50% predicted to recall",
        "50% to 69% predicted to recall",
        "70% to 89% predicted to recall",
        "90% or more predicted to recall",
    ):
        assert label in html
    assert "Cited by 1 question" not in html  # the coverage legend gives way to the forecast's


def test_students_under_the_threshold_are_listed_in_their_paragraph(
    instructor_client, article, cohort
):
    """Paragraph 1 (who-agreed, plan-and-march): alice (0.9 + 0.8094) / 2 = 85%, bob
    (0.8094 + 0) / 2 = 40%, carol 0%; the class (1.7094 + 0.8094) / 6 = 42%. Paragraph 2
    (referendum): alice 90%, bob 90%, carol 0%; the class 60%. Under 70%: bob and carol in
    paragraph 1, carol alone in 2."""
    html = page(instructor_client, forecast_url(article, cohort, **asked()))
    assert paragraph_rows(html) == ["1 2 42% 2: carol 0%, bob 40%", "2 1 60% 1: carol 0%"]
    assert "Students under 70%" in html


def test_the_threshold_is_chosen(instructor_client, article, cohort):
    """Under 86%, alice's 85.47% in paragraph 1 is listed too, by her name."""
    url = forecast_url(article, cohort, **asked(threshold=86))
    rows = paragraph_rows(page(instructor_client, url))
    assert rows[0] == "1 2 42% 3: carol 0%, bob 40%, Alice Adams (alice) 85%"
    assert rows[1] == "2 1 60% 1: carol 0%"


def test_students_who_never_answered_are_counted(instructor_client, article, cohort):
    html = page(instructor_client, forecast_url(article, cohort, **asked()))
    assert "1 student has never answered these questions" in text_of(html)


def test_a_long_list_is_cut_and_the_rest_counted(instructor_client, article, cohort, monkeypatch):
    monkeypatch.setattr(reports, "BELOW_SHOWN", 1)
    html = page(instructor_client, forecast_url(article, cohort, **asked()))
    assert paragraph_rows(html)[0] == "1 2 42% 2: carol 0%, and 1 more"


def test_a_later_day_predicts_less(instructor_client, article, cohort):
    """Thirty days later, alice's who-agreed is t = 35 days for S = 5: lower than 0.9."""
    later = (DAY + timedelta(days=30)).isoformat()
    html = page(instructor_client, forecast_url(article, cohort, **asked(day=later)))
    assert paragraph_rows(html)[1] != "2 1 60% 1: carol 0%"
    assert int(paragraph_rows(html)[1].split()[2].rstrip("%")) < 60


def test_unasked_there_is_no_forecast_and_the_coming_friday_is_offered(
    instructor_client, article, cohort
):
    html = page(instructor_client, forecast_url(article, cohort, day="1999-01-01"))
    assert "forecast-table" not in html
    assert "rec-" not in html
    assert '<input type="checkbox" name="forecast"' in html
    assert '<input type="checkbox" name="forecast" id="id_forecast">' in html  # not ticked
    assert " required" not in html.split('<form method="get"', 1)[1].split("</form>")[0]
    offered = re.search(r'<input type="date" name="day" value="([\d-]+)"', html).group(1)
    friday = date.fromisoformat(offered)
    assert friday.weekday() == 4
    assert 0 <= (friday - timezone.localdate()).days < 7
    assert '<input type="number" name="threshold" value="70"' in html


def test_asked_the_forecasts_fields_keep_what_was_asked(instructor_client, article, cohort):
    html = page(instructor_client, forecast_url(article, cohort, **asked(threshold=86)))
    assert re.search(r'<input type="checkbox" name="forecast"[^>]* checked', html)
    assert f'<input type="date" name="day" value="{DAY.isoformat()}"' in html
    assert '<input type="number" name="threshold" value="86"' in html


def test_a_forecast_needs_a_cohort(instructor_client, article, cohort):
    response = instructor_client.get(forecast_url(article, **asked()))
    assert response.status_code == 400
    html = response.content.decode()
    assert "forecast-table" not in html
    assert "A forecast is for one cohort's students: choose a cohort." in unescape(html)
    assert "coverage-table" in html  # the coverage map is still there to read


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"day": "friday"}, "Enter a valid date."),
        ({"day": "2026-02-30"}, "Enter a valid date."),
        ({"day": ""}, "This field is required."),
        ({"day": (timezone.localdate() - timedelta(days=1)).isoformat()}, "Choose today or a"),
        ({"day": (timezone.localdate() + timedelta(days=400)).isoformat()}, "within a year"),
        ({"threshold": "0"}, "greater than or equal to 1"),
        ({"threshold": "101"}, "less than or equal to 100"),
        ({"threshold": "most"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_400_said_beside_the_form(instructor_client, article, cohort, query, message):
    response = instructor_client.get(forecast_url(article, cohort, **asked(**query)))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<ul class="errorlist"[^>]*>\s*<li>[^<]*' + re.escape(message), html)
    assert "forecast-table" not in html


def test_students_get_403(student_client, article, cohort):
    url = forecast_url(article, cohort, **asked())
    assert student_client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, article, cohort):
    response = client.get(forecast_url(article, cohort, **asked()))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("size", [1, 12])
def test_queries_do_not_grow_with_the_cohort_or_the_bank(
    instructor, size, django_assert_max_num_queries
):
    """Small: one sentence, one question, one student. Larger: 49 sentences in 25
    paragraphs, 12 questions citing two each, 12 students remembering every question."""
    more = (f"Paragraph {k} opens here. Paragraph {k} closes here." for k in range(size * 2))
    article = ArticleFactory(text="\n".join([TEXT, *more]) if size > 1 else SHOIGU)
    texts = [s.text for s in article.current_sentences()]
    questions = [QuestionFactory(article=article, excerpt=texts[n : n + 2]) for n in range(size)]
    students = UserFactory.create_batch(size)
    for student in students:
        for question in questions:
            MemoryFactory(user=student, question=question)
    cohort = CohortFactory(students=students)
    client = Client()
    client.force_login(instructor)
    # Session, user; the cohort (validating the form); the article; the citations, the
    # answers grouped by question, the sentences; the students, their memories; the cohorts
    # listed in the form.
    with django_assert_max_num_queries(10):
        html = page(client, forecast_url(article, cohort, **asked()))
    assert len(sentence_rows(html)) == len(texts)


@pytest.mark.parametrize(
    ("before", "shown"),
    [
        # Whole days elapsed, as FSRS counts them: 5 days 23 hours is 5 days → 90%; 6 days
        # is (1 + 0.98035·6/5)^-0.1542 = 2.17642^-0.1542 = 88.70% → 89%.
        (timedelta(days=6) - timedelta(minutes=1), "90%"),
        (timedelta(days=6), "89%"),
        (timedelta(days=6, hours=23), "89%"),
    ],
)
def test_the_database_reads_last_reviews_to_the_whole_day(
    instructor_client, article, before, shown
):
    alice = UserFactory(username="alice")
    question = article.questions.get(key="referendum")
    MemoryFactory(user=alice, question=question, stability=5, last_review=AT - before)
    cohort = CohortFactory(students=[alice])
    html = page(instructor_client, forecast_url(article, cohort, **asked()))
    assert sentence_rows(html)[2].endswith(f" {shown}")
    assert memory.retrievability(
        memory.Recall(5, 5, 2, AT, AT - before), AT
    ) * 100 == pytest.approx(float(shown.rstrip("%")), abs=0.5)


# The prediction itself ----------------------------------------------------------------------

LAST = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("stability", [0.2, 1.0, 3.7, 45.0, 900.0])
@pytest.mark.parametrize(
    "elapsed",
    [
        timedelta(0),
        timedelta(hours=-5),  # a forecast for before the last review
        timedelta(hours=23, minutes=59),
        timedelta(days=1),
        timedelta(days=6, hours=12),
        timedelta(days=400),
    ],
)
def test_the_forecast_agrees_with_the_packages_retrievability(stability, elapsed):
    recall = memory.Recall(
        stability=stability, difficulty=5.0, state=2, due=LAST + timedelta(days=1), last_review=LAST
    )
    at = LAST + elapsed
    assert memory.chances_of_recall(at, [(stability, LAST.timestamp())]) == pytest.approx(
        [memory.retrievability(recall, at)], rel=1e-12
    )


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2026, 1, 16), datetime(2026, 1, 16, 9, 0, tzinfo=UTC)),  # GMT
        (date(2026, 6, 19), datetime(2026, 6, 19, 8, 0, tzinfo=UTC)),  # BST
    ],
)
def test_a_forecast_is_for_nine_in_the_morning_at_the_school(day, utc):
    assert memory.school_start(day) == utc
