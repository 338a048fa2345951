"""Every CSV the app writes goes through `safe_csv_writer`: instructors open these files in
spreadsheets, and a text cell starting with = + - @ (or a control character) would run there
as a formula (CSV injection). One helper, so no writer can forget a column."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ or a control character
    would be run as a formula, so it gets a leading apostrophe (OWASP's advice)."""
    text = "" if value is None else str(value)
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text


class SafeCSVWriter:
    """csv.writer whose every text cell is spreadsheet_safe; numbers pass as they are."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow(
            [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row]
        )

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(out: Any) -> SafeCSVWriter:
    return SafeCSVWriter(out)
