"""Run every command the README shows, exactly as written, in this checkout.

CI runs it in a fresh clone after the suite. The commands are the lines of the README's
```sh blocks, in order. `make run` serves until the login page answers and is then stopped;
`make lock` must leave the lock files as they are (it needs uv, installed here if missing);
`make mutants` takes most of an hour over everything, so here it runs the same target over
one module's mutants (MUTANTS=...), which exercises the whole machinery.
The commands .ci/run runs itself (the suite on both databases, ruff) must appear in .ci/run
word for word and are not run twice. The commands write into the checkout (db.sqlite3, the
exports, a links file) as they would for a user: run it in a fresh clone, as CI does.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_BY_CI = {
    "make test",
    "make lint",
    "source .ci/postgres.sh && postgres_start && DATABASE_URL=$PG_URL make test",
}
SERVER = "http://127.0.0.1:8000"
MUTANTS_IN_CI = 'MUTANTS="quiz.grading.numeric*"'


def commands(readme: str) -> list[str]:
    lines, inside = [], False
    for line in readme.splitlines():
        if line.startswith("```"):
            inside = not inside and line.strip() == "```sh"
            continue
        if inside and line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    return lines


def without_comment(command: str) -> str:
    return re.sub(r"\s+#.*$", "", command)


def serve(command: str) -> None:
    """Start the server as written, wait until the login page answers, stop it."""
    server = subprocess.Popen(
        command, shell=True, executable="/bin/bash", cwd=ROOT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"exited with {server.returncode} before serving")
            try:
                with urllib.request.urlopen(f"{SERVER}/accounts/login/", timeout=5) as page:
                    if page.status == 200 and b"Log in" in page.read():
                        return
            except OSError:
                time.sleep(1)
        raise RuntimeError("the login page never answered")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def lock(command: str) -> None:
    env = dict(os.environ)
    if shutil.which("uv") is None:
        tools = Path(tempfile.mkdtemp(prefix="uv-"))
        subprocess.run([sys.executable, "-m", "venv", str(tools)], check=True)
        subprocess.run([str(tools / "bin/pip"), "install", "--quiet", "uv"], check=True)
        env["PATH"] = f"{tools / 'bin'}:{env['PATH']}"
    subprocess.run(command, shell=True, executable="/bin/bash", cwd=ROOT, env=env, check=True)
    changed = subprocess.run(
        ["git", "diff", "--stat", "--", "uv.lock", "requirements.lock"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if changed:
        raise RuntimeError(f"the lock files are out of date with pyproject.toml:\n{changed}")


def run(command: str) -> None:
    # An hour: `bash bench/run.sh` runs every benchmark on both databases, the capacity
    # benchmarks stepping up until this box gives out (about 40 minutes here).
    subprocess.run(command, shell=True, executable="/bin/bash", cwd=ROOT, check=True, timeout=3600)


def main() -> int:
    ci_script = (ROOT / ".ci/run").read_text()
    failures = []
    for command in commands((ROOT / "README.md").read_text()):
        bare = without_comment(command)
        print(f"== $ {command}", flush=True)
        try:
            if bare in RUN_BY_CI:
                if bare not in ci_script:
                    raise RuntimeError(".ci/run does not run it as the README writes it")
                print("   (run by .ci/run itself)")
            elif bare == "make run":
                serve(bare)
            elif bare == "make lock":
                lock(bare)
            elif bare == "make mutants":
                run(f"{bare} {MUTANTS_IN_CI}")
            else:
                run(command)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            print(f"   FAILED: {exc}", flush=True)
            failures.append(command)
    if failures:
        print("README commands that failed as written:", *failures, sep="\n  ")
        return 1
    print("Every README command worked as written.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
