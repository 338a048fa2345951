"""The gradebook and item analysis, as instructors read them and students cannot."""

import csv
import io
import re
import statistics
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from quiz import grading, services
from quiz.reports import item_analysis
from quiz.spreadsheets import spreadsheet_safe
from tests.answers import page_values
from tests.factories import CohortFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def two_question_quiz(**kwargs):
    return QuizFactory(
        slug="kherson",
        pass_mark=50,
        questions=[QuestionFactory(key="first"), QuestionFactory(key="second")],
        **kwargs,
    )


def take(user, quiz, rights: list[bool]):
    """A finished attempt with the first choice right or wrong for each question."""
    attempt = services.attempt_start(user=user, quiz=quiz)
    for item, right in zip(attempt.items.order_by("position"), rights, strict=True):
        key = item.grading_key()
        choice = next(i for i, _ in key.options if (i in key.correct) == right)
        services.answer_record(
            user=user, attempt_id=attempt.pk, item_id=item.pk, answers=page_values(item, choice)
        )
    return attempt


@pytest.fixture
def cohort_quiz():
    quiz = two_question_quiz()
    alice = UserFactory(username="alice", first_name="Alice", last_name="Able")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Baker")
    cara = UserFactory(username="cara", first_name="=HYPERLINK(1)", last_name="Cole")
    cohort = CohortFactory(name="Year 10", students=[alice, bob, cara], quizzes=[quiz])
    take(alice, quiz, [True, True])
    take(bob, quiz, [False, False])
    take(bob, quiz, [True, False])
    return cohort, quiz


