"""Every loader answers a malformed file with a CommandError (exit 1) and keeps nothing.

Hypothesis mutates the real bank (fixtures/kherson-withdrawal.json, cut to a few questions so
each example is quick) and the Moodle files in tests/data: wrong types per field, dropped and
extra keys, "pk"-style references, truncated files, other encodings, random bytes. Each
document goes through load_bank, validate_bank or import_bank; the only outcomes allowed are
a clean load or a CommandError with exit code 1, and on error the database is as it was.
"""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from quiz.models import (
    AcceptedAnswer,
    Article,
    ArticleRevision,
    Choice,
    Citation,
    Question,
    Quiz,
    QuizQuestion,
    Sentence,
)
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR) / "tests" / "data"
KHERSON = Path(settings.BASE_DIR) / "fixtures" / "kherson-withdrawal.json"
# What a load writes: the bank's rows, and the article's sentences, citations and revisions.
BANK_MODELS = [
    Article,
    Question,
    Choice,
    AcceptedAnswer,
    Quiz,
    QuizQuestion,
    Sentence,
    Citation,
    ArticleRevision,
]
FUZZ = hypothesis_settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    database=None,  # no .hypothesis folder in the worktree
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def small_bank() -> list[dict]:
    """The article, its first four questions with their choices and answers, and a quiz of
    them: every model of a bank, small enough to load many times."""
    entries = json.loads(KHERSON.read_text(encoding="utf-8"))
    keys = [e["fields"]["key"] for e in entries if e["model"] == "quiz.question"][:4]
    kept = []
    for entry in entries:
        fields = entry["fields"]
        model = entry["model"]
        if model == "quiz.question" and fields["key"] not in keys:
            continue
        if "question" in fields and fields["question"][0] not in keys:
            continue
        if model == "quiz.quiz" and fields["slug"] != "kherson-withdrawal-full":
            continue
        if model == "quiz.quizquestion" and fields["quiz"] != ["kherson-withdrawal-full"]:
            continue
        kept.append(entry)
    return kept


BANK = small_bank()
ARTICLE_TEXT = BANK[0]["fields"]["text"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@st.composite
def mutated_banks(draw) -> bytes:
    """The bank with one mutation, as the bytes of a file."""
    bank = json.loads(json.dumps(BANK))
    entry = bank[draw(st.integers(0, len(bank) - 1))]
    name = draw(st.sampled_from(sorted(entry["fields"])))
    how = draw(
        st.sampled_from(
            [
                "wrong type",
                "drop field",
                "drop key",
                "extra field",
                "extra key",
                "pk reference",
                "misquote",
            ]
        )
    )
    if how == "misquote":  # a character of a question's evidence or the article's text changed
        entry = draw(
            st.sampled_from([e for e in bank if e["model"] in ("quiz.question", "quiz.article")])
        )
        if entry["model"] == "quiz.article":
            text = entry["fields"]["text"]
            at = draw(st.integers(0, len(text) - 1))
            entry["fields"]["text"] = text[:at] + draw(st.characters()) + text[at + 1 :]
        else:
            quotes = entry["fields"]["evidence"]
            n = draw(st.integers(0, len(quotes) - 1))
            at = draw(st.integers(0, len(quotes[n]) - 1))
            quotes[n] = quotes[n][:at] + draw(st.characters()) + quotes[n][at + 1 :]
    elif how == "wrong type":
        entry["fields"][name] = draw(json_values)
    elif how == "drop field":
        del entry["fields"][name]
    elif how == "drop key":
        del entry[draw(st.sampled_from(["model", "fields"]))]
    elif how == "extra field":
        entry["fields"][draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    elif how == "extra key":
        entry[draw(st.sampled_from(["pk", "id", "extra"]))] = draw(json_values)
    else:  # a reference by primary key, as dumpdata writes without natural keys
        entry["fields"][name] = draw(st.integers(-2, 10**6))
    text = json.dumps(bank, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8")


@st.composite
def damaged(draw, original: bytes) -> bytes:
    """A file cut short, with bytes changed, in another encoding, or random bytes."""
    how = draw(st.sampled_from(["truncate", "overwrite", "encoding", "random"]))
    if how == "truncate":
        return original[: draw(st.integers(0, len(original) - 1))]
    if how == "overwrite":
        at = draw(st.integers(0, len(original) - 1))
        return original[:at] + draw(st.binary(min_size=1, max_size=8)) + original[at + 8 :]
    if how == "encoding":
        encoding = draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252"]))
        return original.decode("utf-8").encode(encoding, errors="replace")
    return draw(st.binary(max_size=200))


def bank_files():
    original = json.dumps(BANK).encode("utf-8")
    return mutated_banks() | damaged(original)


def snapshot() -> dict[str, list]:
    return {model.__name__: sorted(model.objects.values_list()) for model in BANK_MODELS}


def run(tmp_path: Path, content: bytes, name: str, *args: str) -> None:
    """Run the command on the file; a clean run or a CommandError (exit 1) that keeps
    nothing and names the file, each in a transaction rolled back after."""
    path = tmp_path / name
    path.write_bytes(content)
    with transaction.atomic():
        before = snapshot()
        err = StringIO()
        refused = None
        try:
            call_command(*args[:1], str(path), *args[1:], stdout=StringIO(), stderr=err)
        except CommandError as exc:  # any other exception fails the test
            refused = exc
        if refused is not None:
            assert refused.returncode == 1
            assert snapshot() == before, "a refused file must keep nothing"
            assert str(path) in f"{refused}\n{err.getvalue()}", "the message names the file"
        transaction.set_rollback(True)


@FUZZ
@given(content=bank_files())
def test_load_bank_loads_or_refuses_a_malformed_bank(tmp_path, content):
    run(tmp_path, content, "bank.json", "load_bank")


@FUZZ
@given(content=bank_files())
def test_validate_bank_loads_nothing_and_refuses_a_malformed_bank(tmp_path, content):
    run(tmp_path, content, "bank.json", "validate_bank")


def moodle_files(name: str):
    original = (DATA / name).read_bytes()

    @st.composite
    def edited(draw) -> bytes:
        text = original.decode("utf-8")
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        insert = draw(
            st.text(alphabet=st.sampled_from(list("{}=~#:\\<>&;/![]% \n\tx")), max_size=8)
        )
        return (text[:at] + insert + text[at + cut :]).encode("utf-8")

    return edited() | damaged(original)


@pytest.fixture
def copy(db):
    return ArticleFactory(slug="kherson-copy", text=ARTICLE_TEXT)


@FUZZ
@given(content=moodle_files("from-moodle.gift"))
def test_import_bank_imports_or_refuses_a_malformed_gift_file(tmp_path, copy, content):
    run(tmp_path, content, "bank.gift", "import_bank", "--article", copy.slug)


@FUZZ
@given(content=moodle_files("from-moodle.xml"))
def test_import_bank_imports_or_refuses_a_malformed_moodle_xml_file(tmp_path, copy, content):
    run(tmp_path, content, "bank.xml", "import_bank", "--article", copy.slug)
