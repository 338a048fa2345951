"""The bank lint: `validate_bank` warns of what makes a bank easy to game or weak to learn
from, naming the questions; `--strict` fails on it. Each warning has a bank that triggers it
and a near miss that must not."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from quiz import grading, lint, models
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db

SHOIGU = "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city."
MARCH = "Russia captured Kherson back in March."
REFERENDUM = "The 45-year-old was a driving force in organising the referendum."
OCTOBER = "Kyiv’s men then made a breakthrough to the north of Kherson in October."
SENTENCES = [SHOIGU, MARCH, REFERENDUM, OCTOBER]


@pytest.fixture
def article():
    return ArticleFactory(slug="kherson")


def validate(*args: str) -> str:
    out = StringIO()
    call_command("validate_bank", "--article", "kherson", *args, stdout=out)
    return out.getvalue()


def single(article, n: int, right_at: int = 1, **kwargs):
    """A single-choice question of its own (its own sentence and right answer, so it is no
    duplicate of another), right at `right_at`, the right choice never the longest."""
    choices = [(f"Wrong answer number {n}{'x' * extra}", False) for extra in (1, 2)]
    choices.insert(right_at - 1, (f"Right answer {n}", True))
    defaults = {
        "key": f"q{n}",
        "prompt": f"Which answer is right in question {n}?",
        "explanation": "A reason the reader learns from.",
        "excerpt": SENTENCES[n % 4],
        "choices": choices,
    }
    return QuestionFactory(article=article, **{**defaults, **kwargs})


def section(output: str, check: str) -> str:
    """The lines printed under one check's heading ('' if it has none)."""
    heading = lint.CHECKS[check]
    if heading not in output:
        return ""
    return output.split(heading, 1)[1].split("\n\n", 1)[0]


# A clean bank -------------------------------------------------------------------------------


def test_a_sound_bank_has_no_warnings(article):
    questions = [single(article, n, right_at=n % 3 + 1) for n in range(6)]
    QuizFactory(article=article, slug="full", questions=questions)
    output = validate("--strict")
    assert "Bank lint" not in output
    assert "No problems found." in output


# (a) the right choice at one position ------------------------------------------------------


def test_it_warns_when_the_right_choice_is_always_first_and_choices_are_not_shuffled(article):
    questions = [single(article, n, right_at=1) for n in range(6)]
    QuizFactory(article=article, slug="full", questions=questions, shuffle_choices=False)
    found = section(validate(), "position")
    assert "quiz full: the right choice is choice 1 in 6 of its 6 single-choice questions" in found
    assert "kherson/q0, kherson/q1, kherson/q2, kherson/q3, kherson/q4, kherson/q5" in found


def test_it_does_not_warn_of_positions_a_quiz_shuffles(article):
    questions = [single(article, n, right_at=1) for n in range(6)]
    QuizFactory(article=article, slug="full", questions=questions, shuffle_choices=True)
    assert section(validate(), "position") == ""


def test_it_does_not_warn_of_positions_spread_as_chance_spreads_them(article):
    questions = [single(article, n, right_at=[1, 1, 2, 3, 1, 2][n]) for n in range(6)]
    QuizFactory(article=article, slug="full", questions=questions, shuffle_choices=False)
    assert section(validate(), "position") == ""


# (b) the right choice the longest -----------------------------------------------------------


def longest(article, n: int, right: str):
    return single(article, n, choices=[("Wrong", False), (right, True), (f"Wrong {n}", False)])


def test_it_warns_when_the_right_choice_is_the_longest_far_more_often_than_chance(article):
    for n in range(5):
        longest(article, n, f"The much longer right answer {n}")
    found = section(validate(), "longest")
    assert "bank kherson: the right choice is the longest in 5 of its 5" in found
    assert "kherson/q0, kherson/q1, kherson/q2, kherson/q3, kherson/q4" in found


def test_a_right_choice_that_ties_for_longest_does_not_count(article):
    for n in range(5):
        longest(article, n, f"Right {n}")  # as long as "Wrong {n}"
    assert section(validate(), "longest") == ""


# (c) duplicates -----------------------------------------------------------------------------


