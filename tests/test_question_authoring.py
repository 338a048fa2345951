"""Authoring a question in the admin: evidence picked from the article's sentences, only the
kind's own fields, and a preview the instructor answers as a student would."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from quiz import articles, grading
from quiz.models import Attempt, AttemptItem, Question, Response
from quiz.presenters import preview_item, source_link
from tests.factories import ARTICLE_TEXT, ArticleFactory, QuestionFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:quiz_question_add")
FILTER_URL = reverse("admin:quiz_question_sentences")


def change_url(question: Question) -> str:
    return reverse("admin:quiz_question_change", args=[question.pk])


def preview_url(question: Question) -> str:
    return reverse("admin:quiz_question_preview", args=[question.pk])


def ids(article, *texts: str) -> list[int]:
    return [article.sentences.get(text=text, position__isnull=False).pk for text in texts]


FIRST, SECOND, THIRD, FOURTH = (
    "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city.",
    "Russia captured Kherson back in March.",
    "The 45-year-old was a driving force in organising the referendum.",
    "Kyiv’s men then made a breakthrough to the north of Kherson in October.",
)


def form_of(question: Question, **changes) -> dict:
    """What the question's change form posts as it stands, with `changes`."""
    data = {
        "article": question.article_id,
        "key": question.key,
        "kind": question.kind,
        "topic": question.topic,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "numeric_answer": question.numeric_answer or "",
        "numeric_tolerance": question.numeric_tolerance,
        "evidence": [s.pk for s in question.sentences.all()],
    }
    kind = question.kind_object
    if kind.uses_choices:
        choices = list(question.choices.all())
        data |= {"choices-TOTAL_FORMS": len(choices), "choices-INITIAL_FORMS": len(choices)}
        for n, choice in enumerate(choices):
            data |= {
                f"choices-{n}-id": choice.pk,
                f"choices-{n}-question": question.pk,
                f"choices-{n}-position": choice.position,
                f"choices-{n}-text": choice.text,
                f"choices-{n}-match": choice.match,
            }
            if choice.is_correct:
                data[f"choices-{n}-is_correct"] = "on"
    if kind.uses_accepted:
        answers = list(question.accepted_answers.all())
        data |= {
            "accepted_answers-TOTAL_FORMS": len(answers),
            "accepted_answers-INITIAL_FORMS": len(answers),
        }
        for n, answer in enumerate(answers):
            data |= {
                f"accepted_answers-{n}-id": answer.pk,
                f"accepted_answers-{n}-question": question.pk,
                f"accepted_answers-{n}-text": answer.text,
            }
    return data | changes


def evidence_errors(response) -> list[str]:
    return response.context["adminform"].form.errors.get("evidence", [])


# Picking the evidence ---------------------------------------------------------------------


def test_picked_sentences_are_cited_in_the_articles_order(instructor_client):
    question = QuestionFactory()
    article = question.article
    response = instructor_client.post(
        change_url(question), form_of(question, evidence=ids(article, FOURTH, FIRST))
    )
    assert response.status_code == 302, evidence_errors(response)
    cited = [c.sentence.text for c in question.citations.order_by("position")]
    assert cited == [FIRST, FOURTH]


def test_a_sentence_of_another_article_is_refused(instructor_client):
    question = QuestionFactory()
    other = ArticleFactory()
    response = instructor_client.post(
        change_url(question), form_of(question, evidence=ids(other, FIRST))
    )
    assert response.status_code == 200
    assert evidence_errors(response) == [
        "Only current sentences of the question’s own article can be cited.".replace("’", "'")
    ]
    assert [s.text for s in question.sentences.all()] == [SECOND]


def test_a_retired_sentence_is_refused(instructor_client, instructor):
    question = QuestionFactory(excerpt=SECOND)
    article = question.article
    (retired,) = ids(article, FIRST)
    articles.article_text_set(
        article=article, text=ARTICLE_TEXT.replace("Sergei Shoigu", "Shoigu"), user=None, via="t"
    )
    response = instructor_client.post(change_url(question), form_of(question, evidence=[retired]))
    assert response.status_code == 200
    assert evidence_errors(response) == [
        "Only current sentences of the question's own article can be cited."
    ]
    assert [s.text for s in question.sentences.all()] == [SECOND]


def test_at_least_one_sentence_is_required(instructor_client):
    question = QuestionFactory()
    response = instructor_client.post(change_url(question), form_of(question, evidence=[]))
    assert evidence_errors(response) == [
        "Pick at least one sentence of the article that the question rests on."
    ]
    assert question.sentences.count() == 1


