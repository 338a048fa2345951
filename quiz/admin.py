from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from quiz import (
    articles,
    authoring,
    cohorts,
    corrections,
    drawing,
    errors,
    grading,
    presenters,
    reviewing,
    sentences,
    services,
)
from quiz.banks import Problem
from quiz.forms import AnswerForm, ArrangeForm
from quiz.models import (
    MAX_WEIGHT,
    AcceptedAnswer,
    Accommodation,
    Article,
    ArticleRevision,
    Choice,
    Cohort,
    CohortQuiz,
    Membership,
    Question,
    Quiz,
    QuizQuestion,
    Sentence,
)


def _rows(formset: forms.BaseInlineFormSet) -> list[dict[str, Any]]:
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class LabelledRows(forms.BaseInlineFormSet):
    """A tabular inline's inputs named for assistive technology: the admin labels its
    columns only by their headers, which leaves each input without a label."""

    row_name = "row"

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        row = "new" if index is None else index + 1
        for field in form.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label} ({self.row_name} {row})"


class ChoiceFormSet(LabelledRows):
    """Checks the choices as a whole against the question's type, as grading needs them."""

    row_name = "choice"

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if self.instance.kind not in grading.KINDS:
            return  # the question form reports an unknown kind
        kind = self.instance.kind_object
        rows = sorted(_rows(self), key=lambda row: row["position"])
        if not kind.uses_choices:
            if rows:
                raise ValidationError(
                    f"A {kind.label.lower()} question takes no choices; delete them.",
                    code="no_choices",
                )
            return
        key = kind.build_key(
            choices=[
                # A column the posted form lacked (it showed the kind before a change) is empty.
                grading.ChoicePart(n, r["text"], r.get("is_correct", False), r.get("match", ""))
                for n, r in enumerate(rows)
            ]
        )
        problems = grading.key_problems(kind.name, key)
        if problems:
            raise ValidationError([p[0].upper() + p[1:] + "." for p in problems], code="key")


class AcceptedAnswerFormSet(LabelledRows):
    row_name = "accepted answer"

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if self.instance.kind not in grading.KINDS:
            return  # the question form reports an unknown kind
        # The kind says what it needs: short text at least one answer, numeric only numbers.
        problems = self.instance.kind_object.accepted_problems([r["text"] for r in _rows(self)])
        if problems:
            raise ValidationError([p[0].upper() + p[1:] + "." for p in problems], code="accepted")


# Rows a save moves are parked here first (positions are small integers, and no inline edits
# anywhere near this many rows).
PARKED_POSITION = 30000


class SwapsPositions:
    """A ModelAdmin whose inline rows have a place unique within their parent (a question's
    choices, a quiz's questions): a save that swaps two rows' places first parks the rows it
    moves or deletes, as each row's update would otherwise hold the other's place for a
    moment, which the unique constraint refuses (a 500)."""

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        if "position" in formset.form.base_fields:
            parked = [
                row.instance.pk
                for row in formset.initial_forms
                if row.instance.pk is not None
                and hasattr(row, "cleaned_data")
                and ("position" in row.changed_data or row.cleaned_data.get("DELETE"))
            ]
            for n, pk in enumerate(parked):
                formset.model._default_manager.filter(pk=pk).update(position=PARKED_POSITION + n)
        super().save_formset(request, form, formset, change)  # type: ignore[misc]


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 0

    def get_fields(self, request: HttpRequest, obj: Question | None = None) -> list[str]:
        # The columns the question's kind reads: "is_correct", "match" (see `Kind`).
        kind = _kind(request, obj)
        columns = kind.choice_columns if kind else ("is_correct", "match")
        return ["position", "text", *columns]

    def get_extra(self, request: HttpRequest, obj: Question | None = None, **kwargs: Any) -> int:
        # Empty rows to fill without JavaScript ("Add another" needs it): a new question's
        # choices, or one more.
        return 4 if obj is None else 1


class AcceptedAnswerInline(admin.TabularInline):
    model = AcceptedAnswer
    formset = AcceptedAnswerFormSet
    extra = 0

    def get_extra(self, request: HttpRequest, obj: Question | None = None, **kwargs: Any) -> int:
        return 2 if obj is None else 1


def _kind(request: HttpRequest, obj: Question | None) -> grading.Kind | None:
    """The kind the question form is for: the one posted (so a changed kind is validated as
    the new kind), else the one the add form was opened for, else the saved one."""
    params = request.POST if request.method == "POST" else request.GET
    if params.get("kind") in grading.KINDS and (request.method == "POST" or obj is None):
        return grading.kind(params["kind"])
    return obj.kind_object if obj is not None and obj.kind in grading.KINDS else None


class EvidenceWidget(forms.Widget):
    """The article's current sentences as a list of checkboxes, in order, with their
    paragraphs and how they are cited already; with htmx, a box filters the list."""

    template_name = "admin/quiz/question/evidence.html"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.rows: list[authoring.SentenceRow] = []
        self.article_id: int | None = None
        self.question_id: int | None = None

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # nothing ticked is an answer: no evidence

    def id_for_label(self, id_: str) -> str:
        return ""  # the list is its own fieldset, with a legend

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        picked = {int(v) for v in value or [] if str(v).isdigit()}
        return render_to_string(
            self.template_name,
            {
                "name": name,
                "rows": self.rows,
                "picked": picked,
                # What the question cites as saved, in its order: the list may hide it.
                "cited": sorted(
                    (row for row in self.rows if row.cited_here), key=lambda row: row.cited_here
                ),
                "article_id": self.article_id,
                "question_id": self.question_id,
                "filter_url": reverse("admin:quiz_question_sentences"),
            },
        )


