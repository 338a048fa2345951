"""Banks to and from Moodle: GIFT and Moodle XML.

Exports are compared with hand-checked files in tests/data/ and imports read files written as
Moodle writes them, so the formats are tested against Moodle's, not only against themselves;
one round trip of the whole article bank checks that every question survives.
"""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from quiz import grading, sentences
from quiz.articles import article_text_set
from quiz.banks import bank_load
from quiz.exchange import (
    QuestionData,
    bank_questions,
    export_bank_json,
    export_gift,
    export_moodle_xml,
    import_gift,
    import_moodle_xml,
)
from quiz.exchange.common import split_feedback
from quiz.models import (
    AcceptedAnswer,
    Article,
    Choice,
    Citation,
    Question,
    Quiz,
    QuizQuestion,
    Sentence,
)
from tests.factories import ARTICLE_TEXT, ArticleFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR) / "tests" / "data"


@pytest.fixture
def kherson(kherson_bank, db):
    """The article bank, loaded once for this module (see conftest); tests roll back changes."""
    return Article.objects.get(slug=kherson_bank)


@pytest.fixture
def copy(kherson):
    """An empty bank of the same article text, to import into."""
    return ArticleFactory(slug="kherson-copy", title="Copy", text=kherson.text)


def comparable(q) -> tuple:
    """What a round trip must keep; the order of choices matters only to ordering questions."""
    choices = q.choices if q.kind == grading.ORDERING else sorted(q.choices)
    return (
        q.key,
        q.kind,
        q.prompt,
        q.explanation,
        tuple(q.evidence),
        q.topic,
        tuple(choices),
        tuple(sorted(q.accepted)),
        None if q.numeric_answer is None else q.numeric_answer.normalize(),
        q.numeric_tolerance.normalize(),
        q.weight,
    )


