"""Online backups and checked restores of the whole database (`backup`, `restore`).

A backup is one file and, beside it, a manifest (`<file>.manifest.json`): the engine, the
file's SHA-256 and every table's row count, counted in the same snapshot the copy was taken
from, so a restore can prove that every row the backup holds came back.

SQLite: `VACUUM INTO` copies one read transaction of the live database. In WAL mode readers
never block writers, so students keep answering while it runs, and the copy is one
self-contained file (no -wal beside it), which a plain `cp` of a live WAL database is not.
PostgreSQL: `pg_dump --format=custom` from a snapshot exported by the transaction that counts
the rows; `pg_restore` turns it back into SQL that `psql` runs as one transaction, ending with
a check of every table's count, so a restore that goes wrong anywhere keeps nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connections

FORMAT = "quiz-backup/1"
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Django's table names; anything else in a manifest is not ours (and never reaches SQL).
TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SQLITE_HEADER = b"SQLite format 3\x00"
# SQLite waits this long for a write lock held by the app (as the app's own `timeout`).
SQLITE_TIMEOUT = 20


class BackupError(Exception):
    """The backup or restore was refused or failed; nothing was written or restored."""


@dataclass(frozen=True)
class Manifest:
    engine: str
    sha256: str
    size: int
    tables: dict[str, int]
    created: str

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def backup(path: Path, *, alias: str = "default") -> Manifest:
    """Copy the database named by `alias` to `path`, with its manifest beside it."""
    engine = _engine(alias)
    for target in (path, manifest_path(path)):
        if target.exists():
            raise BackupError(f"{target} exists already: give a new name (backups are kept).")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory: create it first.")
    # Written under a temporary name and renamed: a backup cut short is never taken for one.
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if engine == "sqlite":
            tables = _sqlite_backup(connections[alias].settings_dict["NAME"], partial)
        else:
            tables = _postgres_backup(alias, partial)
        manifest = Manifest(
            engine=engine,
            sha256=_sha256(partial),
            size=partial.stat().st_size,
            tables=tables,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    _write_manifest(manifest_path(path), manifest)
    return manifest


def restore(path: Path, *, alias: str = "default", replace: bool = False) -> Manifest:
    """Restore the backup at `path` into the database named by `alias`, all or nothing.

    The backup is checked against its manifest first; the database must have no tables
    unless `replace`, which drops what is there in the same transaction as the restore.
    """
    engine = _engine(alias)
    manifest = read_manifest(path)
    if manifest.engine != engine:
        raise BackupError(
            f"{path} was made from {ENGINES[manifest.engine]}; this database is "
            f"{ENGINES[engine]}: restore it into a {ENGINES[manifest.engine]} database."
        )
    if _sha256(path) != manifest.sha256 or path.stat().st_size != manifest.size:
        raise BackupError(
            f"{path} does not match its manifest {manifest_path(path).name} (its checksum "
            "differs): the file was changed or cut short after the backup."
        )
    if engine == "sqlite":
        _sqlite_restore(path, manifest, connections[alias].settings_dict["NAME"], replace)
    else:
        _postgres_restore(path, manifest, alias, replace)
    return manifest


def read_manifest(path: Path) -> Manifest:
    """The manifest beside the backup at `path`, checked for shape; BackupError if unusable."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    where = manifest_path(path)
    if not where.is_file():
        raise BackupError(
            f"{path} has no manifest beside it ({where.name}): not a backup made by "
            "`manage.py backup`."
        )
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"{where}: not a backup manifest ({exc}).") from None
    problem = _manifest_problem(data)
    if problem:
        raise BackupError(f"{where}: not a backup manifest: {problem}.")
    return Manifest(
        engine=data["engine"],
        sha256=data["sha256"],
        size=data["size"],
        tables=dict(data["tables"]),
        created=data.get("created", ""),
    )


