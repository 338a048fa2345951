"""Plain forms that parse requests; they never save."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone

from quiz.grading import FormAnswer
from quiz.models import Cohort
from quiz.reports import GRADEBOOK_SORTS

MAX_VALUES = 50  # no question has more options; more is not a student's answer
MAX_LENGTH = 200


class AnswerForm(forms.Form):
    """An answer to one attempt item: `item`, then `answer` values or `match-<value>` selects,
    options named as the page names them (`AttemptItem.page_options`)."""

    item = forms.IntegerField(min_value=1, max_value=2**62)

    def __init__(self, data: QueryDict, *args: object, **kwargs: object) -> None:
        super().__init__(data, *args, **kwargs)
        self.answers: list[str] = []
        self.matches: dict[str, str] = {}

    def clean(self) -> dict:
        cleaned = super().clean()
        answers = self.data.getlist("answer")
        matches = {
            key.removeprefix("match-"): value
            for key, value in self.data.items()
            if key.startswith("match-")
        }
        if len(answers) > MAX_VALUES or len(matches) > MAX_VALUES:
            raise forms.ValidationError("That answer has too many parts.", code="too_many")
        if any(len(value) > MAX_LENGTH for value in [*answers, *matches.values()]):
            raise forms.ValidationError(
                f"Answers are at most {MAX_LENGTH} characters long.", code="too_long"
            )
        self.answers = answers
        self.matches = matches
        return cleaned

    def given(self) -> FormAnswer:
        """What was posted, cut to size, to show the question again as the student left it."""
        answers = self.data.getlist("answer")[:MAX_VALUES]
        matches = [(k, v) for k, v in self.data.items() if k.startswith("match-")][:MAX_VALUES]
        return FormAnswer(
            [value[:MAX_LENGTH] for value in answers],
            {key.removeprefix("match-"): value[:MAX_LENGTH] for key, value in matches},
        )


class FlagForm(forms.Form):
    """The flag a question should have: set (1) or not (0). A value, not a toggle, so that
    sending it twice leaves what the button said."""

    flagged = forms.TypedChoiceField(choices=[("1", "flag"), ("0", "unflag")], coerce="1".__eq__)


class EvidenceForm(forms.Form):
    """The sentence picked as evidence: its place in the passage, as the page numbers them."""

    sentence = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        error_messages={
            "required": "Pick the sentence that supports the answer first.",
            "invalid": "Pick one of the passage's sentences.",
            "min_value": "Pick one of the passage's sentences.",
            "max_value": "Pick one of the passage's sentences.",
        },
    )

    @property
    def error(self) -> str:
        return " ".join(self.errors.get("sentence", []))


class ArrangeForm(forms.Form):
    """A proposed order of an ordering question's items and the move that made it:
    `?arrange=3,1,2/up-1` (the items' page values, never choice ids, then which button to give
    focus back to). A GET: no state changes until the answer is sent."""

    arrange = forms.RegexField(
        regex=r"^\d{1,19}(,\d{1,19}){0,49}(/(up|down)-\d{1,19})?$", max_length=1100
    )

    def order(self) -> list[int]:
        ids = self.cleaned_data["arrange"].partition("/")[0]
        return [int(part) for part in ids.split(",")]

    def moved(self) -> str:
        return self.cleaned_data["arrange"].partition("/")[2]


class GradebookForm(forms.Form):
    """How the gradebook is sorted, which page of it is shown, or whether it is downloaded
    as CSV (always every student)."""

    sort = forms.ChoiceField(choices=[(name, name) for name in GRADEBOOK_SORTS], required=False)
    dir = forms.ChoiceField(choices=[("asc", "asc"), ("desc", "desc")], required=False)
    format = forms.ChoiceField(choices=[("html", "html"), ("csv", "csv")], required=False)
    page = forms.IntegerField(min_value=1, max_value=10**6, required=False)


class AnalysisForm(forms.Form):
    """Which cohort's attempts the item analysis counts: all when none is given."""

    cohort = forms.RegexField(regex=r"^\d{1,18}$", required=False)


