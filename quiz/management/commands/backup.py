from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from quiz.backups import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = (
        "Copy the whole database to PATH while the site runs (SQLite: VACUUM INTO; "
        "PostgreSQL: pg_dump's custom format), with PATH.manifest.json beside it: the "
        "checksum and every table's row count, which `restore` checks. PATH must be new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, metavar="PATH")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Default: default.")

    def handle(self, *args: Any, path: Path, database: str, **options: Any) -> None:
        try:
            manifest = backup(path, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {manifest.rows} rows in {len(manifest.tables)} tables to {path} "
                f"({manifest.size:,} bytes); manifest: {manifest_path(path)}."
            )
        )
