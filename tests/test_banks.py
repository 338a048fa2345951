"""Loading banks: all or nothing, natural keys, every object validated, problems named."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from quiz import grading
from quiz.banks import BankError, bank_load, bank_problems
from quiz.exchange import export_bank_json
from quiz.models import AcceptedAnswer, Article, Choice, Citation, Question, Quiz, QuizQuestion
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The bank fixture holds one question of each kind.
N = len(grading.KINDS)

BANK_MODELS = [Article, Question, Choice, AcceptedAnswer, Quiz, QuizQuestion]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in BANK_MODELS}


@pytest.fixture
def bank(tmp_path) -> list[dict]:
    """A bank of every question type made by the factories, dumped as a file would hold it,
    then removed from the database."""
    article = ArticleFactory(slug="kherson")
    questions = [
        QuestionFactory(article=article, kind=kind, key=kind)
        for kind in grading.KINDS
        if kind != grading.NUMERIC
    ]
    questions.append(QuestionFactory(article=article, numeric=True, key="numeric"))
    QuizFactory(article=article, slug="all", questions=questions)
    data = json.loads(export_bank_json(article).text)
    Quiz.objects.all().delete()  # quizzes protect their article and questions
    Article.objects.all().delete()
    assert sum(counts().values()) == 0
    return data


def write(tmp_path: Path, data: list[dict], name: str = "bank.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def find(data: list[dict], model: str, **fields) -> dict:
    return next(
        entry
        for entry in data
        if entry["model"] == model and all(entry["fields"].get(k) == v for k, v in fields.items())
    )


def load_error(tmp_path, data) -> str:
    before = counts()
    with pytest.raises(BankError) as excinfo:
        bank_load(paths=[write(tmp_path, data)])
    assert counts() == before, "a failed load must keep nothing"
    return str(excinfo.value)


def test_a_bank_loads_with_every_object(tmp_path, bank):
    result = bank_load(paths=[write(tmp_path, bank)])
    assert counts() == {
        "Article": 1,
        "Question": N,
        "Choice": 14,
        "AcceptedAnswer": 2,
        "Quiz": 1,
        "QuizQuestion": N,
    }
    assert result.created["quiz.question"] == N
    assert result.articles == {"kherson"}


def test_loading_the_same_bank_twice_changes_nothing(tmp_path, bank):
    path = write(tmp_path, bank)
    bank_load(paths=[path])
    ids = {
        model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in BANK_MODELS
    }
    result = bank_load(paths=[path])
    assert sum(result.created.values()) == sum(result.updated.values()) == 0
    assert sum(result.unchanged.values()) == len(bank)
    assert ids == {
        model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in BANK_MODELS
    }


def test_loading_an_edited_bank_updates_in_place(tmp_path, bank):
    bank_load(paths=[write(tmp_path, bank)])
    question = Question.objects.get(key="single")
    find(bank, "quiz.question", key="single")["fields"]["explanation"] = "Said better."
    result = bank_load(paths=[write(tmp_path, bank)])
    assert result.updated["quiz.question"] == 1
    question.refresh_from_db()
    assert question.explanation == "Said better."
    assert Question.objects.count() == N


def test_a_bad_object_at_the_end_keeps_nothing_and_is_named(tmp_path, bank):
    find(bank, "quiz.question", key="numeric")["fields"]["evidence"] = ["Kherson fell in May."]
    message = load_error(tmp_path, bank)
    assert "(quiz.question kherson 'numeric')" in message
    assert "evidence: This is not a sentence of the article. The nearest sentence is" in message


def test_a_dangling_reference_is_named(tmp_path, bank):
    find(bank, "quiz.choice", text="Crimea")["fields"]["question"] = ["no-such", "kherson"]
    message = load_error(tmp_path, bank)
    assert (
        "question: no question kherson/no-such in the database or earlier in the files" in message
    )


def test_an_unknown_question_type_is_refused(tmp_path, bank):
    find(bank, "quiz.question", key="single")["fields"]["kind"] = "essay"
    message = load_error(tmp_path, bank)
    assert "kind: Value 'essay' is not a valid choice." in message


def test_a_single_choice_question_with_two_correct_choices_is_refused(tmp_path, bank):
    find(bank, "quiz.choice", text="Vladimir Putin")["fields"]["is_correct"] = True
    message = load_error(tmp_path, bank)
    assert (
        "question kherson/single: a single-choice question needs exactly one correct "
        "choice; it has 2"
    ) in message


def test_a_primary_key_in_the_file_is_refused(tmp_path, bank):
    existing = ArticleFactory(slug="someone-elses")
    bank[0]["pk"] = existing.pk
    message = load_error(tmp_path, bank)
    assert 'carries a primary key ("pk")' in message
    assert Article.objects.get(pk=existing.pk).slug == "someone-elses"


def test_a_bank_cannot_create_users(tmp_path, bank):
    bank.append(
        {
            "model": "auth.user",
            "fields": {"username": "mallory", "is_superuser": True, "password": "x"},
        }
    )
    message = load_error(tmp_path, bank)
    assert "auth.user cannot be loaded from a bank" in message


def test_an_unknown_field_is_named(tmp_path, bank):
    bank[0]["fields"]["colour"] = "red"
    assert "quiz.article has no field 'colour'" in load_error(tmp_path, bank)


def test_a_quiz_drawing_more_than_its_pool_is_refused(tmp_path, bank):
    find(bank, "quiz.quiz", slug="all")["fields"]["draw_count"] = 50
    assert f"quiz all: it draws 50 questions from a pool of {N}" in load_error(tmp_path, bank)


def test_a_file_that_is_not_json_is_named(tmp_path):
    path = tmp_path / "bank.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(BankError) as excinfo:
        bank_load(paths=[path])
    assert f"{path}: is not valid JSON" in str(excinfo.value)


def test_load_bank_command_reports_problems_and_loads_nothing(tmp_path, bank):
    find(bank, "quiz.question", key="single")["fields"]["kind"] = "essay"
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_bank", write(tmp_path, bank), stderr=err)
    assert "kind: Value 'essay' is not a valid choice." in err.getvalue()
    assert sum(counts().values()) == 0


def test_load_bank_command_says_what_it_did(tmp_path, bank):
    out = StringIO()
    call_command("load_bank", write(tmp_path, bank), stdout=out)
    assert f"quiz.question: {N} created, 0 updated, 0 unchanged" in out.getvalue()


def test_validate_bank_catches_a_fabricated_excerpt_in_a_file(tmp_path, bank):
    find(bank, "quiz.question", key="single")["fields"]["evidence"] = ["Putin resigned."]
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("validate_bank", write(tmp_path, bank), stderr=err)
    assert (
        "(quiz.question kherson 'single'): evidence: This is not a sentence of the article, "
        "and no sentence of it is close" in err.getvalue()
    )
    assert sum(counts().values()) == 0, "validating a file never keeps it"


def test_validate_bank_passes_a_good_file_without_loading_it(tmp_path, bank):
    out = StringIO()
    call_command("validate_bank", write(tmp_path, bank), stdout=out)
    assert "No problems found." in out.getvalue()
    assert sum(counts().values()) == 0


def test_validate_bank_checks_the_database(tmp_path, bank):
    bank_load(paths=[write(tmp_path, bank)])
    # An edit that skipped validation, as raw SQL or loaddata would make.
    Citation.objects.filter(question__key="short_text").delete()
    Choice.objects.filter(question__key="true_false").update(is_correct=False)
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("validate_bank", "--article", "kherson", stderr=err)
    assert "question kherson/short_text: it cites no sentence of its article" in err.getvalue()
    assert (
        "question kherson/true_false: a true-or-false question needs exactly one" in err.getvalue()
    )


def test_bank_problems_finds_nothing_in_a_good_bank(tmp_path, bank):
    bank_load(paths=[write(tmp_path, bank)])
    assert bank_problems() == []


def test_a_reference_by_primary_key_is_named(tmp_path, bank):
    find(bank, "quiz.choice", text="Crimea")["fields"]["question"] = 1
    message = load_error(tmp_path, bank)
    assert "(quiz.choice " in message
    assert "question: names a question by 1; a bank names it by its natural key" in message


def test_a_bad_boolean_is_named(tmp_path, bank):
    find(bank, "quiz.choice", text="Crimea")["fields"]["is_correct"] = "yes"
    assert "is_correct: must be true or false, not 'yes'" in load_error(tmp_path, bank)


def test_a_missing_reference_is_named(tmp_path, bank):
    del find(bank, "quiz.question", key="single")["fields"]["article"]
    assert "(quiz.question 'single'): article: missing" in load_error(tmp_path, bank)


def test_a_file_nested_too_deeply_is_named(tmp_path):
    path = tmp_path / "bank.json"
    path.write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(BankError, match=f"{path}: is not "):
        bank_load(paths=[path])


def test_a_file_far_larger_than_a_bank_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr("quiz.banks.MAX_FILE_BYTES", 10)
    path = write(tmp_path, [{"model": "quiz.article", "fields": {}}])
    with pytest.raises(BankError, match=f"{path}: is larger than"):
        bank_load(paths=[path])


def test_load_bank_command_names_the_file(tmp_path, bank):
    find(bank, "quiz.question", key="single")["fields"]["kind"] = "essay"
    path = write(tmp_path, bank)
    with pytest.raises(CommandError, match=f"1 problem\\(s\\) found in {path}") as excinfo:
        call_command("load_bank", path, stderr=StringIO())
    assert excinfo.value.returncode == 1


def test_export_bank_to_a_place_it_cannot_write_is_refused(tmp_path, bank):
    bank_load(paths=[write(tmp_path, bank)])
    with pytest.raises(CommandError, match="cannot be written"):
        call_command("export_bank", "kherson", "-o", str(tmp_path), stderr=StringIO())


def big_bank(questions: int) -> list[dict]:
    """One article and `questions` single-choice questions of 4 choices, in a quiz."""
    sentences = [f"Sentence {n} says something." for n in range(questions)]
    entries = [
        {
            "model": "quiz.article",
            "fields": {"slug": "big", "title": "Big", "text": " ".join(sentences)},
        }
    ]
    for n in range(questions):
        entries.append(
            {
                "model": "quiz.question",
                "fields": {
                    "article": ["big"],
                    "key": f"q{n}",
                    "kind": "single",
                    "prompt": f"What does sentence {n} say?",
                    "explanation": "It says so.",
                    "excerpt": sentences[n],
                    "topic": "All",
                },
            }
        )
        entries += [
            {
                "model": "quiz.choice",
                "fields": {
                    "question": [f"q{n}", "big"],
                    "position": p,
                    "text": f"Answer {p}",
                    "is_correct": p == 1,
                },
            }
            for p in range(1, 5)
        ]
    entries.append(
        {"model": "quiz.quiz", "fields": {"article": ["big"], "slug": "big", "title": "Big"}}
    )
    entries += [
        {
            "model": "quiz.quizquestion",
            "fields": {"quiz": ["big"], "question": [f"q{n}", "big"], "position": n + 1},
        }
        for n in range(questions)
    ]
    return entries


def test_a_big_bank_is_written_in_a_few_statements_after_every_check(tmp_path):
    """Students' answers wait on the write transaction (SQLite's write lock): it holds the
    bulk writes and the bank's checks only, whatever the bank's size."""
    from django.db import connection

    in_transaction = 0

    def count(execute, sql, params, many, context):
        nonlocal in_transaction
        in_transaction += connection.in_atomic_block
        return execute(sql, params, many, context)

    path = write(tmp_path, big_bank(600))  # 6,002 objects
    with connection.execute_wrapper(count):
        result = bank_load(paths=[path])
    assert result.created["quiz.choice"] == 2400
    assert Question.objects.filter(article__slug="big").count() == 600
    # batches of 500 rows, the sentences and citations, then the checks; was 6,000+
    assert in_transaction <= 45


# Checked before the write transaction, guarded inside it ---------------------------------------


def test_a_reload_naming_a_saved_questions_prompt_under_a_new_key_is_refused(tmp_path, bank):
    """Unique constraints are checked on the bank in memory, saved rows included, instead of
    one query per object: a clash with a row the file leaves in place is still named."""
    bank_load(paths=[write(tmp_path, bank)])
    copy = json.loads(json.dumps(find(bank, "quiz.question", key="single")))
    copy["fields"]["key"] = "single-again"
    message = load_error(tmp_path, [copy])
    assert "(quiz.question kherson 'single-again'): same article, prompt as a question" in message
    assert not Question.objects.filter(key="single-again").exists()


def test_a_bank_changed_between_the_checks_and_the_write_is_checked_again(
    tmp_path, bank, monkeypatch
):
    """The bank-wide checks run before the write transaction; if someone changes the bank
    in between (a second correct choice in the admin), the rows written are not the rows
    checked, and the load is refused and keeps nothing."""
    from quiz import banks

    bank_load(paths=[write(tmp_path, bank)])
    find(bank, "quiz.question", key="single")["fields"]["explanation"] = "Said better."
    write_plan = banks._Plan.write

    def write_after_an_edit(plan, result):
        Choice.objects.filter(question__key="single").update(is_correct=True)
        write_plan(plan, result)

    monkeypatch.setattr(banks._Plan, "write", write_after_an_edit)
    message = load_error(tmp_path, bank)
    assert "question kherson/single: a single-choice question needs exactly one" in message
    assert Question.objects.get(key="single").explanation != "Said better."


def test_reloading_a_big_bank_looks_objects_up_a_batch_at_a_time(
    tmp_path, django_assert_max_num_queries
):
    """One query per model per 500 keys, not one per object (and none of full_clean's own):
    a reload of a 10,000-object bank took ~35 s."""
    path = write(tmp_path, big_bank(400))  # 2,402 objects
    bank_load(paths=[path])
    with django_assert_max_num_queries(40):  # was 16,000+
        result = bank_load(paths=[path])
    assert sum(result.unchanged.values()) == 2402


def test_students_answering_while_a_bank_loads_see_no_500(tmp_path, student):
    """A real load in another thread while the student answers: on SQLite an answer waits for
    the write lock or gets a 503 with Retry-After; on PostgreSQL it does not wait at all."""
    import threading

    from django.db import connection
    from django.test import Client

    from quiz import services
    from quiz.models import Response

    quiz = QuizFactory(
        open_to=[student], questions=[QuestionFactory(numeric=True) for _ in range(30)]
    )
    attempt = services.attempt_start(user=student, quiz=quiz)
    items = list(attempt.items.order_by("position"))
    path = write(tmp_path, big_bank(300))  # 3,002 objects
    failures: list[BaseException] = []

    def load() -> None:
        try:
            bank_load(paths=[path])
        except BaseException as exc:  # reported by the test
            failures.append(exc)
        finally:
            connection.close()

    client = Client(raise_request_exception=False)
    client.force_login(student)
    loader = threading.Thread(target=load)
    statuses: list[int] = []
    connection.ensure_connection()
    if connection.vendor == "sqlite":  # a lock waited for past 0.2 s, not 20 s, is refused
        connection.connection.execute("PRAGMA busy_timeout = 200")
    try:
        loader.start()
        while loader.is_alive() or not statuses:
            item = items[len(statuses) % len(items)]
            response = client.post(
                reverse("quiz:answer", args=[attempt.pk]),
                {"item": item.pk, "answer": "45"},
                HTTP_HX_REQUEST="true",
            )
            statuses.append(response.status_code)
            if response.status_code == 503:
                assert response["Retry-After"]
    finally:
        loader.join()
        if connection.vendor == "sqlite":
            timeout = connection.settings_dict["OPTIONS"]["timeout"]
            connection.connection.execute(f"PRAGMA busy_timeout = {timeout * 1000}")
    assert not failures
    assert Question.objects.filter(article__slug="big").count() == 300
    print("statuses during the load:", {s: statuses.count(s) for s in set(statuses)})
    assert set(statuses) <= {200, 503}, statuses
    answered = {n % len(items) for n, status in enumerate(statuses) if status == 200}
    assert answered, "no answer got through"
    assert Response.objects.filter(item__attempt=attempt).count() == len(answered)


def test_a_reloaded_bank_drops_the_choices_answers_and_quiz_questions_it_no_longer_lists(
    tmp_path, bank
):
    """A file that defines a question with its choices, or a quiz with its questions, lists
    all of them: an edited bank loads as the bank it is, not merged with the old one."""
    bank_load(paths=[write(tmp_path, bank)])
    single = find(bank, "quiz.question", key="single")["fields"]
    wrong = next(
        e
        for e in bank
        if e["model"] == "quiz.choice"
        and e["fields"]["question"][0] == "single"
        and not e["fields"]["is_correct"]
    )
    bank.remove(wrong)
    dropped_answer = next(e for e in bank if e["model"] == "quiz.acceptedanswer")
    bank.remove(dropped_answer)
    dropped_link = find(bank, "quiz.quizquestion", question=["numeric", "kherson"])
    bank.remove(dropped_link)
    result = bank_load(paths=[write(tmp_path, bank)])
    assert result.removed == {"quiz.choice": 1, "quiz.acceptedanswer": 1, "quiz.quizquestion": 1}
    assert "1 removed" in result.summary()
    assert not Choice.objects.filter(question__key="single", text=wrong["fields"]["text"]).exists()
    assert not AcceptedAnswer.objects.filter(text=dropped_answer["fields"]["text"]).exists()
    quiz = Quiz.objects.get(slug="all")
    assert "numeric" not in set(quiz.questions.values_list("key", flat=True))
    assert Question.objects.filter(key="numeric").exists()  # out of the quiz, still in the bank
    assert Question.objects.get(key="single").prompt == single["prompt"]
    assert bank_problems() == []


def test_a_file_that_lists_no_choices_of_a_question_leaves_them(tmp_path, bank):
    bank_load(paths=[write(tmp_path, bank)])
    before = counts()
    only = [find(bank, "quiz.article", slug="kherson"), find(bank, "quiz.question", key="single")]
    only[1]["fields"]["explanation"] = "Said better."
    result = bank_load(paths=[write(tmp_path, only)])
    assert sum(result.removed.values()) == 0
    assert counts() == before


def test_a_file_adding_questions_to_a_quiz_it_does_not_define_keeps_the_others(tmp_path, bank):
    bank_load(paths=[write(tmp_path, bank)])
    QuestionFactory(article=Article.objects.get(slug="kherson"), key="extra")
    link = {"quiz": ["all"], "question": ["extra", "kherson"], "position": N + 1}
    bank_load(paths=[write(tmp_path, [{"model": "quiz.quizquestion", "fields": link}])])
    assert Quiz.objects.get(slug="all").quiz_questions.count() == N + 1


def test_a_quiz_drawing_more_than_its_draw_groups_allow_is_refused(tmp_path, bank):
    """A draw group counts once: N questions, three of one group, offer N - 2."""
    find(bank, "quiz.quiz", slug="all")["fields"]["draw_count"] = N - 1
    for key in ("single", "multiple"):
        find(bank, "quiz.question", key=key)["fields"]["draw_group"] = "same-fact"
    bank_load(paths=[write(tmp_path, bank)])  # N - 1 can be drawn: one of the two, and the rest
    find(bank, "quiz.question", key="true_false")["fields"]["draw_group"] = "same-fact"
    assert (
        f"quiz all: it draws {N - 1} questions, but its draw groups let one attempt ask only "
        f"{N - 2} of its {N}" in load_error(tmp_path, bank)
    )


def test_a_reloaded_bank_may_reorder_a_quizs_questions(tmp_path, bank):
    bank_load(paths=[write(tmp_path, bank)])
    links = [e for e in bank if e["model"] == "quiz.quizquestion"]
    first, last = links[0]["fields"], links[-1]["fields"]
    first["position"], last["position"] = last["position"], first["position"]
    bank_load(paths=[write(tmp_path, bank)])
    order = list(
        Quiz.objects.get(slug="all").quiz_questions.values_list("question__key", flat=True)
    )
    assert order[0] == last["question"][0]
    assert order[-1] == first["question"][0]
    assert bank_problems() == []
