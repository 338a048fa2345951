"""The student's pages. Each view parses the request, calls one service or selector, renders.

Every page works without JavaScript: a plain POST redirects (post/redirect/get) to a page that
shows the same thing htmx swaps in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from quiz import errors, grading, memory, reports, retrying, reviewing, selectors, services
from quiz.forms import (
    AcceptForm,
    AnalysisForm,
    AnswerForm,
    ArrangeForm,
    CoverageForm,
    EvidenceForm,
    FlagForm,
    ForecastForm,
    GradebookForm,
    OverrideForm,
    PasswordResetForm,
)
from quiz.models import Article, Attempt, AttemptItem, Cohort, Quiz
from quiz.presenters import (
    back_path,
    cited_ids,
    given_answer,
    item_display,
    passage,
    path,
    right_answer,
    saved_form,
)

# How the domain's refusals reach the browser: the one place they become status codes.
STATUS = {
    errors.NotFound: 404,
    errors.NotAllowed: 403,
    errors.Conflict: 409,
    # 422, not 400: htmx swaps 409 and 422 into the page (base.html's responseHandling), and
    # only this app's views answer them, always with a fragment fit for the question's place.
    # A 400 comes from Django itself (a body too big to read) as a whole page, never swapped.
    grading.InvalidSubmission: 422,
    errors.NotInPassage: 422,  # a pick that is not one of the sentences: the form's input
}

# A POST cannot be repeated by a GET after signing in: back to the page it was sent from.
RETURN_TO = {
    "answer": "quiz:attempt",
    "finish": "quiz:attempt",
    "flag": "quiz:item",
    "evidence": "quiz:item",
    "start": "quiz:quiz",
    "practice": "quiz:quiz",
    "review_due": "quiz:quiz",
}
SIGNED_OUT = "You were logged out, so your last answer was not saved. Log in to carry on."
SESSION_ENDED = "Your session has ended. Log in to carry on where you were."
ALREADY_ANSWERED = "You had already answered this question; your first answer stands."


def status_of(refusal: Exception) -> int:
    """The HTTP status of a refusal: that of its nearest family in `STATUS`."""
    for cls in type(refusal).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    raise TypeError(f"{refusal!r} is not one of the domain's refusals")


# Seconds a client should wait before sending again what a busy database refused.
RETRY_AFTER = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, called while the exception is being handled. A database that is
    busy or unreachable (`OperationalError`: on SQLite a write lock not granted within the
    timeout) is a 503 with Retry-After: the request saved nothing and sending it again works."""
    busy = isinstance(sys.exc_info()[1], OperationalError)
    status = 503 if busy else 500
    body = loader.get_template(f"{status}.html").render()  # no request: as Django's own
    response = HttpResponse(body, status=status)
    if busy:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def student_view(view):
    """Login required; a refusal the view does not answer itself gets its status's page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return _to_login(request)
        try:
            return view(request, *args, **kwargs)
        except errors.QuizError as exc:
            status = status_of(exc)
            context = {"exception": str(exc)}
            if request.htmx:  # the message in place of the page's content, not in a card
                name = f"{status}.html#content"
                response = TemplateResponse(request, name, context, status=status)
                response["HX-Retarget"] = "#main"
                response["HX-Reswap"] = "innerHTML"
                return response
            return TemplateResponse(request, f"{status}.html", context, status=status)

    return wrapped


def _to_login(request: HttpRequest) -> HttpResponse:
    """To the login page, then back to a page that answers GET: for htmx a whole-page redirect
    (a swap would put the login form inside the question card), and a word on what was lost."""
    if request.htmx:  # the page the browser shows, not the fragment's URL
        back = request.htmx.current_url_abs_path or reverse("quiz:home")
    elif request.method == "GET":
        back = request.get_full_path()
    else:
        match = request.resolver_match
        page = RETURN_TO.get(match.url_name)
        back = reverse(page, kwargs=match.kwargs) if page else reverse("quiz:home")
    lapsed = settings.SESSION_COOKIE_NAME in request.COOKIES
    explained = getattr(request, "session_ended", False)  # by SessionLimitsMiddleware
    if request.method == "POST":
        messages.warning(request, SIGNED_OUT)
    elif lapsed and not explained:
        messages.warning(request, SESSION_ENDED)
    response = redirect_to_login(back)
    return HttpResponseClientRedirect(response.url) if request.htmx else response


def render_page(
    request: HttpRequest, template: str, partial: str | None, context: dict, status: int = 200
) -> TemplateResponse:
    """The named partial of `template` for htmx, the whole page otherwise."""
    name = f"{template}#{partial}" if partial and request.htmx else template
    return TemplateResponse(request, name, context, status=status)


def attempt_url(attempt_id: int) -> str:
    return reverse("quiz:attempt", args=[attempt_id])


def item_url(attempt_id: int, position: int) -> str:
    return reverse("quiz:item", args=[attempt_id, position])


def summary_url(attempt_id: int) -> str:
    return reverse("quiz:finish", args=[attempt_id])


def review_url(attempt_id: int) -> str:
    return reverse("quiz:review", args=[attempt_id])


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect the browser, through htmx when the request came from it."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@student_view
def landing(request: HttpRequest) -> HttpResponse:
    """Where logging in leads: instructors to their page, students to their quizzes."""
    if request.user.is_staff:
        return redirect("quiz:instructors")
    return redirect("quiz:home")


@require_GET
@student_view
def home(request: HttpRequest) -> HttpResponse:
    statuses = selectors.quiz_statuses(request.user)
    due = selectors.due_today(request.user, [s.quiz.pk for s in statuses if s.due])
    return TemplateResponse(request, "quiz/home.html", {"statuses": statuses, "due": due})


@require_GET
@student_view
def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _quiz_page(request, selectors.visible_quiz(request.user, slug))


def _quiz_page(request: HttpRequest, quiz: Quiz, error: str = "", status: int = 200):
    (status_row,) = selectors.quiz_statuses(request.user, [quiz])
    context = {
        "quiz": quiz,
        "status": status_row,
        "error": error,
        "asks": selectors.questions_asked(quiz),
        "session": memory.SESSION,
    }
    return TemplateResponse(request, "quiz/quiz.html", context, status=status)


@require_POST
@student_view
def quiz_start(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = selectors.visible_quiz(request.user, slug)
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except (errors.NotAllowed, errors.QuizClosed) as exc:
        return _quiz_page(request, quiz, str(exc), status=status_of(exc))
    return go(request, attempt_url(attempt.pk))


@require_POST
@student_view
def practice_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Practise the questions not yet answered right."""
    return _practise(request, slug, services.practice_start)


