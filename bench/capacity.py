"""How many students can take a quiz at once before answering gets slow or fails.

    .venv/bin/python bench/capacity.py                                   # SQLite, temp file
    .venv/bin/python bench/capacity.py --steps 100,200 --hold 15         # a quick look
    source .ci/postgres.sh && PG_PORT=55437 postgres_start && \\
        DATABASE_URL="$PG_URL" .venv/bin/python bench/capacity.py; postgres_stop

Each simulated student logs in through the login form, starts `kherson-withdrawal-full` (free
navigation, feedback at the end: one request per answered question), answers about once every
10 seconds (think time around 10 s, drawn independently of how long the server took), and
after 15 to 25 answers (a 20-question quiz's worth) finishes, reads the review and starts
again. Students are added in steps (`--steps`) and stay: each step logs its new students in at
`--login-rate` a second (a school arriving over a few minutes: 3,000 in 5 minutes is 10 a
second), lets the queue those logins and starts left drain for `--settle` seconds,
then holds `--hold` seconds, during which latencies are kept by kind of request (logins,
which happen in the ramp, are reported from ramp and hold together). Errors count from the
ramp on. A step passes while the answer POST's p95 is at most `--p95-limit` ms and nothing
failed (a status other than the one expected, a connection error, a 30 s timeout); the run
stops at the first step that does not pass, or at `--max-minutes`. Afterwards, with the
server stopped, every finished attempt's points are checked against the sum of its
responses' points, and every answer the server acknowledged (a 200) against the responses
stored: none may be lost.

Why not locust: its gevent workers cost several times the CPU per request of one asyncio loop
writing raw HTTP/1.1, and on a 2-core box the load generator shares its cores with the server
it measures; the script prints its own CPU seconds so the share it took is known. Each student
waits for its own answer before thinking again, so a slower server slows each a little; while
answers take far less than the 10 s of thinking, arrivals are as good as open.

The password hash is the one cost not at production strength (bench/settings.py uses MD5); the
script prints what one production PBKDF2 verify costs here, so a class logging in at once can
be reckoned. Loopback only; the server is gunicorn with sync workers as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import re
import resource
import sys
import time
import timeit
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import (  # noqa: E402
    Sample,
    open_cohort,
    prepared_database,
    rss_mb,
    serve,
    stop,
    wait_for,
    worker_pids,
)

QUIZ = "kherson-withdrawal-full"
PASSWORD = "capacity-bench-password"
TIMEOUT = 30.0
KINDS = ("login page", "login", "start", "question", "answer", "finish", "review")
# Statuses and failures an overloaded server gives; anything else is a bug in the app or here.
# (502 and 504: nginx's, in front of instances that fell behind; bench/cluster.py.)
OVERLOAD = {"timeout", "connection", "502", "503", "504"}


# Setup, in this process, through Django ----------------------------------------------------


def hash_cost() -> float:
    """Seconds of CPU one production login's password check takes (Django's PBKDF2)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    runs = 5
    verify = functools.partial(hasher.verify, PASSWORD, encoded)
    return timeit.timeit(verify, number=runs, timer=time.process_time) / runs


