"""The admin as instructors use it, and as students cannot."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from quiz import grading
from quiz.admin import QuestionForm
from quiz.models import Choice, Question, Quiz
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:quiz_question_add")


def question_form(article, *, kind=grading.SINGLE, choices=(), accepted=(), **fields) -> dict:
    """The POST the admin's add-question page sends, with its two inline formsets and one
    sentence of the article ticked as its evidence."""
    data = {
        "article": article.pk,
        "key": "who-agreed",
        "kind": kind,
        "topic": "The announcement",
        "prompt": "Who agreed to the general’s plan?",
        "numeric_answer": "",
        "numeric_tolerance": "0",
        "explanation": "The defence minister agreed to it on state TV.",
        "evidence": [article.sentences.get(text="Russia captured Kherson back in March.").pk],
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": "0",
        "accepted_answers-TOTAL_FORMS": str(len(accepted)),
        "accepted_answers-INITIAL_FORMS": "0",
        **fields,
    }
    for n, (text, correct) in enumerate(choices):
        data[f"choices-{n}-position"] = str(n + 1)
        data[f"choices-{n}-text"] = text
        if correct:
            data[f"choices-{n}-is_correct"] = "on"
    for n, text in enumerate(accepted):
        data[f"accepted_answers-{n}-text"] = text
    return data


def test_instructor_adds_a_question_with_its_choices(instructor_client):
    article = ArticleFactory()
    response = instructor_client.post(
        ADD_URL,
        question_form(article, choices=[("Sergei Shoigu", True), ("Vladimir Putin", False)]),
    )
    assert response.status_code == 302, response.context["errors"]
    question = Question.objects.get(key="who-agreed")
    assert list(question.choices.values_list("text", "is_correct")) == [
        ("Sergei Shoigu", True),
        ("Vladimir Putin", False),
    ]


def test_single_choice_question_without_a_correct_choice_is_refused(instructor_client):
    response = instructor_client.post(
        ADD_URL,
        question_form(ArticleFactory(), choices=[("Sergei Shoigu", False), ("Putin", False)]),
    )
    assert response.status_code == 200
    assert "A single-choice question needs exactly one correct choice; it has 0." in (
        response.content.decode()
    )
    assert not Question.objects.exists()


def test_single_choice_question_with_two_correct_choices_is_refused(instructor_client):
    response = instructor_client.post(
        ADD_URL, question_form(ArticleFactory(), choices=[("Shoigu", True), ("Putin", True)])
    )
    assert "needs exactly one correct choice; it has 2." in response.content.decode()
    assert not Choice.objects.exists()


def test_short_text_question_needs_an_accepted_answer(instructor_client):
    response = instructor_client.post(
        ADD_URL, question_form(ArticleFactory(), kind=grading.SHORT_TEXT)
    )
    html = response.content.decode()
    assert "A short-answer question needs at least one accepted answer." in html
    assert not Question.objects.exists()


def test_short_text_question_saves_with_accepted_answers(instructor_client):
    response = instructor_client.post(
        ADD_URL, question_form(ArticleFactory(), kind=grading.SHORT_TEXT, accepted=["Dnipro"])
    )
    assert response.status_code == 302
    assert list(Question.objects.get().accepted_answers.values_list("text", flat=True)) == [
        "Dnipro"
    ]


def test_numeric_question_needs_its_answer(instructor_client):
    response = instructor_client.post(
        ADD_URL, question_form(ArticleFactory(), kind=grading.NUMERIC)
    )
    assert response.context["adminform"].form.errors["numeric_answer"] == [
        "A numeric question needs its answer."
    ]


def test_question_list_filters_and_searches(instructor_client):
    article = ArticleFactory(title="Kherson")
    QuestionFactory(article=article, prompt="Who recommended the withdrawal?")
    QuestionFactory(article=article, prompt="Which river?", kind=grading.SHORT_TEXT)
    url = reverse("admin:quiz_question_changelist")
    response = instructor_client.get(url, {"q": "recommended"})
    assert response.context["cl"].result_count == 1
    response = instructor_client.get(url, {"kind__exact": grading.SHORT_TEXT})
    assert [q.prompt for q in response.context["cl"].result_list] == ["Which river?"]
    response = instructor_client.get(url, {"article__id__exact": article.pk})
    assert response.context["cl"].result_count == 2


def test_question_preview_shows_the_students_widget_and_the_answer(instructor_client):
    question = QuestionFactory(
        kind=grading.MATCHING,
        choices=[("Sergei Shoigu", "Defence minister"), ("Sergei Surovikin", "Top commander")],
    )
    url = reverse("admin:quiz_question_preview", args=[question.pk])
    response = instructor_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<option>Defence minister</option>" in html
    assert "Sergei Shoigu → Defence minister" not in html  # told once answered
    html = instructor_client.post(
        url, {"item": question.pk, "match-1": "Defence minister", "match-2": "Top commander"}
    ).content.decode()
    assert "Sergei Shoigu → Defence minister" in html
    assert question.excerpt in html


def test_instructor_edits_quizzes(instructor_client):
    quiz = QuizFactory()
    response = instructor_client.get(reverse("admin:quiz_quiz_change", args=[quiz.pk]))
    assert response.status_code == 200


def test_quiz_drawing_more_questions_than_it_has_is_refused(instructor_client):
    article = ArticleFactory()
    response = instructor_client.post(
        reverse("admin:quiz_quiz_add"),
        {
            "article": article.pk,
            "title": "Ten",
            "slug": "ten",
            "pass_mark": "50",
            "draw_count": "10",
            "feedback": "immediate",
            "retry_credit": "50",
            "navigation": "sequential",
            "is_published": "on",
            "quiz_questions-TOTAL_FORMS": "1",
            "quiz_questions-INITIAL_FORMS": "0",
            "quiz_questions-0-question": QuestionFactory(article=article).pk,
            "quiz_questions-0-position": "1",
        },
    )
    assert "The quiz draws 10 questions but has only 1" in response.content.decode()


def test_quiz_drawing_more_questions_than_its_draw_groups_allow_is_refused(instructor_client):
    article = ArticleFactory()
    questions = [QuestionFactory(article=article, draw_group="same-fact") for _ in range(2)]
    questions.append(QuestionFactory(article=article))
    data = {
        "article": article.pk,
        "title": "Drawn",
        "slug": "drawn",
        "pass_mark": "50",
        "draw_count": "3",
        "feedback": "immediate",
        "retry_credit": "50",
        "navigation": "sequential",
        "is_published": "on",
        "quiz_questions-TOTAL_FORMS": "3",
        "quiz_questions-INITIAL_FORMS": "0",
    }
    for n, question in enumerate(questions):
        data[f"quiz_questions-{n}-question"] = question.pk
        data[f"quiz_questions-{n}-position"] = str(n + 1)
    response = instructor_client.post(reverse("admin:quiz_quiz_add"), data)
    assert "draw groups let one attempt ask only 2 of its 3" in response.content.decode()
    assert not Quiz.objects.filter(slug="drawn").exists()
    data["draw_count"] = "2"
    response = instructor_client.post(reverse("admin:quiz_quiz_add"), data)
    assert response.status_code == 302
    assert Quiz.objects.get(slug="drawn").quiz_questions.count() == 3


@pytest.mark.parametrize(
    "url_name", ["admin:auth_user_changelist", "admin:auth_group_changelist", "admin:auth_user_add"]
)
def test_instructor_cannot_touch_users_or_permissions(instructor_client, url_name):
    assert instructor_client.get(reverse(url_name)).status_code == 403


def test_instructor_is_not_a_superuser(instructor):
    assert instructor.is_staff
    assert not instructor.is_superuser
    assert instructor.has_perm("quiz.change_question")
    assert not instructor.has_perm("auth.change_user")


@pytest.mark.parametrize("url_name", ["admin:index", "admin:quiz_question_changelist"])
def test_student_cannot_reach_the_admin(student_client, url_name):
    response = student_client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_student_cannot_open_a_question_preview(student_client):
    question = QuestionFactory()
    preview = reverse("admin:quiz_question_preview", args=[question.pk])
    response = student_client.get(preview)
    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == reverse("admin:login")
    assert parse_qs(target.query) == {"next": [preview]}
    login = student_client.get(response.url)
    html = login.content.decode()
    assert login.status_code == 200
    assert "not authorized to access this page" in html
    assert question.prompt not in html
    assert question.explanation not in html


@pytest.mark.parametrize("kind", [grading.SINGLE, grading.ORDERING, grading.MATCHING])
def test_question_preview_names_options_by_their_places_as_an_attempt_does(instructor_client, kind):
    QuestionFactory.create_batch(2)  # takes the lowest ids: no choice id can pass for a place
    question = QuestionFactory(kind=kind)
    ids = [str(pk) for pk in question.choices.values_list("pk", flat=True)]
    assert min(map(int, ids)) > len(ids)
    html = instructor_client.get(
        reverse("admin:quiz_question_preview", args=[question.pk])
    ).content.decode()
    values = re.findall(r'name="answer" value="([^"]*)"', html)
    values += re.findall(r'name="match-([^"]*)"', html)
    assert sorted(values) == ["1", "2", "3"]
    assert not set(ids) & set(values)


def test_a_question_form_refuses_a_group_that_leaves_a_drawing_quiz_short_and_a_zero_weight(db):
    article = ArticleFactory()
    question = QuestionFactory(article=article, key="who-agreed")
    other = QuestionFactory(article=article, draw_group="plan")
    QuizFactory(article=article, title="Drawn", questions=[question, other], draw_count=2)
    form = QuestionForm(data=question_form(article, draw_group="plan"), instance=question)
    assert "with this group its draw groups would let one attempt ask only 1" in str(
        form.errors["draw_group"]
    )
    form = QuestionForm(data=question_form(article, draw_group="other"), instance=question)
    assert "draw_group" not in form.errors
    form = QuestionForm(data=question_form(article, weight="0"), instance=question)
    assert "weight" in form.errors
    form = QuestionForm(data=question_form(article, weight=""), instance=question)
    assert "weight" not in form.errors
    assert form.cleaned_data["weight"] == 1


def quiz_change_data(quiz, **fields) -> dict:
    """The POST of a big quiz's page: its own fields only (its questions are listed read-only)."""
    return {
        "article": quiz.article_id,
        "title": quiz.title,
        "slug": quiz.slug,
        "description": quiz.description,
        "is_published": "on",
        "draw_count": quiz.draw_count or "",
        "pass_mark": quiz.pass_mark,
        "max_attempts": "",
        "time_limit_minutes": "",
        "feedback": quiz.feedback,
        "retry_credit": quiz.retry_credit,
        "navigation": quiz.navigation,
        **fields,
    }