@require_POST
@student_view
def review_due(request: HttpRequest, slug: str) -> HttpResponse:
    """Practise the questions due for review today."""
    return _practise(request, slug, services.review_start)


def _practise(request: HttpRequest, slug: str, start: Callable[..., Attempt]) -> HttpResponse:
    quiz = selectors.visible_quiz(request.user, slug)
    try:
        attempt = start(user=request.user, quiz=quiz)
    except (errors.NotAllowed, errors.QuizClosed) as exc:
        return _quiz_page(request, quiz, str(exc), status=status_of(exc))
    return go(request, attempt_url(attempt.pk))


@require_GET
@student_view
@vary_on_headers("HX-Request")
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The question to answer now: the first not answered. A free attempt whose questions all
    have answers shows its summary, to change one or finish."""
    item = selectors.current_item(request.user, attempt_id)
    if item is not None and item.attempt.finds_evidence and not item.attempt.navigates_freely:
        # The question before may wait for its evidence and second try: resume there.
        before = selectors.item_at(
            request.user, attempt_id, position=item.position - 1, missing_ok=True
        )
        if before is not None and before.stage is not retrying.Stage.DONE:
            return go(request, item_url(attempt_id, before.position))
    if item is None:
        attempt = selectors.user_attempt(request.user, attempt_id)  # 404 for anyone else's
        if not attempt.is_open:
            return go(request, review_url(attempt_id))
        if attempt.navigates_freely:
            return go(request, summary_url(attempt_id))
        # Sequential, every question answered, still open: its last question waits for its
        # evidence and second try (the only one that can: moving on ends a search).
        return go(request, item_url(attempt_id, attempt.question_count))
    return _ended(request, item) or _item_page(request, item)


@require_GET
@student_view
@vary_on_headers("HX-Request")
def attempt_item(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """Question `position`. In an open free attempt: to answer, or to change its answer until
    finishing where feedback comes at the end; answered where it comes at once, its feedback.
    In a sequential one: an answered question's feedback where the quiz shows it at once.
    Feedback that waits for the end is shown on the review, as its options allow, never here."""
    item = selectors.item_at(request.user, attempt_id, position=position)
    attempt = item.attempt
    response = getattr(item, "response", None)
    if attempt.is_open and attempt.navigates_freely:
        if ended := _ended(request, item):
            return ended
        if response is None or attempt.answers_changeable:
            return _item_page(request, item)
        return _answered(request, item)
    if response is None:
        return go(request, attempt_url(attempt_id))
    if attempt.defers_feedback:
        return go(request, attempt_url(attempt_id) if attempt.is_open else review_url(attempt_id))
    return _answered(request, item)


def _answered(request: HttpRequest, item: AttemptItem) -> HttpResponse:
    """An answered question's page; `?arrange=` re-lays an ordering question's items for its
    second try."""
    arrange = ArrangeForm(request.GET)
    if arrange.is_valid():
        return _feedback(request, item, arrangement=arrange.order(), moved=arrange.moved())
    return _feedback(request, item)


def _ended(request: HttpRequest, item: AttemptItem) -> HttpResponse | None:
    """Where to go if the item's attempt takes no more answers (closing it if it is over):
    why, in place of the question, or the results. None while it is open."""
    attempt = item.attempt
    if attempt.is_open and not attempt.is_over(timezone.now(), quiz_open=item.quiz_open):
        return None
    _, ended = services.attempt_end_if_over(user=request.user, attempt_id=attempt.pk)
    if ended is not None and not isinstance(ended, errors.TimeUp):  # say why it closed
        return _closed(request, attempt.pk, str(ended), status=status_of(ended))
    return go(request, review_url(attempt.pk))


def _item_page(request: HttpRequest, item: AttemptItem) -> TemplateResponse:
    """The question, with the answer standing if it may be changed; `?arrange=` re-lays an
    ordering question's items (the standing answer's order gives way to the moves)."""
    arrange = ArrangeForm(request.GET)
    if arrange.is_valid():
        return _question(request, item, arrangement=arrange.order(), moved=arrange.moved())
    saved = saved_form(item) if _may_change(item) else None
    return _question(request, item, given=saved, shows_saved=saved is not None)


def _may_change(item: AttemptItem) -> bool:
    # Only an item loaded with its response (`selectors.item_at`): reading `item.response`
    # on another would cost a query to learn what its filter already said.
    return item.attempt.answers_changeable and AttemptItem.response.is_cached(item)


def _question(
    request: HttpRequest,
    item: AttemptItem,
    *,
    arrangement: list[int] | None = None,
    moved: str = "",
    error: str = "",
    given: grading.FormAnswer | None = None,
    shows_saved: bool = False,
    mapped: dict[str, Any] | None = None,
    status: int = 200,
) -> TemplateResponse:
    """The question's page. `shows_saved`: `given` is the answer standing, shown to be
    changed; otherwise a standing answer is only mentioned (the widget shows moves or what
    was just refused)."""
    attempt = item.attempt
    free = attempt.navigates_freely
    context = {
        "attempt": attempt,
        "item": item,
        "display": item_display(item, arrangement=arrangement, moved=moved, given=given),
        "error": error,
        "defers_feedback": attempt.defers_feedback,
        "answered": _may_change(item) and getattr(item, "response", None) is not None,
        "shows_saved": shows_saved,
        **(_map(attempt) if mapped is None else mapped),  # the caller's, when it has it
        "flagged": item.flagged,
        "arrange_url": item_url(attempt.pk, item.position) if free else attempt_url(attempt.pk),
        "allowance": selectors.attempt_allowance(request.user, attempt),
    }
    return render_page(request, "quiz/attempt.html", "question", context, status=status)


def _feedback(
    request: HttpRequest,
    item: AttemptItem,
    *,
    repeated: bool = False,
    error: str = "",
    status: int = 200,
    arrangement: list[int] | None = None,
    moved: str = "",
    given: grading.FormAnswer | None = None,
) -> HttpResponse:
    """An answered question: its feedback, or, under find the evidence, then retry, the
    search for the evidence or the second try while those are still to come (`_search`). An
    attempt that closed before they came shows neither: what it earned is on the results
    page, as the quiz's review options allow."""
    attempt = item.attempt
    stage = item.stage
    if stage is not retrying.Stage.DONE and not attempt.is_open:
        return go(request, review_url(attempt.pk))
    mapped = _item_map(item) if attempt.is_open else {}
    context = {
        "attempt": attempt,
        "item": item,
        "response": item.response,
        "given": given_answer(item),
        # Said first by the screen reader's announcement, before what it says of the answer.
        "repeated": ALREADY_ANSWERED if repeated else "",
        **mapped,
        "flagged": item.flagged,
        "next_url": _next_url(item, mapped.get("map")),
        "allowance": selectors.attempt_allowance(request.user, attempt),
    }
    if stage is not retrying.Stage.DONE:
        context.update(
            _search(item, stage, error=error, arrangement=arrangement, moved=moved, given=given)
        )
        return render_page(request, "quiz/attempt.html", "evidence", context, status=status)
    context.update(
        right_answer=right_answer(item),
        path=path(item),
        next_is_summary=context["next_url"] == summary_url(attempt.pk),
    )
    return render_page(request, "quiz/attempt.html", "feedback", context)


