"""Time the coverage map of the demo article for a cohort of 1,000 students with 20 attempts
each.

    .venv/bin/python bench/coverage.py                       # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/coverage.py

The demo bank (fixtures/kherson-withdrawal.json: 38 sentences, 73 questions citing them) is
loaded with `load_bank`, and attempts at its ten-question quiz written in bulk as
bench/cohorts.py writes them (200,000 answered questions). The page is
fetched through the test client, as an instructor, N times after one to warm up. Target on
this 2-core machine: under 300 ms, with a fixed number of queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import prepared_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=20, help="attempts each")
    parser.add_argument("--renders", type=int, default=20, help="timed renders of the map")
    args = parser.parse_args()

    *_, database = prepared_database("quiz-coverage-bench-")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.cohorts import instructor_client, make_attempts
    from quiz.models import Article, Response

    start = time.perf_counter()
    cohort, quiz = make_attempts(args.students, args.attempts)
    article = Article.objects.get(quizzes=quiz)
    setup_seconds = time.perf_counter() - start
    client = instructor_client()[1]
    url = reverse("quiz:coverage", args=[article.slug])
    print()
    print(
        f"{database}: coverage map, {article.current_sentences().count()} sentences, "
        f"{article.questions.count()} questions, {args.students} students × {args.attempts} "
        f"attempts ({Response.objects.count():,} answered questions; made in "
        f"{setup_seconds:.1f} s), {args.renders} renders after one to warm up:"
    )
    for label, query in (("the cohort", f"?cohort={cohort.pk}"), ("all students", "")):
        assert client.get(url + query).status_code == 200  # warm
        times = []
        for _ in range(args.renders):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url + query)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        times.sort()
        if os.environ.get("BENCH_SQL"):
            for q in queries.captured_queries:
                print(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:150]}")
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"  {label:12} median {statistics.median(times) * 1000:4.0f} ms, "
            f"p95 {p95 * 1000:4.0f} ms, {len(queries)} queries, "
            f"{len(response.content) / 1024:.0f} KB (target < 300 ms, fixed queries)"
        )


if __name__ == "__main__":
    main()
