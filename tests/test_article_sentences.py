"""quiz.articles: an article's sentences across edits, and the evidence questions cite.

Run on SQLite and on PostgreSQL (DATABASE_URL): positions are freed and handed out again
under a unique constraint, which the two databases check differently.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz import errors, services
from quiz.articles import TextChange, article_text_set, evidence_confirm, evidence_set
from quiz.models import ArticleRevision, Citation, Question, Sentence
from tests.factories import (
    ARTICLE_TEXT,
    ArticleFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "Sergei Shoigu agreed to a plan. Russia captured Kherson back in March.\n"
    ">\n"
    "Surovikin (left) has announced a retreat\n"
    "The 45-year-old was a driving force. Kyiv’s men then made a breakthrough.\n"
)
SHOIGU, MARCH, CAPTION, DRIVING, KYIV = (
    "Sergei Shoigu agreed to a plan.",
    "Russia captured Kherson back in March.",
    "Surovikin (left) has announced a retreat",
    "The 45-year-old was a driving force.",
    "Kyiv’s men then made a breakthrough.",
)


def current(article) -> list[tuple[int, int, str, bool]]:
    return list(
        article.current_sentences().values_list("position", "paragraph", "text", "is_caption")
    )


def ids(article) -> dict[str, int]:
    return {s.text: s.pk for s in article.current_sentences()}


@pytest.fixture
def article():
    return ArticleFactory(text=TEXT)


# Saving a text -------------------------------------------------------------------------


def test_saving_an_article_stores_its_paragraphs_and_sentences_in_order(article):
    assert current(article) == [
        (1, 1, SHOIGU, False),
        (2, 1, MARCH, False),
        (3, 2, CAPTION, True),
        (4, 3, DRIVING, False),
        (5, 3, KYIV, False),
    ]


def test_an_edit_keeps_the_identity_of_unchanged_sentences_even_when_moved(article, instructor):
    before = ids(article)
    change = article_text_set(
        article=article,
        text=f"{KYIV} {DRIVING}\nA new first line.\n{SHOIGU} {MARCH}\n{CAPTION}",
        user=instructor,
        via="admin",
    )
    assert change == TextChange(changed=True, added=1, retired=0, flagged=0)
    assert current(article) == [
        (1, 1, KYIV, False),
        (2, 1, DRIVING, False),
        (3, 2, "A new first line.", False),
        (4, 3, SHOIGU, False),
        (5, 3, MARCH, False),
        (6, 4, CAPTION, True),
    ]
    after = ids(article)
    assert {text: after[text] for text in before} == before
    assert Sentence.objects.filter(article=article).count() == 6


def test_a_changed_sentence_is_retired_not_deleted_and_a_new_one_made(article, instructor):
    old = ids(article)[MARCH]
    article_text_set(
        article=article,
        text=TEXT.replace("back in March", "back in early March"),
        user=instructor,
        via="admin",
    )
    retired = Sentence.objects.get(pk=old)
    assert (retired.text, retired.position, retired.paragraph) == (MARCH, None, None)
    assert not retired.is_current
    new = Sentence.objects.get(article=article, text="Russia captured Kherson back in early March.")
    assert (new.position, new.paragraph) == (2, 1)
    assert new.pk != old


def test_questions_citing_a_changed_sentence_need_review_and_no_others(article, instructor):
    on_march = QuestionFactory(article=article, excerpt=MARCH)
    on_a_run = QuestionFactory(article=article, excerpt=f"{SHOIGU} {MARCH}")
    untouched = QuestionFactory(article=article, excerpt=[SHOIGU, DRIVING])
    elsewhere = QuestionFactory(excerpt=MARCH)  # the same sentence, in another article
    change = article_text_set(
        article=article,
        text=TEXT.replace("back in March", "back in early March"),
        user=instructor,
        via="admin",
    )
    assert change.flagged == 2
    flagged = set(Question.objects.filter(needs_review=True).values_list("pk", flat=True))
    assert flagged == {on_march.pk, on_a_run.pk}
    assert not Question.objects.get(pk=untouched.pk).needs_review
    assert not Question.objects.get(pk=elsewhere.pk).needs_review
    # Its citations still say what it cited.
    assert Question.objects.get(pk=on_march.pk).excerpt == MARCH


def test_an_edit_records_the_previous_text_who_and_how(article, instructor):
    article_text_set(article=article, text=TEXT + "One more line.", user=instructor, via="admin")
    article_text_set(article=article, text=TEXT, user=None, via="bank kherson.json")
    first, second = ArticleRevision.objects.filter(article=article).order_by("pk")
    assert (first.text, first.edited_by, first.via) == (TEXT, instructor, "admin")
    assert (second.text, second.edited_by, second.via) == (
        TEXT + "One more line.",
        None,
        "bank kherson.json",
    )
    article.refresh_from_db()
    assert article.text == TEXT


def test_saving_the_same_text_records_no_revision_and_changes_nothing(article, instructor):
    before = list(Sentence.objects.values_list("pk", "position"))
    change = article_text_set(article=article, text=TEXT, user=instructor, via="admin")
    assert not change.changed
    assert not ArticleRevision.objects.exists()
    assert list(Sentence.objects.values_list("pk", "position")) == before


def test_restoring_a_text_brings_back_the_retired_sentence(article, instructor):
    question = QuestionFactory(article=article, excerpt=MARCH)
    old = ids(article)
    article_text_set(
        article=article, text=TEXT.replace("March", "May"), user=instructor, via="admin"
    )
    article_text_set(article=article, text=TEXT, user=instructor, via="admin")
    assert ids(article) == old
    assert Sentence.objects.filter(article=article).count() == 6  # the May one, retired
    # An edit undone: every sentence it cites is current again, as it was, so it is settled.
    assert not Question.objects.get(pk=question.pk).needs_review


# Flagged questions and attempts ---------------------------------------------------------


def test_a_flagged_question_is_withheld_from_new_attempts_until_confirmed(article, instructor):
    student = UserFactory()
    changed = QuestionFactory(article=article, excerpt=MARCH)
    kept = QuestionFactory(article=article, excerpt=KYIV)
    quiz = QuizFactory(article=article, open_to=[student], questions=[changed, kept])
    article_text_set(
        article=article, text=TEXT.replace("March", "May"), user=instructor, via="admin"
    )

    attempt = services.attempt_start(user=student, quiz=quiz)
    assert [item.question_id for item in attempt.items.order_by("position")] == [kept.pk]

    evidence_confirm(user=instructor, question=changed)
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    again = services.attempt_start(user=student, quiz=quiz)
    assert [i.question_id for i in again.items.order_by("position")] == [changed.pk, kept.pk]


def test_an_attempt_started_before_an_edit_keeps_the_sentences_it_showed(article, instructor):
    student = UserFactory()
    question = QuestionFactory(article=article, excerpt=[MARCH, KYIV])
    quiz = QuizFactory(article=article, open_to=[student], questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    before = ids(article)
    article_text_set(
        article=article, text=TEXT.replace("March", "May"), user=instructor, via="admin"
    )
    item = attempt.items.get()
    assert item.evidence == [[before[MARCH], MARCH], [before[KYIV], KYIV]]
    assert item.excerpt == f"{MARCH} {KYIV}"
    assert item.cited_ids == [before[MARCH], before[KYIV]]


# evidence_set ----------------------------------------------------------------------------


def cited(question) -> list[int]:
    return list(question.citations.order_by("position").values_list("sentence_id", flat=True))


def test_evidence_set_cites_the_sentences_in_the_order_given(article, instructor):
    question = QuestionFactory(article=article, excerpt=MARCH)
    found = ids(article)
    evidence_set(
        user=instructor,
        question=question,
        sentence_ids=[found[KYIV], found[SHOIGU], found[KYIV]],
    )
    assert cited(question) == [found[KYIV], found[SHOIGU]]
    assert list(question.citations.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
    ]
    assert Question.objects.get(pk=question.pk).excerpt == f"{KYIV} {SHOIGU}"


def test_evidence_set_settles_a_review(article, instructor):
    question = QuestionFactory(article=article, excerpt=MARCH)
    article_text_set(
        article=article, text=TEXT.replace("March", "May"), user=instructor, via="admin"
    )
    evidence_set(user=instructor, question=question, sentence_ids=[ids(article)[SHOIGU]])
    assert not Question.objects.get(pk=question.pk).needs_review


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda: UserFactory(), id="student"),
        pytest.param(lambda: UserFactory(instructor=True, is_active=False), id="inactive-staff"),
        pytest.param(AnonymousUser, id="anonymous"),
    ],
)
def test_evidence_set_refuses_anyone_but_an_instructor(article, who):
    question = QuestionFactory(article=article, excerpt=MARCH)
    with pytest.raises(errors.InstructorsOnlyEdit):
        evidence_set(user=who(), question=question, sentence_ids=[ids(article)[KYIV]])
    assert cited(question) == [ids(article)[MARCH]]


def test_evidence_set_refuses_a_sentence_of_another_article(article, instructor):
    question = QuestionFactory(article=article, excerpt=MARCH)
    other = ArticleFactory(text=ARTICLE_TEXT).current_sentences().first()
    with pytest.raises(errors.NotASentence):
        evidence_set(
            user=instructor, question=question, sentence_ids=[ids(article)[KYIV], other.pk]
        )
    assert cited(question) == [ids(article)[MARCH]]


def test_evidence_set_refuses_a_retired_sentence(article, instructor):
    question = QuestionFactory(article=article, excerpt=KYIV)
    march = ids(article)[MARCH]
    article_text_set(
        article=article, text=TEXT.replace("March", "May"), user=instructor, via="admin"
    )
    with pytest.raises(errors.NotASentence):
        evidence_set(user=instructor, question=question, sentence_ids=[march])
    assert cited(question) == [ids(article)[KYIV]]


def test_evidence_set_refuses_a_sentence_that_does_not_exist(article, instructor):
    question = QuestionFactory(article=article, excerpt=KYIV)
    with pytest.raises(errors.NotASentence):
        evidence_set(user=instructor, question=question, sentence_ids=[999_999])


def test_evidence_set_refuses_no_sentences(article, instructor):
    question = QuestionFactory(article=article, excerpt=KYIV)
    with pytest.raises(errors.NoEvidence):
        evidence_set(user=instructor, question=question, sentence_ids=[])
    assert cited(question) == [ids(article)[KYIV]]


# evidence_confirm --------------------------------------------------------------------------


def test_evidence_confirm_takes_the_nearest_current_sentence(article, instructor):
    question = QuestionFactory(article=article, excerpt=[SHOIGU, MARCH])
    article_text_set(
        article=article,
        text=TEXT.replace("back in March", "back in early March"),
        user=instructor,
        via="admin",
    )
    evidence_confirm(user=instructor, question=question)
    question = Question.objects.get(pk=question.pk)
    assert not question.needs_review
    assert question.excerpt == f"{SHOIGU} Russia captured Kherson back in early March."
    assert Citation.objects.filter(question=question, sentence__position__isnull=True).count() == 0


def test_evidence_confirm_refuses_a_student(article, instructor):
    question = QuestionFactory(article=article, excerpt=MARCH)
    article_text_set(
        article=article, text=TEXT.replace("March", "May"), user=instructor, via="admin"
    )
    with pytest.raises(errors.InstructorsOnlyEdit):
        evidence_confirm(user=UserFactory(), question=question)
    assert Question.objects.get(pk=question.pk).needs_review


def test_evidence_confirm_cites_a_sentence_once_when_two_retired_ones_near_it(article, instructor):
    question = QuestionFactory(article=article, excerpt=[DRIVING, KYIV])
    merged = "The 45-year-old was a driving force, and Kyiv’s men then made a breakthrough."
    article_text_set(
        article=article,
        text=TEXT.replace(f"{DRIVING} {KYIV}", merged),
        user=instructor,
        via="admin",
    )
    assert Question.objects.get(pk=question.pk).needs_review

    evidence_confirm(user=instructor, question=question)

    assert cited(question) == [ids(article)[merged]]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.sampled_from([SHOIGU, MARCH, DRIVING, KYIV, "A new one.", "Another."]),
        min_size=1,
        max_size=7,
    )
)
def test_any_edit_keeps_sentences_whose_text_survives_and_places_the_rest(db, lines):
    """Whatever the new text: one current sentence per place, 1 to n; a text that survives
    keeps its row; nothing is deleted."""
    article = ArticleFactory(text=TEXT)
    before = ids(article)
    rows_before = Sentence.objects.filter(article=article).count()
    article_text_set(article=article, text="\n".join(lines), user=None, via="bank.json")
    assert current(article) == [(place, place, line, False) for place, line in enumerate(lines, 1)]
    after = list(article.current_sentences().values_list("text", "pk"))
    for text, pk in after:
        if text in before and lines.count(text) == 1:
            assert pk == before[text]
    assert Sentence.objects.filter(article=article).count() >= rows_before


def test_a_deleted_sentence_has_no_nearest_to_confirm_and_is_re_picked_instead(article, instructor):
    from quiz import errors
    from quiz.articles import evidence_confirm, nearest_current

    question = QuestionFactory(article=article, excerpt=MARCH)
    article_text_set(article=article, text=TEXT.replace(MARCH, ""), user=instructor, via="admin")
    question.refresh_from_db()
    assert question.needs_review
    (retired,) = question.cited()
    assert nearest_current(retired, list(article.current_sentences())) is None
    with pytest.raises(errors.NothingToConfirm):
        evidence_confirm(user=instructor, question=question)
    assert Question.objects.get(pk=question.pk).needs_review
