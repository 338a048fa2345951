"""Serve the app under gunicorn and drive many students through whole attempts at once.

    .venv/bin/python bench/loadtest.py                  # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/loadtest.py

Three phases, each measured alone against the same server: a trivial Django view (the whole
middleware stack, no database), the question page, and the answer POST. It prints requests per
second and p50/p95 latency for each, the ratios to the trivial view, the most queries any
request of a kind made (from the X-Queries header bench/middleware.py adds), and each worker's
resident memory after the run. Figures are measured in one run on this machine; the load
generator shares its cores with the server, as it would on any 2-core box.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import io
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    max_queries: int = 0
    elapsed: float = 0.0

    def add(self, seconds: float, status: int, queries: int) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.max_queries = max(self.max_queries, queries)

    def merge(self, other: Sample) -> None:
        self.latencies += other.latencies
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.max_queries = max(self.max_queries, other.max_queries)
        self.elapsed = max(self.elapsed, other.elapsed)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else 0.0


def request(port: int, method: str, path: str, headers: dict, body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, response.status, int(response.getheader("X-Queries", "0"))


# Setup, in this process, through Django ---------------------------------------------------


def open_cohort(name: str, slugs: list[str], users: list, *, days: int = 1):
    """A cohort of `users` with the quizzes of `slugs` open from `days` ago to `days` ahead:
    students start only quizzes open to a cohort of theirs. Returns the cohort."""
    from django.utils import timezone

    from quiz.models import Cohort, CohortQuiz, Membership, Quiz

    cohort = Cohort.objects.create(name=name)
    now = timezone.now()
    CohortQuiz.objects.bulk_create(
        CohortQuiz(
            cohort=cohort,
            quiz=quiz,
            opens_at=now - timedelta(days=days),
            closes_at=now + timedelta(days=days),
        )
        for quiz in Quiz.objects.filter(slug__in=slugs)
    )
    Membership.objects.bulk_create(
        (Membership(cohort=cohort, user=user) for user in users), batch_size=1000
    )
    return cohort


def setup(students: int) -> list[dict]:
    """Load the bank, make students with sessions and an attempt each; return their plans."""
    import django

    django.setup()
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.core.management import call_command
    from django.middleware.csrf import _get_new_csrf_string

    from quiz import services
    from quiz.identity import SessionStore
    from quiz.models import Quiz
    from quiz.session_limits import record_login

    call_command("migrate", verbosity=0)
    call_command(
        "load_bank",
        str(ROOT / "fixtures" / "kherson-withdrawal.json"),
        stdout=io.StringIO(),
    )
    quiz = Quiz.objects.get(slug="kherson-withdrawal-full")
    User = get_user_model()
    users = [
        User.objects.create(username=f"bench{n}-{secrets.token_hex(3)}") for n in range(students)
    ]
    open_cohort(f"Bench {secrets.token_hex(3)}", [quiz.slug], users)
    plans = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "quiz.identity.UserBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        # As a login does: the session's idle and absolute limits start now.
        record_login(sender=None, request=SimpleNamespace(session=session), user=user)
        session.create()
        attempt = services.attempt_start(user=user, quiz=quiz)
        answers = []
        for item in attempt.items.select_related("question").order_by("position"):
            # As the question page posts it: options by their places, not choice ids.
            form = item.page_from_ids(item.question.kind_object.right_form(item.grading_key()))
            data = {"answer": form.answers}
            data.update({f"match-{ident}": match for ident, match in form.matches.items()})
            answers.append({"item": item.pk, **data})
        plans.append(
            {
                "attempt": attempt.pk,
                "cookie": f"sessionid={session.session_key}",
                "csrf": _get_new_csrf_string(),
                "answers": answers,
            }
        )
    return plans


# Load, in worker processes, by threads -----------------------------------------------------


def run_phase(port: int, kind: str, plans: list[dict], seconds: float, threads: int) -> Sample:
    sample = Sample()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()

    def student(plan: dict) -> None:
        local = Sample()
        headers = {"Cookie": f"{plan['cookie']}; csrftoken={plan['csrf']}"}
        if kind == "trivial":
            while time.perf_counter() < deadline:
                local.add(*request(port, "GET", "/trivial/", {}))
        elif kind == "question":
            path = f"/attempts/{plan['attempt']}/"
            while time.perf_counter() < deadline:
                local.add(*request(port, "GET", path, headers))
        else:
            post_headers = {
                **headers,
                "X-CSRFToken": plan["csrf"],
                "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            path = f"/attempts/{plan['attempt']}/answer/"
            for data in plan["answers"]:
                if time.perf_counter() >= deadline:
                    break
                local.add(*request(port, "POST", path, post_headers, urlencode(data, doseq=True)))
        with lock:
            sample.merge(local)

    pending = list(plans)
    workers = []
    while pending:
        batch, pending = pending[:threads], pending[threads:]
        workers = [threading.Thread(target=student, args=(plan,)) for plan in batch]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if time.perf_counter() >= deadline:
            break
    sample.elapsed = time.perf_counter() - start
    return sample


def _phase_in_process(args: tuple) -> dict:
    port, kind, plans, seconds, threads = args
    sample = run_phase(port, kind, plans, seconds, threads)
    return {
        "latencies": sample.latencies,
        "statuses": sample.statuses,
        "max_queries": sample.max_queries,
        "elapsed": sample.elapsed,
    }


def phase(
    port: int, kind: str, plans: list[dict], seconds: float, procs: int, threads: int
) -> Sample:
    slices = [plans[n::procs] for n in range(procs)]
    with multiprocessing.Pool(procs) as pool:
        parts = pool.map(_phase_in_process, [(port, kind, s, seconds, threads) for s in slices])
    total = Sample()
    for part in parts:
        total.merge(
            Sample(
                part["latencies"],
                {int(k): v for k, v in part["statuses"].items()},
                part["max_queries"],
                part["elapsed"],
            )
        )
    return total


# The server ---------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def wait_for(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            request(port, "GET", "/trivial/", {})
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=120)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8, help="client threads per process")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="quiz-bench-"))
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
    print(f"Setting up {args.students} students on {database} …", flush=True)
    plans = setup(args.students)
    server = serve(env, workers=args.workers, port=args.port)
    try:
        wait_for(args.port)
        results = {}
        for kind in ("trivial", "question", "answer"):
            results[kind] = phase(args.port, kind, plans, args.seconds, args.procs, args.threads)
            print(f"  {kind}: {len(results[kind].latencies)} requests", flush=True)
        memory = [rss_mb(pid) for pid in worker_pids(server.pid)]
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, memory, database, args)


def stop(*processes: subprocess.Popen) -> None:
    """Stop servers as their supervisor would: TERM, and KILL what has not gone in 30 s (never
    an exception of its own in a `finally`, hiding the one that got there)."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(
    env: dict[str, str], *, workers: int, port: int, collect: bool = True, **popen: object
) -> subprocess.Popen:
    """Collect the static files (unless `collect` is false: another server of the same tree
    did, and collecting again while its workers boot and read them can fail their boot) and
    start gunicorn (sync workers, as in production)."""
    if collect:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        **popen,
    )