def test_the_list_shows_every_current_sentence_with_its_paragraph_and_citations(
    instructor_client,
):
    question = QuestionFactory(excerpt=[FOURTH, SECOND])  # as a bank may order them
    QuestionFactory(article=question.article, excerpt=FOURTH)
    html = instructor_client.get(change_url(question)).content.decode()
    for sentence in question.article.current_sentences():
        assert f'value="{sentence.pk}" id="evidence-{sentence.pk}"' in html
    second, fourth = ids(question.article, SECOND, FOURTH)
    assert f'value="{second}" id="evidence-{second}" checked' in html
    assert f'value="{fourth}" id="evidence-{fourth}" checked' in html
    assert "¶1" in html
    assert "cited by this question, sentence 1" in html
    assert "cited by this question, sentence 2" in html
    assert "cited by 1 other question<" in html
    saved = html.split('<ol class="evidence-saved">')[1].split("</ol>")[0]
    assert saved.index(FOURTH) < saved.index(SECOND)  # the question's order


def test_captions_are_marked_as_captions(instructor_client):
    article = ArticleFactory(
        text="The city fell in March.\n\nSergei Shoigu (pictured) agreed to the plan."
    )
    caption = article.sentences.get(is_caption=True)
    html = instructor_client.get(
        ADD_URL + f"?article={article.pk}&kind={grading.SHORT_TEXT}"
    ).content.decode()
    assert f"¶{caption.paragraph}, picture caption" in html