def test_a_big_quiz_saves_within_the_field_limit_and_lists_its_questions_a_page_at_a_time(
    instructor_client, settings
):
    article = ArticleFactory()
    groups = ["" if n % 2 else f"g{n % 10}" for n in range(120)]  # 60 alone, 5 groups
    questions = [QuestionFactory(article=article, draw_group=g) for g in groups]
    quiz = QuizFactory(article=article, questions=questions, draw_count=10)
    url = reverse("admin:quiz_quiz_change", args=[quiz.pk])
    page = instructor_client.get(url).content.decode()
    assert "Questions (120)" in page
    assert "page 1 of 3" in page
    assert "quiz_questions-TOTAL_FORMS" not in page  # no form field per question
    response = instructor_client.post(url, quiz_change_data(quiz, pass_mark="70"))
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.pass_mark == 70
    assert quiz.quiz_questions.count() == 120
    response = instructor_client.post(url, quiz_change_data(quiz, draw_count="66"))
    assert "groups let one attempt ask only 65" in response.content.decode()
    quiz.refresh_from_db()
    assert quiz.draw_count == 10


def test_taking_questions_out_of_a_drawing_quiz_warns_when_it_leaves_the_draw_short(
    instructor_client,
):
    article = ArticleFactory()
    quiz = QuizFactory(
        article=article, questions=QuestionFactory.create_batch(3, article=article), draw_count=3
    )
    link = quiz.quiz_questions.first()
    response = instructor_client.post(
        reverse("admin:quiz_quizquestion_delete", args=[link.pk]), {"post": "yes"}, follow=True
    )
    assert "groups let one attempt ask only 2" in response.content.decode()
    assert quiz.quiz_questions.count() == 2


