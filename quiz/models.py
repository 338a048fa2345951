"""Question banks built from articles, and the quizzes drawn from them.

Everything a bank file carries has a natural key, so a bank loads into any database without
primary-key clashes: an article by slug, a question by (article, key), a choice by
(question, position), an accepted answer by (question, text), a quiz by slug and a quiz's
question by (quiz, question).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from quiz import grading, retrying, sentences


class ArticleManager(models.Manager["Article"]):
    def get_by_natural_key(self, slug: str) -> Article:
        return self.get(slug=slug)


class Article(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    source = models.CharField(
        max_length=200, blank=True, help_text="Where and when it was published."
    )
    text = models.TextField(
        help_text="The full text, one paragraph per line; questions cite its sentences. "
        "Editing it keeps the previous text as a revision, and questions citing a sentence "
        "the edit changes wait for review."
    )

    objects = ArticleManager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="article_slug_not_empty"),
            models.CheckConstraint(condition=~Q(text=""), name="article_text_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def current_sentences(self) -> models.QuerySet[Sentence]:
        return self.sentences.filter(position__isnull=False).order_by("position")


class Sentence(models.Model):
    """A sentence of an article (or a whole picture caption), split from its text on save
    (see `quiz.sentences`). It keeps its identity as long as its text is unchanged, wherever
    an edit moves it; an edit that removes it retires it (no position) rather than deleting
    it, so what cited it can still say what it was."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sentences")
    text = models.TextField()
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text="Its place in the article; empty once retired."
    )
    paragraph = models.PositiveIntegerField(null=True, blank=True)
    is_caption = models.BooleanField(default=False)

    class Meta:
        ordering = ["article", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="sentence_position_unique"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="sentence_text_not_empty"),
            # Both empty or both set: `position >= 1` alone is NULL, not false, for a NULL
            # position, and a CHECK lets NULL through.
            models.CheckConstraint(
                condition=Q(position__isnull=True, paragraph__isnull=True)
                | Q(
                    position__isnull=False,
                    paragraph__isnull=False,
                    position__gte=1,
                    paragraph__gte=1,
                ),
                name="sentence_place_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    @property
    def is_current(self) -> bool:
        return self.position is not None

    @property
    def anchor(self) -> str:
        return f"s{self.pk}"


class ArticleRevision(models.Model):
    """An article's text as it was before an edit, and who replaced it when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField(help_text="The text before this edit.")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when a bank file was loaded from the command line.",
    )
    edited_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=100, help_text="The admin, or the file loaded.")

    class Meta:
        ordering = ["article", "-edited_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.article} before {self.edited_at:%Y-%m-%d %H:%M}"


class QuestionManager(models.Manager["Question"]):
    def get_by_natural_key(self, key: str, article_slug: str) -> Question:
        return self.get(key=key, article__slug=article_slug)


# A question's points: enough for any effort a question asks, small enough that one question
# never outweighs a whole quiz by accident.
MAX_WEIGHT = 20

# Kinds whose key is a number held on the question itself.
NUMERIC_KINDS = [kind.name for kind in grading.all_kinds() if kind.uses_numeric]


class Question(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(
        max_length=100, help_text="A short stable name, unique within the article's bank."
    )
    kind = models.CharField(max_length=20, choices=grading.CHOICES)
    prompt = models.TextField()
    explanation = models.TextField(help_text="Why the answer is right, in our own words.")
    sentences = models.ManyToManyField(
        Sentence, through="Citation", related_name="questions", blank=True
    )
    needs_review = models.BooleanField(
        default=False,
        help_text="A sentence it cites was changed or removed by an edit of the article: "
        "it is left out of new attempts until its evidence is re-picked or confirmed.",
    )
    topic = models.CharField(max_length=60, help_text="Groups questions for progress by topic.")
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WEIGHT)],
        help_text="Points the question is worth: more for one that asks more (an ordering of "
        "seven events) than for a true/false.",
    )
    draw_group = models.SlugField(
        max_length=50,
        blank=True,
        help_text="Questions that answer one another share a group: an attempt that draws "
        "questions at random asks at most one of a group.",
    )
    numeric_answer = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text="Numeric questions only."
    )
    numeric_tolerance = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="Numeric questions only: answers within this distance count as right.",
    )

    objects = QuestionManager()

    class Meta:
        ordering = ["article", "key"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="question_key_unique"),
            models.UniqueConstraint(fields=["article", "prompt"], name="question_prompt_unique"),
            models.CheckConstraint(condition=Q(kind__in=grading.KINDS), name="question_kind_known"),
            models.CheckConstraint(
                condition=~Q(key="") & ~Q(prompt="") & ~Q(explanation=""),
                name="question_texts_not_empty",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=NUMERIC_KINDS) | Q(numeric_answer__isnull=False),
                name="question_numeric_has_answer",
            ),
            models.CheckConstraint(
                condition=Q(numeric_tolerance__gte=0), name="question_tolerance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=MAX_WEIGHT), name="question_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt if len(self.prompt) <= 80 else self.prompt[:79] + "…"

    def natural_key(self) -> tuple[str, str]:
        return (self.key, *self.article.natural_key())

    natural_key.dependencies = ["quiz.article"]

    def clean(self) -> None:
        errors = {}
        if self.kind in NUMERIC_KINDS and self.numeric_answer is None:
            errors["numeric_answer"] = ValidationError(
                "A numeric question needs its answer.", code="numeric_answer_missing"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def kind_object(self) -> grading.Kind:
        return grading.kind(self.kind)

    def cited(self) -> list[Sentence]:
        """The sentences it cites, in order (prefetch `citations__sentence`)."""
        return [citation.sentence for citation in self.citations.all()]

    @property
    def excerpt(self) -> str:
        """What students are shown as the question's source: its cited sentences, joined."""
        return sentences.join(s.text for s in self.cited())

    def evidence(self) -> list[list[Any]]:
        """[sentence id, text] of each cited sentence, as an attempt freezes it."""
        return [[s.pk, s.text] for s in self.cited()]

    def choice_parts(self) -> list[grading.ChoicePart]:
        """The choices as grading sees them, in position order (prefetch `choices`)."""
        return [grading.ChoicePart(c.pk, c.text, c.is_correct, c.match) for c in self.choices.all()]

    def option_parts(self, passage: Sequence[Sequence[Any]] = ()) -> list[grading.ChoicePart]:
        """What its options and key are made of: its choices (prefetch `choices`), or for a
        kind whose options are the sentences of its passage (`Kind.uses_passage`) those of
        `passage` ([sentence id, text, paragraph] in order, see `selectors.passages`), the
        ones it cites right (prefetch `citations__sentence`). The one place that tells the
        two apart."""
        if not self.kind_object.uses_passage:
            return self.choice_parts()
        return grading.passage_parts(passage, (sentence.pk for sentence in self.cited()))

    def grading_key(self, passage: Sequence[Sequence[Any]] = ()) -> Any:
        """The plain data grading needs; reads only the relations this kind uses (prefetch
        them), and its `passage` if its options are sentences (see `option_parts`)."""
        kind = self.kind_object
        return kind.build_key(
            choices=self.option_parts(passage) if kind.has_options else [],
            accepted=[a.text for a in self.accepted_answers.all()] if kind.uses_accepted else [],
            numeric_answer=self.numeric_answer,
            numeric_tolerance=self.numeric_tolerance,
        )


class Citation(models.Model):
    """A sentence a question rests on, at its place among the question's evidence."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="citations")
    # RESTRICT: a sentence is never deleted while cited (an article edit retires it), unless
    # its article goes, and its questions with it.
    sentence = models.ForeignKey(Sentence, on_delete=models.RESTRICT, related_name="citations")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="citation_place_unique"),
            models.UniqueConstraint(
                fields=["question", "sentence"], name="citation_sentence_unique"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="citation_place_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} cites {self.sentence}"

    def clean(self) -> None:
        if (
            self.question_id is not None
            and self.sentence_id is not None
            and self.sentence.article_id != self.question.article_id
        ):
            raise ValidationError(
                {"sentence": "A question cites sentences of its own article only."},
                code="sentence_from_other_article",
            )


class ChoiceManager(models.Manager["Choice"]):
    def get_by_natural_key(self, position: int, question_key: str, article_slug: str) -> Choice:
        return self.get(
            position=position, question__key=question_key, question__article__slug=article_slug
        )


class Choice(models.Model):
    """An option of a choice question, an event of an ordering question, or a matching pair.

    For ordering questions `position` is the event's place in the right order; for matching
    questions `text` is the item and `match` what it goes with.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)
    match = models.CharField(max_length=300, blank=True, help_text="Matching questions only.")

    objects = ChoiceManager()

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="choice_position_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="choice_position_positive"),
            models.CheckConstraint(condition=~Q(text=""), name="choice_text_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self) -> tuple[int, str, str]:
        return (self.position, *self.question.natural_key())

    natural_key.dependencies = ["quiz.question"]


class AcceptedAnswerManager(models.Manager["AcceptedAnswer"]):
    def get_by_natural_key(self, text: str, question_key: str, article_slug: str) -> AcceptedAnswer:
        return self.get(text=text, question__key=question_key, question__article__slug=article_slug)


class AcceptedAnswer(models.Model):
    """One answer a short-text question accepts, or a further value a numeric question
    accepts besides its answer and tolerance; comparison is as grading reads answers."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="accepted_answers"
    )
    text = models.CharField(max_length=200)

    objects = AcceptedAnswerManager()

    class Meta:
        ordering = ["question", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "text"], name="accepted_answer_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="accepted_answer_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self) -> tuple[str, str, str]:
        return (self.text, *self.question.natural_key())

    natural_key.dependencies = ["quiz.question"]


class QuizManager(models.Manager["Quiz"]):
    def get_by_natural_key(self, slug: str) -> Quiz:
        return self.get(slug=slug)


class Feedback(models.TextChoices):
    IMMEDIATE = "immediate", "After each question"
    AT_END = "at_end", "Only at the end"
    # quiz.retrying: a wrong first answer sends the student to the source, then a second try.
    EVIDENCE = "evidence", "Find the evidence, then retry"


class Navigation(models.TextChoices):
    SEQUENTIAL = "sequential", "Sequential: one question after another"
    FREE = "free", "Free: any question in any order, with a map and flags"


class Quiz(models.Model):
    Feedback = Feedback
    Navigation = Navigation

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="quizzes")
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=True, help_text="Students see published quizzes.")
    pass_mark = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="Percentage needed to pass.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave empty for unlimited attempts.",
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Leave empty for none."
    )
    draw_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Draw this many of the quiz's questions at random for each attempt; "
        "leave empty to ask all of them.",
    )
    shuffle_questions = models.BooleanField(default=False)
    shuffle_choices = models.BooleanField(default=False)
    feedback = models.CharField(max_length=20, choices=Feedback.choices, default=Feedback.IMMEDIATE)
    retry_credit = models.PositiveSmallIntegerField(
        "second try's credit (%)",
        default=retrying.DEFAULT_CREDIT,
        validators=[MaxValueValidator(100)],
        help_text="Find the evidence, then retry: the share of a question's points a right "
        "second try earns. Students are told it before they try again.",
    )
    navigation = models.CharField(
        max_length=20,
        choices=Navigation.choices,
        default=Navigation.SEQUENTIAL,
        help_text="Free: a map of the questions to jump between, flags, and answers that can "
        "be changed until finishing where feedback comes at the end.",
    )
    questions = models.ManyToManyField(Question, through="QuizQuestion", related_name="quizzes")
    # Review options (see quiz/reviewing.py): what a finished attempt's review shows, at each
    # time. By default the right answers and explanations wait for the quiz to close, so an
    # attempt never hands the next one its answers.
    review_after_score = models.BooleanField("score", default=True)
    review_after_marks = models.BooleanField("whether each answer was right", default=True)
    review_after_answers = models.BooleanField("right answers", default=False)
    review_after_explanations = models.BooleanField("explanations", default=False)
    review_open_score = models.BooleanField("score", default=True)
    review_open_marks = models.BooleanField("whether each answer was right", default=True)
    review_open_answers = models.BooleanField("right answers", default=False)
    review_open_explanations = models.BooleanField("explanations", default=False)
    review_closed_score = models.BooleanField("score", default=True)
    review_closed_marks = models.BooleanField("whether each answer was right", default=True)
    review_closed_answers = models.BooleanField("right answers", default=True)
    review_closed_explanations = models.BooleanField("explanations", default=True)

    objects = QuizManager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_percent"),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1),
                name="quiz_max_attempts_positive",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True) | Q(time_limit_minutes__gte=1),
                name="quiz_time_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(draw_count__isnull=True) | Q(draw_count__gte=1),
                name="quiz_draw_count_positive",
            ),
            models.CheckConstraint(
                condition=Q(feedback__in=Feedback.values), name="quiz_feedback_known"
            ),
            models.CheckConstraint(
                condition=Q(navigation__in=Navigation.values), name="quiz_navigation_known"
            ),
            models.CheckConstraint(
                condition=Q(retry_credit__lte=100), name="quiz_retry_credit_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quiz:quiz", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    natural_key.dependencies = ["quiz.article"]


class QuizQuestionManager(models.Manager["QuizQuestion"]):
    def get_by_natural_key(
        self, quiz_slug: str, question_key: str, article_slug: str
    ) -> QuizQuestion:
        return self.get(
            quiz__slug=quiz_slug,
            question__key=question_key,
            question__article__slug=article_slug,
        )


class QuizQuestion(models.Model):
    """A question of a quiz, at its place in the quiz's set order."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="quiz_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    objects = QuizQuestionManager()

    class Meta:
        ordering = ["quiz", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="quiz_question_unique"),
            models.UniqueConstraint(fields=["quiz", "position"], name="quiz_position_unique"),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="quiz_question_position_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.question}"

    def natural_key(self) -> tuple[str, str, str]:
        return (*self.quiz.natural_key(), *self.question.natural_key())

    natural_key.dependencies = ["quiz.quiz", "quiz.question"]

    def clean(self) -> None:
        if (
            self.quiz_id is not None
            and self.question_id is not None
            and self.question.article_id != self.quiz.article_id
        ):
            raise ValidationError(
                {"question": "This question belongs to another article's bank than the quiz."},
                code="question_from_other_bank",
            )


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished", "Finished"
    ABANDONED = "abandoned", "Abandoned"


class Attempt(models.Model):
    """One go at a quiz by one student, with its questions frozen when it starts."""

    State = AttemptState

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    is_practice = models.BooleanField(
        default=False, help_text="Practice attempts do not count towards the grade."
    )
    state = models.CharField(
        max_length=20, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    points = models.DecimalField(
        max_digits=8, decimal_places=4, null=True, blank=True, help_text="Set at finish."
    )
    question_count = models.PositiveSmallIntegerField(default=0)
    max_points = models.PositiveSmallIntegerField(
        default=0, help_text="What the questions are worth together: the sum of their weights."
    )
    passed = models.BooleanField(null=True, blank=True)
    # The quiz's navigation when the attempt started: a quiz switched in the admin meanwhile
    # does not change the rules of an attempt in flight (a sequential one finishes on its last
    # position, which a free one may have answered first).
    navigation = models.CharField(
        max_length=20, choices=Navigation.choices, default=Navigation.SEQUENTIAL
    )
    # Likewise its feedback: a quiz switched to feedback at the end must not make answers that
    # showed their right answer changeable.
    feedback = models.CharField(max_length=20, choices=Feedback.choices, default=Feedback.IMMEDIATE)
    # And the time limit its deadline was set from, before any accommodation: extra time given
    # or taken later moves the deadline from this, whatever the quiz's limit has become.
    time_limit_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    # And the credit it promised for a second try (find the evidence, then retry).
    retry_credit = models.PositiveSmallIntegerField(default=retrying.DEFAULT_CREDIT)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["user", "quiz", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(state=AttemptState.IN_PROGRESS),
                name="attempt_one_in_progress_per_quiz",
            ),
            models.CheckConstraint(
                condition=Q(state__in=AttemptState.values),
                name="attempt_state_known",
            ),
            models.CheckConstraint(
                condition=Q(state=AttemptState.IN_PROGRESS, finished_at__isnull=True)
                | (~Q(state=AttemptState.IN_PROGRESS) & Q(finished_at__isnull=False)),
                name="attempt_finished_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0, points__lte=F("max_points")),
                name="attempt_points_in_range",
            ),
            models.CheckConstraint(
                condition=Q(navigation__in=Navigation.values), name="attempt_navigation_known"
            ),
            models.CheckConstraint(
                condition=Q(feedback__in=Feedback.values), name="attempt_feedback_known"
            ),
            models.CheckConstraint(
                condition=Q(retry_credit__lte=100), name="attempt_retry_credit_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} · {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("quiz:attempt", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    @property
    def defers_feedback(self) -> bool:
        """Feedback waits for the review: a graded attempt at a quiz that gives it at the end
        (practice always answers at once)."""
        return self.feedback == Feedback.AT_END and not self.is_practice

    @property
    def navigates_freely(self) -> bool:
        """Its questions may be taken in any order, with a map and flags."""
        return self.navigation == Navigation.FREE

    @property
    def finds_evidence(self) -> bool:
        """A first answer that is not right sends the student to find the evidence, then a
        second try (`quiz.retrying`)."""
        return self.feedback == Feedback.EVIDENCE

    @property
    def second_try_share(self) -> Fraction:
        """The share of a question's points a right second try earns (`retrying.credit`)."""
        return Fraction(self.retry_credit, 100)

    @property
    def answers_changeable(self) -> bool:
        """An answer may be changed until finishing: in any order, and only while it shows no
        feedback (a question that showed its right answer keeps the answer it was given)."""
        return self.navigates_freely and self.defers_feedback

    def is_due(self, now: datetime) -> bool:
        """Whether the attempt is still open but its time is up."""
        return self.is_open and self.deadline is not None and now >= self.deadline

    def is_over(self, now: datetime, *, quiz_open: bool) -> bool:
        """Whether the attempt is still open but may take no more answers: its deadline has
        passed, or it has none and its quiz is no longer open to its student (`quiz_open`,
        see `selectors.open_now`). An attempt with a deadline runs to it whatever happens to
        the quiz's window or the student's cohorts meanwhile."""
        if self.deadline is not None:
            return self.is_due(now)
        return self.is_open and not quiz_open

    @property
    def percent(self) -> Decimal | None:
        if self.points is None or not self.max_points:
            return None
        return (self.points * 100 / self.max_points).quantize(Decimal("0.1"))


class AttemptItem(models.Model):
    """A question as this attempt asks it: its place and the order its options are shown in."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    # Frozen when the attempt starts, as Moodle's question usages are: what the student is
    # shown and what the answer is graded against never change under an attempt in flight,
    # and the question page needs no query for them.
    options = models.JSONField(default=list, help_text="[choice id, text] in the order shown.")
    matches = models.JSONField(default=list, help_text="Matching: every match, as listed.")
    key = models.JSONField(default=dict, help_text="The grading key (see Kind.key_to_data).")
    evidence = models.JSONField(
        default=list, help_text="[sentence id, text] of each sentence the question cited."
    )
    passage = models.JSONField(
        default=list,
        help_text="Find the evidence: [sentence id, text, paragraph] of every sentence of the "
        "paragraphs the question cited, to pick the evidence from.",
    )
    weight = models.PositiveSmallIntegerField(
        default=1, help_text="The question's points when the attempt started."
    )
    flagged = models.BooleanField(default=False, help_text="Flagged by the student for later.")

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="item_weight_positive"),
            models.UniqueConstraint(fields=["attempt", "position"], name="item_position_unique"),
            models.UniqueConstraint(fields=["attempt", "question"], name="item_question_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="item_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"

    @property
    def choice_order(self) -> list[int]:
        return [ident for ident, _ in self.options]

    # What a page calls an option: its 1-based place in `options`, the order this attempt shows.
    # A choice's database id would give the answer away (ids follow the bank's order, and an
    # ordering question's bank order is the right one); a place says only where it is shown.
    # These are the one translation between the two: kinds, grading and stored submissions
    # keep ids.

    @property
    def page_options(self) -> list[tuple[int, str]]:
        """(the value a page posts for it, text) for each option, in the order shown."""
        return [(place, text) for place, (_, text) in enumerate(self.options, 1)]

    def ids_from_page(self, form: grading.FormAnswer) -> grading.FormAnswer:
        """What a page posted, its option values (`answer` values, `match-<value>` names)
        made option ids (choice ids; sentence ids for a kind that asks for a sentence of its
        passage) for the kind to parse. A value that is not one of the item's places,
        a database id included, is refused as an unknown option. Kinds without options take
        free text, left as typed."""
        if not self.question.kind_object.has_options:
            return form
        ids = {str(place): str(ident) for place, (ident, _) in enumerate(self.options, 1)}

        def to_id(value: str) -> str:
            if not str(value).strip():
                return value  # nothing picked: the kind asks for an answer in its own words
            try:
                return ids[str(value).strip()]
            except KeyError:
                raise grading.InvalidSubmission(grading.NOT_AN_OPTION) from None

        return grading.FormAnswer(
            answers=[to_id(value) for value in form.answers],
            matches={to_id(value): match for value, match in form.matches.items()},
        )

    def page_from_ids(self, form: grading.FormAnswer) -> grading.FormAnswer:
        """The inverse: a form in choice ids (a kind's `right_form`) as this item's page would
        post it. `ValueError` for an id that is not one of the item's options."""
        if not self.question.kind_object.has_options:
            return form
        places = {ident: str(place) for place, (ident, _) in enumerate(self.options, 1)}

        def to_place(ident: str) -> str:
            try:
                return places[int(ident)]
            except (KeyError, ValueError):
                raise ValueError(f"{ident!r} is not an option of item {self}") from None

        return grading.FormAnswer(
            answers=[to_place(ident) for ident in form.answers],
            matches={to_place(ident): match for ident, match in form.matches.items()},
        )

    def grading_key(self) -> Any:
        return grading.kind(self.question.kind).key_from_data(self.key)

    @property
    def excerpt(self) -> str:
        """The source as this attempt showed it: an edit of the article never changes it."""
        return sentences.join(text for _, text in self.evidence)

    @property
    def cited_ids(self) -> list[int]:
        return [ident for ident, _ in self.evidence]

    @property
    def stage(self) -> retrying.Stage:
        """Where the answered item stands (load it with its attempt and response): always done
        but under find the evidence, then retry, and done there too once the student has moved
        on in a sequential attempt (`later_answered`, where annotated: "your first answer
        stands"). Only sentences of the passage can be found, and only among others: a
        passage without a cited sentence (never, as attempts are made) or with nothing else
        leaves nothing to search for, and the second try opens at once."""
        response = self.response
        if not self.attempt.finds_evidence:
            return retrying.Stage.DONE
        if getattr(self, "later_answered", False) and not self.attempt.navigates_freely:
            return retrying.Stage.DONE
        offered = {ident for ident, _, _ in self.passage}
        cited = offered.intersection(self.cited_ids)
        return retrying.stage(
            tries=response.tries,
            is_correct=response.is_correct,
            picks=response.picks,
            # Every sentence offered cited (an ordering of the whole timeline): no search.
            cited=cited if cited != offered else set(),
        )


class Response(models.Model):
    """The one answer to an attempt item: as given, and as graded when it was given."""

    item = models.OneToOneField(AttemptItem, on_delete=models.CASCADE, related_name="response")
    submission = models.JSONField()
    score = models.DecimalField(max_digits=5, decimal_places=4)
    is_correct = models.BooleanField()
    feedback = models.TextField()
    answered_at = models.DateTimeField(default=timezone.now)
    # Find the evidence, then retry (`quiz.retrying`): the answer above is the last try, and
    # `score` the credit for the tries; the first try is kept when there was a second.
    tries = models.PositiveSmallIntegerField(default=1)
    first_submission = models.JSONField(null=True, blank=True)
    first_score = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    first_feedback = models.TextField(blank=True)
    picks = models.JSONField(default=list, help_text="Sentence ids picked as evidence, in order.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="response_score_in_range"
            ),
            models.CheckConstraint(
                condition=Q(tries=1, first_submission__isnull=True, first_score__isnull=True)
                | Q(
                    tries=2,
                    first_submission__isnull=False,
                    first_score__gte=0,
                    first_score__lte=1,
                ),
                name="response_first_try_iff_two",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.score}"

    @property
    def verdict(self) -> str:
        """The answer's verdict in words, as every page says it."""
        if self.is_correct:
            second = self.tries > 1 and self.first_score is not None and self.first_score < 1
            return "Right on the second try" if second else "Correct"
        return "Partly right" if self.score else "Not quite"

    @property
    def points(self) -> Decimal:
        """The score (the share of the item earned) in the item's points, to the hundredth:
        what the attempt's points add up (`services.POINTS`)."""
        return points(self.score, self.item.weight)


def right_first_time(response: str = "") -> Q:
    """Responses (through the path `response`, e.g. "response__") answered right without a
    second try, or with a first try since found right: what practice, mastery and coverage
    count as known. A right second try came after the evidence was found or shown."""
    return Q(**{f"{response}is_correct": True, f"{response}tries": 1}) | Q(
        **{f"{response}first_score": 1}
    )


def points(score: Decimal, weight: int) -> Decimal:
    """A score (the share of a question earned) in the question's points, to the hundredth."""
    # Half up, as the databases' ROUND does it (`services.POINTS` sums these there).
    return (score * weight).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class ScoreCause(models.TextChoices):
    OVERRIDE = "override", "Overridden"
    ACCEPTED = "accepted", "Answer accepted"


class ScoreChange(models.Model):
    """One change to a response's score after it was graded, kept for good: an instructor's
    override, or a regrade when an answer was accepted as right. The response holds the score
    in force (the attempt's points are the sum of its responses' scores); these say who
    changed it, when, from what, to what and why."""

    Cause = ScoreCause

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="changes")
    # PROTECT: an audit trail that loses its "who" is no audit trail.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    cause = models.CharField(max_length=20, choices=Cause.choices)
    old_score = models.DecimalField(max_digits=5, decimal_places=4)
    new_score = models.DecimalField(max_digits=5, decimal_places=4)
    reason = models.TextField()

    class Meta:
        ordering = ["response", "changed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cause__in=ScoreCause.values), name="score_change_cause_known"
            ),
            models.CheckConstraint(
                condition=Q(old_score__gte=0, old_score__lte=1, new_score__gte=0, new_score__lte=1),
                name="score_change_scores_in_range",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="score_change_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.response}: {self.old_score} → {self.new_score}"


class CohortManager(models.Manager["Cohort"]):
    def get_by_natural_key(self, name: str) -> Cohort:
        return self.get(name=name)


class Cohort(models.Model):
    """A group of students taking quizzes together, each quiz open to them for a time."""

    name = models.CharField(max_length=100, unique=True)
    term = models.CharField(max_length=60, blank=True, help_text="e.g. Autumn 2026")
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="cohorts", blank=True
    )
    quizzes = models.ManyToManyField(Quiz, through="CohortQuiz", related_name="cohorts")

    objects = CohortManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="cohort_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.term})" if self.term else self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class MembershipManager(models.Manager["Membership"]):
    def get_by_natural_key(self, cohort_name: str, username: str) -> Membership:
        return self.get(cohort__name=cohort_name, user__username=username)


class Membership(models.Model):
    """A student in a cohort. Changing `cohort` moves the student."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    objects = MembershipManager()

    class Meta:
        ordering = ["cohort", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"

    def natural_key(self) -> tuple[str, str]:
        return (self.cohort.name, self.user.get_username())

    natural_key.dependencies = ["quiz.cohort"]


class CohortQuizManager(models.Manager["CohortQuiz"]):
    def get_by_natural_key(self, cohort_name: str, quiz_slug: str) -> CohortQuiz:
        return self.get(cohort__name=cohort_name, quiz__slug=quiz_slug)


class CohortQuiz(models.Model):
    """A quiz assigned to a cohort: students may start attempts between the two times."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="assignments")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="assignments")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()

    objects = CohortQuizManager()

    class Meta:
        ordering = ["cohort", "opens_at"]
        verbose_name = "assigned quiz"
        verbose_name_plural = "assigned quizzes"
        constraints = [
            models.UniqueConstraint(fields=["cohort", "quiz"], name="cohort_quiz_unique"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="cohort_quiz_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} for {self.cohort}"

    def natural_key(self) -> tuple[str, str]:
        return (self.cohort.name, self.quiz.slug)

    natural_key.dependencies = ["quiz.cohort", "quiz.quiz"]

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError(
                {"closes_at": "The quiz must close after it opens."}, code="closes_before_opening"
            )


# Extra time an instructor may give: ten hours is beyond any quiz's need, and catches a slip
# of the keyboard (1500 for 15).
MAX_EXTRA_MINUTES = 600
MAX_TIME_FACTOR = Decimal(5)
MAX_EXTRA_ATTEMPTS = 20


class Accommodation(models.Model):
    """Extra time and extra attempts for one student, at one quiz or at every quiz of a
    cohort (`quiz.accommodations` says how they combine). Set by an instructor through
    `services.accommodation_save`, which stamps who and when and moves the deadline of an
    attempt in progress at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="accommodations",
        verbose_name="student",
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, null=True, blank=True, related_name="accommodations"
    )
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="accommodations",
        help_text="Instead of a quiz: every quiz of this cohort. A quiz's own accommodation "
        "wins over it.",
    )
    extra_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_EXTRA_MINUTES)],
        help_text="Added to the time limit. Either this or a time factor.",
    )
    time_factor = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1.01")), MaxValueValidator(MAX_TIME_FACTOR)],
        help_text="The time limit times this, e.g. 1.5 for time and a half (up to 5). "
        "Either this or extra minutes.",
    )
    extra_attempts = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_EXTRA_ATTEMPTS)],
        help_text=f"Attempts beyond those the quiz allows (up to {MAX_EXTRA_ATTEMPTS}); "
        "nothing to add where attempts are unlimited.",
    )
    reason = models.CharField(
        max_length=200, blank=True, help_text="For staff only: the student never sees it."
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-set_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quiz__isnull=False, cohort__isnull=True)
                | Q(quiz__isnull=True, cohort__isnull=False),
                name="accommodation_quiz_or_cohort",
                violation_error_message="Pick a quiz, or a cohort for all its quizzes: one.",
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__isnull=True) | Q(time_factor__isnull=True),
                name="accommodation_minutes_or_factor",
                violation_error_message="Give extra minutes or a time factor, not both.",
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__isnull=True)
                | Q(extra_minutes__gte=1, extra_minutes__lte=MAX_EXTRA_MINUTES),
                name="accommodation_extra_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(time_factor__isnull=True)
                | Q(time_factor__gt=1, time_factor__lte=MAX_TIME_FACTOR),
                name="accommodation_time_factor_range",
            ),
            models.CheckConstraint(
                condition=Q(extra_attempts__lte=MAX_EXTRA_ATTEMPTS),
                name="accommodation_extra_attempts_range",
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__isnull=False)
                | Q(time_factor__isnull=False)
                | Q(extra_attempts__gte=1),
                name="accommodation_gives_something",
                violation_error_message="Give extra time, extra attempts, or both.",
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(quiz__isnull=False),
                name="accommodation_one_per_quiz",
                violation_error_message="This student has an accommodation at this quiz "
                "already: change that one.",
            ),
            models.UniqueConstraint(
                fields=["user", "cohort"],
                condition=Q(cohort__isnull=False),
                name="accommodation_one_per_cohort",
                violation_error_message="This student has an accommodation for this cohort "
                "already: change that one.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.quiz or self.cohort}"

    def clean(self) -> None:
        # Said on the field concerned; the constraints say the same to anything else.
        errors = {}
        if (self.quiz_id is None) == (self.cohort_id is None):
            errors["quiz"] = ValidationError(
                "Pick a quiz, or a cohort for all its quizzes: one.", code="quiz_or_cohort"
            )
        if self.extra_minutes is not None and self.time_factor is not None:
            errors["time_factor"] = ValidationError(
                "Give extra minutes or a time factor, not both.", code="minutes_and_factor"
            )
        elif self.extra_minutes is None and self.time_factor is None and not self.extra_attempts:
            errors["extra_attempts"] = ValidationError(
                "Give extra time, extra attempts, or both.", code="nothing_given"
            )
        if errors:
            raise ValidationError(errors)


class Memory(models.Model):
    """A student's memory of one question, as spaced practice schedules it (`quiz.memory`):
    updated by every graded answer they give, from any attempt."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memories"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="memories")
    stability = models.FloatField(help_text="Days for the chance of recall to fall to 90%.")
    difficulty = models.FloatField(help_text="1 (easy) to 10 (hard).")
    state = models.PositiveSmallIntegerField(help_text="FSRS: 1 learning, 2 review, 3 relearning.")
    due = models.DateTimeField()
    last_review = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "due"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="memory_one_per_question"),
            models.CheckConstraint(condition=Q(stability__gt=0), name="memory_stability_positive"),
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=10), name="memory_difficulty_range"
            ),
            models.CheckConstraint(condition=Q(state__in=[1, 2, 3]), name="memory_state_known"),
            models.CheckConstraint(condition=Q(due__gt=F("last_review")), name="memory_due_later"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.question} · due {self.due:%Y-%m-%d}"


class MemoryRating(models.IntegerChoices):
    AGAIN = 1, "Wrong"
    HARD = 2, "Partly right"
    GOOD = 3, "Right"
    EASY = 4, "Right and quick"


class MemoryReview(models.Model):
    """One answer as spaced practice counted it: the review log FSRS keeps, one per answer."""

    Rating = MemoryRating

    memory = models.ForeignKey(Memory, on_delete=models.CASCADE, related_name="reviews")
    item = models.OneToOneField(AttemptItem, on_delete=models.CASCADE, related_name="memory_review")
    rating = models.PositiveSmallIntegerField(choices=MemoryRating.choices)
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["memory", "reviewed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=MemoryRating.values), name="memory_review_rating_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.memory_id}: {self.get_rating_display()} at {self.reviewed_at:%Y-%m-%d %H:%M}"
