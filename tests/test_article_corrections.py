"""Corrections are guarded, end to end through the admin: an instructor edits an article's
text; exactly the questions citing a changed sentence are flagged and left out of new
attempts and practice until confirmed on the needs-review page; attempts already started
keep what they showed; nothing is deleted; the edit is kept as a revision."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from quiz import articles, corrections, errors, grading, services
from quiz.admin import REVIEWS_PER_PAGE
from quiz.models import Article, ArticleRevision, AttemptItem, Citation, Question, Sentence
from tests.answers import right_answers
from tests.factories import (
    ARTICLE_TEXT,
    ArticleFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)
from tests.refusals import raises

pytestmark = pytest.mark.django_db

OLD = "Russia captured Kherson back in March."
NEW = "Russia captured the city of Kherson in early March."
OTHER = "The 45-year-old was a driving force in organising the referendum."
REVIEW_URL = reverse("admin:quiz_article_review")


def change_url(article: Article) -> str:
    return reverse("admin:quiz_article_change", args=[article.pk])


def save_text(client: Client, article: Article, text: str, **extra):
    """The POST the admin's article page sends when the instructor saves."""
    data = {
        "slug": article.slug,
        "title": article.title,
        "source": article.source,
        "text": text,
        "_save": "Save",
    }
    return client.post(change_url(article), data, **extra)


def confirm(client: Client, question: Question, **data):
    return client.post(
        reverse("admin:quiz_article_review_confirm", args=[question.pk]), data, follow=True
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def bank(student):
    """An article, two questions citing OLD, one citing OTHER, all in one open quiz."""
    article = ArticleFactory(slug="kherson")
    first = QuestionFactory(article=article, key="when-captured", excerpt=OLD)
    second = QuestionFactory(article=article, key="captured-what", excerpt=[OLD, OTHER])
    untouched = QuestionFactory(article=article, key="referendum", excerpt=OTHER)
    quiz = QuizFactory(
        article=article,
        slug="kherson-quiz",
        open_to=[student],
        questions=[first, second, untouched],
    )
    return article, quiz, first, second, untouched


def flagged() -> set[str]:
    return set(Question.objects.filter(needs_review=True).values_list("key", flat=True))


def test_editing_one_cited_sentence_flags_exactly_the_questions_citing_it(instructor_client, bank):
    article, *_ = bank
    response = save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    assert response.status_code == 302
    assert flagged() == {"when-captured", "captured-what"}
    assert Article.objects.get(pk=article.pk).text == ARTICLE_TEXT.replace(OLD, NEW)
    assert [s.text for s in article.current_sentences()][1] == NEW


def test_the_admin_says_what_the_edit_did_and_links_to_the_review(instructor_client, bank):
    article, *_ = bank
    response = save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    said = messages_of(response)
    assert said[0] == (
        "1 sentence changed; 2 questions now need review. "
        f'<a href="{REVIEW_URL}?article={article.pk}">Questions needing review</a>.'
    )


def test_flagged_questions_are_left_out_of_new_attempts(instructor_client, student_client, bank):
    article, quiz, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))

    response = student_client.post(reverse("quiz:start", args=[quiz.slug]))
    assert response.status_code == 302
    asked = AttemptItem.objects.filter(attempt__quiz=quiz).values_list("question__key", flat=True)
    assert list(asked) == ["referendum"]


def test_flagged_questions_are_left_out_of_practice(
    instructor_client, student_client, student, bank
):
    article, quiz, *_ = bank
    attempt = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=attempt.pk)  # all three missed
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))

    response = student_client.post(reverse("quiz:practice", args=[quiz.slug]))
    assert response.status_code == 302
    practice = student.attempts.get(is_practice=True)
    assert list(practice.items.values_list("question__key", flat=True)) == ["referendum"]


def test_the_revision_records_who_when_and_the_previous_text(instructor_client, instructor, bank):
    article, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    revision = ArticleRevision.objects.get(article=article)
    assert (revision.text, revision.edited_by, revision.via) == (
        ARTICLE_TEXT,
        instructor,
        "the admin",
    )
    assert revision.edited_at is not None