def gradebook_url(cohort, quiz, **params):
    url = reverse("quiz:gradebook", args=[cohort.pk, quiz.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_gradebook_lists_every_student_with_their_standing(instructor_client, cohort_quiz):
    cohort, quiz = cohort_quiz
    response = instructor_client.get(gradebook_url(cohort, quiz, sort="best", dir="desc"))
    rows = response.context["rows"]
    assert [r.username for r in rows] == ["alice", "bob", "cara"]
    alice, bob, cara = rows
    assert (alice.best, alice.attempts_used, alice.passed) == (100, 1, True)
    assert (bob.best, bob.attempts_used, bob.passed) == (50, 2, True)
    assert cara.status == "Not started"
    assert cara.best is None
    assert "1 not started" in response.content.decode()


def test_gradebook_sorts_by_attempts(instructor_client, cohort_quiz):
    cohort, quiz = cohort_quiz
    rows = instructor_client.get(gradebook_url(cohort, quiz, sort="attempts")).context["rows"]
    assert [r.username for r in rows] == ["cara", "alice", "bob"]


def test_gradebook_csv_escapes_formulas(instructor_client, cohort_quiz):
    cohort, quiz = cohort_quiz
    response = instructor_client.get(gradebook_url(cohort, quiz, format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0][:4] == ["Username", "Name", "Email", "Status"]
    cara = next(row for row in table if row[0] == "cara")
    assert cara[1] == "'=HYPERLINK(1) Cole"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-1", "'-1"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("Amira", "Amira"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_spreadsheet_safe(value, safe):
    assert spreadsheet_safe(value) == safe


@pytest.mark.parametrize("name", ["gradebook", "analysis"])
def test_students_cannot_open_the_reports(student_client, cohort_quiz, name):
    cohort, quiz = cohort_quiz
    url = (
        gradebook_url(cohort, quiz)
        if name == "gradebook"
        else reverse("quiz:analysis", args=[quiz.slug])
    )
    response = student_client.get(url)
    assert response.status_code == 403
    assert b"bob" not in response.content


def test_anonymous_visitors_are_sent_to_log_in(client, cohort_quiz):
    cohort, quiz = cohort_quiz
    response = client.get(gradebook_url(cohort, quiz))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_gradebook_of_a_quiz_not_assigned_to_the_cohort_is_404(instructor_client, cohort_quiz):
    cohort, _ = cohort_quiz
    other = QuizFactory(slug="other")
    assert instructor_client.get(gradebook_url(cohort, other)).status_code == 404


def test_item_analysis_facility_and_choice_counts(cohort_quiz):
    _, quiz = cohort_quiz
    attempts, stats = item_analysis(quiz)
    assert attempts == 3
    first, second = stats
    assert first.question.key == "first"
    assert first.asked == 3
    assert first.facility == pytest.approx(200 / 3)
    picked = {text: count for text, _, count, _ in first.choices}
    assert sum(picked.values()) == 3
    assert second.facility == pytest.approx(100 / 3)


def test_item_analysis_flags_a_question_the_weaker_students_get_right():
    quiz = QuizFactory(
        questions=[QuestionFactory(key=f"q{n}") for n in range(3)] + [QuestionFactory(key="odd")]
    )
    students = UserFactory.create_batch(8)
    CohortFactory(students=students, quizzes=[quiz])
    for n, student in enumerate(students):
        strong = n < 4
        # Strong students get the first three right and "odd" wrong; weak ones the reverse.
        take(student, quiz, [strong, strong, strong, not strong])
    _, stats = item_analysis(quiz)
    by_key = {s.question.key: s for s in stats}
    assert by_key["q0"].discrimination > 0
    assert by_key["odd"].discrimination < 0
    assert by_key["odd"].flags == ["weaker students do better than stronger ones"]
    assert by_key["q0"].flags == []


def answers_scoring(item, score: float) -> list[str]:
    """The choices that earn `score` on a single-choice item (1 or 0) or on a multiple-response
    item with two right options (1, 0.5 or 0)."""
    key = item.grading_key()
    right = [i for i, _ in key.options if i in key.correct]
    wrong = [i for i, _ in key.options if i not in key.correct]
    picked = {1: right, 0.5: right[:1], 0: wrong[:1]}[score]
    return page_values(item, *picked)


# Eight students' scores on three questions, chosen by hand: the third question is a
# multiple-response one with two right options, so half marks occur.
SCORES = [
    (1, 1, 1),
    (1, 1, 0.5),
    (1, 0, 1),
    (0, 1, 0.5),
    (1, 0, 0),
    (0, 1, 0),
    (0, 0, 0.5),
    (0, 0, 0),
]


def test_item_analysis_computes_facility_and_discrimination_as_moodle_does(instructor_client):
    """Moodle (question/classes/statistics/questions/calculator.php, secondary_question_walker):
    discriminationindex = 100 * covariance / sqrt(markvariance * othermarkvariance), where the
    "other mark" is the attempt's total minus the question's mark; that is 100 times Pearson's
    r between a question's score and the score on the rest of the attempt. Its facility is
    markaverage / maxmark, shown as a percentage."""
    quiz = QuizFactory(
        slug="scored",
        questions=[
            QuestionFactory(key="q1"),
            QuestionFactory(key="q2"),
            QuestionFactory(key="q3", kind=grading.MULTIPLE),
        ],
    )
    students = UserFactory.create_batch(len(SCORES))
    CohortFactory(students=students, quizzes=[quiz])
    for student, scores in zip(students, SCORES, strict=True):
        attempt = services.attempt_start(user=student, quiz=quiz)
        for item, score in zip(attempt.items.order_by("position"), scores, strict=True):
            recorded = services.answer_record(
                user=student,
                attempt_id=attempt.pk,
                item_id=item.pk,
                answers=answers_scoring(item, score),
            )
            assert recorded.response.score == Decimal(str(score))

    attempts, stats = item_analysis(quiz)

    assert attempts == 8
    assert [s.question.key for s in stats] == ["q1", "q2", "q3"]
    # Worked out independently of quiz/reports.py: r(question, rest of the attempt).
    hand_worked = {"q1": (50.0, 27.50), "q2": (50.0, 8.14), "q3": (43.75, 45.29)}
    for n, item in enumerate(stats):
        question_scores = [row[n] for row in SCORES]
        rest = [sum(row) - row[n] for row in SCORES]
        facility, discrimination = hand_worked[item.question.key]
        assert 100 * statistics.mean(question_scores) == pytest.approx(facility)
        assert 100 * statistics.correlation(question_scores, rest) == pytest.approx(
            discrimination, abs=0.01
        )
        assert item.asked == 8
        assert item.facility == pytest.approx(facility, abs=0.01), item.question.key
        assert item.discrimination == pytest.approx(discrimination, abs=0.01), item.question.key
        assert item.flags == []

    # The instructor's page shows them rounded: asked, facility, discrimination.
    html = instructor_client.get(reverse("quiz:analysis", args=["scored"])).content.decode()
    shown = {}
    for key in hand_worked:
        row = re.search(rf">{key}</a>.*?</tr>", html, re.S)[0]
        shown[key] = [strip_tags(c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)][:3]
    assert shown == {
        "q1": ["8", "50%", "28%"],
        "q2": ["8", "50%", "8%"],
        "q3": ["8", "44%", "45%"],
    }


def test_item_analysis_flags_a_question_nobody_gets_right():
    quiz = QuizFactory(questions=[QuestionFactory(key="hard"), QuestionFactory(key="easy")])
    students = UserFactory.create_batch(6)
    CohortFactory(students=students, quizzes=[quiz])
    for student in students:
        take(student, quiz, [False, True])
    _, stats = item_analysis(quiz)
    hard = next(s for s in stats if s.question.key == "hard")
    assert "almost nobody gets it right" in hard.flags


def test_item_analysis_page_shows_a_bar_per_question(instructor_client, cohort_quiz):
    cohort, quiz = cohort_quiz
    response = instructor_client.get(
        reverse("quiz:analysis", args=[quiz.slug]) + f"?cohort={cohort.pk}"
    )
    html = response.content.decode()
    assert html.count("<meter") == 2
    assert "3 finished graded attempts by Year 10" in html


@pytest.mark.parametrize("students", [20, 200])
def test_report_queries_do_not_grow_with_the_cohort(
    instructor, students, django_assert_max_num_queries
):
    quiz = two_question_quiz()
    people = UserFactory.create_batch(students)
    cohort = CohortFactory(students=people, quizzes=[quiz])
    for n, person in enumerate(people[:20]):
        take(person, quiz, [n % 2 == 0, n % 3 == 0])
    client = Client()
    client.force_login(instructor)
    # Session, user, cohort, quiz, the gradebook, the attempts it links to.
    with django_assert_max_num_queries(6):
        assert client.get(gradebook_url(cohort, quiz)).status_code == 200
    # Session, user, quiz, cohort; the grouped items, the grouped typed answers, the
    # questions, their choices, and the attempts counted.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("quiz:analysis", args=[quiz.slug]) + f"?cohort={cohort.pk}")
    assert response.status_code == 200


def test_cohort_admin_links_to_the_reports(instructor_client, cohort_quiz):
    cohort, quiz = cohort_quiz
    html = instructor_client.get(reverse("admin:quiz_cohort_change", args=[cohort.pk])).content
    assert gradebook_url(cohort, quiz).encode() in html


def test_instructor_moves_a_student_between_cohorts(instructor_client, cohort_quiz):
    cohort, _ = cohort_quiz
    other = CohortFactory(name="Year 11")
    membership = cohort.memberships.get(user__username="bob")
    changelist = reverse("admin:quiz_membership_changelist")
    chosen = {"action": "move_to_cohort", "_selected_action": [str(membership.pk)]}
    page = instructor_client.post(changelist, chosen)
    assert "Move 1 student(s) to another cohort" in page.content.decode()
    response = instructor_client.post(changelist, {**chosen, "cohort": other.pk, "apply": "1"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.cohort == other
