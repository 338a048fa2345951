"""Instructors open a student's attempt from the gradebook, correct a score by hand, and
accept a typed answer as right from the item analysis; every change is kept and shown."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz import errors, grading, services
from quiz.models import AcceptedAnswer, Attempt, AttemptItem, Response, ScoreChange
from quiz.reports import item_analysis
from tests.answers import choose, right_answers
from tests.factories import CohortFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def answer(user, attempt, position: int, answers: list[str]) -> Response:
    item = attempt.items.get(position=position)
    recorded = services.answer_record(
        user=user, attempt_id=attempt.pk, item_id=item.pk, answers=answers
    )
    return recorded.response


def take(user, quiz, rights: list[bool]) -> Attempt:
    """A finished attempt at a choice-question quiz, each answer right or wrong."""
    attempt = services.attempt_start(user=user, quiz=quiz)
    for item, right in zip(attempt.items.order_by("position"), rights, strict=True):
        services.answer_record(
            user=user, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, right)
        )
    attempt.refresh_from_db()
    return attempt


def take_typed(user, quiz, typed: list[str], *, finish: bool = True) -> Attempt:
    attempt = services.attempt_start(user=user, quiz=quiz)
    for position, text in enumerate(typed, 1):
        answer(user, attempt, position, [text])
    if finish and attempt.items.filter(response__isnull=True).exists():
        services.attempt_finish(user=user, attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt


def points_are_the_sum_of_scores(attempt: Attempt) -> None:
    attempt.refresh_from_db()
    responses = Response.objects.filter(item__attempt=attempt).select_related("item")
    total = sum((r.points for r in responses), start=Decimal(0))  # each to the hundredth
    assert attempt.points == total
    if not attempt.is_practice:
        assert attempt.passed == (
            attempt.points * 100 >= attempt.quiz.pass_mark * attempt.max_points
        )


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", last_name="Baker")


@pytest.fixture
def four_questions(bob):
    quiz = QuizFactory(slug="four", pass_mark=75, questions=QuestionFactory.create_batch(4))
    CohortFactory(name="Year 10", students=[bob], quizzes=[quiz])
    return quiz


def detail_url(attempt) -> str:
    return reverse("quiz:attempt_detail", args=[attempt.pk])


def override_url(response) -> str:
    return reverse("quiz:override", args=[response.item.attempt_id, response.pk])


# Opening a student's attempt ----------------------------------------------------------------


def test_gradebook_links_each_attempt_to_its_review(instructor_client, bob, four_questions):
    first = take(bob, four_questions, [True, False, False, False])
    second = take(bob, four_questions, [True, True, True, False])
    cohort = bob.cohorts.get()
    html = instructor_client.get(
        reverse("quiz:gradebook", args=[cohort.pk, four_questions.slug])
    ).content.decode()
    assert f'href="{detail_url(first)}"' in html
    assert f'href="{detail_url(second)}"' in html
    assert ">1: 25%<" in html
    assert ">2: 75%<" in html


def test_instructor_sees_the_review_with_each_answers_time(instructor_client, bob, four_questions):
    attempt = take(bob, four_questions, [True, False, True, True])
    response = instructor_client.get(detail_url(attempt))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Results of Bob Baker" in html
    assert "3 out of 4 points" in html
    for item in attempt.items.select_related("response", "question"):
        assert item.question.prompt in html
        assert f'datetime="{item.response.answered_at.isoformat()}"' in html
    assert html.count('class="override"') == 4
    assert "Try again</button>" not in html  # the student's own buttons are the student's


def test_students_get_404_for_anyone_elses_review_and_403_for_the_instructors_page(
    student_client, bob, four_questions
):
    attempt = take(bob, four_questions, [True, True, True, True])
    assert student_client.get(reverse("quiz:review", args=[attempt.pk])).status_code == 404
    response = student_client.get(detail_url(attempt))
    assert response.status_code == 403
    assert b"Bob" not in response.content


def test_an_unknown_attempt_is_404_for_the_instructor(instructor_client):
    assert instructor_client.get(reverse("quiz:attempt_detail", args=[999])).status_code == 404


# Overriding a score --------------------------------------------------------------------------


def test_override_recomputes_points_and_pass_and_is_kept(instructor, bob, four_questions):
    attempt = take(bob, four_questions, [True, True, False, False])
    assert (attempt.points, attempt.passed) == (2, False)
    wrong = Response.objects.get(item__attempt=attempt, item__position=3)

    services.response_override(
        user=instructor,
        attempt_id=attempt.pk,
        response_id=wrong.pk,
        points=Decimal("1"),
        reason="Right in substance.",
    )

    attempt.refresh_from_db()
    wrong.refresh_from_db()
    assert (attempt.points, attempt.passed) == (3, True)
    assert (wrong.score, wrong.is_correct) == (1, True)
    (change,) = ScoreChange.objects.all()
    assert (change.changed_by, change.cause, change.old_score, change.new_score, change.reason) == (
        instructor,
        ScoreChange.Cause.OVERRIDE,
        0,
        1,
        "Right in substance.",
    )


def test_every_override_is_shown_on_both_reviews(
    instructor, instructor_client, bob, four_questions
):
    attempt = take(bob, four_questions, [True, True, False, False])
    response = Response.objects.get(item__attempt=attempt, item__position=3)
    for score, why in [("0.5", "Half right."), ("0.75", "More than half, on reflection.")]:
        services.response_override(
            user=instructor,
            attempt_id=attempt.pk,
            response_id=response.pk,
            points=Decimal(score),
            reason=why,
        )
    bob_client = Client()
    bob_client.force_login(bob)
    for client, url in [
        (instructor_client, detail_url(attempt)),
        (bob_client, reverse("quiz:review", args=[attempt.pk])),
    ]:
        html = client.get(url).content.decode()
        assert "Overridden by teacher, 0 → 0.50. Half right." in html
        assert "Overridden by teacher, 0.50 → 0.75. More than half, on reflection." in html
        assert "2.75 out of 4 points" in html


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"points": Decimal("1.5")}, errors.ScoreOutOfRange),
        ({"points": Decimal("-0.1")}, errors.ScoreOutOfRange),
        ({"reason": "   "}, errors.ReasonRequired),
        ({"response_id": 0}, errors.NoSuchResponse),
        ({"attempt_id": 0}, errors.NoSuchResponse),
        ({"user": "student"}, errors.InstructorsOnly),
    ],
)
def test_override_refusals_save_nothing(instructor, bob, four_questions, change, refusal):
    attempt = take(bob, four_questions, [True, True, False, False])
    response = Response.objects.get(item__attempt=attempt, item__position=3)
    kwargs = {
        "user": instructor,
        "attempt_id": attempt.pk,
        "response_id": response.pk,
        "points": Decimal(1),
        "reason": "Because.",
        **change,
    }
    if kwargs["user"] == "student":
        kwargs["user"] = bob
    with pytest.raises(refusal):
        services.response_override(**kwargs)
    response.refresh_from_db()
    attempt.refresh_from_db()
    assert (response.score, attempt.points) == (0, 2)
    assert not ScoreChange.objects.exists()


def test_an_attempt_in_progress_cannot_be_overridden(instructor, bob, four_questions):
    attempt = services.attempt_start(user=bob, quiz=four_questions)
    first = answer(bob, attempt, 1, choose(attempt.items.get(position=1), False))
    with pytest.raises(errors.AttemptInProgress):
        services.response_override(
            user=instructor,
            attempt_id=attempt.pk,
            response_id=first.pk,
            points=Decimal(1),
            reason="x",
        )
    assert not ScoreChange.objects.exists()


def test_override_form_posts_and_comes_back_to_the_answer(instructor_client, bob, four_questions):
    attempt = take(bob, four_questions, [True, True, False, False])
    response = Response.objects.get(item__attempt=attempt, item__position=3)
    posted = instructor_client.post(
        override_url(response), {"score": "0.5", "reason": "Half of it."}
    )
    assert posted.status_code == 302
    assert posted.url == f"{detail_url(attempt)}#response-{response.pk}"
    attempt.refresh_from_db()
    assert attempt.points == Decimal("2.5")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score": "2", "reason": "x"}, "score is between 0 and 1 point."),
        ({"score": "1", "reason": ""}, "This field is required"),
        ({"score": "one", "reason": "x"}, "Enter a number"),
    ],
)
def test_a_bad_override_form_is_shown_again_with_its_error(
    instructor_client, bob, four_questions, data, message
):
    attempt = take(bob, four_questions, [True, True, False, False])
    response = Response.objects.get(item__attempt=attempt, item__position=3)
    posted = instructor_client.post(override_url(response), data)
    assert posted.status_code == 422
    assert message in posted.content.decode()
    assert not ScoreChange.objects.exists()


def test_students_cannot_post_overrides(student_client, bob, four_questions):
    attempt = take(bob, four_questions, [True, True, False, False])
    response = Response.objects.get(item__attempt=attempt, item__position=3)
    posted = student_client.post(override_url(response), {"score": "1", "reason": "Mine."})
    assert posted.status_code == 403
    assert not ScoreChange.objects.exists()


@pytest.fixture
def five_questions(bob):
    quiz = QuizFactory(slug="five", pass_mark=60, questions=QuestionFactory.create_batch(5))
    CohortFactory(students=[bob], quizzes=[quiz])
    return quiz


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rights=st.lists(st.booleans(), max_size=5),
    overrides=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=5),
            st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
        ),
        max_size=6,
    ),
)
def test_points_always_equal_the_sum_of_the_scores(
    instructor, bob, five_questions, rights, overrides
):
    """Whatever is answered, however often scores are overridden: an ended attempt's points
    are the sum of its responses' points, its pass follows from them, and every override
    that changes a score is kept."""
    with transaction.atomic():
        attempt = services.attempt_start(user=bob, quiz=five_questions)
        for position, right in enumerate(rights, 1):
            answer(bob, attempt, position, choose(attempt.items.get(position=position), right))
        services.attempt_finish(user=bob, attempt_id=attempt.pk)
        points_are_the_sum_of_scores(attempt)
        kept = 0
        for position, score in overrides:
            response = Response.objects.filter(
                item__attempt=attempt, item__position=position
            ).first()
            if response is None:  # not answered: nothing to override
                continue
            changes = response.score != score  # the same score again records nothing
            services.response_override(
                user=instructor,
                attempt_id=attempt.pk,
                response_id=response.pk,
                points=score,
                reason="Checked by hand.",
            )
            kept += changes
            points_are_the_sum_of_scores(attempt)
            response.refresh_from_db()
            assert response.score == score
        assert ScoreChange.objects.filter(response__item__attempt=attempt).count() == kept
        transaction.set_rollback(True)


# Item analysis of typed answers, and accepting one ------------------------------------------


@pytest.fixture
def month_quiz(bob):
    month = QuestionFactory(key="month", kind=grading.SHORT_TEXT, accepted=["November"])
    count = QuestionFactory(key="count", numeric=True, numeric_answer=Decimal(1000))
    quiz = QuizFactory(slug="months", pass_mark=100, questions=[month, count])
    return quiz


def class_of(quiz, answers: list[tuple[str, str]], *, cohort_name="Year 10"):
    students = UserFactory.create_batch(len(answers))
    cohort = CohortFactory(name=cohort_name, students=students, quizzes=[quiz])
    attempts = [
        take_typed(s, quiz, list(typed)) for s, typed in zip(students, answers, strict=True)
    ]
    return cohort, students, attempts


TYPED = [
    ("November", "1000"),
    ("november.", "1,000"),
    ("Novmber", "1 000"),
    (" NOVMBER ", "100"),
    ("October", "1000.0"),
]


def test_item_analysis_lists_typed_answers_as_the_grader_sees_them(month_quiz):
    class_of(month_quiz, TYPED)
    _, (month, count) = item_analysis(month_quiz)
    assert [(a.text, a.count, a.right) for a in month.answers] == [
        ("november", 2, True),
        ("novmber", 2, False),
        ("october", 1, False),
    ]
    assert month.answers[0].share == pytest.approx(40)
    assert month.can_accept
    assert [(a.text, a.count, a.right) for a in count.answers] == [
        ("1000", 4, True),
        ("100", 1, False),
    ]
    assert count.can_accept


def test_the_analysis_page_offers_to_accept_only_wrong_typed_answers(instructor_client, month_quiz):
    cohort, _, _ = class_of(month_quiz, TYPED)
    url = reverse("quiz:analysis", args=[month_quiz.slug]) + f"?cohort={cohort.pk}"
    html = instructor_client.get(url).content.decode()
    assert "<strong>✓ november</strong>: 2 (40%)" in html
    assert "novmber: 2 (40%)" in html
    assert "<strong>✓ 1000</strong>: 4 (80%)" in html
    assert html.count("Accept as right</button>") == 3  # novmber, october and the number 100
    assert 'name="answer" value="novmber"' in html
    assert 'name="answer" value="100"' in html


def test_accepting_an_answer_regrades_every_matching_response(instructor, month_quiz):
    cohort, _, attempts = class_of(month_quiz, TYPED)
    # One student is mid-attempt: the answer is accepted for them too when they type it.
    late = UserFactory()
    cohort.memberships.create(user=late)
    in_progress = services.attempt_start(user=late, quiz=month_quiz)

    accepted = services.answer_accept(
        user=instructor, question_id=_month(month_quiz), answer="Novmber"
    )

    assert accepted.regraded == 2
    assert AcceptedAnswer.objects.filter(question_id=_month(month_quiz), text="Novmber").exists()
    for attempt, (month, _) in zip(attempts, TYPED, strict=True):
        attempt.refresh_from_db()
        response = Response.objects.get(item__attempt=attempt, item__question__key="month")
        right_month = grading.normalise_text(month) in ("november", "novmber")
        assert response.is_correct == right_month
        if right_month:
            assert response.feedback == grading.RIGHT
        points_are_the_sum_of_scores(attempt)
    # "Novmber" + "1 000" now passes; " NOVMBER " + "100" does not.
    assert [a.passed for a in attempts] == [True, True, True, False, False]
    changes = ScoreChange.objects.filter(cause=ScoreChange.Cause.ACCEPTED)
    assert changes.count() == 2
    assert {(c.changed_by, c.old_score, c.new_score) for c in changes} == {(instructor, 0, 1)}
    assert changes.first().reason == "“Novmber” accepted as right."
    # The frozen key of every attempt accepts it, the one in progress included.
    for item in AttemptItem.objects.filter(question__key="month"):
        assert "Novmber" in item.key["accepted"]
    late_answer = answer(late, in_progress, 1, ["novmber"])
    assert late_answer.is_correct
    # The analysis agrees.
    _, (month, _) = item_analysis(month_quiz, cohort=cohort)
    assert ("novmber", 2, True) in [(a.text, a.count, a.right) for a in month.answers]


def _month(quiz) -> int:
    return quiz.questions.get(key="month").pk


def test_an_overridden_response_keeps_its_override(instructor, month_quiz):
    _, _, attempts = class_of(month_quiz, TYPED[2:3])
    response = Response.objects.get(item__attempt=attempts[0], item__question__key="month")
    services.response_override(
        user=instructor,
        attempt_id=attempts[0].pk,
        response_id=response.pk,
        points=Decimal("0.5"),
        reason="Misspelt: half.",
    )
    services.answer_accept(user=instructor, question_id=_month(month_quiz), answer="novmber")
    response.refresh_from_db()
    assert response.score == Decimal("0.5")
    points_are_the_sum_of_scores(attempts[0])


def test_accepting_twice_changes_nothing_more(instructor, month_quiz):
    class_of(month_quiz, TYPED)
    services.answer_accept(user=instructor, question_id=_month(month_quiz), answer="novmber")
    again = services.answer_accept(
        user=instructor, question_id=_month(month_quiz), answer="NOVMBER"
    )
    assert (again.accepted, again.regraded) == (None, 0)
    assert AcceptedAnswer.objects.filter(question_id=_month(month_quiz)).count() == 2
    assert ScoreChange.objects.count() == 2


@pytest.mark.parametrize(
    ("who", "question", "text", "refusal"),
    [
        ("student", "month", "novmber", errors.InstructorsOnly),
        ("instructor", "count", "a thousand", errors.NotANumber),
        ("instructor", "count", "  ", errors.BlankAnswer),
        ("instructor", "month", " ... ", errors.BlankAnswer),
        ("instructor", None, "novmber", errors.NoSuchQuestion),
    ],
)
def test_accept_refusals_save_nothing(instructor, bob, month_quiz, who, question, text, refusal):
    class_of(month_quiz, TYPED)
    user = bob if who == "student" else instructor
    question_id = month_quiz.questions.get(key=question).pk if question else 0
    keys = sorted(str(k) for k in AttemptItem.objects.values_list("key", flat=True))
    with pytest.raises(refusal):
        services.answer_accept(user=user, question_id=question_id, answer=text)
    assert AcceptedAnswer.objects.count() == 1
    assert not ScoreChange.objects.exists()
    assert sorted(str(k) for k in AttemptItem.objects.values_list("key", flat=True)) == keys


def test_only_typed_answers_can_be_accepted(instructor, bob):
    single = QuestionFactory(kind=grading.SINGLE)
    quiz = QuizFactory(questions=[single])
    CohortFactory(students=[bob], quizzes=[quiz])
    take(bob, quiz, [False])
    with pytest.raises(errors.CannotAccept):
        services.answer_accept(user=instructor, question_id=single.pk, answer="Vladimir Putin")
    assert not AcceptedAnswer.objects.exists()
    assert not ScoreChange.objects.exists()


# Numbers: accepted as the value grading reads ------------------------------------------------

COUNTS = ["1,200", "1200", "1 200.0", "1201", "12", "1000"]


@pytest.fixture
def count_quiz():
    count = QuestionFactory(key="count", numeric=True, numeric_answer=Decimal(1000))
    return QuizFactory(slug="counts", pass_mark=100, questions=[count])


def test_accepting_a_number_regrades_every_response_of_that_value(instructor, count_quiz):
    cohort, _, attempts = class_of(count_quiz, [(c,) for c in COUNTS])
    question = count_quiz.questions.get()
    # Accepted as the analysis lists it, or as any student typed it: one value.
    accepted = services.answer_accept(user=instructor, question_id=question.pk, answer="1 200")

    assert accepted.regraded == 3
    assert list(question.accepted_answers.values_list("text", flat=True)) == ["1200"]
    assert [a.passed for a in attempts] == [False] * 5 + [True]  # before the regrade
    for attempt in attempts:
        attempt.refresh_from_db()
        points_are_the_sum_of_scores(attempt)
    assert [a.passed for a in attempts] == [True, True, True, False, False, True]
    changes = ScoreChange.objects.filter(cause=ScoreChange.Cause.ACCEPTED)
    assert {(c.changed_by, c.old_score, c.new_score) for c in changes} == {(instructor, 0, 1)}
    assert {c.response.submission for c in changes} == {"1,200", "1200", "1 200.0"}
    assert changes.first().reason == "“1 200” accepted as right."
    for item in AttemptItem.objects.filter(question=question):
        assert item.key["accepted"] == ["1200"]
    _, (count,) = item_analysis(count_quiz, cohort=cohort)
    assert ("1200", 3, True) in [(a.text, a.count, a.right) for a in count.answers]
    # Again, in another spelling: nothing more.
    again = services.answer_accept(user=instructor, question_id=question.pk, answer="1200.00")
    assert (again.accepted, again.regraded) == (None, 0)
    assert changes.count() == 3


def test_a_number_within_the_tolerance_is_right_already(instructor, count_quiz):
    class_of(count_quiz, [("1000",)])
    question = count_quiz.questions.get()
    accepted = services.answer_accept(user=instructor, question_id=question.pk, answer="1,000.0")
    assert (accepted.accepted, accepted.regraded) == (None, 0)
    assert not question.accepted_answers.exists()


def test_a_key_frozen_before_numbers_took_accepted_values_is_widened(instructor, count_quiz):
    _, _, (attempt,) = class_of(count_quiz, [("1200",)])
    item = attempt.items.get()
    AttemptItem.objects.filter(pk=item.pk).update(key={"value": "1000", "tolerance": "0"})
    services.answer_accept(user=instructor, question_id=item.question_id, answer="1200")
    item.refresh_from_db()
    assert item.key == {"value": "1000", "tolerance": "0", "accepted": ["1200"]}
    assert item.response.is_correct


def test_the_accept_button_accepts_a_number(instructor_client, count_quiz):
    cohort, _, _ = class_of(count_quiz, [(c,) for c in COUNTS])
    url = reverse("quiz:analysis", args=[count_quiz.slug]) + f"?cohort={cohort.pk}"
    html = instructor_client.get(url).content.decode()
    assert 'name="answer" value="1200"' in html
    posted = instructor_client.post(
        reverse("quiz:accept_answer", args=[count_quiz.slug]),
        {"question": count_quiz.questions.get().pk, "answer": "1200", "cohort": cohort.pk},
        follow=True,
    )
    html = posted.content.decode()
    assert "“1200” is now accepted: 3 answers regraded, in every cohort." in html
    assert "<strong>✓ 1200</strong>: 3 (50%)" in html
    assert 'name="answer" value="1200"' not in html


def test_a_failure_midway_keeps_nothing(instructor, month_quiz, monkeypatch):
    _, _, attempts = class_of(month_quiz, TYPED)
    points = [a.points for a in attempts]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ScoreChange.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        services.answer_accept(user=instructor, question_id=_month(month_quiz), answer="novmber")
    assert AcceptedAnswer.objects.count() == 1
    assert Response.objects.filter(is_correct=True, item__question__key="month").count() == 2
    assert [Attempt.objects.get(pk=a.pk).points for a in attempts] == points


def test_accept_button_regrades_and_says_how_many(instructor_client, month_quiz):
    cohort, _, _ = class_of(month_quiz, TYPED)
    posted = instructor_client.post(
        reverse("quiz:accept_answer", args=[month_quiz.slug]),
        {"question": _month(month_quiz), "answer": "novmber", "cohort": cohort.pk},
        follow=True,
    )
    html = posted.content.decode()
    assert posted.redirect_chain[-1][0].endswith(f"?cohort={cohort.pk}")
    assert "“novmber” is now accepted: 2 answers regraded, in every cohort." in html
    assert "<strong>✓ novmber</strong>: 2 (40%)" in html


def test_students_cannot_accept_answers(student_client, month_quiz):
    class_of(month_quiz, TYPED)
    posted = student_client.post(
        reverse("quiz:accept_answer", args=[month_quiz.slug]),
        {"question": _month(month_quiz), "answer": "novmber"},
    )
    assert posted.status_code == 403
    assert AcceptedAnswer.objects.count() == 1


# Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("questions", [3, 30])
def test_the_instructors_review_queries_do_not_grow_with_the_attempt(
    instructor, instructor_client, bob, questions, django_assert_max_num_queries
):
    quiz = QuizFactory(questions=QuestionFactory.create_batch(questions))
    CohortFactory(students=[bob], quizzes=[quiz])
    attempt = take(bob, quiz, [n % 2 == 0 for n in range(questions)])
    for response in Response.objects.filter(item__attempt=attempt)[:3]:
        services.response_override(
            user=instructor,
            attempt_id=attempt.pk,
            response_id=response.pk,
            points=Decimal(1),
            reason="ok",
        )
    # Session, user, the attempt with its quiz and student, the items with their responses,
    # the responses' score changes with who made them.
    with django_assert_max_num_queries(5):
        assert instructor_client.get(detail_url(attempt)).status_code == 200


@pytest.mark.parametrize("students", [5, 50])
def test_analysis_of_typed_answers_queries_do_not_grow_with_the_class(
    instructor_client, month_quiz, students, django_assert_max_num_queries
):
    cohort, _, _ = class_of(month_quiz, [TYPED[n % len(TYPED)] for n in range(students)])
    url = reverse("quiz:analysis", args=[month_quiz.slug]) + f"?cohort={cohort.pk}"
    # Session, user, quiz, cohort; the grouped items, the grouped typed answers, the
    # questions, their choices, the attempts counted.
    with django_assert_max_num_queries(9):
        assert instructor_client.get(url).status_code == 200


def test_accept_query_count_does_not_grow_with_the_class(
    instructor, month_quiz, django_assert_max_num_queries
):
    class_of(month_quiz, [TYPED[n % len(TYPED)] for n in range(40)])
    # The question (locked), its accepted answers, the insert, the attempts locked, the items
    # with their attempts and responses, and one batch each of keys, responses, changes, the
    # totals and the attempts; the savepoints of the test's transaction. On PostgreSQL also
    # the attempts' keys' lock (`services._hold_keys`), where SQLite counts its BEGIN.
    with django_assert_max_num_queries(14):
        result = services.answer_accept(
            user=instructor, question_id=_month(month_quiz), answer="novmber"
        )
    assert result.regraded == 16


@pytest.mark.parametrize("students", [6, 60])
def test_accepting_a_number_query_count_does_not_grow_with_the_class(
    instructor, count_quiz, students, django_assert_max_num_queries
):
    class_of(count_quiz, [(COUNTS[n % len(COUNTS)],) for n in range(students)])
    # As for short text (see above).
    with django_assert_max_num_queries(14):
        result = services.answer_accept(
            user=instructor, question_id=count_quiz.questions.get().pk, answer="1200"
        )
    assert result.regraded == students // 2


def test_right_answers_helper_still_right_after_accept(instructor, bob, month_quiz):
    """The review's right answer stays the bank's first accepted answer."""
    CohortFactory(students=[bob], quizzes=[month_quiz])
    attempt = services.attempt_start(user=bob, quiz=month_quiz)
    services.answer_accept(user=instructor, question_id=_month(month_quiz), answer="novmber")
    item = attempt.items.get(position=1)
    assert right_answers(item)["answers"] == ["November"]


def test_a_big_gradebook_is_paged_and_links_only_the_pages_attempts(
    instructor_client, django_assert_max_num_queries
):
    quiz = QuizFactory(questions=QuestionFactory.create_batch(2))
    people = UserFactory.create_batch(230)
    cohort = CohortFactory(students=people, quizzes=[quiz])
    taken = [take(person, quiz, [True, n % 2 == 0]) for n, person in enumerate(people[:5])]
    url = reverse("quiz:gradebook", args=[cohort.pk, quiz.slug]) + "?sort=best&dir=desc"
    # Session, user, cohort, quiz, the gradebook, the attempts of the page's students.
    with django_assert_max_num_queries(6):
        first = instructor_client.get(url)
    html = first.content.decode()
    assert len(first.context["page_rows"]) == 100
    assert "230 students" in html  # the summary counts everyone
    assert "Students 1–100 of 230 (page 1 of 3)" in html
    assert all(f'href="{detail_url(a)}"' in html for a in taken)
    last = instructor_client.get(url + "&page=3")
    assert len(last.context["page_rows"]) == 30
    assert detail_url(taken[0]) not in last.content.decode()
    # Every student still goes into the CSV.
    csv = instructor_client.get(url + "&format=csv").content.decode()
    assert len(csv.strip().splitlines()) == 231
