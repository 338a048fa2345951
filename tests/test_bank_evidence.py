"""A bank file's evidence: each question cites sentences of its article by their text, which
a load resolves to the article's sentences; a corrected article flags what it changes."""

import json

import pytest

from quiz.banks import BankError, bank_load
from quiz.exchange import export_bank_json
from quiz.models import Article, ArticleRevision, Citation, Question, Quiz, Sentence
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)

S1 = "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city."
S2 = "Russia captured Kherson back in March."
S3 = "The 45-year-old was a driving force in organising the referendum."
S4 = "Kyiv’s men then made a breakthrough to the north of Kherson in October."


@pytest.fixture
def bank() -> list[dict]:
    """Two questions of the factories' article, dumped as a bank file, then removed."""
    article = ArticleFactory(slug="kherson")
    first = QuestionFactory(article=article, key="first", excerpt=S2)
    second = QuestionFactory(article=article, key="second", excerpt=S3)
    QuizFactory(article=article, slug="all", questions=[first, second])
    data = json.loads(export_bank_json(article).text)
    Quiz.objects.all().delete()
    Article.objects.all().delete()
    return data


def question(data: list[dict], key: str) -> dict:
    return next(e for e in data if e["model"] == "quiz.question" and e["fields"]["key"] == key)


def article(data: list[dict]) -> dict:
    return next(e for e in data if e["model"] == "quiz.article")


def load(tmp_path, data: list[dict]):
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return bank_load(paths=[path])


def refused(tmp_path, data: list[dict]) -> str:
    before = (Question.objects.count(), Sentence.objects.count(), Citation.objects.count())
    with pytest.raises(BankError) as excinfo:
        load(tmp_path, data)
    after = (Question.objects.count(), Sentence.objects.count(), Citation.objects.count())
    assert after == before, "a refused bank keeps nothing"
    return str(excinfo.value)


def cited(key: str) -> list[str]:
    return [s.text for s in Question.objects.get(key=key).cited()]


def test_a_dump_carries_each_questions_evidence_as_its_sentences_text(bank):
    assert question(bank, "first")["fields"]["evidence"] == [S2]
    assert "needs_review" not in question(bank, "first")["fields"]


def test_a_question_cites_a_run_of_sentences_or_sentences_apart_in_the_files_order(tmp_path, bank):
    question(bank, "first")["fields"]["evidence"] = [f"{S1} {S2}"]
    question(bank, "second")["fields"]["evidence"] = [S4, S1]
    load(tmp_path, bank)
    assert cited("first") == [S1, S2]
    assert cited("second") == [S4, S1]


def test_a_straight_apostrophe_for_the_articles_curly_one_is_refused_with_the_nearest_sentence(
    tmp_path, bank
):
    question(bank, "first")["fields"]["evidence"] = [S4.replace("’", "'")]
    message = refused(tmp_path, bank)
    assert (
        "(quiz.question kherson 'first'): evidence: This is not a sentence of the article. "
        f"The nearest sentence is “{S4}”; they differ from character 5: “'” where the article "
        "has “’”. Curly and straight apostrophes or quotes differ: the article's are kept."
    ) in message


def test_part_of_a_sentence_is_refused_naming_the_whole_sentence(tmp_path, bank):
    question(bank, "first")["fields"]["evidence"] = ["Russia captured Kherson"]
    message = refused(tmp_path, bank)
    assert f"evidence: This is only part of a sentence of the article, “{S2}”" in message


def test_sentences_that_are_not_consecutive_are_refused_as_one_quote(tmp_path, bank):
    question(bank, "first")["fields"]["evidence"] = [f"{S1} {S3}"]
    assert (
        "evidence: These are sentences of the article, but not one right after another in it: "
        "cite each sentence on its own."
    ) in refused(tmp_path, bank)


def test_the_same_sentence_cited_twice_is_refused(tmp_path, bank):
    question(bank, "first")["fields"]["evidence"] = [S2, f"{S2} {S3}"]
    assert "evidence 2: cites a sentence already cited" in refused(tmp_path, bank)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"evidence": None}, "evidence: missing; list the sentences of the article"),
        ({"evidence": []}, "evidence: must be a non-empty list of the article's sentences"),
        ({"evidence": S2}, "evidence: must be a non-empty list of the article's sentences"),
        ({"evidence": [S2, 3]}, "evidence: 3 is not a sentence's text"),
        ({"excerpt": S2}, 'give "evidence" only; "excerpt" is its older, single-quote form'),
        ({"needs_review": True}, "needs_review: set by the app when an article edit changes"),
    ],
)
def test_malformed_evidence_is_named(tmp_path, bank, change, problem):
    fields = question(bank, "first")["fields"]
    for name, value in change.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    assert problem in refused(tmp_path, bank)


def test_an_older_bank_with_one_excerpt_per_question_still_loads(tmp_path, bank):
    fields = question(bank, "first")["fields"]
    fields["excerpt"] = f"{S2} {S3}"
    del fields["evidence"]
    load(tmp_path, bank)
    assert cited("first") == [S2, S3]