def test_saving_the_same_text_as_a_browser_sends_it_is_no_edit(instructor_client, bank):
    """Browsers post a textarea's lines with CRLF: that alone changes nothing."""
    article, *_ = bank
    article.text = "First paragraph here.\nSecond paragraph here."
    articles.article_text_set(article=article, text=article.text, user=None, via="setup")
    ArticleRevision.objects.all().delete()

    response = save_text(instructor_client, article, article.text.replace("\n", "\r\n"))
    assert response.status_code == 302
    assert not ArticleRevision.objects.exists()
    assert (
        Article.objects.get(pk=article.pk).text == "First paragraph here.\nSecond paragraph here."
    )


def test_a_text_without_a_sentence_is_refused_and_nothing_saved(instructor_client, bank):
    article, *_ = bank
    response = save_text(instructor_client, article, ">\n---")
    assert response.status_code == 200
    assert "The text has no sentence: questions need sentences to cite." in (
        response.content.decode()
    )
    assert Article.objects.get(pk=article.pk).text == ARTICLE_TEXT
    assert not ArticleRevision.objects.exists()
    assert not flagged()


def test_an_attempt_started_before_the_edit_keeps_showing_the_old_sentence(
    instructor_client, student_client, student, bank
):
    article, quiz, first, *_ = bank
    attempt = services.attempt_start(user=student, quiz=quiz)
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    confirm(instructor_client, first)  # the question itself now cites NEW

    item = attempt.items.get(question=first)
    data = {"item": item.pk, "answer": right_answers(item)["answers"]}
    response = student_client.post(reverse("quiz:answer", args=[attempt.pk]), data, follow=True)
    html = response.content.decode()
    assert OLD in html
    assert NEW not in html

    services.attempt_finish(user=student, attempt_id=attempt.pk)
    review = student_client.get(reverse("quiz:review", args=[attempt.pk])).content.decode()
    assert OLD in review
    assert NEW not in review


def test_nothing_is_deleted_by_an_edit(instructor_client, bank):
    article, *_ = bank
    before = (Sentence.objects.count(), Citation.objects.count(), Question.objects.count())
    cited = set(Citation.objects.values_list("question_id", "sentence_id"))
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD + " ", ""))
    assert (Sentence.objects.count(), Citation.objects.count(), Question.objects.count()) == before
    assert set(Citation.objects.values_list("question_id", "sentence_id")) == cited
    assert not Sentence.objects.get(text=OLD).is_current


def test_a_deleted_sentence_flags_its_questions(instructor_client, bank):
    article, *_ = bank
    response = save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD + " ", ""))
    assert flagged() == {"when-captured", "captured-what"}
    assert messages_of(response)[0].startswith("1 sentence removed; 2 questions now need review.")


def test_moving_a_sentence_keeps_its_identity_and_flags_nothing(instructor_client, bank):
    article, *_ = bank
    ids = {s.text: s.pk for s in article.current_sentences()}
    first, second, third, fourth = ARTICLE_TEXT.split(". ")
    moved = f"{third}. {fourth}\n\n{first}. {second}."  # two paragraphs, the halves swapped

    response = save_text(instructor_client, article, moved)
    assert response.status_code == 302
    assert {s.text: s.pk for s in article.current_sentences()} == ids
    assert next(s.text for s in article.current_sentences()) == OTHER
    assert not flagged()
    assert messages_of(response)[0].startswith(
        "No sentence changed (a sentence that moved keeps its questions); no question needs review."
    )


def test_the_review_page_shows_the_old_and_the_nearest_new_sentence_side_by_side(
    instructor_client, bank
):
    article, _, first, second, _ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))

    response = instructor_client.get(REVIEW_URL)
    assert response.status_code == 200
    html = response.content.decode()
    rows = {m[0]: m[1] for m in re.findall(r'<tr id="q(\d+)">(.*?)</tr>', html, re.S)}
    assert set(rows) == {str(first.pk), str(second.pk)}
    cells = re.findall(r"<td>(.*?)</td>", rows[str(first.pk)], re.S)
    text = [re.sub(r"<[^>]+>|\[(removed|added):\] ", "", cell).strip() for cell in cells[:2]]
    assert text == [OLD, NEW]
    assert "<del>" in cells[0]
    assert "<ins>" in cells[1]
    assert f"Also cites, unchanged: “{OTHER}”" in rows[str(second.pk)]
    assert reverse("admin:quiz_question_change", args=[first.pk]) in rows[str(first.pk)]