class QuestionForm(forms.ModelForm):
    """The question with its evidence picked from its article's current sentences: those of
    the article posted, so that a changed article offers its own sentences."""

    evidence = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=EvidenceWidget,  # its help says how they are ordered
        error_messages={
            "required": errors.NoEvidence.message,
            "invalid_choice": errors.NotASentence.message,
        },
    )
    # The parts of the kind posted that were not on the page (set by `QuestionAdmin`).
    parts_missing: tuple[str, ...] = ()

    class Meta:
        model = Question
        fields = [
            "article",
            "key",
            "kind",
            "topic",
            "prompt",
            "numeric_answer",
            "numeric_tolerance",
            "explanation",
            "weight",
            "draw_group",
        ]
        help_texts = {
            "article": "Its sentences are listed under Evidence; after choosing another "
            "article, save to list its sentences.",
            "kind": "On a saved question, a new kind's own fields appear once you save it.",
        }

    def clean(self) -> dict[str, Any]:
        """A kind whose options are the sentences of its passage (`Kind.uses_passage`) is
        checked against the passage its evidence gives it, as a bank load checks it."""
        cleaned = super().clean()
        kind, picked = cleaned.get("kind"), cleaned.get("evidence")
        if kind in grading.KINDS and picked and grading.kind(kind).uses_passage:
            rows = self.fields["evidence"].widget.rows
            article = [(r.pk, r.text, r.paragraph) for r in rows]
            passage = grading.passage_parts(sentences.passage(article, picked), picked)
            problems = grading.key_problems(kind, grading.kind(kind).build_key(choices=passage))
            if problems:
                self.add_error(
                    "evidence",
                    ValidationError([p[0].upper() + p[1:] + "." for p in problems], code="passage"),
                )
        return cleaned

    def clean_weight(self) -> int:
        weight = self.cleaned_data["weight"]
        return 1 if weight is None else weight  # 0 and the like: the model's range refuses

    def clean_draw_group(self) -> str:
        """A new group must leave every quiz that draws this question able to draw."""
        group = self.cleaned_data["draw_group"]
        if self.instance.pk is None or group == self.instance.draw_group:
            return group
        for quiz in Quiz.objects.filter(questions=self.instance, draw_count__isnull=False):
            groups = [
                group if pk == self.instance.pk else other
                for pk, other in quiz.questions.values_list("pk", "draw_group")
            ]
            slots = drawing.draw_slots(groups)
            if quiz.draw_count > slots:
                raise ValidationError(
                    f"The quiz “{quiz}” draws {quiz.draw_count} questions; with this group its "
                    f"draw groups would let one attempt ask only {slots}. Choose another group, "
                    "or draw fewer in the quiz first.",
                    code="draw_exceeds_groups",
                )
        return group

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Most questions are worth 1: left empty, it is 1.
        self.fields["weight"].required = False
        self.fields["weight"].widget.attrs.update(min=1, max=MAX_WEIGHT)
        article = self.data.get("article") if self.is_bound else self.initial.get("article")
        if article is None and not self.is_bound:
            article = self.instance.article_id
        article_id = (
            int(article) if str(article or "").isdigit() and len(str(article)) < 19 else None
        )
        question_id = self.instance.pk
        rows = authoring.sentence_rows(article_id=article_id, question_id=question_id)
        field = self.fields["evidence"]
        field.choices = [(row.pk, row.text) for row in rows]
        field.widget.rows, field.widget.article_id = rows, article_id
        field.widget.question_id = question_id
        if not self.is_bound and question_id is not None:
            self.initial["evidence"] = [row.pk for row in rows if row.cited_here is not None]
        self._order = {row.pk: n for n, row in enumerate(rows)}

    def clean_evidence(self) -> list[int]:
        return sorted(self.cleaned_data["evidence"], key=self._order.__getitem__)

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if self.parts_missing:
            raise ValidationError(
                f"The {' and '.join(self.parts_missing)} of a "
                f"{grading.kind(kind).label.lower()} question are below now: fill them in "
                "as it needs, then save again.",
                code="kind_parts_missing",
            )
        return kind


class ArticleForm(forms.ModelForm):
    def clean_text(self) -> str:
        # Browsers post a textarea's lines with CRLF: kept as sent, every save of an article
        # would look like an edit of its text and leave a revision that changed nothing.
        text = self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n")
        if not sentences.split(text):
            raise ValidationError(
                "The text has no sentence: questions need sentences to cite.", code="no_sentences"
            )
        return text


