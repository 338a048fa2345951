"""Every refusal reaches the student in a form they can read, htmx or not: form errors,
conflicts, a lapsed session, a busy database; and no page is kept by a shared computer."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from quiz import errors, services
from quiz.models import Quiz, Response
from quiz.views import ALREADY_ANSWERED, RETRY_AFTER, SESSION_ENDED, SIGNED_OUT, student_view
from tests.factories import QuestionFactory, QuizFactory
from tests.test_attempt_pages import HTMX, post_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(student):
    return QuizFactory(
        open_to=[student],
        slug="numbers",
        questions=[QuestionFactory(numeric=True), QuestionFactory(kind="short_text")],
    )


@pytest.fixture
def attempt(student, quiz):
    return services.attempt_start(user=student, quiz=quiz)


def answer_url(attempt):
    return reverse("quiz:answer", args=[attempt.pk])


# Form errors: the question again, in place, with the message -------------------------------


def test_an_answer_that_is_not_a_number_comes_back_in_place_with_the_message(
    student_client, attempt
):
    item = attempt.items.get(position=1)
    response = student_client.post(answer_url(attempt), {"item": item.pk, "answer": "ten"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422  # swapped by htmx (base.html's responseHandling)
    assert html.lstrip().startswith('<section id="question-region"')  # the card, not a page
    assert '<p class="error" id="answer-error" role="alert" tabindex="-1" autofocus>' in html
    assert "is not a number" in html
    assert not Response.objects.exists()


def test_without_javascript_the_refused_answer_is_the_whole_page_with_the_message(
    student_client, attempt
):
    item = attempt.items.get(position=1)
    response = student_client.post(answer_url(attempt), {"item": item.pk, "answer": "ten"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "<header" in html
    assert "is not a number" in html


def test_a_conflict_replaces_the_question_with_the_reason_and_the_way_to_the_results(
    student_client, attempt
):
    services.attempt_finish(user=attempt.user, attempt_id=attempt.pk)
    item = attempt.items.get(position=1)
    response = student_client.post(answer_url(attempt), {"item": item.pk, "answer": "3"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 409
    assert html.lstrip().startswith('<section id="question-region"')
    assert str(errors.AttemptClosed()) in html
    assert reverse("quiz:review", args=[attempt.pk]) in html


def test_a_conflict_no_view_answers_itself_replaces_the_main_content_for_htmx(rf, student):
    """htmx swaps every 409 (base.html); one that escapes a view must not put a whole page in
    the place of the element that asked, so it takes the page's content instead."""

    @student_view
    def clashes(request):
        raise errors.OutOfOrder()

    request = rf.get("/", HTTP_HX_REQUEST="true")
    request.user = student
    request.htmx = HtmxDetails(request)
    response = clashes(request)
    response.render()
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#main"
    assert response["HX-Reswap"] == "innerHTML"
    assert "<header" not in response.content.decode()
    assert str(errors.OutOfOrder()) in response.content.decode()


def test_without_htmx_a_refusal_no_view_answers_itself_is_its_status_page(student_client):
    response = student_client.get(reverse("quiz:attempt", args=[999_999]))
    assert response.status_code == 404
    assert "<header" in response.content.decode()
    assert "Not found" in response.content.decode()


# A second tab -------------------------------------------------------------------------------