def _manifest_problem(data: Any) -> str:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return f'"format" is not "{FORMAT}"'
    if data.get("engine") not in ENGINES:
        return f'"engine" is not one of {", ".join(ENGINES)}'
    if not isinstance(data.get("sha256"), str) or not re.fullmatch(r"[0-9a-f]{64}", data["sha256"]):
        return '"sha256" is not a SHA-256 checksum'
    if not _count(data.get("size")):
        return '"size" is not a number of bytes'
    tables = data.get("tables")
    if not isinstance(tables, dict) or not tables:
        return '"tables" does not list the tables'
    for name, count in tables.items():
        if not TABLE_NAME.match(name):
            return f"table {name!r} is not a table name"
        if not _count(count):
            return f"table {name}: {count!r} is not a row count"
    return ""


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _write_manifest(where: Path, manifest: Manifest) -> None:
    data = {
        "format": FORMAT,
        "engine": manifest.engine,
        "created": manifest.created,
        "file": where.name.removesuffix(".manifest.json"),
        "size": manifest.size,
        "sha256": manifest.sha256,
        "tables": manifest.tables,
    }
    partial = where.with_name(f".{where.name}.partial")
    partial.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(where)


def _engine(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ENGINES:
        raise BackupError(f"Backups are made of SQLite and PostgreSQL databases, not {vendor}.")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _difference(tables: Mapping[str, int], manifest: Manifest) -> list[str]:
    """Each table whose count differs from the manifest's, in words."""
    problems = []
    for name in sorted(set(tables) | set(manifest.tables)):
        if name not in tables:
            problems.append(
                f"table {name} is missing (the manifest counts {manifest.tables[name]})"
            )
        elif name not in manifest.tables:
            problems.append(f"table {name} is not in the manifest")
        elif tables[name] != manifest.tables[name]:
            problems.append(
                f"table {name} has {tables[name]} rows, the manifest counts {manifest.tables[name]}"
            )
    return problems


# SQLite ---------------------------------------------------------------------------------------


def _sqlite_read_only(path: Path | str) -> sqlite3.Connection:
    # mode=ro: never create the file when it is not there, never write to it.
    return sqlite3.connect(
        f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=SQLITE_TIMEOUT
    )


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
    ]
    return {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _sqlite_backup(name: str, partial: Path) -> dict[str, int]:
    if not Path(name).is_file():
        raise BackupError(f"No database at {name}.")
    try:
        source = _sqlite_read_only(name)
        try:
            source.execute("VACUUM INTO ?", (str(partial),))
        finally:
            source.close()
        # VACUUM INTO does not sync its file: make the copy durable before calling it one.
        with partial.open("rb+") as file:
            os.fsync(file.fileno())
        copy = _sqlite_read_only(partial)
        try:
            problems = _sqlite_problems(copy)
            if problems:
                raise BackupError(f"The copy of {name} failed its check: {problems[0]}.")
            return _sqlite_counts(copy)
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupError(f"Could not copy {name}: {exc}.") from None


def _sqlite_problems(db: sqlite3.Connection) -> list[str]:
    """What PRAGMA integrity_check and foreign_key_check find, in words."""
    problems = [row[0] for row in db.execute("PRAGMA integrity_check") if row[0] != "ok"]
    problems += [
        f"table {table} row {rowid} refers to a missing row of {parent}"
        for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check")
    ]
    return problems


def _sqlite_restore(path: Path, manifest: Manifest, name: str, replace: bool) -> None:
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not an SQLite database.")
    try:
        source = _sqlite_read_only(path)
        try:
            problems = _sqlite_problems(source)
            problems += _difference(_sqlite_counts(source), manifest)
            if problems:
                raise BackupError(
                    f"{path} fails its check, nothing was restored: " + "; ".join(problems[:10])
                )
            target = sqlite3.connect(name, timeout=SQLITE_TIMEOUT)
            try:
                tables = list(_sqlite_counts(target))
                if tables and not replace:
                    raise _not_empty(name, tables)
                # The backup API copies every page in one step, under the target's write lock:
                # readers see the old database or the restored one, never a mixture.
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"Could not restore {path} into {name}: {exc}.") from None


def _not_empty(name: str, tables: list[str]) -> BackupError:
    return BackupError(
        f"The database {name} is not empty (it has {len(tables)} tables, {tables[0]} among "
        "them): restore into an empty database, or give --replace to overwrite this one."
    )


# PostgreSQL -----------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or (str(PG_BIN / name) if (PG_BIN / name).is_file() else None)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH or in {PG_BIN}: install PostgreSQL's client."
        )
    return found


