"""Banks to and from Moodle: GIFT and Moodle XML round trips, reports, refusals."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import CommandError, call_command

from quiz import grading
from quiz.banks import bank_load
from quiz.exchange import (
    bank_questions,
    export_gift,
    export_moodle_xml,
    import_gift,
    import_moodle_xml,
)
from quiz.models import AcceptedAnswer, Article, Choice, Question, Quiz, QuizQuestion
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BANK = Path(settings.BASE_DIR) / "fixtures" / "kherson-withdrawal.json"


@pytest.fixture
def kherson():
    bank_load(paths=[BANK])
    return Article.objects.get(slug="kherson-withdrawal")


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
        q.excerpt,
        q.topic,
        tuple(choices),
        tuple(sorted(q.accepted)),
        None if q.numeric_answer is None else q.numeric_answer.normalize(),
        q.numeric_tolerance.normalize(),
    )


def import_file(tmp_path, text, name, article="kherson-copy", *args):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_bank", str(path), "--article", article, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_gift_round_trip_of_the_article_bank(tmp_path, kherson, copy):
    exported = export_gift(kherson)
    ordering = [q.key for q in bank_questions(kherson) if q.kind == grading.ORDERING]
    assert ordering, "the bank has ordering questions, which GIFT cannot carry"
    assert sorted(exported.left_out) == sorted(
        f"{key}: GIFT has no ordering questions (use Moodle XML)" for key in ordering
    )
    import_file(tmp_path, exported.text, "bank.gift")
    original = {q.key: comparable(q) for q in bank_questions(kherson) if q.kind != grading.ORDERING}
    copied = {q.key: comparable(q) for q in bank_questions(copy)}
    assert copied.keys() == original.keys()
    for key, value in original.items():
        assert copied[key] == value, key


def test_moodle_xml_round_trip_carries_every_type(tmp_path, kherson, copy):
    exported = export_moodle_xml(kherson)
    assert exported.left_out == []
    import_file(tmp_path, exported.text, "bank.xml")
    original = {q.key: comparable(q) for q in bank_questions(kherson)}
    copied = {q.key: comparable(q) for q in bank_questions(copy)}
    assert copied == original
    assert {q.kind for q in bank_questions(copy)} == set(grading.KINDS)


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
    assert "Left out, as GIFT cannot express them:" in err.getvalue()
    assert "GIFT has no ordering questions" in err.getvalue()
    assert (tmp_path / "b.gift").read_text(encoding="utf-8").count("::") > 60


def test_gift_escapes_its_special_characters(tmp_path, kherson, copy):
    question = Question.objects.filter(article=kherson, kind=grading.SINGLE).first()
    question.prompt = "Which: {this} = that ~ or # other?"
    question.save()
    text = export_gift(kherson).text
    assert "Which\\: \\{this\\} \\= that \\~ or \\# other?" in text
    import_file(tmp_path, text, "bank.gift")
    assert Question.objects.get(article=copy, key=question.key).prompt == question.prompt


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


def test_a_gift_file_from_moodle_imports(tmp_path, copy):
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
    assert "excerpt" in err.getvalue()
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


def test_unsafe_xml_is_refused(tmp_path, copy):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz><question type="essay">'
        "<name><text>&b;</text></name></question></quiz>"
    )
    imported = import_moodle_xml(bomb)
    assert imported.questions == []
    assert "unsafe" in str(imported.problems[0])


def test_malformed_gift_is_reported(copy):
    imported = import_gift("::broken::What is missing?{=an ending\n")
    assert imported.questions == []
    assert "not closed" in str(imported.problems[0])


def test_dumpdata_with_natural_keys_loads_into_another_database(tmp_path, kherson):
    models = [Article, Question, Choice, AcceptedAnswer, Quiz, QuizQuestion]
    dumped = serializers.serialize(
        "json",
        [obj for model in models for obj in model.objects.all()],
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    assert '"pk"' not in dumped
    before = {m.__name__: m.objects.count() for m in models}
    # "Another database": everything gone, ids about to differ.
    Quiz.objects.all().delete()
    Article.objects.all().delete()
    ArticleFactory.create_batch(3)  # takes the ids the old rows had
    path = _write(tmp_path, dumped, "dump.json")
    call_command("loaddata", str(path), stdout=StringIO())
    after = {m.__name__: m.objects.count() for m in models}
    assert after["Question"] == before["Question"]
    assert after["Article"] == before["Article"] + 3
    bank_load(paths=[path])  # and through load_bank, which validates: nothing changes


def _write(tmp_path, text, name):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
