from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from quiz import grading
from quiz.models import (
    AcceptedAnswer,
    Article,
    Choice,
    Cohort,
    CohortQuiz,
    Membership,
    Question,
    Quiz,
    QuizQuestion,
)
from quiz.presenters import question_display


def _rows(formset: forms.BaseInlineFormSet) -> list[dict[str, Any]]:
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class ChoiceFormSet(forms.BaseInlineFormSet):
    """Checks the choices as a whole against the question's type, as grading needs them."""

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
                grading.ChoicePart(n, r["text"], r["is_correct"], r.get("match", ""))
                for n, r in enumerate(rows)
            ]
        )
        problems = grading.key_problems(kind.name, key)
        if problems:
            raise ValidationError([p[0].upper() + p[1:] + "." for p in problems], code="key")


class AcceptedAnswerFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if self.instance.kind not in grading.KINDS:
            return  # the question form reports an unknown kind
        rows = _rows(self)
        if self.instance.kind_object.uses_accepted:
            if not rows:
                raise ValidationError(
                    "A short-text question needs at least one accepted answer.",
                    code="no_accepted_answer",
                )
        elif rows:
            raise ValidationError(
                "Only short-text questions take accepted answers; delete them.",
                code="accepted_answers_unused",
            )


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 0
    fields = ["position", "text", "is_correct", "match"]


class AcceptedAnswerInline(admin.TabularInline):
    model = AcceptedAnswer
    formset = AcceptedAnswerFormSet
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "source", "question_count"]
    search_fields = ["title", "slug", "text"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, article: Article) -> int:
        return article.question_count


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "short_prompt", "kind", "topic"]
    list_filter = ["article", "quizzes", "kind", "topic"]
    search_fields = ["prompt", "key", "excerpt", "explanation"]
    list_select_related = ["article"]
    readonly_fields = ["preview"]
    inlines = [ChoiceInline, AcceptedAnswerInline]
    fieldsets = [
        (None, {"fields": ["article", "key", "kind", "topic", "prompt"]}),
        ("Answer", {"fields": ["numeric_answer", "numeric_tolerance", "explanation"]}),
        ("Source", {"fields": ["excerpt"]}),
        ("Preview", {"fields": ["preview"]}),
    ]

    @admin.display(description="prompt", ordering="prompt")
    def short_prompt(self, question: Question) -> str:
        return str(question)

    @admin.display(description="as a student sees it")
    def preview(self, question: Question) -> str:
        if question.pk is None:
            return "Save the question to preview it."
        url = reverse("admin:quiz_question_preview", args=[question.pk])
        return format_html('<a href="{}">Preview this question</a>', url)

    def get_urls(self) -> list:
        return [
            path(
                "<int:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="quiz_question_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        question = get_object_or_404(
            Question.objects.select_related("article").prefetch_related(
                "choices", "accepted_answers"
            ),
            pk=object_id,
        )
        context = {
            **self.admin_site.each_context(request),
            "question": question,
            "display": question_display(question, seed=question.pk),
            "answer": question.kind_object.describe(question.grading_key()),
            "opts": self.model._meta,
            "title": f"Preview: {question.key}",
        }
        return TemplateResponse(request, "quiz/question_preview.html", context)


class QuizQuestionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        pool = len(_rows(self))
        draw = self.instance.draw_count
        if draw is not None and draw > pool:
            raise ValidationError(
                f"The quiz draws {draw} questions but has only {pool}; add questions or "
                "draw fewer.",
                code="draw_exceeds_pool",
            )


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    formset = QuizQuestionFormSet
    extra = 0
    autocomplete_fields = ["question"]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
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
    inlines = [QuizQuestionInline]
    fieldsets = [
        (None, {"fields": ["article", "title", "slug", "description", "is_published"]}),
        ("Questions", {"fields": ["draw_count", "shuffle_questions", "shuffle_choices"]}),
        ("Rules", {"fields": ["pass_mark", "max_attempts", "time_limit_minutes", "feedback"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quiz]:
        return super().get_queryset(request).annotate(question_count=Count("quiz_questions"))

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, quiz: Quiz) -> int:
        return quiz.question_count


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["username", "student_name", "joined_at"]
    readonly_fields = ["username", "student_name", "joined_at"]
    verbose_name_plural = "students (add them with load_cohort, move them under Memberships)"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="name")
    def student_name(self, membership: Membership) -> str:
        return membership.user.get_full_name()

    @admin.display(description="username")
    def username(self, membership: Membership) -> str:
        # Plain text: instructors may not open user accounts, so no link to them.
        return membership.user.get_username()


class CohortQuizInline(admin.TabularInline):
    model = CohortQuiz
    extra = 0
    fields = ["quiz", "opens_at", "closes_at", "results"]
    readonly_fields = ["results"]

    @admin.display(description="results")
    def results(self, assignment: CohortQuiz) -> str:
        if assignment.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Gradebook</a> · <a href="{}">Item analysis</a>',
            reverse("quiz:gradebook", args=[assignment.cohort_id, assignment.quiz.slug]),
            reverse("quiz:analysis", args=[assignment.quiz.slug])
            + f"?cohort={assignment.cohort_id}",
        )


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "term", "student_count", "quiz_count"]
    search_fields = ["name", "term"]
    inlines = [CohortQuizInline, MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cohort]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                student_count=Count("memberships", distinct=True),
                quiz_count=Count("assignments", distinct=True),
            )
        )

    @admin.display(description="students", ordering="student_count")
    def student_count(self, cohort: Cohort) -> int:
        return cohort.student_count

    @admin.display(description="quizzes", ordering="quiz_count")
    def quiz_count(self, cohort: Cohort) -> int:
        return cohort.quiz_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Moving a student is changing the cohort of their membership, here in the list."""

    list_display = ["user", "student_name", "cohort", "joined_at"]
    list_editable = ["cohort"]
    list_filter = ["cohort"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user", "cohort"]

    @admin.display(description="name")
    def student_name(self, membership: Membership) -> str:
        return membership.user.get_full_name()