def make_students(count: int) -> list[str]:
    """A cohort with the quiz open and `count` students in it; their usernames."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    User = get_user_model()
    password = make_password(PASSWORD)  # once: every student has the same one
    names = [f"cap{n:05d}" for n in range(count)]
    User.objects.bulk_create(
        [User(username=name, password=password) for name in names], batch_size=1000
    )
    open_cohort("Capacity", [QUIZ], list(User.objects.filter(username__in=names)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()  # the server's workers write now; no connection held open here
    return names


def check_points(acknowledged: set[int]) -> tuple[int, int, int, list[str]]:
    """Every finished attempt's points against the sum of its responses' points, each as the
    model computes it, and every answer the server acknowledged stored: (attempts,
    responses, responses right, differences and answers lost)."""
    from collections import defaultdict
    from decimal import Decimal

    from quiz.models import Attempt, AttemptState, Response

    finished = Attempt.objects.exclude(state=AttemptState.IN_PROGRESS)
    sums: dict[int, Decimal] = defaultdict(Decimal)
    responses = 0
    for response in Response.objects.filter(item__attempt__in=finished).select_related("item"):
        sums[response.item.attempt_id] += response.points
        responses += 1
    wrong = []
    attempts = 0
    for attempt in finished.only("pk", "points"):
        attempts += 1
        if attempt.points != sums[attempt.pk]:
            wrong.append(f"attempt {attempt.pk}: {attempt.points} != {sums[attempt.pk]}")
    right = Response.objects.filter(item__attempt__in=finished, is_correct=True).count()
    stored = set(Response.objects.values_list("item_id", flat=True))
    wrong += [f"item {item}: answer acknowledged, not stored" for item in acknowledged - stored]
    return attempts, responses, right, wrong


# HTTP over asyncio ------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str


class Failed(Exception):
    """A request that failed; the student starts again from the login."""


class Client:
    """One student's browser: raw HTTP/1.1, a connection a request, its own cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    async def send(
        self, method: str, path: str, data: dict | list | None = None, headers: dict | None = None
    ) -> Reply:
        body = urlencode(data, doseq=True).encode() if data is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded"]
            lines.append(f"Content-Length: {len(body)}")
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split()[1])
            found: dict[str, str] = {}
            for line in head[1:]:
                if not line:
                    continue
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    self._keep(value)
                else:
                    found[name] = value
            if "content-length" in found:
                content = await reader.readexactly(int(found["content-length"]))
            else:  # no length: Connection: close ends the body
                content = await reader.read()
        finally:
            writer.close()
        return Reply(status, found, content.decode("utf-8", "replace"))

    def _keep(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        gone = any(a.strip().lower() == "max-age=0" for a in attributes)
        if gone or not value or value == '""':
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


# The answer form, read as a browser would --------------------------------------------------


class FormReader(HTMLParser):
    """The fields of one form: hidden inputs kept, the choices each widget offers listed."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[tuple[str, str]] = []
        self.radios: dict[str, list[str]] = {}
        self.checkboxes: dict[str, list[str]] = {}
        self.texts: list[tuple[str, bool]] = []  # name, whether it wants a number
        self.selects: dict[str, list[str]] = {}
        self._select: str | None = None
        self._option: list[str] | None = None  # [value or None, text so far]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "hidden":
                self.hidden.append((name, a.get("value", "")))
            elif kind == "radio":
                self.radios.setdefault(name, []).append(a.get("value", "on"))
            elif kind == "checkbox":
                self.checkboxes.setdefault(name, []).append(a.get("value", "on"))
            elif kind in ("text", "number", "search"):
                wants_number = kind == "number" or a.get("inputmode") in ("decimal", "numeric")
                self.texts.append((name, wants_number))
        elif tag == "select" and name:
            self._select = name
            self.selects[name] = []
        elif tag == "option" and self._select:
            self._option = [a.get("value"), ""]  # type: ignore[list-item]

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select:
            value, text = self._option
            value = " ".join(text.split()) if value is None else value  # as a browser sends it
            if value:  # "Choose…" has none: not an answer
                self.selects[self._select].append(value)
            self._option = None
        elif tag == "select":
            self._select = None


WORDS = ("Kherson", "Dnipro", "bridge", "November", "Surovikin", "ferry", "1", "river")


def answer_form(html: str, action: str) -> FormReader | None:
    """The form posting to `action` in a page or fragment; only its own text is parsed, so
    the driver does not spend its CPU on the question map around it."""
    at = html.find(f'action="{action}"')
    if at < 0:
        return None
    start = html.rfind("<form", 0, at)
    end = html.find("</form>", at)
    reader = FormReader()
    reader.feed(html[start : end + len("</form>")])
    reader.close()
    return reader


def pick_answer(form: FormReader, rng: random.Random) -> list[tuple[str, str]]:
    """A valid submission, right or wrong at random: one of each radio group, a non-empty
    subset of each checkbox group, a word or number in each text box, an option in each
    select; repeated hidden values (an ordering's items) come in a shuffled order."""
    fields: list[tuple[str, str]] = []
    repeated = Counter(name for name, _ in form.hidden)
    for name in repeated:
        values = [value for n, value in form.hidden if n == name]
        if repeated[name] > 1:
            rng.shuffle(values)
        fields += [(name, value) for value in values]
    for name, values in form.radios.items():
        fields.append((name, rng.choice(values)))
    for name, values in form.checkboxes.items():
        chosen = rng.sample(values, rng.randint(1, len(values)))
        fields += [(name, value) for value in chosen]
    for name, wants_number in form.texts:
        fields.append((name, str(rng.randint(0, 50)) if wants_number else rng.choice(WORDS)))
    for name, values in form.selects.items():
        fields.append((name, rng.choice(values)))
    return fields


# Measuring --------------------------------------------------------------------------------


@dataclass
class Step:
    students: int
    ramp: dict[str, Sample] = field(default_factory=lambda: {k: Sample() for k in KINDS})
    hold: dict[str, Sample] = field(default_factory=lambda: {k: Sample() for k in KINDS})
    errors: Counter = field(default_factory=Counter)
    hold_seconds: float = 0.0

    def sample(self, kind: str) -> Sample:
        """Logins happen while students are ramped in: from the ramp and hold both."""
        if kind.startswith("login"):
            both = Sample()
            both.merge(self.ramp[kind])
            both.merge(self.hold[kind])
            return both
        return self.hold[kind]

    def passed(self, limit_ms: float) -> bool:
        return not self.errors and self.hold["answer"].pct(0.95) <= limit_ms


class Recorder:
    """The steps so far; a request counts in the step and phase it started in."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.holding = False
        self.stopped = False
        self.bugs: Counter = Counter()
        # The attempt items whose answer the server acknowledged (200): each must be stored.
        self.acknowledged: set[int] = set()


class Student:
    def __init__(self, name: str, port: int, recorder: Recorder, rng: random.Random) -> None:
        self.name = name
        self.port = port
        self.rec = recorder
        self.rng = rng
        self.client = Client(port)
        self.answers = (15, 25)
        self.arrived = False
        self.mean_think = 10.0

    def think(self) -> float:
        """Seconds before the next answer: around the mean (10 s by default), 4 to 16 s."""
        mean = self.mean_think
        return min(1.6 * mean, max(0.4 * mean, self.rng.gauss(mean, 0.3 * mean)))

    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        expect: int,
        data: dict | list | None = None,
        headers: dict | None = None,
    ) -> Reply:
        rec = self.rec
        if rec.stopped:  # the run is over (see `drive`)
            raise asyncio.CancelledError
        step, holding = rec.steps[-1], rec.holding
        start = time.perf_counter()
        try:
            reply = await asyncio.wait_for(self.client.send(method, path, data, headers), TIMEOUT)
        except TimeoutError:
            self._error(step, kind, "timeout")
            raise Failed(kind) from None
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self._error(step, kind, "connection")
            raise Failed(kind) from None
        seconds = time.perf_counter() - start
        (step.hold if holding else step.ramp)[kind].add(
            seconds, reply.status, int(reply.headers.get("x-queries", "0"))
        )
        if reply.status != expect:
            self._error(step, kind, str(reply.status))
            raise Failed(kind)
        return reply

    def _error(self, step: Step, kind: str, what: str) -> None:
        step.errors[f"{kind} {what}"] += 1
        if what not in OVERLOAD:
            self.rec.bugs[f"{kind} {what}"] += 1

    async def run(self, delay: float) -> None:
        try:
            await self._run(delay)
        except Exception as exc:  # the driver's own bug: said, never a student quietly gone
            self.rec.bugs[f"driver {type(exc).__name__}: {exc}"] += 1

    async def _run(self, delay: float) -> None:
        await asyncio.sleep(delay)
        while True:
            try:
                await self.login()
                while True:
                    await self.attempt()
            except Failed:
                # As a student would: wait, then come back from the login page.
                self.client = Client(self.port)
                await asyncio.sleep(self.think())

    async def login(self) -> None:
        page = await self.call("login page", "GET", "/accounts/login/", 200)
        form = answer_form(page.body, "/accounts/login/")
        if form is None:
            self._error(self.rec.steps[-1], "login page", "no form")
            raise Failed("login page")
        data = [*form.hidden, ("username", self.name), ("password", PASSWORD)]
        await self.call("login", "POST", "/accounts/login/", 302, data)

    async def attempt(self) -> None:
        csrf = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        started = await self.call("start", "POST", f"/quizzes/{QUIZ}/start/", 302, csrf)
        page_url = urlsplit(started.headers.get("location", "")).path
        match = re.fullmatch(r"/attempts/(\d+)/", page_url)
        if match is None:
            self._error(self.rec.steps[-1], "start", "location")
            raise Failed("start")
        attempt = match.group(1)
        action = f"/attempts/{attempt}/answer/"
        page = await self.call("question", "GET", page_url, 200)
        # The first think time of a new student is a random part of one: not in lockstep.
        first, self.arrived = not self.arrived, True
        for n in range(self.rng.randint(*self.answers)):
            form = answer_form(page.body, action)
            if form is None:
                self._error(self.rec.steps[-1], "answer", "no form")
                raise Failed("answer")
            pause = self.think()
            await asyncio.sleep(self.rng.uniform(0, pause) if first and n == 0 else pause)
            headers = {
                "HX-Request": "true",
                "HX-Current-URL": f"http://127.0.0.1:{self.port}{page_url}",
                "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            }
            fields = pick_answer(form, self.rng)
            page = await self.call("answer", "POST", action, 200, fields, headers)
            self.rec.acknowledged.update(int(value) for name, value in fields if name == "item")
            if "hx-redirect" in page.headers:  # every question answered: the summary
                if urlsplit(page.headers["hx-redirect"]).path != f"/attempts/{attempt}/finish/":
                    self._error(self.rec.steps[-1], "answer", "redirect")  # e.g. to log in
                    raise Failed("answer")
                break
            page_url = page.headers.get("hx-push-url", page_url)
        csrf = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        done = await self.call("finish", "POST", f"/attempts/{attempt}/finish/", 302, csrf)
        review = urlsplit(done.headers.get("location", "")).path
        if review != f"/attempts/{attempt}/review/":
            self._error(self.rec.steps[-1], "finish", "location")
            raise Failed("finish")
        await self.call("review", "GET", review, 200)


# The run ----------------------------------------------------------------------------------


def line(step: Step, limit_ms: float) -> str:
    total = sum(len(s.latencies) for s in step.hold.values())
    rps = total / step.hold_seconds if step.hold_seconds else 0.0
    parts = [f"{step.students:>6} {rps:6.1f}"]
    for kind in KINDS:
        s = step.sample(kind)
        parts.append(
            f"{len(s.latencies):>5} {s.pct(0.5):4.0f}/{s.pct(0.95):4.0f}/{s.pct(0.99):5.0f}"
        )
    errors = sum(step.errors.values())
    verdict = "pass" if step.passed(limit_ms) else "FAIL"
    detail = f" {dict(step.errors)}" if step.errors else ""
    return "  ".join(parts) + f"  {errors:>6}  {verdict}{detail}"


def header() -> str:
    kinds = "  ".join(f"{k[:16]:>21}" for k in KINDS)
    return (
        f"{'users':>6} {'req/s':>6}  {kinds}  {'errors':>6}\n"
        + " " * 15
        + "  ".join(f"{'n  p50/ p95/  p99':>21}" for _ in KINDS)
    )


async def drive(args: argparse.Namespace, names: list[str], port: int, recorder: Recorder) -> None:
    rng = random.Random(args.seed)
    tasks: list[asyncio.Task] = []
    end = time.monotonic() + args.max_minutes * 60
    print(header(), flush=True)
    try:
        for target in args.steps:
            ramp = (target - len(tasks)) / args.login_rate
            if time.monotonic() + ramp + args.settle + args.hold > end:
                print(f"stopped: --max-minutes {args.max_minutes:g} leaves no time for {target}")
                break
            if target > len(names):
                break
            step = Step(target)
            recorder.steps.append(step)
            recorder.holding = False
            new = names[len(tasks) : target]
            for n, name in enumerate(new):
                student = Student(name, port, recorder, random.Random(rng.random()))
                student.answers, student.mean_think = args.answers, args.think
                delay = n / args.login_rate  # logins spread evenly over the ramp
                tasks.append(asyncio.create_task(student.run(delay)))
            # Then settle: the queue the logins and starts left drains before the hold.
            await asyncio.sleep(ramp + args.settle)
            recorder.holding = True
            started = time.monotonic()
            await asyncio.sleep(args.hold)
            step.hold_seconds = time.monotonic() - started
            recorder.holding = False
            print(line(step, args.p95_limit), flush=True)
            if not step.passed(args.p95_limit):
                break
    finally:
        # Cancelled again until every task has ended: Python 3.11's wait_for can swallow a
        # cancellation that arrives as its request completes, and that student would go on.
        recorder.stopped = True
        pending = set(tasks)
        while pending:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1)


def server_cpu(pids: list[int]) -> float:
    """User and system CPU seconds of these processes so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def box_cpu() -> float:
    """CPU seconds the whole machine has spent busy (all cores, not idle or waiting)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--steps",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 3500, 4000, 5000],
        help="students at each step, comma-separated",
    )
    parser.add_argument(
        "--login-rate", type=float, default=10, help="students logging in a second, in a ramp"
    )
    parser.add_argument(
        "--settle", type=float, default=10, help="seconds after the ramp, not measured"
    )
    parser.add_argument("--hold", type=float, default=40, help="seconds measured at each step")
    parser.add_argument("--p95-limit", type=float, default=250, help="answer p95 limit, ms")
    parser.add_argument("--max-minutes", type=float, default=20)
    parser.add_argument(
        "--answers",
        type=lambda s: tuple(int(n) for n in s.split(",")),
        default=(15, 25),
        help="answers before finishing, MIN,MAX (55,55 answers every question)",
    )
    parser.add_argument("--think", type=float, default=10, help="mean think time, seconds")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * len(os.sched_getaffinity(0)),  # the cores this process may use
        help="gunicorn sync workers (default: two per core, as Deployment in the README says)",
    )
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace) -> list[str]:
    """In the process whose environment names the database (migrated, bank loaded): the
    students, after saying what a production login costs here."""
    # A connection per request in flight: thousands at once when the server falls behind.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    import django

    django.setup()
    cost = hash_cost()
    print(
        f"One production login's password check (PBKDF2, Django's default) costs {cost * 1000:.0f}"
        f" ms of CPU here: a class of 30 logging in at once, {30 * cost:.1f} CPU seconds."
    )
    return make_students(max(args.steps))


def measure(
    args: argparse.Namespace, names: list[str], port: int, workers: Callable[[], list[int]]
) -> tuple[int, set[int]]:
    """Drive the students against the server at `port` (whose worker processes `workers`
    lists) and print what was held and what it cost; the exit status to give and the items
    whose answers the server acknowledged (then stop the servers and check them and the
    points: `points_checked`)."""
    print("load average before the run: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    recorder = Recorder()
    pids = workers()
    cpu_before, server_before, box_before = time.process_time(), server_cpu(pids), box_cpu()
    wall = time.monotonic()
    asyncio.run(drive(args, names, port, recorder))
    wall = time.monotonic() - wall
    driver_cpu = time.process_time() - cpu_before
    workers_cpu = server_cpu(workers()) - server_before
    others_cpu = box_cpu() - box_before - driver_cpu - workers_cpu
    memory = [rss_mb(pid) for pid in workers()]

    passed = [s for s in recorder.steps if s.passed(args.p95_limit)]
    held = passed[-1].students if passed else 0
    loaded = sum(
        len(s.latencies)
        for step in recorder.steps
        for s in [*step.ramp.values(), *step.hold.values()]
    )
    print()
    print(
        f"held: {held} students answering about once every {args.think:g} s "
        f"(answer p95 ≤ {args.p95_limit:g} ms, no errors)"
    )
    most = {
        kind: max(
            max(step.ramp[kind].max_queries, step.hold[kind].max_queries) for step in recorder.steps
        )
        for kind in KINDS
    }
    print("most queries a request: " + ", ".join(f"{k} {n}" for k, n in most.items()))
    print("worker RSS at the end: " + ", ".join(f"{m:.0f} MB" for m in memory))
    print(
        f"CPU over the load ({wall:.0f} s, {os.cpu_count()} cores, {loaded} requests): "
        f"driver {driver_cpu:.1f} s, gunicorn workers {workers_cpu:.1f} s, everything else "
        f"(the database server, other processes) {others_cpu:.1f} s"
    )
    if recorder.bugs:
        print(f"errors that are not overload: {dict(recorder.bugs)}")
    print(f"answers acknowledged: {len(recorder.acknowledged)}")
    return (1 if recorder.bugs or any(s.errors for s in passed) else 0), recorder.acknowledged


def points_checked(acknowledged: set[int]) -> int:
    """Once the servers are stopped: every finished attempt's points against its responses,
    and every answer acknowledged stored (print the result); the exit status to give."""
    attempts, responses, right, wrong = check_points(acknowledged)
    print(
        f"points check: {attempts} finished attempts, {responses} responses ({right} right), "
        f"{len(wrong)} attempts differing or answers lost"
    )
    for difference in wrong[:10]:
        print("  " + difference)
    return 1 if wrong else 0


def main() -> None:
    args = arguments()
    _, env, _, database = prepared_database("quiz-capacity-")
    names = prepare(args)
    print(
        f"{database}, {args.workers} sync workers, DEBUG off, MD5 password hashes; "
        f"{len(names)} students made; answer p95 limit {args.p95_limit:g} ms",
        flush=True,
    )
    server = serve(env, workers=args.workers, port=args.port)
    try:
        wait_for(args.port)
        status, acknowledged = measure(args, names, args.port, lambda: worker_pids(server.pid))
    finally:
        stop(server)
    sys.exit(points_checked(acknowledged) or status)


if __name__ == "__main__":
    main()