class CoverageForm(forms.Form):
    """Whose answers the coverage map counts: a cohort's students, or everyone's."""

    cohort = forms.ModelChoiceField(
        Cohort.objects.all(),
        required=False,
        empty_label="All students",
        help_text="Facility counts the answers in the chosen students' graded attempts, "
        "finished or still open.",
    )


# How far ahead a retention forecast looks at most: a school year.
FORECAST_AHEAD = timedelta(days=366)
THRESHOLD = 70  # percent: a student predicted to recall less of a paragraph is listed


def coming_friday() -> date:
    """Today if it is a Friday, else the next one: the day a forecast is for unless chosen."""
    today = timezone.localdate()
    return today + timedelta(days=(4 - today.weekday()) % 7)


class ForecastForm(forms.Form):
    """A retention forecast asked for on the coverage map (`forecast` ticked): the day, and
    the threshold under which a student is listed. Bound only when asked for: otherwise it
    offers the coming Friday and 70%, and a stale day in a bookmark is no error."""

    # The browser must not insist: the same form shows the map without a forecast.
    use_required_attribute = False

    forecast = forms.BooleanField(label="Forecast recall", label_suffix="")
    day = forms.DateField(
        initial=coming_friday,
        label="Day of the test",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # as HTML wants it
        help_text="For a cohort: the share of its students predicted to recall each "
        "sentence's questions at 9:00 that day, if nobody practises before then.",
    )
    threshold = forms.IntegerField(
        required=False,
        initial=THRESHOLD,
        min_value=1,
        max_value=100,
        label="List students under (%)",
    )

    def __init__(self, *args: Any, cohort: Cohort | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(
                "Choose today or a later day: the forecast starts from each student's memory "
                "as it is now, and cannot say what it was on a day gone by.",
                code="past",
            )
        if day > today + FORECAST_AHEAD:
            raise forms.ValidationError("Choose a day within a year from today.", code="too_far")
        return day

    def clean_threshold(self) -> int:
        threshold = self.cleaned_data["threshold"]
        return THRESHOLD if threshold is None else threshold

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.cohort is None:
            raise forms.ValidationError(
                "A forecast is for one cohort's students: choose a cohort.", code="no_cohort"
            )
        return cleaned


class OverrideForm(forms.Form):
    """An instructor's score for one response, in points (up to its question's weight; the
    service checks the range), and why."""

    score = forms.DecimalField(min_value=0, max_digits=7, decimal_places=4)
    reason = forms.CharField(max_length=1000)


class AcceptForm(forms.Form):
    """An answer from the item analysis to accept as right, and the cohort the page showed."""

    question = forms.IntegerField(min_value=1, max_value=2**62)
    answer = forms.CharField(max_length=200)  # as long as an accepted answer may be
    cohort = forms.RegexField(regex=r"^\d{1,18}$", required=False)


# At most one reset mail per account in this long: "Forgot password?" cannot flood a student's
# inbox, nor the school's mail server's reputation. Counted in the cache (per process with the
# default local-memory cache: a bound, not an exact count).
RESET_MAIL_INTERVAL = timedelta(minutes=5)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, for the accounts a class list made too: they start without a
    usable password (their set-password link chooses one), and a student who lost that link
    is the one who needs a reset mail most. Django leaves such accounts out."""

    def get_users(self, email: str) -> Iterator[Any]:
        users = get_user_model()._default_manager.filter(
            **{f"{get_user_model().get_email_field_name()}__iexact": email, "is_active": True}
        )
        field = get_user_model().get_email_field_name()
        for user in users:
            # As Django's form does: the address must match, not only case-insensitively in
            # the database (lookalike characters are not the same address).
            if not _same_address(email, getattr(user, field) or ""):
                continue
            key = f"password-reset-mail:{user.pk}"
            if cache.add(key, True, timeout=int(RESET_MAIL_INTERVAL.total_seconds())):
                yield user


def _same_address(one: str, other: str) -> bool:
    return (
        unicodedata.normalize("NFKC", one).casefold()
        == unicodedata.normalize("NFKC", other).casefold()
    )