def test_swapping_two_rows_places_saves_instead_of_a_500(instructor_client):
    """Each row's update would hold the other's place for a moment; the unique place
    constraint refused it (a 500) until moved rows were parked first."""
    article = ArticleFactory()
    first, second = QuestionFactory.create_batch(2, article=article)
    quiz = QuizFactory(article=article, questions=[first, second])
    links = list(quiz.quiz_questions.order_by("position"))
    data = {
        **quiz_change_data(quiz),
        "quiz_questions-TOTAL_FORMS": "2",
        "quiz_questions-INITIAL_FORMS": "2",
    }
    for n, (link, place) in enumerate(zip(links, ["2", "1"], strict=True)):
        data[f"quiz_questions-{n}-id"] = link.pk
        data[f"quiz_questions-{n}-quiz"] = quiz.pk
        data[f"quiz_questions-{n}-question"] = link.question_id
        data[f"quiz_questions-{n}-position"] = place
    client = instructor_client
    client.raise_request_exception = False
    response = client.post(reverse("admin:quiz_quiz_change", args=[quiz.pk]), data)
    assert response.status_code == 302
    assert list(quiz.quiz_questions.order_by("position").values_list("question", flat=True)) == [
        second.pk,
        first.pk,
    ]

    response = client.post(
        ADD_URL,
        question_form(article, choices=[("Sergei Shoigu", True), ("Vladimir Putin", False)]),
    )
    question = Question.objects.get(key="who-agreed")
    data = question_form(article, choices=[("Sergei Shoigu", True), ("Vladimir Putin", False)])
    data["choices-INITIAL_FORMS"] = "2"
    for n, choice in enumerate(question.choices.order_by("position")):
        data[f"choices-{n}-id"] = choice.pk
        data[f"choices-{n}-question"] = question.pk
        data[f"choices-{n}-position"] = str(2 - n)
    response = client.post(reverse("admin:quiz_question_change", args=[question.pk]), data)
    assert response.status_code == 302
    assert list(question.choices.order_by("position").values_list("text", flat=True)) == [
        "Vladimir Putin",
        "Sergei Shoigu",
    ]


def test_moving_a_question_out_of_a_drawing_quiz_warns_when_it_leaves_the_draw_short(
    instructor_client,
):
    article = ArticleFactory()
    quiz = QuizFactory(
        article=article, questions=QuestionFactory.create_batch(3, article=article), draw_count=3
    )
    other = QuizFactory(article=article)
    link = quiz.quiz_questions.first()
    response = instructor_client.post(
        reverse("admin:quiz_quizquestion_change", args=[link.pk]),
        {"quiz": other.pk, "question": link.question_id, "position": "1"},
        follow=True,
    )
    assert "groups let one attempt ask only 2" in response.content.decode()
    assert other.quiz_questions.count() == 1
