from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from quiz.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into an empty database, all or nothing, after "
        "checking it against its manifest (checksum; SQLite's integrity and foreign key checks; "
        "every table's row count). A database with tables is refused unless --replace."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, metavar="PATH")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Drop what the database holds and restore in its place (in one transaction).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Default: default.")

    def handle(self, *args: Any, path: Path, replace: bool, database: str, **options: Any) -> None:
        try:
            manifest = restore(path, alias=database, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path} (taken {manifest.created}): {manifest.rows} rows in "
                f"{len(manifest.tables)} tables, each as its manifest counts. If the code is "
                "newer than the backup, run `manage.py migrate` next."
            )
        )
