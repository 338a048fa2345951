"""Past one box, on loopback: two app instances behind nginx on one PostgreSQL.

    source .ci/postgres.sh && postgres_start
    DATABASE_URL=$PG_URL .venv/bin/python bench/cluster.py

Starts two gunicorn instances of the app (each its own processes, as on two machines: they
share only the database and SECRET_KEY) and nginx (Debian's package; installed if missing)
balancing between them, then checks through them what a district deployment relies on:

- /healthz answers 200 through nginx and from each instance;
- a session made by a login on one instance is good on the other;
- one response per item when the same answer is sent to both instances at once, many times;
- a timed attempt's deadline is the database's: both instances show the one set at the start,
  and once the database says it has passed, both refuse answers;

and then runs the capacity benchmark (bench/capacity.py, its options after `--capacity`)
through nginx, checking every finished attempt's points. Exits non-zero if a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import shutil
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import capacity, loadtest  # noqa: E402

PASSWORD = "cluster-bench-password"
ALREADY = "You had already answered this question"  # quiz.views.ALREADY_ANSWERED

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
user root;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream quiz {{
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://quiz;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


class Browser:
    """One student's browser: cookies kept, the CSRF token sent back as Django expects."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        data: dict | list | None = None,
        *,
        port: int | None = None,
        htmx: bool = False,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            body = urlencode(data, doseq=True)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def log_in(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, _, _ = self.request(
            "POST", "/accounts/login/", {"username": username, "password": PASSWORD}
        )
        if status != 302:
            raise SystemExit(f"logging in {username} answered {status}")


def students(n: int, quiz_slugs: list[str]) -> list[str]:
    """n students with the bench password, in a cohort with these quizzes open."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from bench.loadtest import open_cohort

    User = get_user_model()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=f"cluster{n}", password=password) for n in range(n)
    )
    open_cohort("Cluster bench", quiz_slugs, users)
    return [user.username for user in users]


def start_attempt(browser: Browser, slug: str) -> int:
    status, headers, _ = browser.request("POST", f"/quizzes/{slug}/start/", {})
    match = re.search(r"/attempts/(\d+)/", headers.get("location", ""))
    if status != 302 or not match:
        raise SystemExit(f"starting {slug} answered {status}")
    return int(match.group(1))


def answer_form(html: str, attempt_id: int) -> list[tuple[str, str]]:
    """A valid answer to the question on the page, whatever its kind (capacity.py's reader:
    a drawn question may be a choice, a typed answer, an ordering or a matching)."""
    form = capacity.answer_form(html, f"/attempts/{attempt_id}/answer/")
    if form is None:
        raise SystemExit("the question page had no answer form")
    return capacity.pick_answer(form, random.Random(1))


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, what: str, ok: bool, detail: str = "") -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}{f': {detail}' if detail else ''}", flush=True)
        if not ok:
            self.failed.append(what)


def check_invariants(lb: int, a: int, b: int, usernames: list[str]) -> Checks:
    from quiz.models import Attempt, Response

    checks = Checks()
    for port, name in ((lb, "nginx"), (a, "instance A"), (b, "instance B")):
        status, _, text = Browser(port).request("GET", "/healthz")
        checks.check(f"/healthz through {name}", status == 200, f"{status} {text}")

    # A login on A; the same cookie on B.
    browser = Browser(a)
    browser.log_in(usernames[0])
    status, _, html = browser.request("GET", "/", port=b)
    checks.check(
        "a session made on instance A works on instance B",
        status == 200 and f"<strong>{usernames[0]}</strong>" in html,
        f"{status}",
    )

    # Twenty answers to one question at once, split across both instances, in a quiz whose
    # first answer stands: one is recorded, the other nineteen are told it already was.
    attempt_id = start_attempt(browser, "kherson-withdrawal-timeline")
    _, _, html = browser.request("GET", f"/attempts/{attempt_id}/", port=a)
    form = answer_form(html, attempt_id)
    replies: list[tuple[int, str]] = []
    barrier = threading.Barrier(20)

    def send(port: int) -> None:
        barrier.wait()
        status, _, text = browser.request(
            "POST", f"/attempts/{attempt_id}/answer/", form, port=port, htmx=True
        )
        replies.append((status, text))

    threads = [threading.Thread(target=send, args=((a, b)[n % 2],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = Response.objects.filter(item_id=dict(form)["item"]).count()
    first = [text for status, text in replies if status == 200 and ALREADY not in text]
    checks.check(
        "20 simultaneous answers to one question across both instances: one recorded",
        rows == 1 and len(replies) == 20 and {s for s, _ in replies} == {200} and len(first) == 1,
        f"{rows} row(s), statuses {sorted({s for s, _ in replies})}, "
        f"{len(first)} of {len(replies)} taken as the first answer",
    )

    # A timed attempt: the deadline set at the start, read from the database by both.
    timed = Browser(lb)
    timed.log_in(usernames[1])
    attempt_id = start_attempt(timed, "kherson-withdrawal-ten")
    attempt = Attempt.objects.get(pk=attempt_id)
    shown = set()
    for port in (a, b):
        _, _, html = timed.request("GET", f"/attempts/{attempt_id}/", port=port)
        shown.update(re.findall(r'<time datetime="([^"]+)"', html))
    # Shown in the school's time zone, to the second: the same moment as the database's.
    held = attempt.deadline.replace(microsecond=0)
    checks.check(
        "both instances show the deadline the database holds",
        len(shown) == 1
        and datetime.fromisoformat(next(iter(shown))).replace(microsecond=0) == held,
        f"{sorted(shown)} vs {attempt.deadline.isoformat()}",
    )
    form = answer_form(html, attempt_id)
    Attempt.objects.filter(pk=attempt_id).update(deadline=attempt.started_at)
    refused = []
    for port in (a, b):
        status, _, _ = timed.request("POST", f"/attempts/{attempt_id}/answer/", form, port=port)
        refused.append(status)
    checks.check(
        "once the database's deadline has passed, both instances refuse answers",
        not Response.objects.filter(item__attempt_id=attempt_id).exists() and refused == [409, 409],
        f"statuses {refused}",
    )
    return checks


def nginx(work: Path, port: int, a: int, b: int) -> subprocess.Popen:
    if not shutil.which("nginx"):
        print("nginx is not installed; installing Debian's package", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nginx"],
            check=True,
            env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            stdout=subprocess.DEVNULL,
        )
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port, a=a, b=b))
    return subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8780, help="nginx; the instances use +1, +2")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers each")
    parser.add_argument("--students", type=int, default=50, help="for the invariant checks")
    parser.add_argument(
        "--capacity",
        nargs=argparse.REMAINDER,
        default=[],
        help="the rest goes to bench/capacity.py, run through nginx",
    )
    args = parser.parse_args()

    work, env, _, database = loadtest.prepared_database("quiz-cluster-")
    if not database.startswith("postgres"):
        raise SystemExit("Two instances share one PostgreSQL: set DATABASE_URL to it.")
    import django

    django.setup()
    usernames = students(
        args.students,
        ["kherson-withdrawal-full", "kherson-withdrawal-ten", "kherson-withdrawal-timeline"],
    )
    load = capacity.arguments(args.capacity)
    names = capacity.prepare(load)
    a, b = args.port + 1, args.port + 2
    servers = [
        loadtest.serve(env, workers=args.workers, port=port, collect=port == a) for port in (a, b)
    ]
    balancer = nginx(work, args.port, a, b)
    try:
        for port in (a, b, args.port):
            loadtest.wait_for(port)
        print(f"Two instances ({args.workers} workers each) behind nginx on PostgreSQL:")
        checks = check_invariants(args.port, a, b, usernames)
        print(f"\nThe capacity benchmark through nginx ({len(names)} students made):", flush=True)
        status, acknowledged = capacity.measure(
            load,
            names,
            args.port,
            lambda: [pid for server in servers for pid in loadtest.worker_pids(server.pid)],
        )
    finally:
        loadtest.stop(balancer, *servers)
    status = capacity.points_checked(acknowledged) or status
    if checks.failed:
        raise SystemExit(f"{len(checks.failed)} check(s) failed")
    sys.exit(status)


if __name__ == "__main__":
    main()