def _search(
    item: AttemptItem,
    stage: retrying.Stage,
    *,
    error: str,
    arrangement: list[int] | None,
    moved: str,
    given: grading.FormAnswer | None,
) -> dict[str, Any]:
    """What the search for the evidence shows, or the second try once it is over."""
    picks, cited = item.response.picks, item.cited_ids
    return {
        "stage": stage.value,
        "passage": passage(item),
        "found": retrying.found(picks, cited),
        "missed": [pick for pick in picks if pick not in cited],
        # A second try that cannot raise the score (the first earned the share already) is
        # still worth trying, for practice.
        "score_stands": item.response.score * 100 >= item.attempt.retry_credit,
        "display": item_display(item, arrangement=arrangement, moved=moved, given=given),
        "arrange_url": item_url(item.attempt_id, item.position),
        "error": error,
    }


def _item_map(item: AttemptItem) -> dict[str, Any]:
    """`_map` of the item's attempt. An item a service changed under its lock carries the map
    as the change left it (`services._locked_item`): no need to read it again."""
    return _map(item.attempt, getattr(item, "map", None))


def _map(attempt: Attempt, entries: list[selectors.MapEntry] | None = None) -> dict[str, Any]:
    """The question map of a free attempt (`entries` if the caller has it) and how many of its
    questions have answers."""
    if not attempt.navigates_freely:
        return {}
    entries = entries or selectors.question_map(attempt)
    return {"map": entries, "answered_count": sum(entry.answered for entry in entries)}


