from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz import lint
from quiz.banks import BankError, LoadResult, bank_load, bank_problems
from quiz.models import Article


class Command(BaseCommand):
    help = (
        "Check question banks: the files given (loaded in a transaction that is always rolled "
        "back), or else the banks in the database (all, or those of --article). Lists every "
        "problem and exits non-zero if there is any; then lists what makes a bank easy to "
        "game or weak to learn from (the bank lint) as warnings, which fail only with --strict."
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
        parser.add_argument(
            "--strict", action="store_true", help="Fail on lint warnings too, not only problems."
        )

    def handle(
        self,
        *args: Any,
        files: list[Path],
        articles: list[str] | None,
        strict: bool,
        **options: Any,
    ) -> None:
        if files and articles:
            raise CommandError("Give files or --article, not both.")
        findings: list[lint.Finding] = []
        if articles:
            known = set(Article.objects.filter(slug__in=articles).values_list("slug", flat=True))
            if unknown := [slug for slug in articles if slug not in known]:
                raise CommandError(f"No article {', '.join(map(repr, unknown))} in the database.")
        if files:
            read: list[lint.Bank] = []

            def read_written(result: LoadResult) -> None:
                # The files' banks as the load leaves them, saved rows included, read before
                # the rollback; checked after it, so the write lock is held only for the read.
                read.append(lint.bank_read(article_slugs=result.articles))

            try:
                bank_load(paths=files, dry_run=True, inspect=read_written)
                problems = []
            except BankError as exc:
                problems = exc.problems
            if read:
                findings = lint.lint(read[0])
        else:
            problems = bank_problems(article_slugs=articles)
            if not problems:
                findings = lint.bank_lint(article_slugs=articles)
        for problem in problems:
            self.stderr.write(str(problem))
        checked = ", ".join(map(str, files)) or "the database"
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found in {checked}.")
        if findings:
            self.stdout.write(
                f"Bank lint: {len(findings)} warning(s).\n\n{lint.report(findings)}\n\n"
            )
        if findings and strict:
            raise CommandError(f"{len(findings)} lint warning(s) in {checked} (--strict).")
        self.stdout.write(
            self.style.SUCCESS("No problems found.")
            + (f" {len(findings)} lint warning(s) above." if findings else "")
        )
