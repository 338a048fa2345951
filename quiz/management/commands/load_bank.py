from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.banks import BankError, bank_load


class Command(BaseCommand):
    help = (
        "Load question bank files (JSON with natural keys) in one transaction. Every object is "
        "validated; on any problem nothing is kept. Loading the same files again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        try:
            result = bank_load(paths=files)
        except BankError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) found in {', '.join(map(str, files))}; "
                "nothing was loaded."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {', '.join(map(str, files))}."))
        self.stdout.write(result.summary())