def prepared_database(prefix: str) -> tuple[Path, dict[str, str], list[str], str]:
    """A production-like run (DEBUG off) on a fresh database: a temporary SQLite file, or the
    emptied PostgreSQL of DATABASE_URL, migrated, its static files collected (pages link the
    stylesheet through the manifest storage) and the demo bank loaded. Returns the scratch
    folder (removed at exit), the environment (also set in this process), the manage.py
    command and the database's scheme."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
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
        reset_postgres()
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True)
    subprocess.run(
        [*manage, "load_bank", str(ROOT / "fixtures" / "kherson-withdrawal.json")],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return workdir, env, manage, database


def reset_postgres() -> None:
    """Start from an empty schema, so a second run measures the same thing."""
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def report(results: dict[str, Sample], memory: list[float], database: str, args) -> None:
    trivial = results["trivial"].rps
    print()
    print(
        f"{database}, {args.workers} sync workers, DEBUG off, {args.students} students, "
        f"{args.procs}×{args.threads} client threads, {args.seconds:.0f} s a phase"
    )
    print(f"{'':14}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'× trivial':>11}{'queries':>9}  statuses")
    for kind, label in (
        ("trivial", "trivial view"),
        ("question", "question page"),
        ("answer", "answer POST"),
    ):
        s = results[kind]
        ratio = s.rps / trivial if trivial else 0
        print(
            f"{label:14}{s.rps:8.0f}{s.pct(0.5):9.1f}{s.pct(0.95):9.1f}{ratio:11.2f}"
            f"{s.max_queries:9d}  {json.dumps(s.statuses)}"
        )
    question, answer = results["question"].rps, results["answer"].rps
    if question and answer:
        # This quiz gives feedback at the end: the answer POST brings the next question, so one
        # request is a whole answered question (target: at most 1.5x a question page).
        print(f"a whole answered question costs {question / answer:.2f}x a question page")
    print("worker RSS after the run: " + ", ".join(f"{m:.0f} MB" for m in memory))
    print()


if __name__ == "__main__":
    main()
