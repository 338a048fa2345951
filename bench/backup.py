"""Time `backup` and `restore` of a school-sized database while the site keeps writing.

    .venv/bin/python bench/backup.py                        # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/backup.py

The database: the Kherson bank and 1,000 students with 20 finished attempts each (200,000
answered questions, as bench/cohorts.py makes them). While `manage.py backup` runs, a thread
keeps writing sessions (a write every logged-in request may make) and the slowest write is
reported: the backup must not hold writers up. Then `manage.py restore` into an empty database.
"""

from __future__ import annotations

import argparse
import atexit
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import reset_postgres  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=20, help="attempts each")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="quiz-backup-bench-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.update(env)
    manage = [sys.executable, str(ROOT / "manage.py")]
    on_postgres = env["DATABASE_URL"].startswith("postgres")
    if on_postgres:
        reset_postgres()
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*manage, "load_bank", str(ROOT / "fixtures" / "kherson-withdrawal.json")],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )

    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from bench.cohorts import make_attempts
    from quiz.models import Response

    make_attempts(args.students, args.attempts)
    answered = Response.objects.count()
    connection.close()

    writes: list[float] = []
    stop = threading.Event()

    def write_sessions() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            session = SessionStore()
            session["bench"] = 1
            session.create()
            writes.append(time.perf_counter() - start)
        connection.close()

    writer = threading.Thread(target=write_sessions)
    writer.start()
    time.sleep(0.5)  # the writer's steady pace first
    steady = len(writes)
    path = workdir / "quiz.backup"
    start = time.perf_counter()
    subprocess.run([*manage, "backup", str(path)], env=env, check=True)
    backup_seconds = time.perf_counter() - start
    during = writes[steady:]
    stop.set()
    writer.join()

    if on_postgres:
        with connection.cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS bench_restore")
            cursor.execute("CREATE DATABASE bench_restore")
        name = connection.settings_dict["NAME"]
        target = env["DATABASE_URL"].replace(f"/{name}?", "/bench_restore?", 1)
        if target == env["DATABASE_URL"]:
            target = env["DATABASE_URL"].rsplit("/", 1)[0] + "/bench_restore"
    else:
        target = f"sqlite:///{workdir / 'restored.sqlite3'}"
    start = time.perf_counter()
    subprocess.run([*manage, "restore", str(path)], env={**env, "DATABASE_URL": target}, check=True)
    restore_seconds = time.perf_counter() - start
    if on_postgres:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("DROP DATABASE bench_restore WITH (FORCE)")

    during.sort()
    print()
    print(f"{connection.vendor}: {args.students} students × {args.attempts} attempts")
    print(f"  ({answered:,} answered questions), backup file {path.stat().st_size / 1e6:.1f} MB")
    print(f"  backup  {backup_seconds:5.1f} s (the command, start to finish)")
    print(f"  restore {restore_seconds:5.1f} s (into an empty database, every check included)")
    if during:
        print(
            f"  {len(during)} session writes during the backup: median "
            f"{during[len(during) // 2] * 1000:.1f} ms, slowest {during[-1] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