def _next_url(item: AttemptItem, entries: list[selectors.MapEntry] | None = None) -> str:
    """After this question: the next one in a free attempt, and the summary after the last or
    once every question has an answer (`entries`, its map, says); the question to answer now
    in a sequential one."""
    attempt = item.attempt
    if not attempt.navigates_freely:
        return attempt_url(attempt.pk)
    if entries and all(entry.answered for entry in entries):
        return summary_url(attempt.pk)
    if item.position < attempt.question_count:
        return item_url(attempt.pk, item.position + 1)
    return summary_url(attempt.pk)


@require_POST
@student_view
def answer(request: HttpRequest, attempt_id: int) -> HttpResponse:
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(request, attempt_id, _form_error(form), form=form)
    try:
        recorded = services.answer_record(
            user=request.user,
            attempt_id=attempt_id,
            item_id=form.cleaned_data["item"],
            answers=form.answers,
            matches=form.matches,
        )
    except (grading.InvalidSubmission, errors.OutOfOrder) as exc:
        return _refused(request, attempt_id, str(exc), form=form, status=status_of(exc))
    except errors.AttemptEnded as exc:
        return _closed(request, attempt_id, str(exc), status=status_of(exc))
    if not recorded.created:  # another tab or a double click: say so, then show where it is
        messages.info(request, ALREADY_ANSWERED)
    item = recorded.response.item
    attempt = item.attempt
    if attempt.defers_feedback:
        if recorded.attempt_finished or not attempt.is_open:
            return go(request, review_url(attempt_id))
        if attempt.navigates_freely:  # on to the next question, saying what became of this one
            said = "changed" if recorded.changed else "saved"
            messages.success(request, f"Your answer to question {item.position} is {said}.")
            return _onwards(request, item)
        if not request.htmx:
            return redirect(attempt_url(attempt_id))
        following = selectors.current_item(request.user, attempt_id)
        if following is None:
            return go(request, review_url(attempt_id))
        response = _question(request, following)
        response["HX-Push-Url"] = attempt_url(attempt_id)
        return response
    if not request.htmx:
        return redirect(item_url(attempt_id, item.position))
    if not recorded.created:  # the standing answer: load it as its page would
        item = selectors.answered_item(request.user, attempt_id, item.position)
    response = _feedback(request, item, repeated=not recorded.created)
    response["HX-Push-Url"] = item_url(attempt_id, item.position)
    return response