def import_file(tmp_path, text, name, article="kherson-copy", *args):
    path = _write(tmp_path, text, name)
    out, err = StringIO(), StringIO()
    call_command("import_bank", str(path), "--article", article, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _write(tmp_path, text, name):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Exports, compared with hand-checked files ----------------------------------------------------

SAMPLE_TEXT = (
    "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city.\n"
    "Russia captured Kherson back in March.\n"
    "The 45-year-old was a driving force in organising the referendum.\n"
    "Kyiv’s men then made a breakthrough to the north of Kherson in October."
)


@pytest.fixture
def sample():
    """A bank with one question of each kind, whose texts use every character GIFT escapes
    (~ = # { } : and the backslash) and two that XML escapes (& <)."""
    article = ArticleFactory(slug="sample", title="Sample & test", text=SAMPLE_TEXT)
    shoigu = "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city."
    QuestionFactory(
        article=article,
        key="who-agreed",
        kind=grading.SINGLE,
        topic="People",
        prompt="Who agreed to the plan: the minister or the general?",
        explanation="The minister {Shoigu} agreed; the general proposed it.",
        excerpt=shoigu,
        choices=[("Sergei Shoigu", True), ("Sergei Surovikin", False), ("Nobody = no plan", False)],
    )
    QuestionFactory(
        article=article,
        key="officials",
        kind=grading.MULTIPLE,
        topic="People",
        prompt="Which two men does the sentence name?",
        explanation="Shoigu ~ the minister ~ and Surovikin, the general.",
        excerpt=shoigu,
        choices=[("Sergei Shoigu", True), ("Kirill Stremousov", False), ("Sergei Surovikin", True)],
    )
    QuestionFactory(
        article=article,
        key="the-general",
        kind=grading.SHORT_TEXT,
        topic="People",
        prompt="Whose plan was it? (surname)",
        explanation="General Sergei Surovikin's plan.",
        excerpt=shoigu,
        choices=[],
        accepted=["Surovikin", "Sergei Surovikin"],
    )
    QuestionFactory(
        article=article,
        key="roles",
        kind=grading.MATCHING,
        topic="People",
        prompt="Match each man with his role.",
        explanation="One is the minister, the other the commander.",
        excerpt=shoigu,
        choices=[("Sergei Shoigu", "Defence minister"), ("Sergei Surovikin", "General")],
    )
    QuestionFactory(
        article=article,
        key="captured-in-march",
        kind=grading.TRUE_FALSE,
        topic="Timeline",
        prompt="Russia captured Kherson in March & held it for < 9 months.",
        explanation="March, as the article says; and in October it was still being fought for.",
        excerpt=[
            "Russia captured Kherson back in March.",
            "Kyiv’s men then made a breakthrough to the north of Kherson in October.",
        ],
        choices=[("True", True), ("False", False)],
    )
    QuestionFactory(
        article=article,
        key="age",
        kind=grading.NUMERIC,
        topic="Timeline",
        prompt="How old was the driving force of the referendum?",
        explanation="He was 45 (#1 in the region\\the party).",
        excerpt="The 45-year-old was a driving force in organising the referendum.",
        choices=[],
        numeric_answer=Decimal("45"),
        numeric_tolerance=Decimal("0.5"),
    )
    QuestionFactory(
        article=article,
        key="order",
        kind=grading.ORDERING,
        topic="Timeline",
        prompt="Put the events in order, earliest first.",
        explanation="March, then October, then the withdrawal.",
        excerpt=[
            "Russia captured Kherson back in March.",
            "Kyiv’s men then made a breakthrough to the north of Kherson in October.",
            "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city.",
        ],
        choices=[("Kherson captured", None), ("Breakthrough", None), ("Withdrawal", None)],
    )
    return article


def test_gift_export_is_the_hand_checked_file(sample):
    exported = export_gift(sample)
    assert exported.text == (DATA / "expected-export.gift").read_text(encoding="utf-8")
    assert exported.left_out == ["order: GIFT has no ordering questions (use Moodle XML)"]


def test_moodle_xml_export_is_the_hand_checked_file(sample):
    exported = export_moodle_xml(sample)
    assert exported.text == (DATA / "expected-export.xml").read_text(encoding="utf-8")
    assert exported.left_out == []


# Imports of files as Moodle (4.x) writes them ------------------------------------------------
# The files are hand-written after Moodle's exporters (question/format/gift/format.php and
# question/format/xml/format.php): comments with question ids, categories under
# $course$/top/…, HTML question texts, GIFT's backslash escapes, XML's CDATA sections.

CAPTURED = "Russia captured Kherson back in March (pictured) and Putin annexed the region just a few weeks ago, vowing it would be ‘forever’ Russian"  # noqa: E501
AGE = "The 45-year-old was a driving force in organising and supporting the referendum on Kherson’s illegal annexation by Russia."  # noqa: E501
SQUIRMED = "Shoigu squirmed in his seat as he agreed to the plan."
RIVER = "Surovikin told Shoigu that the city is now impossible to defend and recommended that troops withdraw across the Dnipro River ‘in the near future’ to defend the other bank."  # noqa: E501
ON_TV = "Sergei Shoigu, who is already under pressure over his handling of the war, appeared on state TV where he was shown agreed to a plan by General Sergei Surovikin – Russia’s top commander in Ukraine – to withdraw from the city."  # noqa: E501
LEFT_RIGHT = "General Sergei Surovikin (left) has announced that Russia will retreat from Kherson, a decision agreed by defence minister Sergei Shoigu (right)"  # noqa: E501
ROLES = [
    ("Sergei Shoigu", False, "Defence minister"),
    ("Sergei Surovikin", False, "Top commander in Ukraine"),
    ("Kirill Stremousov", False, "Deputy leader in the region"),
]
NAMED = [
    ("Sergei Shoigu", True, ""),
    ("Sergei Surovikin", True, ""),
    ("Kirill Stremousov", False, ""),
]
TRUE = [("True", True, ""), ("False", False, "")]


def expected(key, kind, prompt, explanation, source, topic, **parts):
    """As read from a file of one `Source: “…”` line (before evidence of several sentences)."""
    return QuestionData(key, kind, prompt, explanation, [source], topic, **parts)


FROM_MOODLE_GIFT = {
    "captured": expected(
        "captured",
        grading.SINGLE,
        "When did Russia capture Kherson?",
        "Early in the war = in the spring.",
        CAPTURED,
        "Timeline",
        choices=[("March", True, ""), ("April", False, ""), ("July: after the summer", False, "")],
    ),
    "age": expected(
        "age",
        grading.NUMERIC,
        "How old was Kirill Stremousov?",
        "He was 45.",
        AGE,
        "Timeline",
        numeric_answer=Decimal(45),
        numeric_tolerance=Decimal(0),
    ),
    "agreed": expected(
        "agreed",
        grading.TRUE_FALSE,
        "Shoigu agreed to the plan {on state TV}.",
        "He agreed on air.",
        SQUIRMED,
        "People",
        choices=TRUE,
    ),
    "river": expected(
        "river",
        grading.SHORT_TEXT,
        "Across which river did Surovikin recommend withdrawing?",
        "The Dnipro.",
        RIVER,
        "People",
        accepted=["Dnipro", "Dnipro River"],
    ),
    "named": expected(
        "named",
        grading.MULTIPLE,
        "Which two men does this sentence name as Russia’s minister & commander?",
        "The minister and the general.",
        ON_TV,
        "People",
        choices=NAMED,
    ),
    "roles": expected(
        "roles",
        grading.MATCHING,
        "Match each man with his role.",
        "Who is who.",
        LEFT_RIGHT,
        "People",
        choices=ROLES,
    ),
    "announced": expected(
        "announced",
        grading.SINGLE,
        "Who announced the retreat?",
        "The general.",
        LEFT_RIGHT,
        "People",
        choices=[("General Sergei Surovikin", True, ""), ("Vladimir Putin", False, "")],
    ),
}


@pytest.fixture(scope="module")
def from_moodle_gift():
    return import_gift((DATA / "from-moodle.gift").read_text(encoding="utf-8"))


@pytest.mark.parametrize("key", FROM_MOODLE_GIFT)
def test_a_gift_file_from_moodle_imports_field_by_field(from_moodle_gift, key):
    imported = {q.key: q for q in from_moodle_gift.questions}
    assert key in imported, from_moodle_gift.problems
    assert imported[key] == FROM_MOODLE_GIFT[key]


def test_a_gift_file_from_moodle_imports_in_its_order(from_moodle_gift):
    keys = [q.key for q in from_moodle_gift.questions]
    assert keys == [key for key in FROM_MOODLE_GIFT if key in keys]


def test_short_answers_worth_less_than_full_marks_are_not_accepted_as_right():
    # As Moodle exports a short answer with partial credit and a catch-all wrong answer.
    gift = "::animal::Which is the best animal?{\n\t=%100%Frog#\n\t=%50%Cat#\n\t=%0%*#\n}\n"
    imported = import_gift(gift)
    questions = {q.key: q for q in imported.questions}
    # Either left out with a problem reported, or only the fully right answer kept.
    assert questions.get("animal") is None or questions["animal"].accepted == ["Frog"]
    assert questions or imported.problems


def test_format_markers_of_gift_answers_are_not_part_of_the_text():
    imported = import_gift("::colour::What colour?{\n\t=yellow\n\t~[plain]blue\n}\n")
    assert imported.questions[0].choices == [("yellow", True, ""), ("blue", False, "")]


FROM_MOODLE_XML = {
    "captured": expected(
        "captured",
        grading.SINGLE,
        "When did Russia capture Kherson?",
        "Early in the war & in the spring.",
        CAPTURED,
        "Timeline",
        choices=[("March", True, ""), ("April", False, ""), ("July & August", False, "")],
    ),
    "age": expected(
        "age",
        grading.NUMERIC,
        "How old was Kirill Stremousov?",
        "He was 45.",
        AGE,
        "Timeline",
        numeric_answer=Decimal(45),
        numeric_tolerance=Decimal("0.5"),
    ),
    "events": expected(
        "events",
        grading.ORDERING,
        "Put these in the order they happened, earliest first.",
        "Capture, annexation, retreat.",
        CAPTURED,
        "Timeline",
        choices=[
            ("Russia captures Kherson", False, ""),
            ("Putin annexes the region", False, ""),
            ("Russia announces the retreat", False, ""),
        ],
    ),
    "agreed": expected(
        "agreed",
        grading.TRUE_FALSE,
        "Shoigu agreed to the plan on state TV.",
        "He agreed on air.",
        SQUIRMED,
        "People",
        choices=TRUE,
    ),
    # The same in both files.
    "river": FROM_MOODLE_GIFT["river"],
    "named": FROM_MOODLE_GIFT["named"],
    "roles": FROM_MOODLE_GIFT["roles"],
}


def test_a_moodle_xml_file_from_moodle_imports_field_by_field():
    imported = import_moodle_xml((DATA / "from-moodle.xml").read_text(encoding="utf-8"))
    assert imported.problems == []
    assert [q.key for q in imported.questions] == list(FROM_MOODLE_XML)
    for question in imported.questions:
        assert question == FROM_MOODLE_XML[question.key], question.key


def test_a_moodle_xml_file_from_moodle_lands_in_the_bank(tmp_path, copy):
    out, _ = import_file(tmp_path, (DATA / "from-moodle.xml").read_text(encoding="utf-8"), "m.xml")
    assert "Imported 7 question(s) into kherson-copy." in out
    questions = {q.key: q for q in Question.objects.filter(article=copy)}
    assert questions.keys() == FROM_MOODLE_XML.keys()
    for key, want in FROM_MOODLE_XML.items():
        question = questions[key]
        fields = (question.kind, question.prompt, question.explanation, question.excerpt)
        assert fields == (want.kind, want.prompt, want.explanation, *want.evidence), key
        assert question.topic == want.topic, key
        choices = question.choices.order_by("position")
        assert list(choices.values_list("position", "text", "is_correct", "match")) == [
            (position, *choice) for position, choice in enumerate(want.choices, 1)
        ], key
        accepted = question.accepted_answers.values_list("text", flat=True)
        assert sorted(accepted) == sorted(want.accepted), key
    assert questions["age"].numeric_answer == 45
    assert questions["age"].numeric_tolerance == Decimal("0.5")


# The command, refusals, and one round trip of the whole bank ---------------------------------


def test_moodle_xml_round_trip_carries_every_question_of_the_bank(tmp_path, kherson, copy):
    exported = export_moodle_xml(kherson)
    assert exported.left_out == []
    import_file(tmp_path, exported.text, "bank.xml")
    original = {q.key: comparable(q) for q in bank_questions(kherson)}
    copied = {q.key: comparable(q) for q in bank_questions(copy)}
    assert copied == original
    # Every kind but evidence, which the shipped bank has none of (see test_article_bank)
    # and which a Moodle file brings back as single choice.
    assert {q.kind for q in bank_questions(copy)} == set(grading.KINDS) - {grading.EVIDENCE}


def test_moodle_xml_carries_a_questions_weight_as_its_default_mark(tmp_path, kherson, copy):
    heavy = kherson.questions.filter(weight__gt=1).first()
    assert heavy is not None, "the bank weighs its longer questions"
    assert f"<defaultgrade>{heavy.weight}</defaultgrade>" in export_moodle_xml(kherson).text
    xml = export_moodle_xml(kherson).text.replace(
        f"<defaultgrade>{heavy.weight}</defaultgrade>", "<defaultgrade>1.5</defaultgrade>", 1
    )
    imported = import_moodle_xml(xml)
    (problem,) = imported.problems
    assert "default mark 1.5 is not a whole number of points from 1 to 20" in problem.message


def test_export_command_reports_what_gift_leaves_out(tmp_path, kherson):
    err = StringIO()
    call_command(
        "export_bank",
        "kherson-withdrawal",
        "--format",
        "gift",
        "-o",
        str(tmp_path / "b.gift"),
        stderr=err,
    )
    assert "Left out of the GIFT file:" in err.getvalue()
    assert "GIFT has no ordering questions" in err.getvalue()
    assert (tmp_path / "b.gift").read_text(encoding="utf-8").count("::") > 60


GIFT_FROM_MOODLE = """
// A file as Moodle writes it, plus a source sentence.
$CATEGORY: $course$/top/Kherson/Timeline

::march::When did Russia capture Kherson?{
=March
~April
~July
####It fell early in the war.\\n\\nSource: “Russia captured Kherson back in March (pictured) and Putin annexed the region just a few weeks ago, vowing it would be ‘forever’ Russian”
}

::age::How old was Stremousov?{#45:0####He was 45.\\n\\nSource: “The 45-year-old was a driving force in organising and supporting the referendum on Kherson’s illegal annexation by Russia.”}
"""  # noqa: E501


def test_a_gift_file_imports_with_the_command(tmp_path, copy):
    out, _ = import_file(tmp_path, GIFT_FROM_MOODLE, "moodle.gift")
    assert "Imported 2 question(s)" in out
    march = Question.objects.get(article=copy, key="march")
    assert march.kind == grading.SINGLE
    assert march.topic == "Timeline"
    assert march.explanation == "It fell early in the war."
    assert list(march.choices.values_list("text", "is_correct")) == [
        ("March", True),
        ("April", False),
        ("July", False),
    ]
    age = Question.objects.get(article=copy, key="age")
    assert age.kind == grading.NUMERIC
    assert age.numeric_answer == 45


def test_an_import_without_source_sentences_is_refused(tmp_path, copy):
    text = "::q1::Who agreed to the plan?{=Shoigu ~Putin}\n"
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_bank",
            str(_write(tmp_path, text, "q.gift")),
            "--article",
            "kherson-copy",
            stderr=err,
        )
    assert (
        "question q1: its general feedback does not end with the sentences it cites, one "
        "Source: “…” line each, quoted from the article"
    ) in err.getvalue()
    assert not Question.objects.filter(article=copy).exists()