def test_loading_the_same_bank_twice_keeps_every_sentence_and_citation(tmp_path, bank):
    load(tmp_path, bank)
    sentences = list(Sentence.objects.values_list("pk", "text", "position"))
    citations = list(Citation.objects.values_list("pk", "question_id", "sentence_id"))
    result = load(tmp_path, bank)
    assert list(Sentence.objects.values_list("pk", "text", "position")) == sentences
    assert list(Citation.objects.values_list("pk", "question_id", "sentence_id")) == citations
    assert (result.sentences_added, result.sentences_retired, result.cited) == (0, 0, 0)
    assert ArticleRevision.objects.count() == 0


def test_a_corrected_article_flags_exactly_the_questions_citing_the_changed_sentence(
    tmp_path, bank
):
    load(tmp_path, bank)
    old = Sentence.objects.get(text=S3)
    corrected = S3.replace("driving force", "leading figure")
    only_the_article = [article(bank)]
    only_the_article[0]["fields"]["text"] = article(bank)["fields"]["text"].replace(S3, corrected)
    result = load(tmp_path, only_the_article)
    assert (result.sentences_added, result.sentences_retired) == (1, 1)
    assert result.flagged == ["kherson/second"]
    assert result.revised == ["kherson"]
    assert "now need review, a sentence they cite having changed" in result.summary()
    assert result.summary().endswith(": kherson/second")
    flagged = set(Question.objects.filter(needs_review=True).values_list("key", flat=True))
    assert flagged == {"second"}
    old.refresh_from_db()
    assert old.position is None, "retired, not deleted: the question still says what it cited"
    assert cited("second") == [S3]
    revision = ArticleRevision.objects.get()
    assert S3 in revision.text
    assert revision.edited_by is None
    assert revision.via.endswith("bank.json")


def test_a_bank_that_corrects_a_cited_sentence_must_correct_its_questions_too(tmp_path, bank):
    load(tmp_path, bank)
    text = article(bank)["fields"]["text"]
    article(bank)["fields"]["text"] = text.replace(S3, S3.replace("driving", "leading"))
    message = refused(tmp_path, bank)
    assert "(quiz.question kherson 'second'): evidence: This is not a sentence" in message
    assert Article.objects.get().text == text


def test_reloading_evidence_that_resolves_on_the_new_text_settles_the_review(tmp_path, bank):
    load(tmp_path, bank)
    corrected = S3.replace("driving force", "leading figure")
    text = article(bank)["fields"]["text"].replace(S3, corrected)
    load(tmp_path, [{**article(bank), "fields": {**article(bank)["fields"], "text": text}}])
    assert Question.objects.get(key="second").needs_review
    article(bank)["fields"]["text"] = text
    question(bank, "second")["fields"]["evidence"] = [corrected]
    load(tmp_path, bank)
    second = Question.objects.get(key="second")
    assert not second.needs_review
    assert cited("second") == [corrected]


def test_a_bank_correcting_a_sentence_and_its_questions_together_leaves_none_to_review(
    tmp_path, bank
):
    load(tmp_path, bank)
    corrected = S3.replace("driving force", "leading figure")
    article(bank)["fields"]["text"] = article(bank)["fields"]["text"].replace(S3, corrected)
    question(bank, "second")["fields"]["evidence"] = [corrected]
    result = load(tmp_path, bank)
    assert result.flagged == []
    assert "need review" not in result.summary()
    assert not Question.objects.filter(needs_review=True).exists()


def test_every_misquote_is_named_even_beside_another_objects_problem(tmp_path, bank):
    question(bank, "first")["fields"]["evidence"] = S2  # a string, not a list
    question(bank, "second")["fields"]["evidence"] = [S3.replace("45-year-old", "45 year old")]
    message = refused(tmp_path, bank)
    assert "'first'): evidence: must be a non-empty list" in message
    assert "'second'): evidence: This is not a sentence of the article." in message


def test_validate_bank_names_the_questions_needing_review_and_the_quizzes_they_leave_short(
    tmp_path, bank
):
    from io import StringIO

    from django.core.management import CommandError, call_command

    load(tmp_path, bank)
    text = article(bank)["fields"]["text"].replace(S3, S3.replace("driving", "leading"))
    load(tmp_path, [{**article(bank), "fields": {**article(bank)["fields"], "text": text}}])
    out = StringIO()
    call_command("validate_bank", "--article", "kherson", stdout=out)
    assert "  - kherson/second: cites a sentence the article no longer has" in out.getvalue()
    assert (
        "  - quiz all: asks 2 question(s) but can draw only 1 while kherson/second wait for "
        "review" in out.getvalue()
    )
    with pytest.raises(CommandError, match="lint warning"):
        call_command("validate_bank", "--article", "kherson", "--strict", stdout=StringIO())


def test_validate_bank_refuses_an_article_that_is_not_there():
    from django.core.management import CommandError, call_command

    ArticleFactory(slug="kherson")
    with pytest.raises(CommandError, match=r"No article 'Kherson' in the database\."):
        call_command("validate_bank", "--article", "Kherson")
