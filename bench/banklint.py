"""Time `validate_bank` (its bank checks and the bank lint) on a 10,000-question bank.

    .venv/bin/python bench/banklint.py                      # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/banklint.py

Builds, with bulk_create, one article of 2,000 sentences and --questions questions citing one
or two of them (70% single choice of 4 choices, 15% short answer with 2 accepted answers,
10% numeric, 5% true/false), with made-up names in their prompts, choices and explanations so
that the give-away check has words to look up; one quiz of every question that does not
shuffle choices, and ten quizzes of 1,000. Then times `validate_bank --article`, and the lint
alone with its query count. Target: seconds, not minutes.
"""

from __future__ import annotations

import argparse
import atexit
import io
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import reset_postgres  # noqa: E402

SENTENCES = 2000
FIRST = [
    "Ivan",
    "Olga",
    "Petro",
    "Anna",
    "Mykola",
    "Iryna",
    "Sergei",
    "Taras",
    "Oksana",
    "Dmytro",
    "Yulia",
    "Andriy",
]
LAST = [
    "Kovalenko",
    "Shevchenko",
    "Bondar",
    "Tkachenko",
    "Melnyk",
    "Kravets",
    "Oliynyk",
    "Lysenko",
    "Marchenko",
]
PLACES = [
    "Kherson",
    "Mykolaiv",
    "Odesa",
    "Izium",
    "Bakhmut",
    "Lyman",
    "Kupiansk",
    "Balakliia",
    "Snihurivka",
]


def build(questions: int) -> str:
    """The bench bank, written with bulk_create; its article's slug."""
    from quiz import grading
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

    rng = random.Random(1)

    def name() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    texts = [
        f"{name()} said on day {n} that {rng.choice(PLACES)} was {rng.choice(['held', 'lost'])}."
        for n in range(SENTENCES)
    ]
    article = Article.objects.create(slug="bench-lint", title="Bench", text=" ".join(texts))
    sentences = Sentence.objects.bulk_create(
        Sentence(article=article, text=t, position=n, paragraph=n // 5 + 1)
        for n, t in enumerate(texts, 1)
    )
    kinds = rng.choices(
        [grading.SINGLE, grading.SHORT_TEXT, grading.NUMERIC, grading.TRUE_FALSE],
        weights=[70, 15, 10, 5],
        k=questions,
    )
    rows = Question.objects.bulk_create(
        (
            Question(
                article=article,
                key=f"q{n}",
                kind=kind,
                prompt=f"What did {name()} say about {rng.choice(PLACES)} on day {n}?",
                explanation=f"Because {name()} confirmed it in {rng.choice(PLACES)}.",
                topic=f"Topic {n % 10}",
                numeric_answer=Decimal(rng.randrange(100)) if kind == grading.NUMERIC else None,
            )
            for n, kind in enumerate(kinds)
        ),
        batch_size=500,
    )
    citations, choices, accepted = [], [], []
    for question in rows:
        cited = rng.randrange(SENTENCES - 1)
        for position, index in enumerate(range(cited, cited + rng.choice([1, 2])), 1):
            citations.append(
                Citation(question=question, sentence=sentences[index], position=position)
            )
        if question.kind == grading.SINGLE:
            right = rng.randrange(4)
            names = rng.sample([f"{f} {last}" for f in FIRST for last in LAST], 4)
            choices += [
                Choice(question=question, position=p + 1, text=t, is_correct=p == right)
                for p, t in enumerate(names)
            ]
        elif question.kind == grading.TRUE_FALSE:
            choices.append(Choice(question=question, position=1, text="True", is_correct=True))
            choices.append(Choice(question=question, position=2, text="False"))
        elif question.kind == grading.SHORT_TEXT:
            place = rng.choice(PLACES)
            accepted += [AcceptedAnswer(question=question, text=t) for t in (place, f"in {place}")]
    Citation.objects.bulk_create(citations, batch_size=1000)
    Choice.objects.bulk_create(choices, batch_size=1000)
    AcceptedAnswer.objects.bulk_create(accepted, batch_size=1000)
    everything = Quiz.objects.create(article=article, slug="bench-lint-all", title="All")
    quiz_questions = [
        QuizQuestion(quiz=everything, question=q, position=n) for n, q in enumerate(rows, 1)
    ]
    for part in range(10):
        quiz = Quiz.objects.create(
            article=article, slug=f"bench-lint-{part}", title=f"Part {part}", shuffle_choices=True
        )
        chunk = rows[part * len(rows) // 10 : (part + 1) * len(rows) // 10]
        quiz_questions += [
            QuizQuestion(quiz=quiz, question=q, position=n) for n, q in enumerate(chunk, 1)
        ]
    QuizQuestion.objects.bulk_create(quiz_questions, batch_size=1000)
    return article.slug


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="quiz-lint-bench-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
        }
    )
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    if os.environ["DATABASE_URL"].startswith("postgres"):
        reset_postgres()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quiz import lint
    from quiz.banks import bank_problems

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    slug = build(args.questions)
    print(f"built {args.questions} questions in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        bank = lint.bank_read(article_slugs=[slug])
    read = time.perf_counter() - started
    print(f"lint: read {read:.2f} s in {len(queries)} queries")
    for check in (
        lint.position_findings,
        lint.longest_findings,
        lint.duplicate_findings,
        lint.explanation_findings,
        lint.giveaway_findings,
    ):
        started = time.perf_counter()
        data = (
            bank.items
            if check.__name__ in ("longest_findings", "duplicate_findings", "explanation_findings")
            else bank.quizzes
        )
        findings = check(data)
        print(
            f"  {check.__name__}: {time.perf_counter() - started:.2f} s, {len(findings)} warnings"
        )

    started = time.perf_counter()
    problems = bank_problems(article_slugs=[slug])
    print(f"bank_problems (the checks before the lint): {time.perf_counter() - started:.2f} s")
    assert not problems, problems[:3]
    out = io.StringIO()
    started = time.perf_counter()
    call_command("validate_bank", "--article", slug, stdout=out)
    print(f"validate_bank --article {slug}: {time.perf_counter() - started:.2f} s")
    print(out.getvalue().splitlines()[0])


if __name__ == "__main__":
    main()