def _onwards(request: HttpRequest, item: AttemptItem) -> HttpResponse:
    """A free attempt's next question after this one's answer is saved, or its summary once
    every question has an answer."""
    mapped = _item_map(item)
    url = _next_url(item, mapped["map"])
    if not request.htmx or url == summary_url(item.attempt_id):
        return go(request, url)
    following = selectors.item_after(item)
    saved = saved_form(following)
    response = _question(
        request, following, given=saved, shows_saved=saved is not None, mapped=mapped
    )
    response["HX-Push-Url"] = url
    return response


def _refused(
    request: HttpRequest, attempt_id: int, message: str, *, form: AnswerForm, status: int = 422
) -> HttpResponse:
    """The question again with the message and the student's input, nothing saved: the
    question answered in a free attempt, the one to answer now in a sequential one."""
    posted = form.cleaned_data.get("item")
    item = None
    if posted is not None:
        item = selectors.item_at(request.user, attempt_id, pk=posted, missing_ok=True)
    if (
        item is not None
        and item.attempt.is_open
        and getattr(item, "response", None) is not None
        and item.stage is retrying.Stage.RETRY
    ):  # a second try refused: back to it, with the passage and its credit
        return _feedback(request, item, error=message, status=status, given=form.given())
    if item is None or not (item.attempt.is_open and item.attempt.navigates_freely):
        item = selectors.current_item(request.user, attempt_id)
    if item is None:
        attempt = selectors.user_attempt(request.user, attempt_id)
        return _closed(request, attempt.pk, str(errors.AttemptClosed()), status=409)
    given = form.given() if item.pk == posted else None
    return _question(request, item, error=message, given=given, status=status)


def _closed(request: HttpRequest, attempt_id: int, message: str, *, status: int) -> HttpResponse:
    """In place of the question: why it takes no more answers, and the way to the results."""
    attempt = selectors.user_attempt(request.user, attempt_id)
    context = {"attempt": attempt, "message": message}
    response = render_page(request, "quiz/closed.html", "message", context, status=status)
    if request.htmx:  # from wherever it was asked (a flag's button too), in the question's place
        response["HX-Retarget"] = "#question-region"
        response["HX-Reswap"] = "outerHTML"
    return response


def _form_error(form: AnswerForm) -> str:
    if "item" in form.errors:
        return "That answer did not say which question it was for. Please answer again."
    return " ".join(form.non_field_errors())


