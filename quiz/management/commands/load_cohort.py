from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.text import slugify

from quiz.cohorts import (
    CohortError,
    LinksFile,
    cohort_load,
    cohort_plan,
    read_cohort_file,
    reissue_links,
)


class Command(BaseCommand):
    help = (
        "Load a cohort from a CSV file (username, name, email) or a JSON fixture with natural "
        "keys: create the cohort and its student accounts, all or nothing. New accounts get no "
        "usable password; their one-time set-password links are written to a file for the "
        "instructor to hand out. Existing accounts keep their password and rights. "
        "--reissue USERNAME gives students who have not chosen a password a fresh link."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE", nargs="?")
        parser.add_argument("--cohort", metavar="NAME", help="The cohort (required for CSV).")
        parser.add_argument("--term", default="", help="The cohort's term, when it is new.")
        parser.add_argument(
            "--links",
            type=Path,
            metavar="PATH",
            help="Where to write the set-password links (default: <cohort>-links.csv).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Overwrite the links file if it exists."
        )
        parser.add_argument(
            "--allow-staff",
            action="store_true",
            help="Let staff or superuser accounts named in the file join the cohort.",
        )
        parser.add_argument(
            "--reissue",
            metavar="USERNAME",
            action="append",
            default=[],
            help="Instead of loading a file: a fresh set-password link for this student (who "
            "has not chosen a password); older links stop working. Repeatable.",
        )
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help="The site's address, for the links (default: the SITE_URL setting).",
        )

    def handle(
        self,
        *args: Any,
        file: Path | None,
        cohort: str | None,
        term: str,
        links: Path | None,
        force: bool,
        allow_staff: bool,
        reissue: list[str],
        base_url: str,
        **options: Any,
    ) -> None:
        if bool(file) == bool(reissue):
            raise CommandError("Give a cohort FILE to load, or --reissue USERNAME, not both.")
        if not base_url:
            raise CommandError(
                "Set SITE_URL to the site's address (or give --base-url): the set-password "
                "links point at it."
            )
        links_file: LinksFile | None = None
        try:
            if reissue:
                links_file = LinksFile(links or Path("reissued-links.csv"), force=force)
                links_file.check()
                accounts = reissue_links(reissue, base_url=base_url, deliver=links_file.write)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{len(accounts)} fresh link(s) in {links_file.path}; older links to "
                        "these accounts no longer work."
                    )
                )
                return
            data = read_cohort_file(file, cohort=cohort, term=term)
            links_file = LinksFile(links or Path(f"{slugify(data.cohort)}-links.csv"), force=force)
            plan = cohort_plan(data, allow_staff=allow_staff)
            if plan.problems:
                raise CohortError(plan.problems)
            if plan.outcome("new"):
                links_file.check()  # before anything is saved: no account without its link
            result = cohort_load(
                data,
                base_url=base_url,
                allow_staff=allow_staff,
                deliver=links_file.write,
                progress=self._progress,
            )
        except CohortError as exc:
            if links_file:
                links_file.discard()
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) found; nothing was loaded."
            ) from None
        except DatabaseError as exc:
            # E.g. another load created one of these usernames meanwhile.
            if links_file:
                links_file.discard()
            raise CommandError(
                f"{file or 'reissue'}: the database refused the load ({exc}); nothing was "
                "kept. Run it again."
            ) from None
        except BaseException:
            if links_file:
                links_file.discard()
            raise
        self.stdout.write(
            self.style.SUCCESS(
                f"Cohort {result.cohort}: {len(result.created)} new account(s), "
                f"{result.joined} existing account(s) added, {result.already} already in it, "
                f"{result.quizzes_assigned} quiz(zes) assigned."
            )
        )
        if result.created:
            self.stdout.write(
                f"Set-password links for the new accounts: {links_file.path} (hand each "
                "student theirs; each works once)."
            )
        else:
            self.stdout.write("No new accounts, so no links file was written.")

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