def test_unsupported_questions_are_reported_not_dropped(tmp_path, copy):
    text = GIFT_FROM_MOODLE + "\n::essay::Write about the war.{}\n"
    err = StringIO()
    with pytest.raises(CommandError, match="could not be read"):
        call_command(
            "import_bank",
            str(_write(tmp_path, text, "q.gift")),
            "--article",
            "kherson-copy",
            stderr=err,
        )
    assert "essay questions ({}) are not supported" in err.getvalue()
    assert not Question.objects.filter(article=copy).exists()
    out = StringIO()
    call_command(
        "import_bank",
        str(_write(tmp_path, text, "q.gift")),
        "--article",
        "kherson-copy",
        "--skip-unsupported",
        stdout=out,
        stderr=StringIO(),
    )
    assert "Imported 2 question(s)" in out.getvalue()


def test_an_import_never_overwrites_existing_questions(tmp_path, kherson):
    text = export_moodle_xml(kherson).text
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_bank",
            str(_write(tmp_path, text, "b.xml")),
            "--article",
            "kherson-withdrawal",
            stderr=err,
        )
    assert "has a question with this key already" in err.getvalue()


def test_unsafe_xml_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz><question type="essay">'
        "<name><text>&b;</text></name></question></quiz>"
    )
    imported = import_moodle_xml(bomb)
    assert imported.questions == []
    assert "unsafe" in str(imported.problems[0])


