"""Moving banks to and from Moodle: GIFT (`gift`) and Moodle XML (`moodle_xml`); and out
as a bank file for another site (`bank_json`).

Both Moodle formats carry a question's key as its name, its topic as its category and its
explanation as the general feedback, which ends with each cited sentence on a line of its
own, `Source: “…”`, so Moodle's students see the sources too and an import gets every
sentence back exactly (an older file's one `Source` line, which may quote a run of
sentences, still imports). A bank file carries them as `"evidence": [...]`. What a format
cannot express is reported, never dropped in silence: GIFT has no ordering questions
(Moodle XML carries them as qtype_ordering), and no format carries evidence that an edit
took out of the article. What each kind writes and reads is the kind's own
(`quiz.grading`). Imports go through `banks.bank_load_entries`, which resolves each text to
the article's sentences: validated, all or nothing. Plain text throughout: imported HTML is
reduced to its text.
"""

from quiz.exchange.bank_json import export_bank_json
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
    "export_bank_json",
    "export_gift",
    "export_moodle_xml",
    "import_gift",
    "import_moodle_xml",
    "new_bank_problems",
]
