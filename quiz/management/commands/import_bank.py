from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.banks import BankError, bank_load_entries
from quiz.exchange import (
    bank_entries,
    import_gift,
    import_moodle_xml,
    new_bank_problems,
)
from quiz.models import Article


class Command(BaseCommand):
    help = (
        "Import a GIFT or Moodle XML file as new questions of an article's bank: validated like "
        "load_bank, all or nothing. Each question's general feedback must end with the "
        "sentences of the article it cites, one `Source: “…”` line each (export_bank writes "
        "them so; an older file's one line may quote a run of sentences). Questions of types "
        "we do not have are reported; --skip-unsupported loads the rest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--article", required=True, metavar="SLUG")
        parser.add_argument(
            "--format",
            choices=["gift", "xml"],
            help="Default: from the file's name (.gift/.txt or .xml).",
        )
        parser.add_argument("--skip-unsupported", action="store_true")

    def handle(
        self,
        *args: Any,
        file: Path,
        article: str,
        format: str | None,
        skip_unsupported: bool,
        **options: Any,
    ) -> None:
        try:
            bank = Article.objects.get(slug=article)
        except Article.DoesNotExist:
            raise CommandError(f"No article {article!r}: load or add the article first.") from None
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file} cannot be read as UTF-8 text: {exc}") from None
        format = format or ("xml" if file.suffix.lower() == ".xml" else "gift")
        imported = import_moodle_xml(text) if format == "xml" else import_gift(text)
        if imported.problems:
            for problem in imported.problems:
                self.stderr.write(str(problem))
            # A file that cannot be read at all has no rest to import.
            if any(problem.where == "the file" for problem in imported.problems):
                raise CommandError(f"{file} cannot be imported; nothing was imported.")
            if not skip_unsupported:
                raise CommandError(
                    f"{file}: {len(imported.problems)} question(s) could not be read; nothing "
                    "was imported (--skip-unsupported imports the rest)."
                )
        problems = new_bank_problems(bank, imported.questions)
        try:
            if problems:
                raise BankError(problems)
            result = bank_load_entries(
                entries=bank_entries(bank, imported.questions), source=str(file)
            )
        except BankError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{file}: {len(exc.problems)} problem(s); nothing was imported."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.created['quiz.question']} question(s) into {bank.slug}."
            )
        )