def test_the_review_page_of_one_article_lists_only_its_questions(instructor_client, bank):
    article, _, first, *_ = bank
    elsewhere = QuestionFactory(excerpt=OLD)
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    articles.article_text_set(
        article=elsewhere.article, text=ARTICLE_TEXT.replace(OLD, NEW), user=None, via="test"
    )
    assert instructor_client.get(REVIEW_URL).context["page"].paginator.count == 3
    response = instructor_client.get(REVIEW_URL, {"article": article.pk})
    assert [r.question for r in response.context["reviews"]] == [
        Question.objects.get(key="captured-what"),
        first,
    ]


def test_confirming_the_nearest_sentence_returns_the_question_to_new_attempts(
    instructor_client, student, bank
):
    article, quiz, first, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))

    response = confirm(instructor_client, first, next=REVIEW_URL + f"?article={article.pk}")
    assert response.redirect_chain[-1][0] == REVIEW_URL + f"?article={article.pk}"
    first.refresh_from_db()
    assert not first.needs_review
    assert [s.text for s in first.sentences.all()] == [NEW]
    assert messages_of(response)[-1] == f"“{first}” now cites “{NEW}”, and is back in new attempts."

    attempt = services.attempt_start(user=student, quiz=quiz)
    assert set(attempt.items.values_list("question__key", flat=True)) == {
        "when-captured",
        "referendum",
    }


def test_confirming_keeps_the_citations_that_did_not_change(instructor_client, bank):
    article, _, _, second, _ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    confirm(instructor_client, second)
    assert [s.text for s in second.sentences.order_by("citations__position")] == [NEW, OTHER]


def test_confirm_is_a_post(instructor_client, bank):
    url = reverse("admin:quiz_article_review_confirm", args=[bank[2].pk])
    assert instructor_client.get(url).status_code == 405


def test_confirm_needs_the_csrf_token(instructor, bank):
    client = Client(enforce_csrf_checks=True)
    client.force_login(instructor)
    article, _, first, *_ = bank
    articles.article_text_set(
        article=article, text=ARTICLE_TEXT.replace(OLD, NEW), user=None, via="t"
    )
    response = client.post(reverse("admin:quiz_article_review_confirm", args=[first.pk]))
    assert response.status_code == 403
    assert Question.objects.get(pk=first.pk).needs_review


def test_confirm_does_not_redirect_off_site(instructor_client, bank):
    _article, _, first, *_ = bank
    response = confirm(instructor_client, first, next="https://evil.example/")
    assert response.redirect_chain[-1][0] == REVIEW_URL


def test_confirm_of_an_unknown_question_is_404(instructor_client, db):
    url = reverse("admin:quiz_article_review_confirm", args=[999999])
    assert instructor_client.post(url).status_code == 404


def test_students_cannot_open_or_use_the_correction_pages(student_client, instructor, bank):
    article, _, first, *_ = bank
    articles.article_text_set(
        article=article, text=ARTICLE_TEXT.replace(OLD, NEW), user=instructor, via="t"
    )
    revision = ArticleRevision.objects.get()
    login = reverse("admin:login")
    for url in (
        REVIEW_URL,
        reverse("admin:quiz_article_revision", args=[article.pk, revision.pk]),
        change_url(article),
    ):
        response = student_client.get(url)
        assert (response.status_code, response.url.split("?")[0]) == (302, login), url
    response = student_client.post(reverse("admin:quiz_article_review_confirm", args=[first.pk]))
    assert response.status_code == 302
    assert response.url.startswith(login)
    assert Question.objects.get(pk=first.pk).needs_review


