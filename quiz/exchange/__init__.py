"""Moving banks to and from Moodle: GIFT (`gift`) and Moodle XML (`moodle_xml`).

Both formats carry a question's key as its name, its topic as its category and its
explanation as the general feedback, which ends with the source sentence as a paragraph
`Source: “…”`, so Moodle's students see the source too and an import gets it back. What a
format cannot express is reported, never dropped in silence: GIFT has no ordering questions
(Moodle XML carries them as qtype_ordering). What each kind writes and reads is the kind's
own (`quiz.grading`). Imports go through `banks.bank_load_entries`: validated, all or
nothing. Plain text throughout: imported HTML is reduced to its text.
"""

from quiz.exchange.common import (
    Exported,
    Imported,
    QuestionData,
    bank_entries,
    bank_questions,
    new_bank_problems,
)
from quiz.exchange.gift import export_gift, import_gift
from quiz.exchange.moodle_xml import export_moodle_xml, import_moodle_xml

__all__ = [
    "Exported",
    "Imported",
    "QuestionData",
    "bank_entries",
    "bank_questions",
    "export_gift",
    "export_moodle_xml",
    "import_gift",
    "import_moodle_xml",
    "new_bank_problems",
]
