from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.banks import BankError, bank_load, bank_problems


class Command(BaseCommand):
    help = (
        "Check question banks: the files given (loaded in a transaction that is always rolled "
        "back), or else the banks in the database (all, or those of --article). Lists every "
        "problem and exits non-zero if there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
        parser.add_argument(
            "--article",
            action="append",
            dest="articles",
            metavar="SLUG",
            help="Check only this article's bank in the database (repeatable).",
        )

    def handle(
        self, *args: Any, files: list[Path], articles: list[str] | None, **options: Any
    ) -> None:
        if files and articles:
            raise CommandError("Give files or --article, not both.")
        if files:
            try:
                bank_load(paths=files, dry_run=True)
                problems = []
            except BankError as exc:
                problems = exc.problems
        else:
            problems = bank_problems(article_slugs=articles)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            checked = ", ".join(map(str, files)) or "the database"
            raise CommandError(f"{len(problems)} problem(s) found in {checked}.")
        self.stdout.write(self.style.SUCCESS("No problems found."))