def test_staff_without_the_quiz_permissions_get_403(bank):
    staff = UserFactory(username="helpdesk")
    staff.is_staff = True  # staff, but not in the Instructors group (the trait would add it)
    staff.save()
    article, _, first, *_ = bank
    articles.article_text_set(article=article, text=ARTICLE_TEXT + " More.", user=None, via="t")
    revision = ArticleRevision.objects.get()
    client = Client()
    client.force_login(staff)
    assert client.get(REVIEW_URL).status_code == 403
    revision_url = reverse("admin:quiz_article_revision", args=[article.pk, revision.pk])
    assert client.get(revision_url).status_code == 403
    confirm_url = reverse("admin:quiz_article_review_confirm", args=[first.pk])
    assert client.post(confirm_url).status_code == 403


def test_the_article_page_says_how_many_questions_need_review(instructor_client, bank):
    article, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    html = instructor_client.get(change_url(article)).content.decode()
    assert "2 questions of this article need review" in html
    assert f'href="{REVIEW_URL}?article={article.pk}"' in html


def test_the_article_list_counts_each_article_s_questions_needing_review(instructor_client, bank):
    article, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    html = instructor_client.get(reverse("admin:quiz_article_changelist")).content.decode()
    assert f'<a href="{REVIEW_URL}?article={article.pk}">2</a>' in html
    assert f'<a href="{REVIEW_URL}">Questions needing review</a>' in html


def test_the_article_page_lists_its_revisions_each_linking_to_its_text(
    instructor_client, instructor, bank
):
    article, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    revision = ArticleRevision.objects.get()
    response = instructor_client.get(change_url(article))
    html = response.content.decode()
    assert "Revisions (1)" in html
    assert f"<td>{instructor.username}</td>" in html
    assert "<td>the admin</td>" in html
    assert reverse("admin:quiz_article_revision", args=[article.pk, revision.pk]) in html


def test_revisions_are_listed_a_page_at_a_time(instructor_client, bank):
    article, *_ = bank
    for n in range(25):
        articles.article_text_set(
            article=article, text=f"{ARTICLE_TEXT} Edit number {n}.", user=None, via="t"
        )
    page = instructor_client.get(change_url(article), {"revisions": 2}).context["revisions_page"]
    assert (page.paginator.count, page.number, len(page.object_list)) == (25, 2, 5)


def test_a_revision_shows_the_text_before_and_what_the_edit_changed(instructor_client, bank):
    article, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW) + " A new line.")
    first, second = ArticleRevision.objects.order_by("edited_at", "pk")

    response = instructor_client.get(
        reverse("admin:quiz_article_revision", args=[article.pk, first.pk])
    )
    assert response.status_code == 200
    assert [c.kind for c in response.context["changes"]] == ["same", "changed", "same"]
    html = response.content.decode()
    assert f"<p>{ARTICLE_TEXT}</p>" in html  # the text before the edit, whole
    assert '<del><span class="visually-hidden">[removed:] </span> back</del>' in html

    latest = instructor_client.get(
        reverse("admin:quiz_article_revision", args=[article.pk, second.pk])
    )
    assert [c.kind for c in latest.context["changes"]] == ["same", "added"]


def test_a_revision_of_another_article_is_404(instructor_client, bank):
    article, *_ = bank
    articles.article_text_set(article=article, text=ARTICLE_TEXT + " More.", user=None, via="t")
    revision = ArticleRevision.objects.get()
    other = ArticleFactory()
    url = reverse("admin:quiz_article_revision", args=[other.pk, revision.pk])
    assert instructor_client.get(url).status_code == 404


def test_the_review_page_takes_a_fixed_number_of_queries(
    instructor_client, django_assert_max_num_queries
):
    """1,000 flagged questions over two articles: the page's queries do not grow with them."""
    first_article, second_article = ArticleFactory(), ArticleFactory()
    for article in (first_article, second_article):
        QuestionFactory.create_batch(500, article=article, excerpt=[OLD, OTHER], choices=[])
        articles.article_text_set(
            article=article, text=ARTICLE_TEXT.replace(OLD, NEW), user=None, via="t"
        )
    assert Question.objects.filter(needs_review=True).count() == 1000
    # session, user, permissions ×2, count, questions, citations with sentences, current ones
    with django_assert_max_num_queries(8):
        response = instructor_client.get(REVIEW_URL, {"page": 10})
    assert len(response.context["reviews"]) == REVIEWS_PER_PAGE
    assert response.context["page"].paginator.count == 1000


