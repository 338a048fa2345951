"""Time the class retention forecast on the demo article's coverage map for a cohort of 1,000
students remembering its 73 questions.

    .venv/bin/python bench/forecast.py                       # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/forecast.py

The demo bank (fixtures/kherson-withdrawal.json: 38 sentences, 55 questions citing them) is
loaded with `load_bank` and made up to 73 questions (`--questions`) citing its sentences in
turn; the cohort and its graded attempts are bench/cohorts.py's (none by
default: the forecast reads memories, not answers; `--attempts 20` adds the coverage map's
200,000 answers to the page's figure), and a memory per student and question is written in
bulk as FSRS leaves them: stabilities from half a day to 60 days, last reviews over the past
month, a few students who never answered and a few questions each student never met.

Timed N times after one to warm up: the report (`reports.coverage` then `reports.forecast`,
as the view calls them), the forecast alone on a map already read, and the whole page through
the test client, as an instructor. Target on this 2-core machine: the report under 500 ms,
with a fixed number of queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import prepared_database  # noqa: E402

NEVER = 0.03  # share of students with no memory at all
UNMET = 0.1  # share of the questions a student never met


def add_questions(article, total: int) -> None:
    """Questions citing the article's sentences in turn, up to `total` in its bank."""
    from quiz import grading
    from quiz.models import Citation, Question

    sentences = list(article.current_sentences())
    extra = Question.objects.bulk_create(
        [
            Question(
                article=article,
                key=f"bench-{n}",
                kind=grading.SINGLE,
                prompt=f"Bench question {n}?",
                explanation="Made by bench/forecast.py.",
                topic="Bench",
            )
            for n in range(total - article.questions.count())
        ]
    )
    Citation.objects.bulk_create(
        [
            Citation(question=question, sentence=sentences[n % len(sentences)], position=1)
            for n, question in enumerate(extra)
        ]
    )


def make_memories(cohort, questions, *, seed: int = 7) -> int:
    """A memory per student of `cohort` and question, but for the never-answered."""
    import random

    from django.utils import timezone

    from quiz.models import Memory

    rng = random.Random(seed)
    now = timezone.now()
    made = 0
    for membership in cohort.memberships.all():
        if rng.random() < NEVER:
            continue
        rows = []
        for question in questions:
            if rng.random() < UNMET:
                continue
            stability = rng.uniform(0.5, 60)
            last_review = now - timedelta(days=rng.uniform(0, 30))
            rows.append(
                Memory(
                    user_id=membership.user_id,
                    question=question,
                    stability=stability,
                    difficulty=rng.uniform(1, 10),
                    state=2,
                    last_review=last_review,
                    due=last_review + timedelta(days=max(1, round(stability))),
                )
            )
        made += len(Memory.objects.bulk_create(rows))
    return made


def timed(label: str, runs: int, work: Callable[[], object], target: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    work()  # warm
    times, cpu = [], []  # CPU: this process's own (SQLite runs in it), whatever else runs
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            work()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    times.sort()
    if os.environ.get("BENCH_SQL"):
        for q in queries.captured_queries:
            print(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:150]}")
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(
        f"  {label:34} median {statistics.median(times) * 1000:4.0f} ms, "
        f"p95 {p95 * 1000:4.0f} ms, CPU median {statistics.median(cpu) * 1000:4.0f} ms, "
        f"{len(queries)} queries{target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=73, help="in the bank at least")
    parser.add_argument("--attempts", type=int, default=0, help="graded attempts each")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each")
    args = parser.parse_args()

    *_, database = prepared_database("quiz-forecast-bench-")

    import django

    django.setup()
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from bench.cohorts import instructor_client, make_attempts
    from quiz import memory, reports
    from quiz.models import Article, Response

    start = time.perf_counter()
    cohort, quiz = make_attempts(args.students, args.attempts)
    article = Article.objects.get(quizzes=quiz)
    add_questions(article, args.questions)
    questions = list(article.questions.filter(citations__isnull=False).distinct())
    memories = make_memories(cohort, questions)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    setup_seconds = time.perf_counter() - start
    client = instructor_client()[1]
    day = timezone.localdate() + timedelta(days=7)
    at = memory.school_start(day)
    query = f"?cohort={cohort.pk}&forecast=on&day={day}&threshold=70"
    url = reverse("quiz:coverage", args=[article.slug]) + query
    print()
    print(
        f"{database}: retention forecast, {article.current_sentences().count()} sentences, "
        f"{len(questions)} questions, {args.students} students, {memories:,} memories, "
        f"{Response.objects.count():,} answered questions (made in {setup_seconds:.1f} s), "
        f"{args.runs} runs after one to warm up:"
    )
    covered = reports.coverage(article, cohort=cohort)
    timed(
        "report (coverage, then forecast)",
        args.runs,
        lambda: reports.forecast(reports.coverage(article, cohort=cohort), at=at, threshold=70),
        " (target < 500 ms, fixed queries)",
    )
    timed(
        "forecast alone, on a map read",
        args.runs,
        lambda: reports.forecast(covered, at=at, threshold=70),
        "",
    )

    def render() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert b"forecast-table" in response.content

    timed("the page, through the test client", args.runs, render, "")


if __name__ == "__main__":
    main()
