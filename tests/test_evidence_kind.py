"""The evidence kind from end to end: a statement, and the sentences of the paragraph its
cited sentence stands in to pick the one that supports it. Its options are sentences, not
choice rows: the attempt freezes them and its page names them by their places; Moodle's
formats carry them as a multiple choice and bring them back as single choice; a bank file
gives the question without choices; the admin edits it without a choices inline."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from quiz import grading, services
from quiz.banks import BankError, bank_load
from quiz.exchange import export_gift, export_moodle_xml, import_gift, import_moodle_xml
from quiz.models import Article, Question, Response
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# Three paragraphs: the passage of a question citing a sentence of the second is that
# paragraph alone, in the article's order, since it holds five sentences
# (`sentences.passage`); the others are never options.
TEXT = (
    "Shoigu agreed to a plan by General Surovikin to withdraw from the city.\n"
    "Surovikin said the city could not be defended. Shoigu squirmed in his seat. "
    "Troops were to cross the Dnipro River. The general spoke calmly. "
    "Officials left the room.\n"
    "Russia captured Kherson back in March."
)
FIRST, SECOND, THIRD, FOURTH, FIFTH = (
    "Surovikin said the city could not be defended.",
    "Shoigu squirmed in his seat.",
    "Troops were to cross the Dnipro River.",
    "The general spoke calmly.",
    "Officials left the room.",
)
PASSAGE = [FIRST, SECOND, THIRD, FOURTH, FIFTH]


@pytest.fixture
def article():
    ArticleFactory(slug="before")  # its sentences first: no sentence id here is a page place
    return ArticleFactory(slug="withdrawal", title="Withdrawal", text=TEXT)


@pytest.fixture
def question(article):
    return QuestionFactory(
        evidence=True,
        article=article,
        key="uneasy",
        prompt="Shoigu looked uneasy when he accepted the plan.",
        explanation="Squirming is how the article shows his unease: he agreed, but not gladly.",
        topic="The announcement",
        excerpt=SECOND,
    )


@pytest.fixture
def attempt(student, question):
    quiz = QuizFactory(open_to=[student], questions=[question], shuffle_choices=True)
    return services.attempt_start(user=student, quiz=quiz)


def radios(html: str) -> list[tuple[str, str]]:
    """(value, label text) of each radio of the answer widget, in the page's order."""
    found = re.findall(
        r'<label class="option"><input type="radio" name="answer" value="([^"]*)"[^>]*> '
        r"([^<]*)</label>",
        html,
    )
    return [(value, text.strip()) for value, text in found]


def answer(client, attempt, value: str, *, htmx: bool = False):
    item = attempt.items.get()
    data = {"item": item.pk, "answer": [value]}
    return client.post(reverse("quiz:answer", args=[attempt.pk]), data, **(HTMX if htmx else {}))


# The attempt ---------------------------------------------------------------------------------


def test_an_attempt_freezes_the_passage_as_options_and_the_cited_sentence_as_the_key(attempt):
    item = attempt.items.get()
    ids = {s.text: s.pk for s in item.question.article.current_sentences()}
    # In the article's order although the quiz shuffles choices; the other paragraphs left out.
    assert item.options == [[ids[text], text] for text in PASSAGE]
    assert item.key == {"options": item.options, "correct": [ids[SECOND]]}
    assert item.evidence == [[ids[SECOND], SECOND]]


def test_the_page_lists_the_passage_as_radios_that_post_places_not_sentence_ids(
    student_client, attempt
):
    html = student_client.get(attempt.get_absolute_url()).content.decode()
    assert radios(html) == [(str(n), text) for n, text in enumerate(PASSAGE, 1)]
    assert "Shoigu looked uneasy when he accepted the plan." in html  # the statement, as legend
    hint = re.search(r'<p class="hint" id="(hint-\d+)">([^<]*)</p>', html)
    assert hint[2] == "Which sentence of the article supports this statement?"
    assert html.count(f'aria-describedby="{hint[1]}"') == 5