def test_malformed_gift_is_reported():
    imported = import_gift("::broken::What is missing?{=an ending\n")
    assert imported.questions == []
    assert "not closed" in str(imported.problems[0])


def test_a_bank_file_export_loads_into_another_database(tmp_path, kherson):
    models = [Article, Question, Choice, AcceptedAnswer, Quiz, QuizQuestion]
    exported = export_bank_json(kherson)
    assert exported.left_out == []
    assert '"pk"' not in exported.text
    before = {m.__name__: m.objects.count() for m in models}
    original = {q.key: comparable(q) for q in bank_questions(kherson)}
    # "Another database": everything gone, ids about to differ.
    Quiz.objects.all().delete()
    Article.objects.all().delete()
    ArticleFactory.create_batch(3)  # new rows first: the loaded objects get other ids
    path = _write(tmp_path, exported.text, "bank.json")
    result = bank_load(paths=[path])
    assert result.created["quiz.question"] == before["Question"]
    after = {m.__name__: m.objects.count() for m in models}
    assert after["Question"] == before["Question"]
    assert after["QuizQuestion"] == before["QuizQuestion"]
    assert after["Article"] == before["Article"] + 3
    loaded = Article.objects.get(slug="kherson-withdrawal")
    assert {q.key: comparable(q) for q in bank_questions(loaded)} == original
    assert export_bank_json(loaded).text == exported.text  # the same file, byte for byte
    # Loading the same file again finds nothing to change.
    result = bank_load(paths=[path])
    assert sum(result.created.values()) == sum(result.updated.values()) == 0


