"""Free navigation: a question map, flags, answers changed until finishing, and the summary
that comes before finishing; through the test client, plain and htmx."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quiz import errors, services
from quiz.models import Attempt, Quiz, Response
from tests.answers import choose
from tests.factories import QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FREE = Quiz.Navigation.FREE
AT_END = Quiz.Feedback.AT_END


def free_quiz(student, n=4, **kwargs):
    kwargs.setdefault("feedback", AT_END)
    return QuizFactory(
        open_to=[student],
        navigation=FREE,
        questions=QuestionFactory.create_batch(n),
        **kwargs,
    )


def item_url(attempt, position):
    return reverse("quiz:item", args=[attempt.pk, position])


def answer(client, attempt, position, *, right=True, htmx=False):
    item = attempt.items.get(position=position)
    data = {"item": item.pk, "answer": choose(item, right)}
    return client.post(reverse("quiz:answer", args=[attempt.pk]), data, **(HTMX if htmx else {}))


def flag(client, attempt, position, value="1", *, htmx=False):
    url = reverse("quiz:flag", args=[attempt.pk, position])
    return client.post(url, {"flagged": value}, **(HTMX if htmx else {}))


def scores(attempt):
    return dict(
        Response.objects.filter(item__attempt=attempt).values_list("item__position", "score")
    )


def test_a_free_attempt_takes_answers_in_any_order(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    response = answer(student_client, attempt, 3)
    assert response.status_code == 302
    assert response.url == item_url(attempt, 4)  # on to the next question in the quiz's order
    assert list(scores(attempt)) == [3]


def test_a_sequential_attempt_still_refuses_answers_out_of_order(student_client, student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(3))
    attempt = services.attempt_start(user=student, quiz=quiz)
    response = answer(student_client, attempt, 3)
    assert response.status_code == 409
    assert str(errors.OutOfOrder()) in response.content.decode()
    assert not scores(attempt)


def test_a_changed_answer_replaces_the_one_before_in_the_same_row(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    answer(student_client, attempt, 2, right=False)
    first = Response.objects.get(item__attempt=attempt)
    answer(student_client, attempt, 2, right=True)
    latest = Response.objects.get(item__attempt=attempt)  # still one: `get` would raise
    assert latest.pk == first.pk
    assert (first.score, latest.score) == (0, 1)
    assert latest.answered_at >= first.answered_at


def test_the_answer_standing_at_the_finish_is_the_one_that_counts(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    for position in (1, 2, 3, 4):
        answer(student_client, attempt, position, right=True)
    answer(student_client, attempt, 4, right=False)  # changed its mind about the last one
    attempt.refresh_from_db()
    assert attempt.is_open  # answering every question does not finish a free attempt
    student_client.post(reverse("quiz:finish", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert (attempt.state, attempt.points) == (Attempt.State.FINISHED, 3)


def test_saying_the_change_is_saved_and_moving_on(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    first = answer(student_client, attempt, 1, htmx=True).content.decode()
    assert "Your answer to question 1 is saved." in first
    assert "Question 2 of 4" in first
    again = answer(student_client, attempt, 1, htmx=True).content.decode()
    assert "Your answer to question 1 is changed." in again


def test_the_last_question_leads_to_the_summary(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    summary = reverse("quiz:finish", args=[attempt.pk])
    assert answer(student_client, attempt, 4).url == summary
    assert answer(student_client, attempt, 4, htmx=True)["HX-Redirect"] == summary


def test_a_question_answered_shows_its_saved_answer_and_no_verdict(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    answer(student_client, attempt, 2, right=False)
    item = attempt.items.get(position=2)
    html = student_client.get(item_url(attempt, 2)).content.decode()
    (wrong,) = choose(item, right=False)
    assert re.search(rf'value="{wrong}" required checked', html)  # shown as the student left it
    assert "Your saved answer is shown" in html
    for leak in ("Not quite", "Right answer", "Correct"):
        assert leak not in html


def test_the_attempt_page_goes_to_the_first_question_not_answered(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    answer(student_client, attempt, 1)
    assert "Question 2 of 4" in student_client.get(attempt.get_absolute_url()).content.decode()
    for position in (2, 3, 4):
        answer(student_client, attempt, position)
    response = student_client.get(attempt.get_absolute_url())
    assert response.url == reverse("quiz:finish", args=[attempt.pk])


def test_where_feedback_comes_at_once_an_answered_question_stays_answered(student_client, student):
    quiz = free_quiz(student, feedback=Quiz.Feedback.IMMEDIATE)
    attempt = services.attempt_start(user=student, quiz=quiz)
    answer(student_client, attempt, 3, right=False)
    again = answer(student_client, attempt, 3, right=True, htmx=True).content.decode()
    assert "your first answer stands" in again
    assert scores(attempt) == {3: 0}
    page = student_client.get(item_url(attempt, 3)).content.decode()
    assert "Not quite" in page  # its feedback, not a form to answer again
    assert 'name="answer"' not in page
    assert f'href="{item_url(attempt, 4)}"' in page  # Next question: the next one in order


def test_the_map_names_every_question_state_in_words(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    answer(student_client, attempt, 1)
    flag(student_client, attempt, 3)
    html = student_client.get(item_url(attempt, 2)).content.decode()
    nav = html[
        html.index('<nav class="question-map"') : html.index("</nav>", html.index("question-map"))
    ]
    links = re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)
    assert [href for href, _ in links] == [item_url(attempt, p) for p in (1, 2, 3, 4)]
    words = [re.sub(r"<[^>]+>|[✓⚑]", "", text) for _, text in links]
    assert words == [
        "Question 1: answered",
        "Question 2: not answered",
        "Question 3: not answered, flagged",
        "Question 4: not answered",
    ]
    assert nav.count('aria-current="step"') == 1
    assert re.search(rf'<a href="{item_url(attempt, 2)}"[^>]*aria-current="step"', nav)


def test_a_sequential_attempt_has_no_map_and_no_flags(student_client, student):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(3))
    attempt = services.attempt_start(user=student, quiz=quiz)
    html = student_client.get(attempt.get_absolute_url()).content.decode()
    assert "question-map" not in html
    assert "flag-button" not in html
    response = flag(student_client, attempt, 1)
    assert response.status_code == 409
    assert not attempt.items.filter(flagged=True).exists()


def test_the_question_page_with_its_map_costs_the_same_queries_at_any_length(
    student_client, student, django_assert_max_num_queries
):
    for n in (5, 100):
        attempt = services.attempt_start(user=student, quiz=free_quiz(student, n=n))
        # Session, user, the item with its attempt, quiz and question, and the map.
        with django_assert_max_num_queries(4):
            html = student_client.get(attempt.get_absolute_url()).content.decode()
        assert html.count('<li id="map-') == n
        with django_assert_max_num_queries(4):
            html = student_client.get(item_url(attempt, n), **HTMX).content.decode()
        assert f"Question {n} of {n}" in html


def test_flagging_with_htmx_answers_the_button_the_map_and_a_word_for_screen_readers(
    student_client, student
):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    html = flag(student_client, attempt, 2, htmx=True).content.decode()
    assert 'aria-pressed="true"' in html
    assert '<li id="map-2" hx-swap-oob="true">' in html
    assert "Question 2 flagged for later." in html
    assert attempt.items.get(position=2).flagged
    html = flag(student_client, attempt, 2, "0", htmx=True).content.decode()
    assert 'aria-pressed="false"' in html
    assert "Flag taken off question 2." in html
    assert not attempt.items.get(position=2).flagged


def test_flagging_without_javascript_comes_back_to_the_question(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    response = flag(student_client, attempt, 2)
    assert (response.status_code, response.url) == (302, item_url(attempt, 2))
    html = student_client.get(response.url).content.decode()
    assert 'aria-pressed="true"' in html


def test_a_flag_is_a_value_so_sending_it_twice_keeps_it(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    flag(student_client, attempt, 1)
    flag(student_client, attempt, 1)
    assert attempt.items.get(position=1).flagged


@pytest.mark.parametrize("value", ["", "yes", "2", "true"])
def test_a_flag_that_is_neither_on_nor_off_is_refused(student_client, student, value):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    assert flag(student_client, attempt, 1, value).status_code == 400
    assert not attempt.items.filter(flagged=True).exists()


def test_no_one_flags_another_students_question(client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    client.force_login(UserFactory())
    assert flag(client, attempt, 1).status_code == 404
    assert not attempt.items.filter(flagged=True).exists()


def test_a_finished_attempt_takes_no_flags_and_no_changed_answers(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    answer(student_client, attempt, 1, right=True)
    student_client.post(reverse("quiz:finish", args=[attempt.pk]))
    assert flag(student_client, attempt, 1).status_code == 409
    response = answer(student_client, attempt, 1, right=False, htmx=True)
    assert response.status_code == 409
    assert str(errors.AttemptClosed()) in response.content.decode()
    assert scores(attempt) == {1: 1}  # the answer standing at the finish


def test_after_the_deadline_a_change_is_refused_and_the_answer_before_stands(
    student_client, student
):
    quiz = free_quiz(student, time_limit_minutes=10)
    start = timezone.now() - timedelta(minutes=9)
    attempt = services.attempt_start(user=student, quiz=quiz, now=start)
    services.answer_record(
        user=student,
        attempt_id=attempt.pk,
        item_id=attempt.items.get(position=1).pk,
        answers=choose(attempt.items.get(position=1), True),
        now=start,
    )
    with pytest.raises(errors.TimeUp):
        services.answer_record(
            user=student,
            attempt_id=attempt.pk,
            item_id=attempt.items.get(position=1).pk,
            answers=choose(attempt.items.get(position=1), False),
            now=start + timedelta(minutes=11),
        )
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert (scores(attempt), attempt.points) == ({1: 1}, 1)


def test_an_answer_that_cannot_be_graded_shows_that_question_again(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    item = attempt.items.get(position=3)
    data = {"item": item.pk, "answer": ["99"]}
    response = student_client.post(reverse("quiz:answer", args=[attempt.pk]), data, **HTMX)
    assert response.status_code == 422
    assert "Question 3 of 4" in response.content.decode()
    assert not scores(attempt)


def test_the_summary_lists_every_question_and_links_back_to_each(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student, time_limit_minutes=30))
    answer(student_client, attempt, 1)
    flag(student_client, attempt, 2)
    html = student_client.get(reverse("quiz:finish", args=[attempt.pk])).content.decode()
    assert "You have answered 1 of 4 questions, and flagged 1 for later." in html
    for position in (1, 2, 3, 4):
        assert f'href="{item_url(attempt, position)}"' in html
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">.*?</tr>", html, re.S)
    states = [re.sub(r"<[^>]+>|\s+", " ", row).split("Go to question")[1].split() for row in rows]
    assert states == [
        ["1", "Answered"],
        ["2", "Not", "answered", "⚑", "Flagged"],
        ["3", "Not", "answered"],
        ["4", "Not", "answered"],
    ]
    assert "Time left" in html
    assert 'id="timer"' in html
    assert "3 questions not answered." in html
    assert "Finish and see my results" in html


def test_a_sequential_summary_links_back_only_to_the_question_to_answer_now(
    student_client, student
):
    quiz = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(3))
    attempt = services.attempt_start(user=student, quiz=quiz)
    answer(student_client, attempt, 1)
    html = student_client.get(reverse("quiz:finish", args=[attempt.pk])).content.decode()
    assert f'href="{item_url(attempt, 2)}"' in html
    assert f'href="{item_url(attempt, 1)}"' not in html
    assert f'href="{item_url(attempt, 3)}"' not in html


def test_the_summary_of_an_attempt_whose_time_is_up_goes_to_the_results(student_client, student):
    quiz = free_quiz(student, time_limit_minutes=10)
    attempt = services.attempt_start(
        user=student, quiz=quiz, now=timezone.now() - timedelta(minutes=11)
    )
    response = student_client.get(reverse("quiz:finish", args=[attempt.pk]))
    assert response.url == reverse("quiz:review", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED


def test_the_quiz_page_says_how_the_student_may_move_around(student_client, student):
    free = free_quiz(student)
    sequential = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(1))
    html = student_client.get(free.get_absolute_url()).content.decode()
    assert "Any question in any order" in html
    assert "change your answers until you finish" in html
    html = student_client.get(sequential.get_absolute_url()).content.decode()
    assert "One question after another, in order" in html


def test_home_and_quiz_page_count_answers_of_a_free_attempt_in_progress(student_client, student):
    quiz = free_quiz(student)
    attempt = services.attempt_start(user=student, quiz=quiz)
    answer(student_client, attempt, 3)
    home = student_client.get(reverse("quiz:home")).content.decode()
    assert "<strong>In progress</strong>: 1 of 4 answered" in home
    page = student_client.get(quiz.get_absolute_url()).content.decode()
    assert "Resume: 1 of 4 answered" in page


def test_an_attempt_keeps_the_navigation_it_started_with(student_client, student):
    """A quiz switched back to sequential mid-attempt: the attempt, begun free, stays free
    (answered last question first, it would otherwise never finish nor show its summary)."""
    quiz = free_quiz(student, n=2)
    attempt = services.attempt_start(user=student, quiz=quiz)
    answer(student_client, attempt, 2)
    Quiz.objects.filter(pk=quiz.pk).update(navigation=Quiz.Navigation.SEQUENTIAL)
    answer(student_client, attempt, 1)
    response = student_client.get(attempt.get_absolute_url())
    assert response.url == reverse("quiz:finish", args=[attempt.pk])
    assert student_client.get(response.url).status_code == 200


def test_a_refused_change_does_not_claim_to_show_the_saved_answer(student_client, student):
    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    answer(student_client, attempt, 1)
    item = attempt.items.get(position=1)
    data = {"item": item.pk, "answer": ["99"]}
    html = student_client.post(reverse("quiz:answer", args=[attempt.pk]), data).content.decode()
    assert "Your saved answer is shown" not in html
    assert "You saved an answer to this question before, and it stands" in html


def test_where_feedback_comes_at_once_the_last_answer_leads_to_the_summary(student_client, student):
    quiz = free_quiz(student, n=3, feedback=Quiz.Feedback.IMMEDIATE)
    attempt = services.attempt_start(user=student, quiz=quiz)
    for position in (1, 3):
        answer(student_client, attempt, position)
    html = answer(student_client, attempt, 2, htmx=True).content.decode()
    summary = reverse("quiz:finish", args=[attempt.pk])
    assert f'<a class="button primary" href="{summary}">Summary and finish</a>' in html


def test_a_quiz_switched_to_feedback_at_the_end_keeps_answers_that_showed_feedback(
    student_client, student
):
    """The attempt keeps the feedback it began with: an answer whose right answer was shown
    does not become changeable because the quiz was switched meanwhile."""
    quiz = free_quiz(student, feedback=Quiz.Feedback.IMMEDIATE)
    attempt = services.attempt_start(user=student, quiz=quiz)
    answer(student_client, attempt, 1, right=False)
    Quiz.objects.filter(pk=quiz.pk).update(feedback=AT_END)
    answer(student_client, attempt, 1, right=True)
    assert scores(attempt) == {1: 0}


def test_a_changed_answer_takes_its_accepted_answer_history_with_it(
    student_client, student, instructor
):
    question = QuestionFactory(kind="short_text", accepted=["November"])
    quiz = QuizFactory(open_to=[student], navigation=FREE, feedback=AT_END, questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    post = {"item": item.pk, "answer": ["Novmber"]}
    student_client.post(reverse("quiz:answer", args=[attempt.pk]), post)
    services.answer_accept(user=instructor, question_id=question.pk, answer="Novmber")
    response = Response.objects.get(item=item)
    assert (response.score, response.changes.count()) == (1, 1)
    post = {"item": item.pk, "answer": ["March"]}
    student_client.post(reverse("quiz:answer", args=[attempt.pk]), post)
    response.refresh_from_db()
    assert (response.submission, response.score, response.changes.count()) == ("March", 0, 0)


def test_a_constraint_that_refuses_an_answer_is_raised_once_not_retried_forever(
    student, monkeypatch
):
    from django.db import IntegrityError

    attempt = services.attempt_start(user=student, quiz=free_quiz(student))
    item = attempt.items.get(position=1)
    calls = []

    def refused(*args, **kwargs):
        calls.append(1)
        raise IntegrityError("CHECK constraint failed: response_score_in_range")

    monkeypatch.setattr(services, "_record", refused)
    with pytest.raises(IntegrityError):
        services.answer_record(
            user=student, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, True)
        )
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("what", "limit"),
    [
        # Session, user, the attempt (closing it if over) and the map; the allowance only
        # for a timed attempt.
        ("summary", 4),
        # Session, user, the item (attempt locked), its response read once the lock is held,
        # the insert or the change (and the score changes it drops), the map, the next item;
        # and the savepoints the test adds.
        ("answer", 11),
        ("change", 12),
        # Session, user, the attempt (locked), the item, its update; savepoints.
        ("flag", 7),
    ],
)
def test_free_pages_and_posts_cost_the_same_queries_at_any_length(
    student_client, student, django_assert_max_num_queries, what, limit
):
    for n in (5, 60):
        attempt = services.attempt_start(user=student, quiz=free_quiz(student, n=n))
        if what == "change":
            answer(student_client, attempt, 2)
        with django_assert_max_num_queries(limit):
            if what == "summary":
                response = student_client.get(reverse("quiz:finish", args=[attempt.pk]))
            elif what == "flag":
                response = flag(student_client, attempt, 2, htmx=True)
            else:
                response = answer(student_client, attempt, 2, htmx=True)
        assert response.status_code == 200