def test_a_quiz_whose_every_question_needs_review_says_it_is_being_corrected(
    instructor_client, student_client, student
):
    article = ArticleFactory()
    quiz = QuizFactory(
        article=article, open_to=[student], questions=[QuestionFactory(article=article)]
    )
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))

    response = student_client.post(reverse("quiz:start", args=[quiz.slug]))
    assert response.status_code == 403
    assert "This quiz is being corrected; try again later." in response.content.decode()
    with raises(errors.QuizBeingCorrected):
        services.attempt_start(user=student, quiz=quiz)


def test_practice_of_questions_all_under_review_says_the_quiz_is_being_corrected(
    instructor_client, student
):
    article = ArticleFactory()
    question = QuestionFactory(article=article, kind=grading.TRUE_FALSE)
    quiz = QuizFactory(article=article, open_to=[student], questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    with raises(errors.QuizBeingCorrected):
        services.practice_start(user=student, quiz=quiz)


def test_only_instructors_may_edit_an_article_s_text(student, bank):
    article, *_ = bank
    with raises(errors.InstructorsOnlyArticle):
        articles.article_text_set(
            article=article, text=ARTICLE_TEXT.replace(OLD, NEW), user=student, via="t"
        )
    assert Article.objects.get(pk=article.pk).text == ARTICLE_TEXT
    assert not ArticleRevision.objects.exists()


@pytest.mark.parametrize(
    ("after", "kinds"),
    [
        (ARTICLE_TEXT, ["same"]),
        (ARTICLE_TEXT.replace(OLD, NEW), ["same", "changed", "same"]),
        (ARTICLE_TEXT.replace(OLD + " ", ""), ["same", "removed", "same"]),
        (ARTICLE_TEXT + " A new sentence.", ["same", "added"]),
        (ARTICLE_TEXT.replace(OLD + " ", "") + "\n\n" + OLD, ["same", "same", "moved"]),
    ],
    ids=["unchanged", "changed", "removed", "added", "moved"],
)
def test_a_diff_names_each_sentence_s_change(after, kinds):
    assert [change.kind for change in corrections.text_diff(ARTICLE_TEXT, after)] == kinds


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (articles.TextChange(True, 1, 1, 2), "1 sentence changed; 2 questions now need review."),
        (
            articles.TextChange(True, 3, 1, 1),
            "1 sentence changed, 2 sentences added; 1 question now needs review.",
        ),
        (articles.TextChange(True, 0, 2, 0), "2 sentences removed; no question needs review."),
    ],
)
def test_the_edit_summary_counts_what_changed(change, said):
    assert corrections.edit_summary(change) == said


def test_undoing_an_edit_settles_the_questions_it_flagged_and_flags_the_confirmed(
    instructor_client, bank
):
    article, _, first, *_ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    confirm(instructor_client, first)  # now cites NEW; captured-what still cites OLD

    response = save_text(instructor_client, article, ARTICLE_TEXT)
    assert flagged() == {"when-captured"}
    assert messages_of(response)[0].startswith(
        "1 sentence changed; 1 question now needs review; 1 question no longer needs review "
        "(its sentences are back)."
    )
    assert Sentence.objects.get(text=OLD).is_current


def test_confirming_a_question_already_settled_changes_nothing(instructor_client, bank):
    """A second click, or another tab: the question was re-picked meanwhile."""
    article, _, _, second, _ = bank
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))
    articles.evidence_set(
        user=None, question=second, sentence_ids=[Sentence.objects.get(text=OTHER).pk]
    )

    response = confirm(instructor_client, second)
    assert messages_of(response)[-1] == f"“{second}” no longer needs review."
    assert [s.text for s in second.sentences.all()] == [OTHER]


def test_the_page_of_a_quiz_being_corrected_says_so_instead_of_offering_a_start(
    instructor_client, student_client, student
):
    article = ArticleFactory()
    quiz = QuizFactory(
        article=article, open_to=[student], questions=[QuestionFactory(article=article)]
    )
    save_text(instructor_client, article, ARTICLE_TEXT.replace(OLD, NEW))

    html = student_client.get(quiz.get_absolute_url()).content.decode()
    assert "This quiz is being corrected; try again later." in html
    assert "Start the quiz" not in html