REVISIONS_PER_PAGE = 20
REVIEWS_PER_PAGE = 50


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """An article's text is edited here like any field, but saved through
    `articles.article_text_set`: the previous text is kept as a revision (listed read-only
    on the article's page, each viewable with what the edit changed), and questions whose
    cited sentence changed wait on the review page (`review_view`) until confirmed."""

    form = ArticleForm
    list_display = ["title", "slug", "source", "question_count", "review_count"]
    search_fields = ["title", "slug", "text"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_count=Count("questions"),
                review_count=Count("questions", filter=Q(questions__needs_review=True)),
            )
        )

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        # The text through `articles`: its sentences, a revision, the questions to review.
        if change and "text" in form.changed_data:
            result = articles.article_text_set(
                article=obj, text=obj.text, user=request.user, via="the admin"
            )
            if result.changed:
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">Questions needing review</a>.',
                        corrections.edit_summary(result),
                        _review_url(obj.pk),
                    ),
                    messages.WARNING if result.flagged else messages.INFO,
                )
        super().save_model(request, obj, form, change)
        if not change:
            articles.sentences_sync(obj)

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, article: Article) -> int:
        return article.question_count

    @admin.display(description="needing review", ordering="review_count")
    def review_count(self, article: Article) -> str:
        if not article.review_count:
            return "0"
        return format_html('<a href="{}">{}</a>', _review_url(article.pk), article.review_count)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        if object_id.isdigit():
            revisions = ArticleRevision.objects.filter(article_id=object_id).select_related(
                "edited_by"
            )
            context.update(
                revisions_page=Paginator(revisions, REVISIONS_PER_PAGE).get_page(
                    request.GET.get("revisions")
                ),
                review_count=Question.objects.filter(
                    article_id=object_id, needs_review=True
                ).count(),
                review_url=_review_url(int(object_id)),
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("review/", view(self.review_view), name="quiz_article_review"),
            path(
                "review/<int:question_id>/confirm/",
                view(self.confirm_view),
                name="quiz_article_review_confirm",
            ),
            path(
                "<int:article_id>/revisions/<int:revision_id>/",
                view(self.revision_view),
                name="quiz_article_revision",
            ),
            *super().get_urls(),
        ]

    def revision_view(
        self, request: HttpRequest, article_id: int, revision_id: int
    ) -> HttpResponse:
        """The text before an edit, and what the edit changed in it (against the text the
        next edit replaced, or today's text)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(
            ArticleRevision.objects.select_related("article", "edited_by"),
            pk=revision_id,
            article_id=article_id,
        )
        article = revision.article
        after = (
            ArticleRevision.objects.filter(article=article)
            .filter(
                Q(edited_at__gt=revision.edited_at)
                | Q(edited_at=revision.edited_at, pk__gt=revision.pk)
            )
            .order_by("edited_at", "pk")
            .values_list("text", flat=True)
            .first()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": article,
            "title": f"{article.title} before the edit of {revision.edited_at:%Y-%m-%d %H:%M}",
            "revision": revision,
            "is_latest": after is None,
            "changes": corrections.text_diff(
                revision.text, article.text if after is None else after
            ),
            "paragraphs": sentences.paragraphs(revision.text),
        }
        return TemplateResponse(request, "admin/quiz/article/revision.html", context)

    def review_view(self, request: HttpRequest) -> HttpResponse:
        """Every question needing review, a page at a time: its retired sentences beside the
        nearest current ones, to confirm here or re-pick on the question's own page."""
        if not request.user.has_perm("quiz.view_question"):
            raise PermissionDenied
        article_id = request.GET.get("article", "")
        article = Article.objects.filter(pk=article_id).first() if article_id.isdigit() else None
        questions = corrections.questions_to_review(article.pk if article else None)
        page = Paginator(questions, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Questions needing review" + (f" in “{article.title}”" if article else ""),
            "article": article,
            "page": page,
            "reviews": corrections.reviews(page.object_list),
            "can_confirm": request.user.has_perm("quiz.change_question"),
            "back": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/quiz/article/review.html", context)

    def confirm_view(self, request: HttpRequest, question_id: int) -> HttpResponse:
        """Settle a review with the nearest current sentences (`articles.evidence_confirm`)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("quiz.change_question"):
            raise PermissionDenied
        question = get_object_or_404(Question, pk=question_id)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, {request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("admin:quiz_article_review")
        if not question.needs_review:  # confirmed meanwhile (another tab, a second click)
            self.message_user(request, f"“{question}” no longer needs review.", messages.INFO)
            return redirect(back)
        try:
            articles.evidence_confirm(user=request.user, question=question)
        except errors.InstructorsOnlyEdit:
            raise PermissionDenied from None
        except errors.NotAllowed as exc:
            self.message_user(request, f"“{question}” was not changed: {exc}", messages.ERROR)
            return redirect(back)
        self.message_user(
            request,
            f"“{question}” now cites “{question.excerpt}”, and is back in new attempts.",
            messages.SUCCESS,
        )
        return redirect(back)


def _review_url(article_id: int) -> str:
    return reverse("admin:quiz_article_review") + f"?article={article_id}"


class QuestionStartForm(forms.Form):
    """The first step of adding a question: its article (whose sentences it will cite) and
    its kind (which decides the rest of the form)."""

    article = forms.ModelChoiceField(Article.objects.all())
    kind = forms.ChoiceField(choices=grading.CHOICES)


# The inlines' formset prefixes (their related names), for telling which were on the page.
INLINE_PARTS = {"choices": "choices", "accepted_answers": "accepted answers"}


@admin.register(Question)
class QuestionAdmin(SwapsPositions, admin.ModelAdmin):
    form = QuestionForm
    list_display = ["key", "short_prompt", "kind", "topic", "weight", "draw_group", "needs_review"]
    list_filter = ["article", "quizzes", "kind", "topic", "weight", "needs_review"]
    search_fields = ["prompt", "key", "citations__sentence__text", "explanation"]
    list_select_related = ["article"]
    readonly_fields = ["preview"]

    @admin.display(description="prompt", ordering="prompt")
    def short_prompt(self, question: Question) -> str:
        return str(question)

    @admin.display(description="as a student sees it")
    def preview(self, question: Question) -> str:
        if question.pk is None:
            return "Save the question to preview it."
        url = reverse("admin:quiz_question_preview", args=[question.pk])
        return format_html('<a href="{}">Preview this question, and answer it</a>', url)

    # Only the fields and inlines of the question's kind (see `_kind`): the kind says which.

    def get_fieldsets(self, request: HttpRequest, obj: Question | None = None) -> list:
        kind = _kind(request, obj)
        numeric = ["numeric_answer", "numeric_tolerance"] if not kind or kind.uses_numeric else []
        return [
            (None, {"fields": ["article", "key", "kind", "topic", "prompt"]}),
            ("Evidence", {"fields": ["evidence"]}),
            ("Answer", {"fields": [*numeric, "explanation"]}),
            ("In quizzes", {"fields": ["weight", "draw_group"]}),
            ("Preview", {"fields": ["preview"]}),
        ]

    def get_inlines(self, request: HttpRequest, obj: Question | None) -> list:
        kind = _kind(request, obj)
        return [
            inline
            for inline, used in (
                (ChoiceInline, not kind or kind.uses_choices),
                (AcceptedAnswerInline, not kind or kind.uses_accepted),
            )
            if used
        ]

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Question, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "POST" and f"{prefix}-TOTAL_FORMS" not in request.POST:
            # A kind changed to one with parts the page did not show: shown empty, to fill
            # in (the form says so, see `get_form`), rather than refused as tampered with.
            kwargs.pop("data", None)
            kwargs.pop("files", None)
        return kwargs

    def get_form(
        self, request: HttpRequest, obj: Question | None = None, change: bool = False, **kwargs
    ) -> type[QuestionForm]:
        form = super().get_form(request, obj, change, **kwargs)
        if request.method == "POST":
            prefixes = [
                i.get_formset(request, obj).get_default_prefix()
                for i in self.get_inline_instances(request, obj)
            ]
            form.parts_missing = tuple(
                INLINE_PARTS[p] for p in prefixes if f"{p}-TOTAL_FORMS" not in request.POST
            )
        return form

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Two steps: the article and the kind first (a GET form), then the rest, which
        depends on both."""
        if request.method == "GET":
            asked = "article" in request.GET or "kind" in request.GET
            start = QuestionStartForm(request.GET if asked else None)
            if not start.is_valid():
                if not self.has_add_permission(request):
                    raise PermissionDenied
                context = {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": "Add question: its article and kind",
                    "form": start,
                    # A popup (a quiz's "add another question") stays one on the next step.
                    "carried": [
                        (name, request.GET[name])
                        for name in (IS_POPUP_VAR, TO_FIELD_VAR)
                        if name in request.GET
                    ],
                }
                return TemplateResponse(request, "admin/quiz/question/add_start.html", context)
        return super().add_view(request, form_url, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {**(extra_context or {}), "review": self._review(object_id)}
        return super().change_view(request, object_id, form_url, context)

    def _review(self, object_id: str) -> list[tuple[Sentence, Sentence | None]]:
        """For a question needing review: each retired sentence it cites beside the nearest
        current sentence of its article."""
        question = Question.objects.filter(pk=object_id if str(object_id).isdigit() else None)
        question = question.select_related("article").first()
        if question is None or not question.needs_review:
            return []
        retired = [
            c.sentence
            for c in question.citations.select_related("sentence")
            if not c.sentence.is_current
        ]
        current = list(question.article.current_sentences())
        return [(sentence, articles.nearest_current(sentence, current)) for sentence in retired]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except errors.NotAllowed as exc:
            # The article changed between the form's checks and the save (another
            # instructor, a bank load): the admin's transaction kept nothing.
            self.message_user(
                request,
                f"Nothing was saved: {exc} The article changed while you edited; "
                "pick the evidence again.",
                messages.ERROR,
            )
            return redirect(request.get_full_path())

    def save_related(
        self, request: HttpRequest, form: QuestionForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        try:
            articles.evidence_set(
                user=request.user,
                question=form.instance,
                sentence_ids=form.cleaned_data["evidence"],
            )
        except errors.InstructorsOnlyEdit:
            raise PermissionDenied from None

    def get_urls(self) -> list:
        return [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(
                    require_http_methods(["GET", "POST"])(self.preview_view)
                ),
                name="quiz_question_preview",
            ),
            path(
                "sentences/",
                self.admin_site.admin_view(require_GET(self.sentences_view)),
                name="quiz_question_sentences",
            ),
            *super().get_urls(),
        ]

    def sentences_view(self, request: HttpRequest) -> HttpResponse:
        """The evidence picker's rows that contain `q` (any case), and those ticked: what
        its filter box swaps in."""
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        form = SentenceFilterForm(request.GET)
        if not form.is_valid():
            return HttpResponse(status=400)
        data = form.cleaned_data
        rows = authoring.sentence_rows(
            article_id=data["article"],
            question_id=data["question"],
            search=data["q"],
            keep=form.picked(),
        )
        context = {
            "rows": rows,
            "picked": set(form.picked()),
            "name": "evidence",
            "search": data["q"],
        }
        return TemplateResponse(request, "admin/quiz/question/evidence.html#rows", context)

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The question as a student sees it, to answer: the feedback a student would get,
        and nothing saved."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        question = get_object_or_404(
            Question.objects.select_related("article").prefetch_related(
                "choices", "accepted_answers", "citations__sentence"
            ),
            pk=object_id,
        )
        item = presenters.preview_item(question, seed=question.pk)
        arrange = ArrangeForm(request.GET)  # an ordering question's Move buttons
        arranged = (
            {"arrangement": arrange.order(), "moved": arrange.moved()} if arrange.is_valid() else {}
        )
        context = {
            **self.admin_site.each_context(request),
            "question": question,
            "item": item,
            "display": presenters.item_display(item, **arranged),
            "arrange_url": request.path,
            "opts": self.model._meta,
            "title": f"Preview: {question.key}",
        }
        if request.method == "POST":
            form = AnswerForm(request.POST)
            try:
                if not form.is_valid():
                    raise grading.InvalidSubmission(
                        " ".join(form.non_field_errors()) or "That answer could not be read."
                    )
                submission, result = services.answer_grade(item, form.answers, form.matches)
            except grading.InvalidSubmission as exc:
                context.update(
                    error=str(exc), display=presenters.item_display(item, given=form.given())
                )
            else:
                kind = question.kind_object
                context.update(
                    result=result,
                    display=presenters.item_display(item, given=form.given()),
                    given=kind.describe_submission(dict(item.options), submission),
                    right_answer=presenters.right_answer(item),
                )
        template = "quiz/question_preview.html"
        return TemplateResponse(
            request, template + "#region" if request.htmx else template, context
        )


class SentenceFilterForm(forms.Form):
    """What the evidence picker's filter asks for."""

    article = forms.IntegerField(min_value=1, max_value=2**62)
    question = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    q = forms.CharField(max_length=200, required=False, strip=True)

    def picked(self) -> list[int]:
        """The sentences ticked: kept in the list whatever the filter."""
        values = self.data.getlist("evidence")[:1000]
        return [int(v) for v in values if v.isdigit() and len(v) < 19]


class QuizQuestionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = _rows(self)
        pool = len(rows)
        draw = self.instance.draw_count
        if draw is not None and draw > pool:
            raise ValidationError(
                f"The quiz draws {draw} questions but has only {pool}; add questions or "
                "draw fewer.",
                code="draw_exceeds_pool",
            )
        slots = drawing.draw_slots(row["question"].draw_group for row in rows)
        if draw is not None and draw > slots:
            raise ValidationError(
                f"The quiz draws {draw} questions, but its questions' draw groups let one "
                f"attempt ask only {slots} of its {pool} (a draw group counts once); add "
                "questions, draw fewer or split a group.",
                code="draw_exceeds_groups",
            )


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    formset = QuizQuestionFormSet
    extra = 0
    autocomplete_fields = ["question"]


# A quiz's questions are edited on its page up to this many: each row posts four fields, and
# the page must stay within DATA_UPLOAD_MAX_NUMBER_FIELDS (200) with the quiz's own fields and
# a few new rows. A bigger quiz lists them read-only, a page at a time, and its questions are
# added, moved and removed under Quiz questions.
QUIZ_INLINE_MAX = 30
QUIZ_QUESTIONS_PER_PAGE = 50


class QuizForm(forms.ModelForm):
    # Set by `QuizAdmin` when the page has no rows of questions: the draw is then checked
    # against the questions saved.
    check_saved_questions = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        draw = cleaned.get("draw_count")
        if self.check_saved_questions and draw is not None and self.instance.pk is not None:
            problem = draw_problem(self.instance, draw)
            if problem:
                raise ValidationError(problem, code="draw_exceeds_groups")
        return cleaned


def draw_problem(quiz: Quiz, draw: int | None, *, leaving: Iterable[int] = ()) -> str | None:
    """Why `quiz` cannot draw `draw` questions from its saved questions (less those linked
    by `leaving`), or None."""
    groups = list(
        quiz.quiz_questions.exclude(pk__in=list(leaving)).values_list(
            "question__draw_group", flat=True
        )
    )
    if draw is None or draw <= drawing.draw_slots(groups):
        return None
    return (
        f"The quiz “{quiz}” draws {draw} questions, but its {len(groups)} questions' draw "
        f"groups let one attempt ask only {drawing.draw_slots(groups)} (a draw group counts "
        "once); add questions, draw fewer or split a group."
    )


@admin.register(Quiz)
class QuizAdmin(SwapsPositions, admin.ModelAdmin):
    list_display = [
        "title",
        "article",
        "is_published",
        "question_count",
        "draw_count",
        "feedback",
        "max_attempts",
        "time_limit_minutes",
    ]
    list_filter = ["article", "is_published", "feedback"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    form = QuizForm
    inlines = [QuizQuestionInline]
    fieldsets = [
        (None, {"fields": ["article", "title", "slug", "description", "is_published"]}),
        ("Questions", {"fields": ["draw_count", "shuffle_questions", "shuffle_choices"]}),
        (
            "Rules",
            {
                "fields": [
                    "pass_mark",
                    "max_attempts",
                    "time_limit_minutes",
                    "feedback",
                    "retry_credit",
                    "navigation",
                ]
            },
        ),
        *(
            (
                f"What the student's review shows {label}",
                {
                    "fields": [reviewing.field_name(time, thing) for thing in reviewing.THINGS],
                    "description": "Until the quiz closes, showing the right answers or the "
                    "explanations hands them to the student's next attempt."
                    if time != reviewing.CLOSED
                    else "",
                },
            )
            for time, label in reviewing.TIMES.items()
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quiz]:
        return super().get_queryset(request).annotate(question_count=Count("quiz_questions"))

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, quiz: Quiz) -> int:
        return quiz.question_count

    def _rows_on_page(self, obj: Quiz | None) -> bool:
        return obj is None or obj.quiz_questions.count() <= QUIZ_INLINE_MAX

    def get_inlines(self, request: HttpRequest, obj: Quiz | None) -> list:
        return [QuizQuestionInline] if self._rows_on_page(obj) else []

    def get_form(self, request: HttpRequest, obj: Quiz | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        form.check_saved_questions = not self._rows_on_page(obj)
        return form

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        quiz = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if quiz is not None and not self._rows_on_page(quiz):
            links = quiz.quiz_questions.select_related("question").order_by("position")
            context["questions_page"] = Paginator(links, QUIZ_QUESTIONS_PER_PAGE).get_page(
                request.GET.get("questions")
            )
            context["quiz_questions_url"] = (
                reverse("admin:quiz_quizquestion_changelist") + f"?quiz__id__exact={quiz.pk}"
            )
        return super().change_view(request, object_id, form_url, context)


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin):
    """A quiz's questions one at a time: for quizzes too big to edit on the quiz's page."""

    list_display = ["quiz", "position", "question", "weight", "draw_group"]
    list_display_links = ["position"]
    list_filter = ["quiz"]
    list_select_related = ["quiz", "question"]
    search_fields = ["question__prompt", "question__key"]
    autocomplete_fields = ["question"]
    list_per_page = QUIZ_QUESTIONS_PER_PAGE
    ordering = ["quiz", "position"]

    @admin.display(ordering="question__weight")
    def weight(self, link: QuizQuestion) -> int:
        return link.question.weight

    @admin.display(description="draw group", ordering="question__draw_group")
    def draw_group(self, link: QuizQuestion) -> str:
        return link.question.draw_group

    def save_model(
        self, request: HttpRequest, obj: QuizQuestion, form: forms.ModelForm, change: bool
    ) -> None:
        """Moving a row to another quiz, or pointing it at another question, may leave the
        quiz it left (or the one it joined, through a question's draw group) short."""
        before = QuizQuestion.objects.filter(pk=obj.pk).values_list("quiz", flat=True).first()
        super().save_model(request, obj, form, change)
        for quiz in Quiz.objects.filter(pk__in={before, obj.quiz_id} - {None}):
            problem = draw_problem(quiz, quiz.draw_count)
            if problem:
                messages.warning(request, problem + " Until then attempts draw fewer.")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[QuizQuestion]) -> None:
        self._warn_short(request, queryset)
        super().delete_queryset(request, queryset)

    def delete_model(self, request: HttpRequest, obj: QuizQuestion) -> None:
        self._warn_short(request, QuizQuestion.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)

    def _warn_short(self, request: HttpRequest, leaving: QuerySet[QuizQuestion]) -> None:
        """Taking questions out of a quiz that draws may leave it short: said, not refused
        (an instructor removing a bad question should not have to lower the draw first)."""
        for quiz in Quiz.objects.filter(quiz_questions__in=leaving).distinct():
            problem = draw_problem(
                quiz, quiz.draw_count, leaving=leaving.values_list("pk", flat=True)
            )
            if problem:
                messages.warning(request, problem + " Until then attempts draw fewer.")


class CohortQuizInline(admin.TabularInline):
    model = CohortQuiz
    extra = 0
    fields = ["quiz", "opens_at", "closes_at", "results"]
    readonly_fields = ["results"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CohortQuiz]:
        # For the results links.
        return super().get_queryset(request).select_related("quiz__article")

    @admin.display(description="results")
    def results(self, assignment: CohortQuiz) -> str:
        if assignment.pk is None:
            return "—"
        cohort = f"?cohort={assignment.cohort_id}"
        return format_html(
            '<a href="{}">Gradebook</a> · <a href="{}">Item analysis</a> · '
            '<a href="{}">Coverage map<span class="visually-hidden"> of {}</span></a>',
            reverse("quiz:gradebook", args=[assignment.cohort_id, assignment.quiz.slug]),
            reverse("quiz:analysis", args=[assignment.quiz.slug]) + cohort,
            reverse("quiz:coverage", args=[assignment.quiz.article.slug]) + cohort,
            assignment.quiz.article.title,
        )


STUDENTS_PER_PAGE = 50


class CohortUploadForm(forms.Form):
    cohort = forms.CharField(max_length=100, help_text="An existing cohort's name, or a new one.")
    term = forms.CharField(max_length=60, required=False, help_text="For a new cohort.")
    file = forms.FileField(help_text="The CSV load_cohort reads: username, name, email.")


class MoveForm(forms.Form):
    cohort = forms.ModelChoiceField(Cohort.objects.all(), label="Move them to")


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    """A cohort's page lists its students read-only, a page at a time, beside the cohort's
    form: a form field per student would post more fields than the request limit allows."""

    list_display = ["name", "term", "student_count", "quiz_count"]
    search_fields = ["name", "term"]
    inlines = [CohortQuizInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cohort]:
        # Subqueries, not a join: memberships × assignments rows grow with both.
        members = Membership.objects.filter(cohort=OuterRef("pk")).values("cohort")
        assigned = CohortQuiz.objects.filter(cohort=OuterRef("pk")).values("cohort")
        return (
            super()
            .get_queryset(request)
            .annotate(
                student_count=Subquery(members.annotate(n=Count("pk")).values("n")[:1]),
                quiz_count=Subquery(assigned.annotate(n=Count("pk")).values("n")[:1]),
            )
        )

    @admin.display(description="students", ordering="student_count")
    def student_count(self, cohort: Cohort) -> int:
        return cohort.student_count or 0

    @admin.display(description="quizzes", ordering="quiz_count")
    def quiz_count(self, cohort: Cohort) -> int:
        return cohort.quiz_count or 0

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        memberships = (
            Membership.objects.filter(cohort_id=object_id)
            .select_related("user")
            .only("joined_at", "user__username", "user__first_name", "user__last_name")
            .order_by("user__username")
        )
        page = Paginator(memberships, STUDENTS_PER_PAGE).get_page(request.GET.get("students"))
        context = {
            **(extra_context or {}),
            "students_page": page,
            "memberships_url": reverse("admin:quiz_membership_changelist")
            + f"?cohort__id__exact={object_id}",
            "upload_url": reverse("admin:quiz_cohort_upload") + f"?cohort={object_id}",
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="quiz_cohort_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Add students from the CSV load_cohort reads: upload, see what each row would do,
        confirm. The file waits in the session between the two steps."""
        if not (self.has_add_permission(request) and request.user.has_perm("quiz.add_membership")):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Add students from a file",
        }
        pending = request.session.get(UPLOAD_SESSION_KEY)
        if request.method == "POST" and "confirm" in request.POST:
            if not pending or request.POST.get("token") != pending["token"]:
                messages.error(request, "That preview has expired: upload the file again.")
                return redirect("admin:quiz_cohort_upload")
            try:
                data = cohorts.parse_cohort(
                    pending["name"],
                    pending["text"].encode("utf-8"),
                    cohort=pending["cohort"],
                    term=pending["term"],
                )
                result = cohorts.cohort_load(
                    data, base_url=request.build_absolute_uri("/"), by=request.user
                )
            except cohorts.CohortError as exc:
                context.update(form=CohortUploadForm(), problems=exc.problems)
                return TemplateResponse(request, "admin/quiz/cohort/upload.html", context)
            except errors.NotAllowed:
                raise PermissionDenied from None
            del request.session[UPLOAD_SESSION_KEY]
            summary = (
                f"{result.cohort}: {len(result.created)} new account(s), {result.joined} "
                f"existing account(s) added, {result.already} already in it."
            )
            if not result.created:
                messages.success(request, summary)
                return redirect("admin:quiz_cohort_change", result.cohort.pk)
            messages.success(request, summary + " The download holds their set-password links.")
            return links_response(result.created, f"{slugify(result.cohort.name)}-links.csv")
        initial = {}
        if request.GET.get("cohort", "").isdigit():
            chosen = Cohort.objects.filter(pk=request.GET["cohort"]).first()
            initial = {"cohort": chosen.name, "term": chosen.term} if chosen else {}
        form = CohortUploadForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > UPLOAD_MAX_BYTES:
                    raise cohorts.CohortError(
                        [
                            Problem(
                                upload.name,
                                f"is over {UPLOAD_MAX_BYTES // 2**20} MB: load it with "
                                "load_cohort on the server",
                            )
                        ]
                    )
                raw = upload.read()
                data = cohorts.parse_cohort(
                    upload.name,
                    raw,
                    cohort=form.cleaned_data["cohort"],
                    term=form.cleaned_data["term"],
                )
                plan = cohorts.cohort_plan(data)
            except cohorts.CohortError as exc:
                context.update(form=form, problems=exc.problems)
                return TemplateResponse(request, "admin/quiz/cohort/upload.html", context)
            token = secrets.token_urlsafe(16)
            request.session[UPLOAD_SESSION_KEY] = {
                "token": token,
                "name": upload.name,
                "text": raw.decode("utf-8-sig"),
                "cohort": data.cohort,
                "term": data.term,
            }
            context.update(plan=plan, token=token, shown=PREVIEW_ROWS, **_preview(plan))
        else:
            context["form"] = form
        return TemplateResponse(request, "admin/quiz/cohort/upload.html", context)


UPLOAD_SESSION_KEY = "quiz_cohort_upload"
UPLOAD_MAX_BYTES = 2 * 1024 * 1024  # kept in the session until confirmed; bigger: the command
PREVIEW_ROWS = 200


def _preview(plan: cohorts.CohortPlan) -> dict[str, Any]:
    groups = {
        outcome: plan.outcome(outcome)
        for outcome in (cohorts.REFUSED, cohorts.NEW, cohorts.JOINS, cohorts.ALREADY)
    }
    return {
        "counts": {k: len(v) for k, v in groups.items()},
        "refused": groups[cohorts.REFUSED][:PREVIEW_ROWS],
        "new": groups[cohorts.NEW][:PREVIEW_ROWS],
        "joins": groups[cohorts.JOINS][:PREVIEW_ROWS],
        "other_problems": [
            p for p in plan.problems if p.where not in {r.student.where for r in plan.rows}
        ],
    }


def links_response(accounts: list[cohorts.NewAccount], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    cohorts.links_csv(accounts, response)
    return response


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Students in cohorts. Moving students is an action on the selected rows (a page posts
    at most a hundred ids, whatever the cohort's size; "select all" posts none)."""

    list_display = ["username", "student_name", "cohort", "joined_at"]
    list_filter = ["cohort"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user", "cohort"]
    list_per_page = 100
    fields = ["user", "cohort", "joined_at"]
    readonly_fields = ["user", "joined_at"]
    actions = ["move_to_cohort", "issue_links"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # students arrive from a file: load_cohort or "Add students from a file"

    @admin.display(description="username", ordering="user__username")
    def username(self, membership: Membership) -> str:
        # Plain text: instructors may not open user accounts, so no link to them.
        return membership.user.get_username()

    @admin.display(description="name")
    def student_name(self, membership: Membership) -> str:
        return membership.user.get_full_name()

    @admin.action(description="Move selected students to another cohort", permissions=["change"])
    def move_to_cohort(
        self, request: HttpRequest, queryset: QuerySet[Membership]
    ) -> HttpResponse | None:
        form = MoveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            target = form.cleaned_data["cohort"]
            moved, left = cohorts.move_students(queryset, target, by=request.user)
            note = f" ({left} were in it already and just left their old cohort)" if left else ""
            self.message_user(request, f"Moved {moved + left} student(s) to {target}{note}.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Move students to another cohort",
            "form": form,
            "count": queryset.count(),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/quiz/membership/move.html", context)

    @admin.action(
        description="Issue fresh set-password links (older links stop working)",
        permissions=["change"],
    )
    def issue_links(
        self, request: HttpRequest, queryset: QuerySet[Membership]
    ) -> HttpResponse | None:
        # Only students still without a password: in a real class some have chosen one, and
        # "select all" must still serve the rest (a link would take a chosen password away).
        usernames = set(queryset.values_list("user__username", flat=True))
        eligible = set(
            queryset.filter(
                user__password__startswith=UNUSABLE_PASSWORD_PREFIX,
                user__is_staff=False,
                user__is_superuser=False,
            ).values_list("user__username", flat=True)
        )
        if not eligible:
            self.message_user(
                request,
                "No links issued: every selected student has chosen a password already.",
                messages.ERROR,
            )
            return None
        try:
            accounts = cohorts.reissue_links(
                sorted(eligible), base_url=request.build_absolute_uri("/"), by=request.user
            )
        except cohorts.CohortError as exc:
            shown = "; ".join(str(p) for p in exc.problems[:10])
            more = f" (and {len(exc.problems) - 10} more)" if len(exc.problems) > 10 else ""
            self.message_user(request, f"No links issued: {shown}{more}.", messages.ERROR)
            return None
        response = links_response(accounts, "fresh-links.csv")
        skipped = len(usernames) - len(eligible)
        if skipped:  # said on the next page the instructor opens
            self.message_user(
                request,
                f"{len(accounts)} fresh link(s) issued; {skipped} selected student(s) skipped: "
                "they have chosen a password already (or are staff).",
                messages.WARNING,
            )
        return response


class AccommodationForm(forms.ModelForm):
    # The student by username: a cohort may have a thousand students, too many for a select,
    # and instructors may not browse user accounts (the autocomplete would need that).
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=False, is_active=True),
        to_field_name="username",
        widget=forms.TextInput,
        label="Student",
        help_text="Their username.",
        error_messages={"invalid_choice": "No student has this username."},
    )

    class Meta:
        model = Accommodation
        fields = [
            "user",
            "quiz",
            "cohort",
            "extra_minutes",
            "time_factor",
            "extra_attempts",
            "reason",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.user_id is not None:
            self.initial["user"] = self.instance.user.get_username()


@admin.register(Accommodation)
class AccommodationAdmin(admin.ModelAdmin):
    """Extra time and attempts for a student. Saving and deleting go through the services:
    they stamp who set it and when, and move the deadline of an attempt in progress at once.
    Django's history (LogEntry) keeps every change."""

    form = AccommodationForm
    list_display = ["student", "applies_to", "extra_time", "extra_attempts", "setter", "set_at"]
    list_select_related = ["user", "quiz", "cohort", "set_by"]
    list_filter = ["cohort", "quiz"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["quiz", "cohort"]
    readonly_fields = ["setter", "set_at"]
    fieldsets = [
        (None, {"fields": ["user", "quiz", "cohort"]}),
        ("What it gives", {"fields": ["extra_minutes", "time_factor", "extra_attempts"]}),
        (None, {"fields": ["reason", "setter", "set_at"]}),
    ]

    @admin.display(description="student", ordering="user__username")
    def student(self, accommodation: Accommodation) -> str:
        return accommodation.user.get_username()

    @admin.display(description="quiz or cohort")
    def applies_to(self, accommodation: Accommodation) -> str:
        if accommodation.quiz is not None:
            return str(accommodation.quiz)
        return f"Every quiz of {accommodation.cohort}"

    @admin.display(description="extra time")
    def extra_time(self, accommodation: Accommodation) -> str:
        if accommodation.extra_minutes:
            return f"+{accommodation.extra_minutes} min"
        if accommodation.time_factor:
            return f"× {accommodation.time_factor.normalize():f}"
        return "—"

    @admin.display(description="set by", ordering="set_by__username")
    def setter(self, accommodation: Accommodation) -> str:
        # Plain text: instructors may not open user accounts, so no link to them.
        return accommodation.set_by.get_username() if accommodation.set_by else "—"

    def save_model(
        self, request: HttpRequest, obj: Accommodation, form: forms.ModelForm, change: bool
    ) -> None:
        services.accommodation_save(user=request.user, accommodation=obj)

    def delete_model(self, request: HttpRequest, obj: Accommodation) -> None:
        services.accommodations_delete(user=request.user, accommodations=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Accommodation]) -> None:
        services.accommodations_delete(user=request.user, accommodations=queryset)
