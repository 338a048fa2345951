"""Where a student's requests spend their time, in-process: no server, no load generator.

    .venv/bin/python bench/cycle.py                       # SQLite, temp file
    .venv/bin/python bench/cycle.py --profile answer      # and cProfile's top of one kind
    DATABASE_URL=postgres://... .venv/bin/python bench/cycle.py

Students of one cohort go through the cycle bench/capacity.py drives, through Django's test
client with the production settings (`DEBUG` off): the login page and login, start, the
question page, every answer POST (htmx, as the page sends it), finish and the review. For each
kind of request it prints the mean milliseconds (wall clock, one thread: here that is CPU),
the queries, the milliseconds the database driver spent in them, on SQLite the milliseconds
its write transactions held the writers' queue (`quiz/sqlite`: one writer at a time, so this
is what a class queues on), and each kind's share of a whole cycle, so the heavy request is
plain. `--profile KIND` then runs the cycle again under
cProfile and prints the functions where that kind spent the most time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("login page", "login", "start", "question", "answer", "finish", "review")


class Timings:
    """Per kind of request: how many, their wall time, their queries and the queries' time."""

    def __init__(self) -> None:
        self.count: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.queries: dict[str, int] = defaultdict(int)
        self.query_seconds: dict[str, float] = defaultdict(float)
        self.locked_seconds: dict[str, float] = defaultdict(float)
        self.profiles: dict[str, cProfile.Profile] = {}

    def report(self) -> None:
        cycle = sum(self.seconds.values()) / max(self.count["start"], 1)
        print(
            f"{'request':<11} {'count':>6} {'ms':>7} {'queries':>8} {'in SQL ms':>10}"
            f" {'locked ms':>10} {'of a cycle':>11}"
        )
        for kind in KINDS:
            n = self.count[kind]
            if not n:
                continue
            share = self.seconds[kind] / self.count["start"] / cycle if cycle else 0.0
            print(
                f"{kind:<11} {n:>6} {self.seconds[kind] / n * 1000:>7.2f}"
                f" {self.queries[kind] / n:>8.1f} {self.query_seconds[kind] / n * 1000:>10.2f}"
                f" {self.locked_seconds[kind] / n * 1000:>10.2f} {share:>10.0%}"
            )
        print(f"a whole cycle: {cycle * 1000:.0f} ms for {self._per_cycle():.1f} requests")

    def _per_cycle(self) -> float:
        return sum(self.count.values()) / max(self.count["start"], 1)


# Seconds each SQLite write transaction held the writers' queue, in order.
LOCKED: list[float] = []


def time_the_writers_queue() -> None:
    """Add to LOCKED each hold of SQLite's writers' queue (`quiz/sqlite`), from taking it to
    letting it go."""
    from quiz.sqlite.base import DatabaseWrapper

    join, leave = DatabaseWrapper._join_queue, DatabaseWrapper._leave_queue

    def joined(self) -> None:
        join(self)
        self._joined_at = time.perf_counter()

    def left(self) -> None:
        if self._queued:
            LOCKED.append(time.perf_counter() - self._joined_at)
        leave(self)

    DatabaseWrapper._join_queue, DatabaseWrapper._leave_queue = joined, left


class Student:
    """One student's client, timing each request by kind."""

    def __init__(
        self, client, name: str, password: str, timings: Timings, profile: str | None
    ) -> None:
        from http.cookies import SimpleCookie

        # One client for all: a new one would load the middleware again (whitenoise scans
        # the static files), which a server does once per worker, not per student.
        self.client = client
        self.client.cookies = SimpleCookie()
        self.name, self.password = name, password
        self.timings, self.profile = timings, profile

    def call(self, kind: str, method: str, path: str, expected: int, **extra):
        from django.db import connection

        spent = []

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append(time.perf_counter() - started)

        profiler = None
        if self.profile == kind:
            profiler = self.timings.profiles.setdefault(kind, cProfile.Profile())
        locked_before = sum(LOCKED)
        with connection.execute_wrapper(timed):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = getattr(self.client, method)(path, **extra)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - started
        if response.status_code != expected:
            raise SystemExit(f"{kind} {path}: {response.status_code}, not {expected}")
        t = self.timings
        t.count[kind] += 1
        t.seconds[kind] += elapsed
        t.queries[kind] += len(spent)
        t.query_seconds[kind] += sum(spent)
        t.locked_seconds[kind] += sum(LOCKED) - locked_before
        return response

    def log_in(self) -> None:
        self.call("login page", "get", "/accounts/login/", 200)
        token = self.client.cookies["csrftoken"].value
        self.call(
            "login",
            "post",
            "/accounts/login/",
            302,
            data={"username": self.name, "password": self.password, "csrfmiddlewaretoken": token},
        )

    def attempt(self, quiz: str) -> None:
        from bench.capacity import answer_form, pick_answer

        token = self.client.cookies["csrftoken"].value
        started = self.call(
            "start", "post", f"/quizzes/{quiz}/start/", 302, data={"csrfmiddlewaretoken": token}
        )
        page_url = urlsplit(started["Location"]).path
        attempt = page_url.strip("/").split("/")[1]
        action = f"/attempts/{attempt}/answer/"
        page = self.call("question", "get", page_url, 200)
        rng = random.Random(attempt)
        while True:
            form = answer_form(page.content.decode(), action)
            if form is None:
                raise SystemExit(f"no answer form on {page_url}")
            page = self.call(
                "answer",
                "post",
                action,
                200,
                data=_pairs(pick_answer(form, rng)),
                headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page_url}"},
                HTTP_X_CSRFTOKEN=token,
            )
            if "HX-Redirect" in page:
                break
            page_url = page.get("HX-Push-Url", page_url)
        self.call(
            "finish",
            "post",
            f"/attempts/{attempt}/finish/",
            302,
            data={"csrfmiddlewaretoken": token},
        )
        self.call("review", "get", f"/attempts/{attempt}/review/", 200)


def _pairs(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        data[name].append(value)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8, help="students, one cycle each")
    parser.add_argument("--warm-up", type=int, default=2, help="cycles run first, not counted")
    parser.add_argument("--profile", choices=KINDS, help="print cProfile's top of this kind")
    parser.add_argument("--lines", type=int, default=30, help="functions --profile prints")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="quiz-profile-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/profile.sqlite3")
    os.environ.update(
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "profile-" + "x" * 50),
        ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from bench import capacity, loadtest

    if os.environ["DATABASE_URL"].startswith("postgres"):
        loadtest.reset_postgres()
    else:
        time_the_writers_queue()
    call_command("migrate", verbosity=0)
    # The pages name their static files through the manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command(
        "load_bank", str(ROOT / "fixtures" / "kherson-withdrawal.json"), stdout=io.StringIO()
    )
    names = capacity.make_students(args.warm_up + args.students)
    from django.test import Client

    client, warm, timings = Client(), Timings(), Timings()
    for n, name in enumerate(names):
        counted = n >= args.warm_up
        student = Student(
            client,
            name,
            capacity.PASSWORD,
            timings if counted else warm,
            args.profile if counted else None,
        )
        student.log_in()
        student.attempt(capacity.QUIZ)
    print(f"{os.environ['DATABASE_URL'].split(':')[0]}: {args.students} students, one cycle each")
    timings.report()
    if args.profile:
        print(f"\ncProfile of {args.profile} (adds its own overhead):")
        stats = pstats.Stats(timings.profiles[args.profile])
        stats.sort_stats("cumulative").print_stats(args.lines)


if __name__ == "__main__":
    main()