def test_plain_gift_keeps_text_that_looks_like_html():
    """What we export is [plain]: tags and entities in it are the text, not markup."""
    article = ArticleFactory()
    QuestionFactory(
        article=article,
        key="tags",
        prompt="Which of these is x < y > z?",
        choices=[("<b>", True), ("AT&amp;T", False), ("x<y and z>w", False)],
    )
    (question,) = import_gift(export_gift(article).text).questions
    assert question.prompt == "Which of these is x < y > z?"
    assert question.choices == [
        ("<b>", True, ""),
        ("AT&amp;T", False, ""),
        ("x<y and z>w", False, ""),
    ]


def test_html_gift_is_reduced_to_its_text():
    gift = "::tags::[html]<p>Is it <b>x</b>?</p>{\n\t=<p>yes<br></p>\n\t~no &amp; never\n}\n"
    (question,) = import_gift(gift).questions
    assert question.prompt == "Is it x?"
    assert question.choices == [("yes", True, ""), ("no & never", False, "")]


def test_a_kind_moodle_xml_cannot_carry_is_listed_as_left_out(monkeypatch):
    article = ArticleFactory()
    QuestionFactory(article=article, key="kept")
    QuestionFactory(article=article, key="odd", kind=grading.MATCHING)

    def cannot(element, parts):
        raise grading.CannotExport("Moodle XML cannot say this")

    monkeypatch.setattr(grading.kind(grading.MATCHING), "xml_write", cannot)
    exported = export_moodle_xml(article)
    assert exported.left_out == ["odd: Moodle XML cannot say this"]
    assert "<name>\n      <text>kept</text>" in exported.text
    assert "odd" not in exported.text


def test_a_false_statement_exports_to_gift_as_false():
    article = ArticleFactory()
    QuestionFactory(
        article=article,
        key="false-one",
        kind=grading.TRUE_FALSE,
        choices=[("True", False), ("False", True)],
    )
    assert "\tFALSE\n" in export_gift(article).text


