"""Time the coverage map of a demo-like article for a cohort of 1,000 students with 20
attempts each.

    .venv/bin/python bench/coverage.py                       # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/coverage.py

The article is the demo's (fixtures/articles/kherson-withdrawal.txt, split as saving it in the
admin does), with ~70 single-choice questions citing one or two of its sentences each (a
quarter of its sentences left uncited), and a quiz drawing 10 of them an attempt; attempts are
written in bulk as bench/cohorts.py writes them (200,000 answered questions). The page is
fetched through the test client, as an instructor, N times after one to warm up. Target on
this 2-core machine: under 300 ms, with a fixed number of queries.
"""

from __future__ import annotations

import argparse
import atexit
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import _reset_postgres  # noqa: E402

ARTICLE = ROOT / "fixtures" / "articles" / "kherson-withdrawal.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=20, help="attempts each")
    parser.add_argument("--questions", type=int, default=70)
    parser.add_argument("--renders", type=int, default=20, help="timed renders of the map")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="quiz-coverage-bench-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.update(env)
    database = env["DATABASE_URL"].split(":", 1)[0]
    manage = [sys.executable, str(ROOT / "manage.py")]
    if database.startswith("postgres"):
        _reset_postgres()
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    # The page links the stylesheet through the production manifest storage.
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.cohorts import make_attempts
    from quiz.models import Response
    from quiz.roles import instructor_group_sync

    start = time.perf_counter()
    article, quiz = make_bank(args.questions)
    cohort, _ = make_attempts(args.students, args.attempts, quiz=quiz)
    setup_seconds = time.perf_counter() - start
    staff = get_user_model().objects.create(username="bench-instructor", is_staff=True)
    staff.groups.add(instructor_group_sync())  # an instructor, not a superuser
    client = Client()
    client.force_login(staff)
    url = reverse("quiz:coverage", args=[article.slug]) + f"?cohort={cohort.pk}"
    assert client.get(url).status_code == 200  # warm
    times = []
    for _ in range(args.renders):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    times.sort()
    if os.environ.get("BENCH_SQL"):
        for q in queries.captured_queries:
            print(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:150]}")
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print()
    print(
        f"{database}: coverage map, {article.current_sentences().count()} sentences, "
        f"{args.questions} questions, {args.students} students × {args.attempts} attempts "
        f"({Response.objects.count():,} answered questions; made in {setup_seconds:.1f} s)"
    )
    print(
        f"  {args.renders} renders: median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, {len(queries)} queries, "
        f"{len(response.content) / 1024:.0f} KB (target < 300 ms, fixed queries)"
    )


def make_bank(count: int):
    """The demo's article and `count` single-choice questions citing its sentences, in bulk:
    question n cites sentence n of the three in four cited, and every third also the next."""

    from quiz import grading
    from quiz.articles import sentences_sync
    from quiz.models import Article, Choice, Citation, Question, Quiz, QuizQuestion

    article = Article.objects.create(
        slug="kherson-withdrawal",
        title="Russia retreats from Kherson",
        source="Daily Mail, 9 November 2022",
        text=ARTICLE.read_text(encoding="utf-8"),
    )
    sentences_sync(article)
    cited = [s.pk for n, s in enumerate(article.current_sentences()) if n % 4 != 3]
    questions = Question.objects.bulk_create(
        Question(
            article=article,
            key=f"q{n:03d}",
            kind=grading.SINGLE,
            prompt=f"Question {n} on the article?",
            explanation="As the article says.",
            topic=f"Topic {n % 5}",
        )
        for n in range(count)
    )
    Choice.objects.bulk_create(
        Choice(question=q, position=p, text=f"Choice {p}", is_correct=p == 1)
        for q in questions
        for p in (1, 2, 3)
    )
    citations = []
    for n, question in enumerate(questions):
        first = n % len(cited)
        citations.append(Citation(question=question, sentence_id=cited[first], position=1))
        if n % 3 == 0 and first + 1 < len(cited):
            citations.append(Citation(question=question, sentence_id=cited[first + 1], position=2))
    Citation.objects.bulk_create(citations)
    quiz = Quiz.objects.create(
        article=article,
        slug="kherson-withdrawal-ten",
        title="Kherson: ten questions",
        draw_count=10,
    )
    QuizQuestion.objects.bulk_create(
        QuizQuestion(quiz=quiz, question=q, position=p) for p, q in enumerate(questions, 1)
    )
    return article, quiz


if __name__ == "__main__":
    main()
