from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from quiz.cohorts import CohortError, cohort_load, read_cohort_file, write_links


class Command(BaseCommand):
    help = (
        "Load a cohort from a CSV file (username, name, email) or a JSON fixture with natural "
        "keys: create the cohort and its student accounts, all or nothing. New accounts get no "
        "usable password; their one-time set-password links are written to a file for the "
        "instructor to hand out. Existing accounts keep their password and rights."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--cohort", metavar="NAME", help="The cohort (required for CSV).")
        parser.add_argument("--term", default="", help="The cohort's term, when it is new.")
        parser.add_argument(
            "--links",
            type=Path,
            metavar="PATH",
            help="Where to write the set-password links (default: <cohort>-links.csv).",
        )
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help="The site's address, for the links (default: the SITE_URL setting).",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        cohort: str | None,
        term: str,
        links: Path | None,
        base_url: str,
        **options: Any,
    ) -> None:
        try:
            data = read_cohort_file(file, cohort=cohort, term=term)
            links = links or Path(f"{slugify(data.cohort)}-links.csv")
            if links.exists():
                raise CommandError(f"{links} exists already: move it away or give --links.")
            result = cohort_load(data, base_url=base_url, progress=self._progress)
        except CohortError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) found; nothing was loaded."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Cohort {result.cohort}: {len(result.created)} new account(s), "
                f"{result.joined} existing account(s) added, {result.already} already in it, "
                f"{result.quizzes_assigned} quiz(zes) assigned."
            )
        )
        if result.created:
            write_links(result.created, links)
            self.stdout.write(
                f"Set-password links for the new accounts: {links} (hand each student theirs; "
                "each works once)."
            )

    def _progress(self, done: int, total: int) -> None:
        if not total or total < 200:
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        self.stderr.write(f"\rLoading [{bar}] {done}/{total}", ending="")
        if done >= total:
            self.stderr.write("")
        self.stderr.flush()
