"""Load a 12,000-object bank with `load_bank` while students answer through HTTP.

    .venv/bin/python bench/bankload.py                  # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/bankload.py

Serves the app under gunicorn as bench/loadtest.py does, sets students answering the
kherson quiz (one answer every --think seconds each, as a class does), then loads a generated
bank of one article, 2,000 single-choice questions with 4 choices each and a quiz of all of
them (12,002 objects), then reloads it with every question's explanation edited (2,000
updates, 10,002 objects unchanged), then once more unchanged. For each it prints how long it
held a write transaction open (the outermost `atomic` block, which on SQLite holds the write
lock from its `BEGIN IMMEDIATE`), the whole command's time, and the answers' statuses and
p50/p95/p99 meanwhile.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import request, reset_postgres, serve, setup, stop, wait_for  # noqa: E402

QUESTIONS = 2000


def bank(path: Path, questions: int = QUESTIONS, explanation: str = "Because it says so.") -> int:
    """Write a bank file of one article and `questions` single-choice questions; its size."""
    slug = "bench-bank"
    sentences = [
        f"Sentence number {n} of the bench article says something." for n in range(questions)
    ]
    entries: list[dict] = [
        {
            "model": "quiz.article",
            "fields": {"slug": slug, "title": "Bench", "source": "", "text": " ".join(sentences)},
        }
    ]
    for n in range(questions):
        key = f"q{n}"
        entries.append(
            {
                "model": "quiz.question",
                "fields": {
                    "article": [slug],
                    "key": key,
                    "kind": "single",
                    "prompt": f"What does sentence {n} say?",
                    "explanation": explanation,
                    "evidence": [sentences[n]],
                    "topic": f"Topic {n % 10}",
                    "numeric_answer": None,
                    "numeric_tolerance": "0",
                },
            }
        )
        for position in range(1, 5):
            entries.append(
                {
                    "model": "quiz.choice",
                    "fields": {
                        "question": [key, slug],
                        "position": position,
                        "text": f"Answer {position}",
                        "is_correct": position == 1,
                        "match": "",
                    },
                }
            )
    entries.append(
        {
            "model": "quiz.quiz",
            "fields": {"article": [slug], "slug": slug, "title": "Bench quiz"},
        }
    )
    entries += [
        {
            "model": "quiz.quizquestion",
            "fields": {"quiz": [slug], "question": [f"q{n}", slug], "position": n + 1},
        }
        for n in range(questions)
    ]
    path.write_text(json.dumps(entries), encoding="utf-8")
    return len(entries)


def students(args: tuple) -> list[tuple[float, float, int]]:
    """Each plan's student answers one question every `think` seconds until `until`;
    (started at, seconds, status) of every answer."""
    port, plans, think, stop_file = args
    done: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def student(plan: dict) -> None:
        headers = {
            "Cookie": f"{plan['cookie']}; csrftoken={plan['csrf']}",
            "X-CSRFToken": plan["csrf"],
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        path = f"/attempts/{plan['attempt']}/answer/"
        for data in plan["answers"]:
            if os.path.exists(stop_file):
                return
            started = time.time()
            try:
                seconds, status, _ = request(
                    port, "POST", path, headers, urlencode(data, doseq=True)
                )
            except OSError:  # no answer within the client's 30 s: counted as status 0
                seconds, status = time.time() - started, 0
            with lock:
                done.append((started, seconds, status))
            time.sleep(think)

    threads = [threading.Thread(target=student, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done


def timed_load(path: Path) -> tuple[float, list[float]]:
    """Run load_bank; its whole time and the duration of each outermost atomic block."""
    from django.core.management import call_command
    from django.db import connection, transaction

    spans: list[float] = []
    enter, exit_ = transaction.Atomic.__enter__, transaction.Atomic.__exit__
    opened: list[float] = []

    def timed_enter(self):
        if not connection.in_atomic_block:
            opened.append(time.perf_counter())
        return enter(self)

    def timed_exit(self, *exc):
        try:
            return exit_(self, *exc)
        finally:
            if not connection.in_atomic_block and opened:
                spans.append(time.perf_counter() - opened.pop())

    transaction.Atomic.__enter__, transaction.Atomic.__exit__ = timed_enter, timed_exit
    start = time.perf_counter()
    try:
        call_command("load_bank", str(path), stdout=io.StringIO())
    finally:
        transaction.Atomic.__enter__, transaction.Atomic.__exit__ = enter, exit_
    return time.perf_counter() - start, spans


def pct(data: list[float], q: float) -> float:
    data = sorted(data)
    return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between answers")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="quiz-bankload-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.update(env)
    database = env["DATABASE_URL"].split(":", 1)[0]
    if database.startswith("postgres"):
        reset_postgres()
    objects = bank(workdir / "bank.json", args.questions)
    bank(workdir / "edited.json", args.questions, explanation="Because it says so, in short.")
    size = (workdir / "bank.json").stat().st_size / 1e6
    print(f"Setting up {args.students} students on {database} …", flush=True)
    plans = setup(args.students)
    from django.db import connections

    connections.close_all()  # the client processes fork from here
    server = serve(
        env,
        workers=args.workers,
        port=args.port,
        stderr=subprocess.DEVNULL,  # a locked database's tracebacks; the statuses say it
    )
    try:
        wait_for(args.port)
        stop_file = workdir / "stop"
        with multiprocessing.Pool(1) as pool:
            students_args = (args.port, plans, args.think, str(stop_file))
            answering = pool.apply_async(students, (students_args,))
            time.sleep(2)  # the class is answering when the load starts
            loads = []
            for name, file in (
                ("load_bank", "bank.json"),
                ("load_bank again, edited", "edited.json"),
                ("load_bank again, unchanged", "edited.json"),
            ):
                start = time.time()
                total, spans = timed_load(workdir / file)
                loads.append((name, start, time.time(), total, spans))
                time.sleep(1)
            stop_file.touch()
            answers = answering.get(timeout=120)
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"{database}: load_bank of {objects:,} objects ({size:.1f} MB) while {args.students} "
        f"students answer every {args.think:g} s"
    )
    for name, load_start, load_end, total, spans in loads:
        during = [a for a in answers if a[0] < load_end and a[0] + a[1] > load_start]
        statuses: dict[int, int] = {}
        for _, _, status in during:
            statuses[status] = statuses.get(status, 0) + 1
        latencies = [a[1] for a in during]
        print(f"  {name}: {total:.2f} s in all")
        print("    write transaction(s): " + ", ".join(f"{s * 1000:.0f} ms" for s in spans))
        print(
            f"    answers meanwhile: {len(during)}, p50 {pct(latencies, 0.5):.0f} ms, "
            f"p95 {pct(latencies, 0.95):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms, "
            f"max {max(latencies, default=0) * 1000:.0f} ms, statuses {json.dumps(statuses)} "
            "(0: no response within 30 s)"
        )
    print()


if __name__ == "__main__":
    main()