def xml_question(body: str, kind: str = "multichoice") -> str:
    return (
        f'<quiz><question type="{kind}"><name><text>q</text></name>'
        "<questiontext><text>Which?</text></questiontext>"
        "<generalfeedback><text>Why.\n\nSource: “x”</text></generalfeedback>"
        f"{body}</question></quiz>"
    )


def test_a_moodle_answer_worth_nothing_imports_as_wrong():
    body = (
        "<single>false</single>"
        '<answer fraction="50"><text>a</text></answer>'
        '<answer fraction="50"><text>b</text></answer>'
        '<answer fraction="0"><text>c</text></answer>'
    )
    (question,) = import_moodle_xml(xml_question(body)).questions
    assert question.kind == grading.MULTIPLE
    assert question.choices == [("a", True, ""), ("b", True, ""), ("c", False, "")]


def test_a_moodle_number_without_a_tolerance_must_be_exact():
    body = '<answer fraction="100"><text>45</text></answer>'
    (question,) = import_moodle_xml(xml_question(body, "numerical")).questions
    assert (question.numeric_answer, question.numeric_tolerance) == (Decimal(45), Decimal(0))


def test_a_moodle_number_without_a_fully_right_answer_is_reported():
    body = '<answer fraction="50"><text>45</text></answer>'
    imported = import_moodle_xml(xml_question(body, "numerical"))
    assert imported.questions == []
    assert [p.message for p in imported.problems] == ["has no fully right answer"]


# Evidence of several sentences ---------------------------------------------------------------

ONE, TWO, THREE, FOUR = (piece.text for piece in sentences.split(ARTICLE_TEXT))
FORMATS = {
    "gift": (export_gift, "bank.gift"),
    "xml": (export_moodle_xml, "bank.xml"),
    "json": (export_bank_json, "bank.json"),
}


@pytest.fixture
def cited():
    """Questions citing two sentences apart, a run of two, and two in the reverse of the
    article's order; and a quiz of them."""
    article = ArticleFactory(slug="cited", title="Cited")
    apart = QuestionFactory(article=article, key="apart", excerpt=[ONE, THREE])
    run = QuestionFactory(
        article=article,
        key="run",
        kind=grading.TRUE_FALSE,
        choices=[("True", True), ("False", False)],
        excerpt=f"{TWO} {THREE}",
    )
    backwards = QuestionFactory(article=article, key="backwards", numeric=True, excerpt=[FOUR, TWO])
    QuizFactory(article=article, slug="cited-quiz", questions=[apart, run, backwards])
    return article


def cited_ids(article) -> dict[str, list[int]]:
    questions = article.questions.prefetch_related("citations")
    return {q.key: [c.sentence_id for c in q.citations.all()] for q in questions}


def keys_in(fmt: str, text: str) -> list[str]:
    """The questions an exported file holds, read back as an import would."""
    if fmt == "json":
        return [e["fields"]["key"] for e in json.loads(text) if e["model"] == "quiz.question"]
    read = import_gift if fmt == "gift" else import_moodle_xml
    return [q.key for q in read(text).questions]


def load(tmp_path, fmt: str, text: str, article: str) -> None:
    """What an instructor runs to take the file in: load_bank for a bank file, else import."""
    _, name = FORMATS[fmt]
    if fmt == "json":
        path = _write(tmp_path, text, name)
        call_command("load_bank", str(path), stdout=StringIO(), stderr=StringIO())
    else:
        import_file(tmp_path, text, name, article)