def _pg_conninfo(alias: str) -> tuple[dict[str, str], dict[str, str]]:
    """libpq's connection keywords for `alias` (as Django connects) and the environment that
    carries its password, kept off the command line where other users could read it."""
    import psycopg

    known = {d.keyword.decode() for d in psycopg.pq.Conninfo.get_defaults()}
    params = connections[alias].get_connection_params()
    keywords = {k: str(v) for k, v in params.items() if k in known and v not in (None, "")}
    env = dict(os.environ)
    if "password" in keywords:
        env["PGPASSWORD"] = keywords.pop("password")
    return keywords, env


def _dbname_arg(keywords: Mapping[str, str]) -> str:
    import psycopg

    return "--dbname=" + psycopg.conninfo.make_conninfo(**keywords)


def _run(args: list[str], env: Mapping[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        # psql and pg_restore say what went wrong on an ERROR line, followed by its context.
        error = next((line for line in lines if "ERROR:" in line), None)
        detail = error.split("ERROR:", 1)[1].strip() if error else (lines[-1] if lines else "")
        raise BackupError(f"{what}: {detail or f'exit status {done.returncode}'}")


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def _postgres_backup(alias: str, partial: Path) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    pg_dump = _pg_tool("pg_dump")
    keywords, env = _pg_conninfo(alias)
    conninfo = psycopg.conninfo.make_conninfo(**keywords, password=env.get("PGPASSWORD"))
    try:
        with psycopg.connect(conninfo, autocommit=True) as db:
            # The counts and pg_dump see one snapshot: this transaction exports it and stays
            # open until pg_dump has finished with it.
            db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = db.execute("SELECT pg_export_snapshot()").fetchone()[0]
            with db.cursor() as cursor:
                counts = {}
                for name in _pg_tables(cursor):
                    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
                    counts[name] = cursor.execute(query).fetchone()[0]
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                    _dbname_arg(keywords),
                ],
                env,
                "pg_dump failed",
            )
            db.execute("COMMIT")
    except psycopg.Error as exc:
        raise BackupError(f"Could not back up the database: {exc}") from None
    return counts


def _postgres_restore(path: Path, manifest: Manifest, alias: str, replace: bool) -> None:
    import psycopg

    pg_restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    keywords, env = _pg_conninfo(alias)
    conninfo = psycopg.conninfo.make_conninfo(**keywords, password=env.get("PGPASSWORD"))
    with psycopg.connect(conninfo) as db, db.cursor() as cursor:
        tables = _pg_tables(cursor)
    if tables and not replace:
        raise _not_empty(keywords.get("dbname", alias), tables)
    with tempfile.TemporaryDirectory(prefix="quiz-restore-") as work:
        script = Path(work) / "restore.sql"
        # To SQL first, whole: an archive that breaks halfway stops here, before the database.
        _run(
            [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(path)],
            env,
            f"{path} is not a PostgreSQL backup pg_restore can read",
        )
        drop = (
            "DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE;"
            if tables
            else "SELECT 1;"
        )
        # psql runs the -c and -f in order in one transaction (-1) and stops at the first error
        # (ON_ERROR_STOP), which rolls everything back: the drop, the restore, and the final
        # check that every table holds the rows the manifest counts.
        _run(
            [
                psql,
                "-X",
                "-q",
                "-1",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                drop,
                "-f",
                str(script),
                "-c",
                _pg_count_check(manifest),
                _dbname_arg(keywords),
            ],
            env,
            f"Restoring {path} failed, nothing was restored",
        )


def _pg_count_check(manifest: Manifest) -> str:
    """A DO block that fails unless every table holds exactly the rows the manifest counts.
    Names were checked against TABLE_NAME when the manifest was read; counts are integers."""
    # pg_restore's script empties search_path; the tables are found where Django finds them.
    lines = ["RESET search_path; DO $check$ DECLARE n bigint; BEGIN"]
    for name, count in sorted(manifest.tables.items()):
        lines.append(
            f'SELECT count(*) INTO n FROM "{name}"; IF n <> {count} THEN RAISE EXCEPTION '
            f"'table {name} has % rows, the manifest counts {count}', n; END IF;"
        )
    lines.append("END $check$;")
    return "\n".join(lines)