@pytest.mark.parametrize("feedback", [Quiz.Feedback.IMMEDIATE, Quiz.Feedback.AT_END])
def test_a_second_tab_is_told_its_answer_did_not_count(student, feedback):
    quiz = QuizFactory(
        open_to=[student],
        feedback=feedback,
        questions=[QuestionFactory(kind="short_text") for _ in range(3)],
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    first, second = Client(), Client()
    first.force_login(student)
    second.force_login(student)
    item = attempt.items.get(position=1)
    post_answer(first, attempt, item, htmx=True)
    late = post_answer(second, attempt, item, htmx=True, answers=["something else"])
    html = late.content.decode()
    assert late.status_code == 200
    assert ALREADY_ANSWERED in html
    if feedback == Quiz.Feedback.AT_END:  # where the attempt really is: the next question
        assert attempt.items.get(position=2).question.prompt in html
    else:  # the first answer's verdict, after the notice, in the page and in the announcement
        assert html.index(ALREADY_ANSWERED) < html.index('id="fb-heading"')
        announced = html[html.index('id="announce"') :]
        assert f'hx-swap-oob="true">{ALREADY_ANSWERED} ' in announced
    assert Response.objects.get().submission != "something else"  # the first answer stands


def test_without_javascript_the_second_tab_is_told_on_the_page_it_lands_on(student):
    quiz = QuizFactory(
        open_to=[student],
        feedback=Quiz.Feedback.AT_END,
        questions=[QuestionFactory(kind="short_text") for _ in range(2)],
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    client = Client()
    client.force_login(student)
    item = attempt.items.get(position=1)
    post_answer(client, attempt, item)
    response = client.post(answer_url(attempt), {"item": item.pk, "answer": "again"}, follow=True)
    assert ALREADY_ANSWERED in response.content.decode()
    assert attempt.items.get(position=2).question.prompt in response.content.decode()


# A lapsed session ---------------------------------------------------------------------------


def lapsed_client(student) -> Client:
    """A browser whose session cookie the server no longer knows (expired, or deleted)."""
    client = Client()
    client.force_login(student)
    client.session.flush()  # the row is gone; the browser still sends its cookie
    return client


def test_an_htmx_answer_after_the_session_lapsed_redirects_the_whole_page_to_the_login(
    student, attempt
):
    client = lapsed_client(student)
    item = attempt.items.get(position=1)
    back = reverse("quiz:attempt", args=[attempt.pk])
    response = client.post(
        answer_url(attempt),
        {"item": item.pk, "answer": "3"},
        HTTP_HX_CURRENT_URL=f"http://testserver{back}",
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={back}"  # not a swap
    login_page = client.get(response["HX-Redirect"])
    assert SIGNED_OUT in login_page.content.decode()
    assert not Response.objects.exists()


def test_a_plain_answer_after_the_session_lapsed_comes_back_to_the_question_after_login(
    student, attempt
):
    client = lapsed_client(student)
    item = attempt.items.get(position=1)
    response = client.post(answer_url(attempt), {"item": item.pk, "answer": "3"})
    back = reverse("quiz:attempt", args=[attempt.pk])
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={back}"  # a page that answers GET
    assert SIGNED_OUT in client.get(response.url).content.decode()
    client.force_login(student)
    assert client.get(back).status_code == 200


def test_an_htmx_page_request_after_the_session_lapsed_returns_to_the_page_shown(student, attempt):
    client = lapsed_client(student)
    shown = reverse("quiz:item", args=[attempt.pk, 1])
    response = client.get(
        reverse("quiz:attempt", args=[attempt.pk]),
        HTTP_HX_CURRENT_URL=f"http://testserver{shown}",
        **HTMX,
    )
    assert response["HX-Redirect"] == f"{reverse('login')}?next={shown}"
    assert SESSION_ENDED in client.get(response["HX-Redirect"]).content.decode()


def test_a_first_visit_is_not_told_its_session_ended(client, attempt):
    response = client.get(reverse("quiz:home"), follow=True)
    assert SESSION_ENDED not in response.content.decode()
    assert SIGNED_OUT not in response.content.decode()


# A busy database ----------------------------------------------------------------------------


def test_a_database_too_busy_to_take_the_answer_is_a_503_to_retry(student, attempt):
    client = Client(raise_request_exception=False)
    client.force_login(student)
    item = attempt.items.get(position=1)
    busy = OperationalError("database is locked")
    with mock.patch.object(services, "answer_record", side_effect=busy):
        response = client.post(answer_url(attempt), {"item": item.pk, "answer": "3"}, **HTMX)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert '<h1 tabindex="-1" autofocus>The server is busy</h1>' in response.content.decode()
    assert not Response.objects.exists()
    retry = client.post(answer_url(attempt), {"item": item.pk, "answer": "3"}, **HTMX)
    assert retry.status_code == 200
    assert Response.objects.count() == 1


def test_any_other_failure_is_still_a_500(student, attempt):
    client = Client(raise_request_exception=False)
    client.force_login(student)
    item = attempt.items.get(position=1)
    with mock.patch.object(services, "answer_record", side_effect=RuntimeError("bug")):
        response = client.post(answer_url(attempt), {"item": item.pk, "answer": "3"})
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "autofocus>Something went wrong on our side</h1>" in response.content.decode()


@contextmanager
def lock_held_elsewhere(attempt):
    """Another connection holds what the answer must lock, past this connection's (shortened)
    timeout: SQLite's write lock, as a long bank load holds it; on PostgreSQL the attempt's
    row, with a lock_timeout set (PostgreSQL waits for ever by default)."""
    connection.ensure_connection()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        if connection.vendor == "sqlite":
            connection.connection.execute("PRAGMA busy_timeout = 200")  # not 20 s
            other.isolation_level = None
            other.execute("BEGIN IMMEDIATE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '200ms'")
            other.execute("SELECT 1 FROM quiz_attempt WHERE id = %s FOR UPDATE", [attempt.pk])
        yield
    finally:
        other.rollback()
        other.close()
        if connection.vendor == "sqlite":  # later tests wait as production does
            timeout = connection.settings_dict["OPTIONS"]["timeout"]
            connection.connection.execute(f"PRAGMA busy_timeout = {timeout * 1000}")
        else:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
def test_a_lock_held_past_the_timeout_is_a_503_and_the_retry_succeeds(student, quiz):
    """A real lock, not a mock: the request that cannot get it saves nothing."""
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get(position=1)
    client = Client(raise_request_exception=False)
    client.force_login(student)
    with lock_held_elsewhere(attempt):
        response = client.post(answer_url(attempt), {"item": item.pk, "answer": "3"}, **HTMX)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert not Response.objects.exists()
    retry = client.post(answer_url(attempt), {"item": item.pk, "answer": "3"}, **HTMX)
    assert retry.status_code == 200
    assert Response.objects.count() == 1


# Headers --------------------------------------------------------------------------------------


def test_no_student_page_or_fragment_may_be_stored(student_client, attempt):
    item = attempt.items.get(position=1)
    answered = post_answer(student_client, attempt, item, htmx=True)
    urls = [
        reverse("quiz:home"),
        reverse("quiz:attempt", args=[attempt.pk]),
        reverse("quiz:item", args=[attempt.pk, 1]),
        reverse("quiz:finish", args=[attempt.pk]),
        reverse("quiz:progress"),
    ]
    responses = [answered] + [student_client.get(url) for url in urls]
    responses.append(student_client.get(reverse("quiz:attempt", args=[attempt.pk]), **HTMX))
    services.attempt_finish(user=attempt.user, attempt_id=attempt.pk)
    responses.append(student_client.get(reverse("quiz:review", args=[attempt.pk])))
    for response in responses:
        assert "no-store" in response["Cache-Control"], response.wsgi_request.path


def test_the_timer_fragment_may_not_be_stored(student_client, student):
    quiz = QuizFactory(open_to=[student], time_limit_minutes=10, questions=[QuestionFactory()])
    attempt = services.attempt_start(user=student, quiz=quiz)
    response = student_client.get(reverse("quiz:timer", args=[attempt.pk]), **HTMX)
    assert "no-store" in response["Cache-Control"]


def test_error_pages_carry_the_security_headers(student, attempt):
    client = Client(raise_request_exception=False)
    client.force_login(student)
    item = attempt.items.get(position=1)
    pages = [
        client.get("/no/such/page/"),
        client.get(reverse("quiz:attempt", args=[999_999])),
        client.post(answer_url(attempt), {"item": item.pk, "answer": "ten"}, **HTMX),
        client.post(answer_url(attempt), {"item": item.pk, "answer": "x" * 100_000}),  # 400
    ]
    with mock.patch.object(services, "answer_record", side_effect=RuntimeError("bug")):
        pages.append(client.post(answer_url(attempt), {"item": item.pk, "answer": "3"}))
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(student)
    pages.append(csrf.post(answer_url(attempt), {"item": item.pk, "answer": "3"}))  # 403
    assert [page.status_code for page in pages] == [404, 404, 422, 400, 500, 403]
    assert "autofocus>This page has expired</h1>" in pages[-1].content.decode()  # ours
    assert "<header" in pages[-1].content.decode()
    for page in pages:
        assert "default-src 'self'" in page["Content-Security-Policy"], page.status_code
        assert page["X-Content-Type-Options"] == "nosniff"
        assert page["X-Frame-Options"] == "DENY"
        assert "no-store" in page["Cache-Control"]