def test_the_filter_lists_matching_sentences_and_keeps_those_ticked(instructor_client):
    question = QuestionFactory()
    first, second, fourth = ids(question.article, FIRST, SECOND, FOURTH)
    response = instructor_client.get(
        FILTER_URL,
        {
            "article": question.article_id,
            "question": question.pk,
            "q": "kherson",
            "evidence": first,
        },
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    shown = [int(part.split('"')[0]) for part in html.split('name="evidence" value="')[1:]]
    assert shown == [first, second, fourth]
    assert f'value="{first}" id="evidence-{first}" checked' in html
    assert "3 sentences shown" in html


@pytest.mark.parametrize("typed", ["KYIV'S MEN", "kyiv’s", "Kyív's"])
def test_the_filter_ignores_case_accents_and_the_kind_of_quote(instructor_client, typed):
    article = ArticleFactory()
    response = instructor_client.get(FILTER_URL, {"article": article.pk, "q": typed})
    html = response.content.decode()
    assert html.count('name="evidence"') == 1
    assert f'value="{ids(article, FOURTH)[0]}"' in html


def test_the_filter_refuses_a_missing_article(instructor_client):
    assert instructor_client.get(FILTER_URL, {"q": "x"}).status_code == 400


def test_the_filter_only_answers_get(instructor_client):
    article = ArticleFactory()
    assert instructor_client.post(FILTER_URL, {"article": article.pk}).status_code == 405


def test_the_preview_refuses_other_methods(instructor_client):
    assert instructor_client.put(preview_url(QuestionFactory())).status_code == 405


def test_a_preview_post_naming_no_question_says_it_could_not_be_read(instructor_client):
    html = instructor_client.post(preview_url(QuestionFactory()), {"answer": "1"}).content.decode()
    assert "That answer could not be read." in html
    assert not Response.objects.exists()


def test_an_article_id_too_large_for_the_database_lists_nothing(instructor_client):
    question = QuestionFactory()
    response = instructor_client.post(change_url(question), form_of(question, article=10**30))
    assert response.status_code == 200
    assert "article" in response.context["adminform"].form.errors


def test_a_question_needing_review_shows_its_old_and_nearest_sentence(instructor_client):
    question = QuestionFactory(excerpt=SECOND)
    articles.article_text_set(
        article=question.article,
        text=ARTICLE_TEXT.replace("back in March", "in early March"),
        user=None,
        via="test",
    )
    question.refresh_from_db()
    assert question.needs_review
    html = instructor_client.get(change_url(question)).content.decode()
    assert "This question needs review" in html
    assert SECOND in html
    assert "¶1: Russia captured Kherson in early March." in html
    (new,) = ids(question.article, "Russia captured Kherson in early March.")
    response = instructor_client.post(change_url(question), form_of(question, evidence=[new]))
    assert response.status_code == 302
    question.refresh_from_db()
    assert not question.needs_review
    assert [s.pk for s in question.sentences.all()] == [new]


# Adding ---------------------------------------------------------------------------------


def test_adding_asks_for_the_article_and_kind_first(instructor_client):
    article = ArticleFactory()
    html = instructor_client.get(ADD_URL).content.decode()
    assert 'method="get"' in html
    assert 'name="prompt"' not in html
    html = instructor_client.get(
        ADD_URL, {"article": article.pk, "kind": grading.NUMERIC}
    ).content.decode()
    assert 'name="prompt"' in html
    for sentence in article.current_sentences():
        assert f'id="evidence-{sentence.pk}"' in html
    assert 'name="numeric_answer"' in html
    assert "choices-TOTAL_FORMS" not in html


def test_adding_from_a_popup_keeps_it_a_popup(instructor_client):
    html = instructor_client.get(ADD_URL, {"_popup": "1", "_to_field": "id"}).content.decode()
    assert '<input type="hidden" name="_popup" value="1">' in html
    assert '<input type="hidden" name="_to_field" value="id">' in html
    assert "This field is required" not in html  # nothing asked yet


def test_adding_a_question_saves_its_evidence(instructor_client, instructor):
    article = ArticleFactory()
    response = instructor_client.post(
        ADD_URL + f"?article={article.pk}&kind={grading.NUMERIC}",
        {
            "article": article.pk,
            "key": "age",
            "kind": grading.NUMERIC,
            "topic": "People",
            "prompt": "How old was he?",
            "explanation": "The article says so.",
            "numeric_answer": "45",
            "numeric_tolerance": "0",
            "evidence": ids(article, THIRD),
            "accepted_answers-TOTAL_FORMS": "0",
            "accepted_answers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [s.text for s in Question.objects.get(key="age").sentences.all()] == [THIRD]


# Only the kind's own fields ---------------------------------------------------------------


@pytest.mark.parametrize("kind", grading.all_kinds(), ids=lambda k: k.name)
def test_the_form_shows_only_the_fields_of_the_questions_kind(instructor_client, kind):
    question = QuestionFactory(kind=kind.name, numeric_answer=1 if kind.uses_numeric else None)
    html = instructor_client.get(change_url(question)).content.decode()
    assert ('name="numeric_answer"' in html) == kind.uses_numeric
    assert ('name="numeric_tolerance"' in html) == kind.uses_numeric
    assert ("choices-TOTAL_FORMS" in html) == kind.uses_choices
    assert ("accepted_answers-TOTAL_FORMS" in html) == kind.uses_accepted
    assert ('name="choices-0-match"' in html) == ("match" in kind.choice_columns)
    assert ('name="choices-0-is_correct"' in html) == ("is_correct" in kind.choice_columns)


def test_a_new_kind_asks_for_its_own_parts_before_saving(instructor_client):
    question = QuestionFactory()
    response = instructor_client.post(
        change_url(question), form_of(question, kind=grading.SHORT_TEXT)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["kind"] == [
        "The accepted answers of a short text answer question are below now: fill them in as "
        "it needs, then save again."
    ]
    html = response.content.decode()
    assert 'name="accepted_answers-0-text"' in html
    assert "choices-TOTAL_FORMS" not in html
    question.refresh_from_db()
    assert question.kind == grading.SINGLE


def test_a_choice_question_becomes_numeric_in_two_saves(instructor_client):
    question = QuestionFactory()
    url = change_url(question)
    response = instructor_client.post(url, form_of(question, kind=grading.NUMERIC))
    form = response.context["adminform"].form
    assert "accepted answers of a numeric question are below now" in form.errors["kind"][0]
    html = response.content.decode()
    assert 'name="numeric_answer"' in html
    assert 'name="accepted_answers-0-text"' in html
    assert "choices-TOTAL_FORMS" not in html
    again = form_of(question, kind=grading.NUMERIC, numeric_answer="45")
    again = {k: v for k, v in again.items() if not k.startswith("choices-")}
    again |= {"accepted_answers-TOTAL_FORMS": "1", "accepted_answers-INITIAL_FORMS": "0"}
    assert instructor_client.post(url, again).status_code == 302
    question.refresh_from_db()
    assert (question.kind, question.numeric_answer) == (grading.NUMERIC, 45)
    assert question.choices.count() == 3  # kept, unused: changing back brings them back


# The preview ------------------------------------------------------------------------------


def right_post(question: Question) -> dict:
    """What the preview's form posts for the right answer, as an attempt's page would."""
    item = preview_item(question, seed=question.pk)
    form = item.page_from_ids(question.kind_object.right_form(item.grading_key()))
    return {
        "item": question.pk,
        "answer": form.answers,
        **{f"match-{k}": v for k, v in form.matches.items()},
    }


@pytest.mark.parametrize("kind", grading.all_kinds(), ids=lambda k: k.name)
def test_the_preview_grades_an_answer_and_saves_nothing(instructor_client, kind):
    question = QuestionFactory(
        kind=kind.name, numeric_answer=45 if kind.uses_numeric else None, excerpt=THIRD
    )
    response = instructor_client.post(preview_url(question), right_post(question))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="fb-heading" class="verdict" tabindex="-1" autofocus>Correct</h2>' in html
    assert question.explanation in html
    assert THIRD in html
    (third,) = ids(question.article, THIRD)
    link = source_link(question.article.slug, [third], back=preview_url(question))
    assert f'href="{escape(link)}"' in html  # highlights it, and leads back here
    assert not Attempt.objects.exists()
    assert not AttemptItem.objects.exists()
    assert not Response.objects.exists()


def test_the_preview_tells_a_wrong_answer_and_the_right_one(instructor_client):
    question = QuestionFactory(kind=grading.SHORT_TEXT, accepted=["Dnipro"])
    html = instructor_client.post(
        preview_url(question), {"item": question.pk, "answer": "Volga"}
    ).content.decode()
    assert ">Not quite</h2>" in html
    assert "<dd>“Volga”</dd>" in html
    assert "<dd>“Dnipro”</dd>" in html
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (grading.SHORT_TEXT, "Please type an answer."),
        (grading.NUMERIC, "Please enter a number."),
        (grading.MATCHING, "Please match every item."),
    ],
)
def test_a_blank_answer_in_the_preview_shows_the_kinds_message(instructor_client, kind, message):
    question = QuestionFactory(kind=kind, numeric_answer=45 if kind == grading.NUMERIC else None)
    response = instructor_client.post(preview_url(question), {"item": question.pk})
    html = response.content.decode()
    assert (
        f'<p class="error" id="answer-error" role="alert" tabindex="-1" autofocus>{message}</p>'
        in html
    )
    assert 'aria-describedby="answer-error"' in html
    assert "fb-heading" not in html


def test_the_preview_with_htmx_swaps_only_its_region(instructor_client):
    question = QuestionFactory()
    response = instructor_client.post(
        preview_url(question), right_post(question), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="preview-region">')
    assert "Correct" in html
    assert 'hx-swap-oob="true"' in html


def test_the_preview_moves_an_ordering_questions_items(instructor_client):
    question = QuestionFactory(kind=grading.ORDERING)
    html = instructor_client.get(preview_url(question) + "?arrange=2,1,3/up-2").content.decode()
    assert 'form="arrange-preview"' in html
    values = [part.split('"')[0] for part in html.split('name="answer" value="')[1:]]
    assert values == ["2", "1", "3"]


# Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_student_is_sent_to_the_admin_login_from_the_preview_and_filter(student_client, method):
    question = QuestionFactory()
    for url in (preview_url(question), FILTER_URL + f"?article={question.article_id}&q=a"):
        response = getattr(student_client, method)(
            url, right_post(question) if method == "post" else None
        )
        assert response.status_code == 302
        assert urlsplit(response.url).path == reverse("admin:login")
    assert not Response.objects.exists()


# Size ------------------------------------------------------------------------------------


def long_article(sentences: int):
    paragraphs = [
        " ".join(f"Sentence {p}-{n} says something new." for n in range(10))
        for p in range(sentences // 10)
    ]
    return ArticleFactory(text="\n\n".join(paragraphs))


def test_the_change_form_takes_as_many_queries_for_300_sentences_as_for_4(
    instructor_client, django_assert_max_num_queries
):
    small = QuestionFactory()
    with CaptureQueriesContext(connection) as queries:
        assert instructor_client.get(change_url(small)).status_code == 200
    article = long_article(300)
    assert article.sentences.count() == 300
    large = QuestionFactory(article=article, excerpt="Sentence 3-4 says something new.")
    QuestionFactory(article=article, excerpt="Sentence 3-4 says something new.")
    with django_assert_max_num_queries(len(queries)):
        response = instructor_client.get(change_url(large))
    assert response.content.decode().count('name="evidence"') == 300


def test_the_form_of_a_1000_sentence_article_lists_every_sentence(instructor_client):
    article = long_article(1000)
    question = QuestionFactory(article=article, excerpt="Sentence 99-9 says something new.")
    response = instructor_client.get(change_url(question))
    assert response.content.decode().count('name="evidence"') == 1000