@require_POST
@student_view
def flag(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """Flag a question for later, or take the flag off; back to the question without htmx."""
    form = FlagForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Say whether to flag the question: flagged=1 or 0.")
    try:
        item = services.item_flag(
            user=request.user,
            attempt_id=attempt_id,
            position=position,
            flagged=form.cleaned_data["flagged"],
        )
    except errors.AttemptEnded as exc:
        return _closed(request, attempt_id, str(exc), status=status_of(exc))
    if not request.htmx:
        return redirect(item_url(attempt_id, position))
    answered = getattr(item, "response", None) is not None
    context = {
        "attempt": item.attempt,
        "item": item,
        "flagged": item.flagged,
        "entry": selectors.MapEntry(item.position, answered, item.flagged),
    }
    return TemplateResponse(request, "quiz/attempt.html#flag-changed", context)


@require_POST
@student_view
def evidence(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """Pick the sentence that supports the answer (find the evidence, then retry); back to
    the question without htmx, where the page says how the pick went."""
    form = EvidenceForm(request.POST)
    try:
        if not form.is_valid():
            raise grading.InvalidSubmission(form.error)
        item = services.evidence_pick(
            user=request.user,
            attempt_id=attempt_id,
            position=position,
            place=form.cleaned_data["sentence"],
        )
    except (grading.InvalidSubmission, errors.NotInPassage) as exc:
        item = selectors.item_at(request.user, attempt_id, position=position)
        if not item.attempt.is_open:
            return _closed(request, attempt_id, str(errors.AttemptClosed()), status=409)
        if getattr(item, "response", None) is None or not item.attempt.finds_evidence:
            return go(request, item_url(attempt_id, position))
        return _feedback(request, item, error=str(exc), status=status_of(exc))
    except errors.NoEvidenceToFind:  # not answered, or not that kind of quiz: the question
        return go(request, item_url(attempt_id, position))
    except errors.AttemptEnded as exc:
        return _closed(request, attempt_id, str(exc), status=status_of(exc))
    if not request.htmx:
        return redirect(item_url(attempt_id, position))
    return _feedback(request, item)


@require_http_methods(["GET", "POST"])
@student_view
def finish(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """GET: the summary (every question's state, a way back to each one the student may
    still answer, the time left); POST finishes, what is not answered scoring nothing."""
    if request.method == "POST":
        try:
            services.attempt_finish(user=request.user, attempt_id=attempt_id)
        except errors.AttemptEnded as exc:
            return _closed(request, attempt_id, str(exc), status=status_of(exc))
        return go(request, review_url(attempt_id))
    attempt, ended = services.attempt_end_if_over(user=request.user, attempt_id=attempt_id)
    if ended is not None and not isinstance(ended, errors.TimeUp):
        return _closed(request, attempt_id, str(ended), status=status_of(ended))
    if not attempt.is_open:
        return redirect(review_url(attempt_id))
    entries = selectors.question_map(attempt)
    unanswered = [entry for entry in entries if not entry.answered]
    now_at = unanswered[0].position if unanswered else None
    if now_at is None and not attempt.navigates_freely:
        now_at = attempt.question_count
    context = {
        "attempt": attempt,
        "entries": entries,
        "answered": len(entries) - len(unanswered),
        "unanswered": len(unanswered),
        "flagged": sum(entry.flagged for entry in entries),
        # Where the student may go back to: any question in a free attempt, the one to
        # answer now in a sequential one (its last, when every one is answered: it waits
        # for its second try).
        "free": attempt.navigates_freely,
        "now_at": now_at,
        "back_to": now_at or 1,
        "allowance": selectors.attempt_allowance(request.user, attempt),
    }
    return TemplateResponse(request, "quiz/finish.html", context)


@require_GET
@student_view
def timer(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The clock's fragment, for htmx's sync; a browser that opens the URL gets the question."""
    attempt = services.attempt_expire_if_due(user=request.user, attempt_id=attempt_id)
    if not attempt.is_open:
        return go(request, review_url(attempt_id))
    if not request.htmx:
        return redirect(attempt_url(attempt_id))
    context = {"attempt": attempt, "allowance": selectors.attempt_allowance(request.user, attempt)}
    return TemplateResponse(request, "quiz/attempt.html#timer", context)


@require_GET
@student_view
def review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = services.attempt_expire_if_due(user=request.user, attempt_id=attempt_id)
    if attempt.is_open:
        return redirect(attempt_url(attempt_id))
    rows = _review_rows(attempt, selectors.review_items(attempt))
    (status,) = selectors.quiz_statuses(request.user, [attempt.quiz])
    closes_at = status.window.closes_at if status.window is not None else None
    shown = reviewing.shown(
        attempt.quiz, reviewing.when(attempt.finished_at, closes_at, timezone.now())
    )
    context = {
        "attempt": attempt,
        "rows": rows,
        "status": status,
        "shown": shown,
        # Practising the ones missed would say which were missed.
        "can_practise": shown.marks
        and status.is_open
        and selectors.has_missed(request.user, attempt.quiz),
        "duration": (attempt.finished_at - attempt.started_at) if attempt.finished_at else None,
    }
    return TemplateResponse(request, "quiz/review.html", context)


def _review_rows(attempt: Attempt, items: list[AttemptItem]) -> list[dict]:
    rows = []
    for item in items:
        item.attempt = attempt  # what the way the answer came about reads, without a query
        response = getattr(item, "response", None)
        rows.append(
            {
                "item": item,
                "response": response,
                "changes": list(response.changes.all()) if response else [],
                "given": given_answer(item),
                "right_answer": right_answer(item),
                "path": path(item),
            }
        )
    return rows


@require_GET
@student_view
def progress(request: HttpRequest) -> HttpResponse:
    quizzes, topics = selectors.progress(request.user)
    context = {
        "quizzes": [(q, reports.score_chart(q.attempts)) for q in quizzes],
        "topics": topics,
    }
    return TemplateResponse(request, "quiz/progress.html", context)


@require_GET
@student_view
def article(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.article_page(slug, cited_ids(request.GET.get("cite", "")))
    context = {
        "page": page,
        "article": page.article,
        "back": back_path(request.GET.get("back", "")),
    }
    return TemplateResponse(request, "quiz/article.html", context)


# Instructors' reports ------------------------------------------------------------------------


def instructor_required(view):
    """Staff only (instructors are staff); a student gets a 403, never the data. Checked on
    is_staff rather than a permission: the permission check costs two queries a page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied("These reports are for instructors.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


GRADEBOOK_PAGE = 100  # students a page; a class is one page, a year group a few


@require_GET
@instructor_required
def gradebook(request: HttpRequest, cohort_id: int, slug: str) -> HttpResponse:
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    quiz = get_object_or_404(Quiz, slug=slug, assignments__cohort=cohort)
    options = GradebookForm(request.GET)
    options.is_valid()  # what does not parse falls back to the default
    sort = options.cleaned_data.get("sort") or "name"
    descending = options.cleaned_data.get("dir") == "desc"
    rows = reports.gradebook(cohort, quiz, sort=sort, descending=descending)
    if options.cleaned_data.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"{slugify(cohort.name)}-{quiz.slug}-gradebook.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        reports.gradebook_csv(rows, response)
        return response
    page = Paginator(rows, GRADEBOOK_PAGE).get_page(options.cleaned_data.get("page"))
    context = {
        "cohort": cohort,
        "quiz": quiz,
        "rows": rows,
        "page": page,
        "page_rows": reports.with_attempt_links(quiz, page.object_list),
        "sort": sort,
        "descending": descending,
        "passed": sum(1 for row in rows if row.passed),
        "not_started": sum(1 for row in rows if not row.started),
    }
    return TemplateResponse(request, "quiz/gradebook.html", context)


@require_GET
@instructor_required
def analysis(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.select_related("article"), slug=slug)
    options = AnalysisForm(request.GET)
    if not options.is_valid():
        return HttpResponseBadRequest("cohort must be a cohort's number")
    cohort = None
    if options.cleaned_data["cohort"]:
        cohort = get_object_or_404(Cohort, pk=int(options.cleaned_data["cohort"]))
    attempts, stats = reports.item_analysis(quiz, cohort=cohort)
    context = {
        "quiz": quiz,
        "cohort": cohort,
        "attempts": attempts,
        "stats": stats,
        "min_attempts": reports.MIN_ATTEMPTS,
    }
    return TemplateResponse(request, "quiz/analysis.html", context)


@require_GET
@instructor_required
def coverage(request: HttpRequest, slug: str) -> HttpResponse:
    """The article shaded by how many questions cite each sentence, and how a cohort did; or,
    with a forecast asked for, by the cohort's predicted recall of each sentence's questions
    on a day. A forecast's bad day or threshold is said beside its field, on a 400 page."""
    article = get_object_or_404(Article, slug=slug)
    options = CoverageForm(request.GET)
    if not options.is_valid():
        return HttpResponseBadRequest("cohort must be one of the cohorts")
    cohort = options.cleaned_data["cohort"]
    asked = ForecastForm(request.GET if "forecast" in request.GET else None, cohort=cohort)
    shown = reports.coverage(article, cohort=cohort)
    if asked.is_valid():
        at = memory.school_start(asked.cleaned_data["day"])
        shown = reports.forecast(shown, at=at, threshold=asked.cleaned_data["threshold"])
    context = {
        "article": article,
        "form": options,
        "forecast_form": asked,
        "map": shown,
        "bands": reports.COVERAGE_BANDS,
        "forecast_bands": reports.FORECAST_BANDS,
    }
    status = 400 if asked.is_bound and asked.errors else 200
    return TemplateResponse(request, "quiz/coverage.html", context, status=status)


def attempt_detail_url(attempt_id: int) -> str:
    return reverse("quiz:attempt_detail", args=[attempt_id])


@require_GET
@instructor_required
def instructors(request: HttpRequest) -> HttpResponse:
    """The instructors' page: cohorts, quizzes open now, attempts in progress, questions
    needing review, and the way to each report."""
    context = {"overview": selectors.instructor_overview(), "soon": selectors.CLOSING_SOON.days}
    return TemplateResponse(request, "quiz/instructors.html", context)


class SaysHowPasswordsAreReset:
    """Django's account views, told whether a forgotten password is replaced by mail here."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "reset_by_mail": reset_by_mail()}  # type: ignore[misc]


class LoginView(SaysHowPasswordsAreReset, auth_views.LoginView):
    """Django's login, saying how a forgotten password is replaced here. Instructors who
    came in through the site's address go on to their own page, not the students' one."""

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if self.request.user.is_staff and url == reverse("quiz:home"):
            return reverse("quiz:instructors")
        return url


class PasswordResetView(SaysHowPasswordsAreReset, auth_views.PasswordResetView):
    """Django's reset by mail, only where mail is set up (`PASSWORD_RESET_BY_MAIL`):
    elsewhere the page says to ask for a set-password link instead."""

    form_class = PasswordResetForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not reset_by_mail():
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(SaysHowPasswordsAreReset, auth_views.PasswordResetDoneView):
    pass


def reset_by_mail() -> bool:
    return settings.PASSWORD_RESET_BY_MAIL


@require_GET
@instructor_required
@student_view
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """A student's attempt as the student's review shows it, with each answer's time, every
    change to its score, and a form to override it."""
    return _attempt_detail(request, selectors.any_attempt(attempt_id))


def _attempt_detail(
    request: HttpRequest,
    attempt: Attempt,
    *,
    form: OverrideForm | None = None,
    form_for: int | None = None,
    status: int = 200,
) -> TemplateResponse:
    context = {
        "attempt": attempt,
        "rows": _review_rows(attempt, selectors.review_items(attempt)),
        "instructor": True,
        "shown": reviewing.EVERYTHING,
        "student": attempt.user,
        "form": form,
        "form_for": form_for,
        "duration": (attempt.finished_at - attempt.started_at) if attempt.finished_at else None,
    }
    return TemplateResponse(request, "quiz/review.html", context, status=status)


@require_POST
@instructor_required
@student_view
def override(request: HttpRequest, attempt_id: int, response_id: int) -> HttpResponse:
    form = OverrideForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            overridden = services.response_override(
                user=request.user,
                attempt_id=attempt_id,
                response_id=response_id,
                points=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
            )
        except errors.ScoreOutOfRange as exc:  # the form's value, out of this question's range
            form.add_error("score", str(exc))
        except (errors.NotAllowed, errors.Conflict) as exc:
            form.add_error(None, str(exc))
            status = status_of(exc)
        else:
            if overridden.changed:
                messages.success(request, "Score changed; the attempt's points were recomputed.")
            else:
                messages.info(request, "That is the score it has already: nothing was changed.")
            return redirect(f"{attempt_detail_url(attempt_id)}#response-{response_id}")
    attempt = selectors.any_attempt(attempt_id)
    return _attempt_detail(request, attempt, form=form, form_for=response_id, status=status)


@require_POST
@instructor_required
@student_view
def accept_answer(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz, slug=slug)
    form = AcceptForm(request.POST)
    if not form.is_valid():  # the page's buttons always send all three
        return HttpResponseBadRequest("question, answer and cohort are a number, text, a number")
    back = reverse("quiz:analysis", args=[quiz.slug])
    if form.cleaned_data["cohort"]:
        back += f"?cohort={form.cleaned_data['cohort']}"
    try:
        accepted = services.answer_accept(
            user=request.user,
            question_id=form.cleaned_data["question"],
            answer=form.cleaned_data["answer"],
        )
    except errors.NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect(back)
    n = accepted.regraded
    messages.success(
        request,
        f"“{form.cleaned_data['answer']}” is now accepted: "
        f"{n} answer{'' if n == 1 else 's'} regraded, in every cohort. It is an accepted answer "
        "of the question in the admin, where it can be removed (past scores stay as regraded).",
    )
    return redirect(back)