def test_it_warns_of_two_questions_citing_the_same_sentences_with_the_same_answer(article):
    QuestionFactory(article=article, key="who-agreed", excerpt=[SHOIGU, MARCH])
    QuestionFactory(
        article=article,
        key="who-agreed-typed",
        kind=grading.SHORT_TEXT,
        excerpt=[SHOIGU, MARCH],
        accepted=["Shoigu", "sergei  SHOIGU."],
    )
    found = section(validate(), "duplicate")
    assert "kherson/who-agreed, kherson/who-agreed-typed cite the same sentences" in found


def test_the_same_answer_from_other_sentences_is_no_duplicate(article):
    QuestionFactory(article=article, key="who-agreed", excerpt=[SHOIGU, MARCH])
    QuestionFactory(article=article, key="who-agreed-again", excerpt=[SHOIGU])
    assert section(validate(), "duplicate") == ""


def test_true_or_false_questions_on_one_sentence_are_no_duplicates(article):
    for key in ("agreed", "withdraw"):
        QuestionFactory(article=article, key=key, kind=grading.TRUE_FALSE, excerpt=SHOIGU)
    assert section(validate(), "duplicate") == ""


# (d) explanations ---------------------------------------------------------------------------


def test_it_warns_of_an_explanation_that_only_restates_the_question(article):
    QuestionFactory(
        article=article,
        key="who-agreed",
        prompt="Who agreed to the plan to withdraw?",
        excerpt=SHOIGU,
        explanation="According to the article, Sergei Shoigu agreed to General Surovikin’s plans.",
    )
    found = section(validate(), "explanation")
    assert "kherson/who-agreed: its explanation adds no word" in found


def test_an_explanation_that_says_why_is_not_flagged(article):
    QuestionFactory(
        article=article,
        key="who-agreed",
        prompt="Who agreed to the plan to withdraw?",
        excerpt=SHOIGU,
        explanation="According to the article, Sergei Shoigu approved the plan.",  # one new word
    )
    assert section(validate(), "explanation") == ""


# (e) give-aways -----------------------------------------------------------------------------


def giveaway_pair(article, answer: str, giver_prompt: str):
    """A question that may give away the answer of the next one: [giver, asked]."""
    giver = QuestionFactory(
        article=article,
        key="plan-judged",
        kind=grading.TRUE_FALSE,
        prompt=giver_prompt,
        excerpt=MARCH,
        explanation="Said in the twelfth paragraph.",
        choices=[("True", True), ("False", False)],
    )
    asked = single(
        article,
        1,
        key="whose-plan",
        prompt="Whose plan was it to withdraw?",
        choices=[(answer, True), ("Vladimir Putin", False), ("Ramzan Kadyrov", False)],
    )
    return [giver, asked]


SURO = "The plan of General Surovikin was judged sound."


def test_it_warns_of_a_question_whose_prompt_gives_away_another_of_its_quiz(article):
    QuizFactory(
        article=article, slug="full", questions=giveaway_pair(article, "General Surovikin", SURO)
    )
    found = section(validate(), "giveaway")
    assert "kherson/plan-judged: its prompt gives away the answer of kherson/whose-plan" in found
    assert "“General Surovikin” (in quiz full)" in found


def test_a_question_asked_after_the_one_it_would_give_away_gives_nothing_away(article):
    """Answers are given in order and are final."""
    giver, asked = giveaway_pair(article, "General Surovikin", SURO)
    QuizFactory(article=article, slug="fixed", questions=[asked, giver])
    assert section(validate(), "giveaway") == ""
    QuizFactory(article=article, slug="shuffled", questions=[asked, giver], shuffle_questions=True)
    assert "(in quiz shuffled)" in section(validate(), "giveaway")


def test_a_give_away_across_two_quizzes_is_not_flagged(article):
    giver, asked = giveaway_pair(article, "General Surovikin", SURO)
    QuizFactory(article=article, slug="one", questions=[asked])
    QuizFactory(article=article, slug="other", questions=[giver])
    assert section(validate(), "giveaway") == ""


def test_a_common_lower_case_word_is_no_give_away(article):
    QuizFactory(article=article, slug="full", questions=giveaway_pair(article, "generals", SURO))
    assert section(validate(), "giveaway") == ""