@pytest.mark.parametrize("htmx", [False, True])
def test_the_cited_sentence_is_right_through_the_answer_view(student_client, attempt, htmx):
    response = answer(student_client, attempt, "2", htmx=htmx)
    assert response.status_code in (200, 302)
    saved = Response.objects.get()
    assert saved.is_correct
    assert saved.score == 1
    assert saved.feedback == grading.RIGHT
    ids = {s.text: s.pk for s in attempt.items.get().question.article.current_sentences()}
    assert saved.submission == str(ids[SECOND])  # stored as the sentence, not its place


def test_another_sentence_is_wrong_and_the_feedback_quotes_the_supporting_one(
    student_client, attempt
):
    response = answer(student_client, attempt, "3", htmx=True)
    saved = Response.objects.get()
    assert not saved.is_correct
    assert saved.feedback == f"Not quite: the sentence that supports it is “{SECOND}”."
    html = response.content.decode()
    assert f"<dt>Your answer</dt><dd>“{THIRD}”</dd>" in html
    assert f"<dt>Right answer</dt><dd>“{SECOND}”</dd>" in html


def test_a_sentence_id_posted_instead_of_a_place_is_refused(student_client, attempt):
    item = attempt.items.get()
    cited = item.key["correct"][0]
    assert cited > len(item.options)
    response = answer(student_client, attempt, str(cited), htmx=True)
    assert response.status_code == 422
    assert escape(grading.NOT_AN_OPTION) in response.content.decode()
    assert not Response.objects.exists()


def test_no_pick_is_refused_asking_for_a_sentence(student_client, attempt):
    response = answer(student_client, attempt, "", htmx=True)
    assert response.status_code == 422
    assert "Please choose a sentence." in response.content.decode()
    assert not Response.objects.exists()


