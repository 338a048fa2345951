"""The first bank, fixtures/kherson-withdrawal.json, as instructors load it and students meet it."""

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from quiz import drawing, grading
from quiz.banks import bank_load, bank_problems
from quiz.models import AcceptedAnswer, Article, Choice, Question, Quiz, QuizQuestion

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
BANK = FIXTURES / "kherson-withdrawal.json"
# The article as it was given to us, byte for byte; the bank's text must be this article.
ARTICLE = FIXTURES / "articles" / "kherson-withdrawal.txt"
# Where the article was given: beside the CI checkout only.
SHARED_ARTICLE = Path(settings.BASE_DIR).parent / "shared" / "article" / "kherson-withdrawal.txt"
MODELS = [Article, Question, Choice, AcceptedAnswer, Quiz, QuizQuestion]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def loaded(kherson_bank, db):
    """The bank as `load_bank` loads it: loaded once for this module (see conftest)."""
    return Article.objects.get(slug=kherson_bank)


def questions(article):
    return list(
        article.questions.prefetch_related("choices", "accepted_answers", "citations__sentence")
    )


def right_submission(question: Question):
    """The answer a student who read the article carefully would give."""
    kind = question.kind_object
    return kind.parse(kind.right_form(question.grading_key()))


@pytest.mark.django_db(transaction=True)
def test_every_fixture_loads_into_an_empty_database_twice():
    # Banks first (with load_bank: a question's evidence is resolved to the article's
    # sentences there), then the sample cohort that assigns their quizzes.
    files = sorted(FIXTURES.glob("*.json")) + sorted(FIXTURES.glob("*/*.json"))
    assert BANK in files
    banks = [f for f in files if '"quiz.article"' in f.read_text(encoding="utf-8")]
    others = [f for f in files if f not in banks]
    # This module's bank (conftest's `kherson_bank`) is still there when the module runs alone.
    call_command("flush", "--no-input", verbosity=0)
    assert set(counts().values()) == {0}
    call_command("load_bank", *banks, stdout=StringIO())
    call_command("loaddata", *others, stdout=StringIO())
    first = counts()
    call_command("load_bank", *banks, stdout=StringIO())
    call_command("loaddata", *others, stdout=StringIO())
    assert counts() == first
    assert first["Question"] >= 40


def test_the_bank_loads_twice_with_load_bank_and_changes_nothing(loaded):
    # `loaded` is the first load (committed, outside any transaction); this is the second.
    first = counts()
    result = bank_load(paths=[BANK])
    assert counts() == first
    assert sum(result.created.values()) == 0
    assert sum(result.updated.values()) == 0
    assert sum(result.unchanged.values()) == len(json.loads(BANK.read_text(encoding="utf-8")))


def test_the_bank_has_no_problems(loaded):
    assert bank_problems() == []


def test_the_stored_article_is_the_article_verbatim(loaded):
    lines = ARTICLE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ">"  # a quoting artefact in the source file, not part of the article
    assert loaded.text == "\n".join(lines[1:]).strip()


def test_the_article_in_the_repository_is_the_one_we_were_given():
    if not SHARED_ARTICLE.exists():
        pytest.skip(f"{SHARED_ARTICLE} is not beside this checkout")
    assert ARTICLE.read_bytes() == SHARED_ARTICLE.read_bytes()


def test_every_question_cites_whole_current_sentences_of_the_article(loaded):
    lines = loaded.text.splitlines()
    for question in questions(loaded):
        cited = question.cited()
        assert cited, question.key
        for sentence in cited:
            assert sentence.is_current, question.key
            assert sentence.article_id == loaded.pk, question.key
            assert any(sentence.text in line for line in lines), question.key
            assert sentence.text[0].isupper() or sentence.text[0] in "‘'“", question.key


def test_ordering_and_matching_questions_cite_every_sentence_their_answer_rests_on(loaded):
    many = {q.key: len(q.cited()) for q in questions(loaded) if q.kind in ("ordering", "matching")}
    # The timeline's seven events rest on nine sentences (the counter-offensive's start on
    # two, the retreat's announcement on the opening and on "Now, In November"); the four
    # people's posts on five.
    assert many["war-timeline"] == 9
    assert many["people-roles"] == 5
    assert many["recent-timing"] == 3
    people = " ".join(s.text for s in Question.objects.get(key="people-roles").cited())
    assert "defence minister Sergei Shoigu" in people
    assert "Russia’s top commander in Ukraine" in people


def test_every_sentence_of_the_article_is_cited_by_a_question(loaded):
    cited = {s.pk for q in questions(loaded) for s in q.cited()}
    uncited = [s.text for s in loaded.current_sentences() if s.pk not in cited]
    assert uncited == []


def test_our_own_words_spell_kherson_right(loaded):
    ours = []
    for question in questions(loaded):
        ours += [question.prompt, question.explanation, question.topic]
        ours += [c.text for c in question.choices.all()] + [c.match for c in question.choices.all()]
        ours += [a.text for a in question.accepted_answers.all()]
    for quiz in loaded.quizzes.all():
        ours += [quiz.title, quiz.description]
    ours += [loaded.title, loaded.source]
    assert [text for text in ours if "Kerson" in text] == []
    assert "Kerson" in loaded.text  # the article's own typo stays in the quotes