def test_an_answer_many_questions_of_the_quiz_name_is_its_subject_not_a_give_away(article):
    _, asked = giveaway_pair(article, "General Surovikin", "Nobody planned it.")
    others = [
        QuestionFactory(
            article=article, kind=grading.TRUE_FALSE, prompt=f"General Surovikin did thing {n}."
        )
        for n in range(3)
    ]
    quiz = QuizFactory(article=article, slug="full", questions=[*others, asked])
    # all 4 questions show it (the last as its right choice): more than 3 is the subject
    assert section(validate(), "giveaway") == ""
    quiz.quiz_questions.filter(question__in=others[1:]).delete()
    assert "give" in section(validate(), "giveaway")


def river_questions(article):
    typed = QuestionFactory(
        article=article,
        key="which-river",
        kind=grading.SHORT_TEXT,
        prompt="Across which river did the troops withdraw?",
        accepted=["Dnipro"],
    )
    shown = single(
        article,
        2,
        key="river-name",
        choices=[("Dnipro", True), ("Don", False)],
        explanation="The Dnipro splits the region.",
    )
    return [shown, typed]


def test_feedback_that_names_another_question_s_typed_answer_gives_it_away(article):
    QuizFactory(article=article, slug="full", questions=river_questions(article))
    found = section(validate(), "giveaway")
    assert (
        "kherson/river-name: its explanation and right choice give away the answer of "
        "kherson/which-river, “Dnipro”" in found
    )


def test_feedback_only_at_the_end_gives_nothing_away(article):
    QuizFactory(
        article=article,
        slug="exam",
        questions=river_questions(article),
        feedback=models.Feedback.AT_END,
    )
    assert section(validate(), "giveaway") == ""


def test_a_matching_question_s_items_give_away_a_typed_answer_whatever_the_feedback(article):
    matching = QuestionFactory(article=article, key="people-roles", kind=grading.MATCHING)
    typed = QuestionFactory(
        article=article,
        key="defence-minister",
        kind=grading.SHORT_TEXT,
        prompt="Who was the defence minister?",
        accepted=["Sergei Shoigu"],
    )
    QuizFactory(
        article=article, slug="exam", questions=[matching, typed], feedback=models.Feedback.AT_END
    )
    found = section(validate(), "giveaway")
    assert (
        "kherson/people-roles: its items give away the answer of kherson/defence-minister" in found
    )


def test_a_right_choice_the_other_question_offers_too_gives_nothing_away(article):
    shown = single(article, 2, key="river-name", choices=[("Dnipro", True), ("Volga", False)])
    asked = single(article, 1, key="river", choices=[("Dnipro", True), ("Don", False)])
    QuizFactory(article=article, slug="full", questions=[shown, asked])
    assert section(validate(), "giveaway") == ""


# The command --------------------------------------------------------------------------------


def test_strict_fails_on_a_warning_with_a_non_zero_exit(article):
    questions = [single(article, n, right_at=1) for n in range(6)]
    QuizFactory(article=article, slug="full", questions=questions)
    with pytest.raises(CommandError, match="1 lint warning"):
        validate("--strict")
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "validate_bank", "--strict"])
    assert exit_.value.code == 1


def test_warnings_alone_do_not_fail(article):
    questions = [single(article, n, right_at=1) for n in range(6)]
    QuizFactory(article=article, slug="full", questions=questions)
    output = validate()
    assert "Bank lint: 1 warning(s)." in output
    assert "No problems found. 1 lint warning(s) above." in output