def test_any_of_several_cited_sentences_is_right(student, article):
    question = QuestionFactory(evidence=True, article=article, excerpt=[FIRST, THIRD])
    quiz = QuizFactory(open_to=[student], questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    grades = [services.answer_grade(item, [place], {})[1].is_correct for place in "12345"]
    assert grades == [True, False, True, False, False]


def test_starting_an_attempt_takes_as_many_queries_for_one_evidence_question_as_for_four(
    student, article
):
    def queries_to_start(n: int) -> int:
        questions = [
            QuestionFactory(evidence=True, article=article, excerpt=quote)
            for quote in (FIRST, SECOND, THIRD, FIRST)[:n]
        ]
        quiz = QuizFactory(open_to=[student], questions=questions)
        with CaptureQueriesContext(connection) as captured:
            services.attempt_start(user=student, quiz=quiz)
        return len(captured)

    assert queries_to_start(1) == queries_to_start(4)


def test_the_item_analysis_counts_an_evidence_question_by_its_scores(
    instructor_client, student, question
):
    """Its facility, as any question's; no choice rows, so no counts of picks."""
    quiz = QuizFactory(slug="evidence", open_to=[student], questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    services.answer_record(user=student, attempt_id=attempt.pk, item_id=item.pk, answers=["2"])
    response = instructor_client.get(reverse("quiz:analysis", args=["evidence"]))
    assert response.status_code == 200
    [stats] = response.context["stats"]
    assert (stats.asked, stats.facility, stats.choices) == (1, 100, [])


# Moodle's formats ------------------------------------------------------------------------------


def test_moodle_xml_carries_it_as_a_single_answer_multiple_choice_of_the_passage(question):
    text = export_moodle_xml(question.article).text
    body = re.search(r'<question type="multichoice">.*?</question>', text, re.S)[0]
    assert body == (
        '<question type="multichoice">\n'
        "    <name>\n      <text>uneasy</text>\n    </name>\n"
        '    <questiontext format="plain_text">\n'
        "      <text>Shoigu looked uneasy when he accepted the plan.</text>\n    </questiontext>\n"
        '    <generalfeedback format="plain_text">\n'
        "      <text>Squirming is how the article shows his unease: he agreed, but not gladly.\n\n"
        f"Source: “{SECOND}”</text>\n    </generalfeedback>\n"
        "    <defaultgrade>1</defaultgrade>\n"
        "    <idnumber>uneasy</idnumber>\n"
        "    <single>true</single>\n"
        "    <shuffleanswers>0</shuffleanswers>\n"
        "    <answernumbering>none</answernumbering>\n"
        + "".join(
            f'    <answer fraction="{fraction}" format="plain_text">\n'
            f"      <text>{text}</text>\n    </answer>\n"
            for fraction, text in zip(("0", "100", "0", "0", "0"), PASSAGE, strict=True)
        )
        + "  </question>"
    )


def test_gift_carries_it_as_a_multiple_choice_of_the_passage(question):
    text = export_gift(question.article).text
    block = text[text.index("::uneasy::") :]
    assert block == (
        "::uneasy::[plain]Shoigu looked uneasy when he accepted the plan. {\n"
        f"\t~{FIRST}\n"
        f"\t={SECOND}\n"
        f"\t~{THIRD}\n"
        f"\t~{FOURTH}\n"
        f"\t~{FIFTH}\n"
        "\t####Squirming is how the article shows his unease\\: he agreed, but not gladly.\\n"
        f"\\nSource\\: “{SECOND}”\n"
        "}\n"
    )


def test_several_cited_sentences_are_each_fully_right_in_both_formats(article):
    QuestionFactory(evidence=True, article=article, key="two", excerpt=[FIRST, THIRD])
    xml = export_moodle_xml(article).text
    assert re.findall(r'<answer fraction="(\d+)"', xml) == ["100", "0", "100", "0", "0"]
    gift = export_gift(article).text
    assert re.findall(r"^\t([=~])", gift, re.M) == ["=", "~", "=", "~", "~"]


@pytest.mark.parametrize(
    ("export", "read"),
    [(export_moodle_xml, import_moodle_xml), (export_gift, import_gift)],
    ids=["xml", "gift"],
)
def test_a_file_read_back_brings_it_in_as_single_choice(question, export, read):
    """A Moodle file holds no sentence identity: the question comes back as the single-choice
    question it was written as, its sentences as choices."""
    imported = read(export(question.article).text)
    assert imported.problems == []
    [back] = imported.questions
    assert back.kind == grading.SINGLE
    assert back.choices == [(text, text == SECOND, "") for text in PASSAGE]
    assert back.evidence == [SECOND]


def test_the_evidence_kind_claims_no_moodle_question_whatever_the_kinds_order():
    """Which kind a Moodle question is read as is the first to claim it; evidence never
    does, so no ordering of the kinds lets it take an ordinary multiple choice."""
    read = grading.XmlQuestion("multichoice", True, [("Shoigu", 100.0, "0")], [])
    assert grading.kind(grading.EVIDENCE).xml_claims(read) is False


def test_an_ordinary_multiple_choice_still_imports_as_single_choice():
    xml = (
        '<quiz><question type="multichoice"><name><text>q</text></name>'
        "<questiontext><text>Who?</text></questiontext><single>true</single>"
        '<answer fraction="100"><text>Shoigu</text></answer>'
        '<answer fraction="0"><text>Putin</text></answer></question></quiz>'
    )
    assert [q.kind for q in import_moodle_xml(xml).questions] == [grading.SINGLE]


# Bank files ------------------------------------------------------------------------------------


def bank(tmp_path, *, choices: bool = False, quote: str = SECOND, text: str = TEXT):
    entries = [
        {"model": "quiz.article", "fields": {"slug": "withdrawal", "title": "W", "text": text}},
        {
            "model": "quiz.question",
            "fields": {
                "article": ["withdrawal"],
                "key": "uneasy",
                "kind": "evidence",
                "prompt": "Shoigu looked uneasy when he accepted the plan.",
                "explanation": "Squirming is how the article shows his unease.",
                "evidence": [quote],
                "topic": "The announcement",
            },
        },
    ]
    if choices:
        entries.append(
            {
                "model": "quiz.choice",
                "fields": {"question": ["uneasy", "withdrawal"], "position": 1, "text": "x"},
            }
        )
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def test_a_bank_file_gives_an_evidence_question_without_choices(tmp_path, student):
    bank_load(paths=[bank(tmp_path)])
    question = Question.objects.get(key="uneasy")
    assert question.kind == grading.EVIDENCE
    assert not question.choices.exists()
    quiz = QuizFactory(article=question.article, open_to=[student], questions=[question])
    item = services.attempt_start(user=student, quiz=quiz).items.get()
    assert [text for _, text in item.options] == PASSAGE


def test_a_bank_file_giving_an_evidence_question_choices_is_refused(tmp_path):
    with pytest.raises(BankError) as excinfo:
        bank_load(paths=[bank(tmp_path, choices=True)])
    assert "question withdrawal/uneasy: a supporting sentence question takes no choices" in str(
        excinfo.value
    )
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("text", "quote", "problem"),
    [
        pytest.param(
            "Russia captured Kherson back in March.",
            "Russia captured Kherson back in March.",
            "its passage needs at least 2 sentences to choose from; it has 1",
            id="an-article-of-one-sentence",
        ),
        pytest.param(
            TEXT,
            " ".join(PASSAGE),
            "it cites every sentence of its passage: no pick would be wrong",
            id="every-sentence-cited",
        ),
    ],
)
def test_a_bank_file_whose_evidence_leaves_nothing_to_choose_is_refused(
    tmp_path, text, quote, problem
):
    with pytest.raises(BankError) as excinfo:
        bank_load(paths=[bank(tmp_path, quote=quote, text=text)])
    assert f"(quiz.question withdrawal 'uneasy'): {problem}" in str(excinfo.value)


def test_validate_bank_passes_a_good_evidence_question(tmp_path):
    out = StringIO()
    call_command("validate_bank", str(bank(tmp_path)), stdout=out)
    assert not Question.objects.exists()  # checked, kept nothing


# The admin -------------------------------------------------------------------------------------


def test_the_admin_change_page_of_an_evidence_question_has_no_choices(instructor_client, question):
    response = instructor_client.get(reverse("admin:quiz_question_change", args=[question.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="choices-TOTAL_FORMS"' not in html
    assert 'name="accepted_answers-TOTAL_FORMS"' not in html


def test_the_admin_preview_lists_the_passage_and_grades_a_pick(instructor_client, question):
    url = reverse("admin:quiz_question_preview", args=[question.pk])
    html = instructor_client.get(url).content.decode()
    assert radios(html) == [(str(n), text) for n, text in enumerate(PASSAGE, 1)]
    html = instructor_client.post(url, {"item": question.pk, "answer": "1"}).content.decode()
    assert f"“{FIRST}”" in html  # the answer given, in words
    assert f"“{SECOND}”" in html  # the right one
    assert "Not quite" in html


def add_form(article, *quotes: str) -> dict:
    ids = [article.sentences.get(text=text, position__isnull=False).pk for text in quotes]
    return {
        "article": article.pk,
        "key": "uneasy",
        "kind": grading.EVIDENCE,
        "topic": "The announcement",
        "prompt": "Shoigu looked uneasy when he accepted the plan.",
        "explanation": "Squirming is how the article shows his unease.",
        "numeric_tolerance": "0",
        "evidence": ids,
    }


def test_the_admin_adds_an_evidence_question_without_choices(instructor_client, article):
    response = instructor_client.post(reverse("admin:quiz_question_add"), add_form(article, SECOND))
    assert response.status_code == 302
    question = Question.objects.get(key="uneasy")
    assert question.kind == grading.EVIDENCE
    assert [s.text for s in question.cited()] == [SECOND]


def test_the_admin_refuses_evidence_that_leaves_nothing_to_choose(instructor_client, article):
    quotes, problem = PASSAGE, "It cites every sentence of its passage: no pick would be wrong."
    response = instructor_client.post(
        reverse("admin:quiz_question_add"), add_form(article, *quotes)
    )
    assert response.status_code == 200
    assert problem in response.context["adminform"].form.errors["evidence"]
    assert not Question.objects.filter(key="uneasy").exists()
