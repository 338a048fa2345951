from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.exchange import export_bank_json, export_gift, export_moodle_xml
from quiz.models import Article


class Command(BaseCommand):
    help = (
        "Export an article's question bank to Moodle's GIFT or Moodle XML format, or as a bank "
        "file (json) that load_bank reads on another site. What the format cannot carry "
        "(ordering questions in GIFT; evidence an article edit took out, until reviewed) is "
        "listed, not dropped in silence."
    )

    exporters = {"gift": export_gift, "xml": export_moodle_xml, "json": export_bank_json}

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("article", metavar="ARTICLE", help="The article's slug.")
        parser.add_argument("--format", choices=list(self.exporters), default="xml")
        parser.add_argument("-o", "--output", type=Path, help="The file (default: stdout).")

    def handle(
        self, *args: Any, article: str, format: str, output: Path | None, **options: Any
    ) -> None:
        try:
            bank = Article.objects.get(slug=article)
        except Article.DoesNotExist:
            raise CommandError(f"No article {article!r}.") from None
        exported = self.exporters[format](bank)
        if output:
            try:
                output.write_text(exported.text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"{output} cannot be written: {exc.strerror or exc}") from None
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(exported.text, ending="")
        if exported.left_out:
            self.stderr.write(f"Left out of the {format.upper()} file:")
            for line in exported.left_out:
                self.stderr.write(f"  {line}")