def test_a_file_is_linted_as_it_would_load_and_nothing_is_kept(article, tmp_path):
    """The file's questions join the bank already saved, their evidence resolved: the lint
    sees both, then the load is rolled back."""
    saved = [single(article, n, right_at=1) for n in range(3)]
    QuizFactory(article=article, slug="full", questions=saved)
    entries = []
    # q3-q5 join the quiz, right at 1 like the saved ones; q0-again asks what q0 asks
    for n, key, right in [(3, "q3", "Right 3"), (4, "q4", "Right 4"), (5, "q5", "Right 5"),
                          (6, "q0-again", "Right answer 0")]:  # fmt: skip
        fields = {
            "article": ["kherson"],
            "key": key,
            "kind": "single",
            "prompt": f"Which answer is right in question {n}?",
            "explanation": "A reason the reader learns from.",
            "evidence": [SENTENCES[0] if key == "q0-again" else SENTENCES[n % 4]],
            "topic": "Topic",
        }
        entries.append({"model": "quiz.question", "fields": fields})
        for position, text in enumerate([right, f"Wrong one {n}", f"Wrong two {n}"], 1):
            choice = {"question": [key, "kherson"], "position": position, "text": text}
            entries.append(
                {"model": "quiz.choice", "fields": {**choice, "is_correct": position == 1}}
            )
        if key != "q0-again":
            entries.append(
                {
                    "model": "quiz.quizquestion",
                    "fields": {"quiz": ["full"], "question": [key, "kherson"], "position": n + 1},
                }
            )
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(entries))
    out = StringIO()
    call_command("validate_bank", str(path), stdout=out)
    found = section(out.getvalue(), "position")
    assert "choice 1 in 6 of its 6" in found
    assert "kherson/q0" in found
    assert "kherson/q5" in found
    assert "kherson/q0, kherson/q0-again cite the same" in section(out.getvalue(), "duplicate")
    assert article.questions.count() == 3


def test_the_bank_is_read_in_a_fixed_number_of_queries(article, django_assert_num_queries):
    def read() -> lint.Bank:
        with django_assert_num_queries(6):
            return lint.bank_read(article_slugs=["kherson"])

    QuizFactory(article=article, slug="full", questions=[single(article, 0)])
    assert len(read().items) == 1
    questions = [single(article, n) for n in range(1, 8)]
    questions.append(QuestionFactory(article=article, kind=grading.SHORT_TEXT))
    questions.append(QuestionFactory(article=article, numeric=True))
    QuizFactory(article=article, slug="more", questions=questions)
    bank = read()
    assert len(bank.items) == 10
    assert [len(q.items) for q in bank.quizzes] == [1, 9]


# The pure parts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The article says Putin’s generals agreed.", {"putin", "general", "agreed"}),
        (
            "Countries' 1,000 soldiers crossed the river",
            {"country", "1000", "soldier", "crossed", "river"},
        ),
        ("It is what it is.", set()),
        ("A 3.5 km retreat", {"3.5", "km", "retreat"}),
    ],
)
def test_content_words_are_lower_case_stemmed_and_without_stop_words(text, words):
    assert lint.content_words(text) == words


@pytest.mark.parametrize(
    ("answer", "distinctive"),
    [
        ("Sergei Shoigu", True),
        ("the Dnipro river", True),
        ("Kherson", True),
        ("45", True),
        ("3", False),
        ("retreat", False),
        ("the", False),
        ("the Donbas", True),
        ("In just a few days", False),
        ("Retreat now", False),
    ],
)
def test_an_answer_is_distinctive_when_it_names_something(answer, distinctive):
    assert lint._distinctive(answer) is distinctive


def test_the_binomial_tail_is_exact():
    assert lint.binomial_tail(6, 6, 1 / 3) == pytest.approx((1 / 3) ** 6)
    assert lint.binomial_tail(0, 10, 0.25) == 1.0
    # P(X >= 2) for Binomial(3, 0.5) = 4/8
    assert lint.binomial_tail(2, 3, 0.5) == pytest.approx(0.5)


def test_the_checks_run_on_plain_data_without_the_database():
    items = [
        lint.Item(
            ref=f"a/q{n}",
            article="a",
            kind=grading.SINGLE,
            prompt=f"Question {n}?",
            explanation="A reason.",
            choices=(lint.Choice("Right", True), lint.Choice("Wrong", False)),
            numeric_answer=Decimal(0) if n < 0 else None,
        )
        for n in range(10)
    ]
    findings = lint.lint(lint.Bank(tuple(items), (lint.QuizItems("quiz", False, tuple(items)),)))
    assert [f.check for f in findings] == ["position"]
    assert findings[0].questions == tuple(f"a/q{n}" for n in range(10))