def test_the_bank_to_export_cites_what_the_factories_say(cited):
    by_text = {s.text: s.pk for s in cited.current_sentences()}
    assert cited_ids(cited) == {
        "apart": [by_text[ONE], by_text[THREE]],
        "run": [by_text[TWO], by_text[THREE]],
        "backwards": [by_text[FOUR], by_text[TWO]],
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_evidence_of_several_sentences_returns_to_the_same_sentences(tmp_path, cited, fmt):
    export, _ = FORMATS[fmt]
    ids = cited_ids(cited)
    whole = {q.key: comparable(q) for q in bank_questions(cited)}
    text = export(cited).text
    Quiz.objects.filter(article=cited).delete()
    cited.questions.all().delete()
    load(tmp_path, fmt, text, cited.slug)
    assert cited_ids(cited) == ids
    assert {q.key: comparable(q) for q in bank_questions(cited)} == whole


@pytest.mark.parametrize("fmt", FORMATS)
def test_evidence_of_several_sentences_reaches_a_fresh_database_as_the_same_texts(
    tmp_path, cited, fmt
):
    export, _ = FORMATS[fmt]
    whole = {q.key: comparable(q) for q in bank_questions(cited)}
    old_ids = set(Sentence.objects.values_list("pk", flat=True))
    text = export(cited).text
    Quiz.objects.all().delete()
    Question.objects.all().delete()  # first: their citations protect the sentences
    Article.objects.all().delete()
    if fmt != "json":  # a bank file brings its article; GIFT and XML need it loaded first
        ArticleFactory(slug="cited", title="Cited")
    load(tmp_path, fmt, text, "cited")
    article = Article.objects.get(slug="cited")
    assert {q.key: comparable(q) for q in bank_questions(article)} == whole
    assert {q.key: q.evidence for q in bank_questions(article)} == {
        "apart": [ONE, THREE],
        "backwards": [FOUR, TWO],
        "run": [TWO, THREE],
    }
    assert not old_ids & {pk for ids in cited_ids(article).values() for pk in ids}


def test_a_bank_file_carries_each_question_s_evidence_as_its_sentences(cited):
    entries = json.loads(export_bank_json(cited).text)
    assert [e["model"] for e in entries if e["model"] in ("quiz.article", "quiz.quiz")] == [
        "quiz.article",
        "quiz.quiz",
    ]
    questions = {e["fields"]["key"]: e["fields"] for e in entries if e["model"] == "quiz.question"}
    assert questions["apart"]["evidence"] == [ONE, THREE]
    assert questions["run"]["evidence"] == [TWO, THREE]
    assert questions["backwards"]["evidence"] == [FOUR, TWO]
    assert "excerpt" not in questions["apart"]
    numbers = questions["backwards"]["numeric_answer"], questions["backwards"]["numeric_tolerance"]
    assert numbers == ("45", "0")  # as a person writes them, not 45.0000
    links = [e["fields"] for e in entries if e["model"] == "quiz.quizquestion"]
    assert [link["question"] for link in links] == [
        ["apart", "cited"],
        ["run", "cited"],
        ["backwards", "cited"],
    ]


def test_moodle_shows_each_cited_sentence_on_a_line_of_its_own(cited):
    xml = export_moodle_xml(cited).text
    assert f"\n\nSource: “{ONE}”\nSource: “{THREE}”</text>" in xml
    gift = export_gift(cited).text
    assert f"\\n\\nSource\\: “{ONE}”\\nSource\\: “{THREE}”\n" in gift


@pytest.mark.parametrize(
    ("feedback", "explanation", "evidence"),
    [
        ("Why.\n\nSource: “A.”", "Why.", ["A."]),  # a file from before: one line…
        ("Why.\n\nSource: “A. B.”", "Why.", ["A. B."]),  # …which may quote a run
        ("Why.\n\nSource: “A.”\nSource: “B.”", "Why.", ["A.", "B."]),
        ("Why.\n\nSource: “A.”\n\nSource: “B.”\n", "Why.", ["A.", "B."]),  # HTML paragraphs
        ("Why.\n\nBecause.\n\nSource: “He said “no.””", "Why.\n\nBecause.", ["He said “no.”"]),
        ("Source: “A.”\nSource: “B.”", "", ["A.", "B."]),
        ("Why, with no source.", "Why, with no source.", []),
        ("Source: “A.” is quoted.\n\nWhy.", "Source: “A.” is quoted.\n\nWhy.", []),
        ("Why.\n\nSource: “A.”\nNot a source.", "Why.\n\nSource: “A.”\nNot a source.", []),
        ("Why.\n\nSource: “”", "Why.\n\nSource: “”", []),
    ],
)
def test_the_sources_are_read_from_the_end_of_the_general_feedback(feedback, explanation, evidence):
    assert split_feedback(feedback) == (explanation, evidence)


def test_moodle_html_feedback_gives_each_source_paragraph_as_a_sentence():
    feedback = (
        "<![CDATA[<p>Why &amp; how.</p>\n<p>Source: “A &amp; B.”</p>\n"
        "<p>Source: “C.”<br>Source: “D.”</p>]]>"
    )
    xml = xml_question('<answer fraction="100"><text>a</text></answer>').replace(
        "<generalfeedback><text>Why.\n\nSource: “x”</text>",
        f'<generalfeedback format="html"><text>{feedback}</text>',
    )
    (question,) = import_moodle_xml(xml).questions
    assert (question.explanation, question.evidence) == ("Why & how.", ["A & B.", "C.", "D."])


@pytest.mark.parametrize("name", ["old.gift", "old.xml"])
def test_a_file_from_before_with_one_source_line_quoting_a_run_cites_each_sentence(tmp_path, name):
    article = ArticleFactory(slug="before")
    source = f"{TWO} {THREE}"
    if name.endswith(".gift"):
        text = f"::old::When?{{=March ~April####Early.\\n\\nSource\\: “{source}”}}\n"
    else:
        text = xml_question(
            '<answer fraction="100"><text>March</text></answer>'
            '<answer fraction="0"><text>April</text></answer>'
        ).replace("Source: “x”", f"Source: “{source}”")
    out, _ = import_file(tmp_path, text, name, "before")
    assert "Imported 1 question(s) into before." in out
    (question,) = bank_questions(article)
    assert question.evidence == [TWO, THREE]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_question_citing_a_sentence_an_edit_took_out_is_left_out_saying_why(cited, fmt):
    export, _ = FORMATS[fmt]
    edited = ARTICLE_TEXT.replace(THREE, "The 45-year-old organised the referendum.")
    article_text_set(article=cited, text=edited, user=None, via="test")
    exported = export(cited)
    # `apart` and `run` cite the sentence the edit took out; `backwards` does not.
    review = (
        "it cites a sentence no longer in the article (it needs review): confirm or "
        "re-pick its evidence first"
    )
    links = [f"quiz cited-quiz: without {key}, left out above" for key in ("apart", "run")]
    if fmt != "json":
        links = []  # GIFT and Moodle XML carry no quizzes
    assert exported.left_out == [f"apart: {review}", f"run: {review}", *links]
    assert keys_in(fmt, exported.text) == ["backwards"]


def test_a_question_citing_nothing_is_left_out_saying_why(cited):
    Citation.objects.filter(question__key="run").delete()
    for fmt, (export, _) in FORMATS.items():
        exported = export(cited)
        assert exported.left_out[0] == "run: it cites no sentence of the article"
        assert keys_in(fmt, exported.text) == ["apart", "backwards"]


# One of them the passages of the questions whose options are their sentences.
@pytest.mark.parametrize(("fmt", "queries"), [("gift", 6), ("xml", 6), ("json", 8)])
def test_an_export_takes_the_same_few_queries_whatever_the_bank_s_size(
    cited, fmt, queries, django_assert_max_num_queries
):
    export, _ = FORMATS[fmt]
    quiz = Quiz.objects.get(slug="cited-quiz")
    for n in range(10):
        question = QuestionFactory(article=cited, excerpt=[FOUR, ONE])
        QuizQuestion.objects.create(quiz=quiz, question=question, position=n + 4)
    with django_assert_max_num_queries(queries):
        exported = export(cited)
    assert exported.text.count(FOUR) >= 11


def test_the_export_command_writes_a_bank_file_and_says_what_it_left_out(tmp_path, cited):
    edited = ARTICLE_TEXT.replace(ONE, "Sergei Shoigu agreed to the general’s plan.")
    article_text_set(article=cited, text=edited, user=None, via="test")
    err = StringIO()
    output = tmp_path / "bank.json"
    call_command("export_bank", "cited", "--format", "json", "-o", str(output), stderr=err)
    entries = json.loads(output.read_text(encoding="utf-8"))
    keys = [e["fields"]["key"] for e in entries if e["model"] == "quiz.question"]
    assert keys == ["backwards", "run"]
    assert err.getvalue().splitlines()[1:] == [
        "Left out of the JSON file:",
        "  apart: it cites a sentence no longer in the article (it needs review): "
        "confirm or re-pick its evidence first",
        "  quiz cited-quiz: without apart, left out above",
    ]


def test_an_imported_source_that_is_not_a_sentence_is_refused_naming_the_nearest(tmp_path):
    ArticleFactory(slug="misquoted")
    straight = FOUR.replace("’", "'")
    text = (
        f"::q::When?{{=October ~May####Autumn.\\n\\nSource\\: “{ONE}”\\nSource\\: “{straight}”}}\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_bank",
            str(_write(tmp_path, text, "q.gift")),
            "--article",
            "misquoted",
            stderr=err,
        )
    assert (
        f"evidence 2: This is not a sentence of the article. The nearest sentence is “{FOUR}”"
        in err.getvalue()
    )
    assert "Curly and straight apostrophes or quotes differ" in err.getvalue()
    assert not Question.objects.filter(article__slug="misquoted").exists()


def test_a_file_that_is_not_xml_is_refused_even_when_skipping_what_cannot_be_read(tmp_path, db):
    from tests.factories import ArticleFactory

    ArticleFactory(slug="copy")
    path = tmp_path / "cut.xml"
    path.write_text('<?xml version="1.0"?><quiz><question type="truefalse"><name>', "utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="cannot be imported; nothing was imported"):
        call_command(
            "import_bank", str(path), "--article", "copy", "--skip-unsupported", stderr=err
        )
    assert "is not well-formed XML" in err.getvalue()