def test_every_question_type_is_used(loaded):
    """Every kind but evidence: its options are the sentences of the cited sentence's
    paragraph, and this article's paragraphs are single sentences but one, whose two facts
    other questions ask already (a statement of either would give them away)."""
    kinds = Counter(q.kind for q in questions(loaded))
    assert set(kinds) == set(grading.KINDS) - {grading.EVIDENCE}


def test_every_question_is_right_when_answered_as_the_article_says(loaded):
    for question in questions(loaded):
        grade = grading.grade(question.kind, question.grading_key(), right_submission(question))
        assert grade.is_correct, question.key
        assert grade.score == 1


def test_every_choice_question_has_a_wrong_option(loaded):
    for question in questions(loaded):
        if question.kind_object.counts_picks:
            assert any(not c.is_correct for c in question.choices.all()), question.key


def test_explanations_are_our_own_words_not_the_quote(loaded):
    for question in questions(loaded):
        assert question.explanation.strip() != question.excerpt.strip(), question.key
        assert question.excerpt not in question.explanation, question.key


# Keys of the first bank whose questions were merged into others or replaced by questions
# that ask something else: reusing one would make old attempts' items mean another question.
RETIRED = [
    "how-loss-described",
    "hardly-first-defeat",
    "surovikin-position",
    "who-agreed-plan",
    "withdraw-across-river",
    "caption-surovikin-announced",
    "caption-who-on-right",
    "toehold-east",
    "when-annexed",
    "month-kherson-captured",
    "western-briefing-when",
    "general-staff-day",
    "attacking-since",
    "breakthrough-north",
    "news-hours-after",
    "caption-death-timing",
    "april-which-city",
    "donbas-offensive",
    "november-abandoned",
    "kherson-waypoint",
    "crown-jewel-year",
    "places-events",
    "who-claimed-what",
    "serviceman-timing",
    "staged-death-is-speculation",
    "stremousov-sequence",
]


def test_retired_keys_are_not_reused(loaded):
    assert set(RETIRED) & set(loaded.questions.values_list("key", flat=True)) == set()


def test_the_shipped_bank_lints_clean(loaded):
    call_command("validate_bank", "--article", loaded.slug, "--strict", stdout=StringIO())


def test_longer_questions_weigh_more(loaded):
    for question in questions(loaded):
        parts = len(question.choices.all())
        if question.kind in ("ordering", "matching") and parts >= 5:
            assert question.weight == 3, question.key
        elif question.kind in ("ordering", "matching") and parts >= 4:
            assert question.weight == 2, question.key
        elif question.kind not in ("ordering", "matching"):
            assert question.weight == 1, question.key


def test_quizzes_show_the_settings_off(loaded):
    full = Quiz.objects.get(slug="kherson-withdrawal-full")
    assert full.quiz_questions.count() == loaded.questions.count()
    # Feedback at the end: shown after each answer, the explanations and cited sentences of
    # questions on one sentence would answer the questions after them.
    assert full.feedback == Quiz.Feedback.AT_END
    assert full.draw_count is None
    assert not full.shuffle_questions
    kinds = [link.question.kind for link in full.quiz_questions.select_related("question")]
    structured = [kind in ("ordering", "matching") for kind in kinds]
    assert structured == sorted(structured), "matchings and orderings come last"
    ten = Quiz.objects.get(slug="kherson-withdrawal-ten")
    assert ten.draw_count == 10
    assert ten.time_limit_minutes
    assert ten.feedback == Quiz.Feedback.AT_END
    groups = ten.questions.values_list("draw_group", flat=True)
    assert drawing.draw_slots(groups) >= 2 * ten.draw_count  # many different tens
    timeline = Quiz.objects.get(slug="kherson-withdrawal-timeline")
    # The learning quiz: a wrong answer sends the student back to the article, and says so.
    assert (timeline.feedback, timeline.retry_credit) == (Quiz.Feedback.EVIDENCE, 50)
    assert "find the sentence that supports the answer" in timeline.description
    kinds = [link.question.kind for link in timeline.quiz_questions.select_related("question")]
    assert kinds[-2:] == ["matching", "ordering"]  # answered by nothing shown before them
    assert "looks to have abandoned" in timeline.description
    # The test with attempts to spare keeps its answers until it closes; the learning quizzes
    # show everything.
    assert not ten.review_after_answers
    assert not ten.review_open_answers
    assert not ten.review_after_explanations
    assert not ten.review_open_explanations
    assert ten.review_closed_answers
    assert full.review_after_answers
    assert timeline.review_after_explanations
    for quiz in Quiz.objects.all():
        # The bank's right choices sit at option 2 in 19 of `full`'s 34 single-choice
        # questions: shown in the bank's order, always picking 2 would score 56% on them.
        assert quiz.shuffle_choices, quiz.slug
        positions = list(quiz.quiz_questions.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1)), quiz.slug
