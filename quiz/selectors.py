"""Read-only queries for the student's pages, each a fixed number of queries.

Every function takes the user and only ever returns that user's attempts: another student's
attempt is simply not found (`errors.NotFound`), never revealed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce
from django.utils import timezone

from quiz import accommodations, drawing, errors, memory, reviewing, sentences
from quiz.accommodations import Allowance
from quiz.models import (
    Accommodation,
    Article,
    Attempt,
    AttemptItem,
    Cohort,
    CohortQuiz,
    Membership,
    Memory,
    Question,
    Quiz,
    QuizQuestion,
    ScoreChange,
    Sentence,
    right_first_time,
)


@dataclass
class QuizStatus:
    quiz: Quiz
    attempts_used: int = 0
    best_percent: Decimal | None = None
    passed: bool = False
    in_progress: Attempt | None = None
    answered: int = 0
    window: Window | None = None  # the student's cohorts' most generous window, if any
    held_to_windows: bool = False  # students are; staff are not
    allowance: Allowance = field(default_factory=Allowance)  # their accommodations here
    due: int = 0  # questions of this quiz due for review today (spaced practice)

    @property
    def max_attempts(self) -> int | None:
        """The attempts this student has: the quiz's and any extra given them."""
        return self.allowance.max_attempts(self.quiz.max_attempts)

    @property
    def attempts_left(self) -> int | None:
        if self.max_attempts is None:
            return None
        return max(0, self.max_attempts - self.attempts_used)

    @property
    def shows_score(self) -> bool:
        """Whether the quiz's review options let the student see scores now (lists of
        attempts count as seen later: `reviewing.OPEN`, or `CLOSED` once it has closed)."""
        return shows_score(self.quiz, self.window)

    @property
    def is_open(self) -> bool:
        if not self.held_to_windows:
            return True
        return self.window is not None and self.window.is_open

    @property
    def no_longer_set(self) -> bool:
        """A student whose cohorts no longer have this quiz (they left, or it was taken off)."""
        return self.held_to_windows and self.window is None

    @property
    def can_start(self) -> bool:
        return self.in_progress is not None or (self.is_open and self.attempts_left != 0)

    @property
    def can_review(self) -> bool:
        """Whether a review session of the due questions can start (`services.review_start`):
        some are due, the quiz is open, and no graded attempt is in progress."""
        graded = self.in_progress is not None and not self.in_progress.is_practice
        return bool(self.due) and self.is_open and not graded


@dataclass(frozen=True)
class Window:
    """When a quiz is open to a student: the most generous of their cohorts' assignments."""

    opens_at: datetime
    closes_at: datetime
    now: datetime

    @property
    def is_open(self) -> bool:
        return self.opens_at <= self.now < self.closes_at

    @property
    def not_yet(self) -> bool:
        return self.now < self.opens_at


def windows(
    user: AbstractBaseUser, quizzes: Iterable[Quiz], now: datetime | None = None
) -> dict[int, Window]:
    """The window of each of `quizzes` assigned to a cohort of `user`: one query."""
    now = now or timezone.now()
    assignments = CohortQuiz.objects.filter(
        cohort__memberships__user=user, quiz__in=[q.pk for q in quizzes]
    )
    best: dict[int, Window] = {}
    for quiz_id, opens_at, closes_at in assignments.values_list("quiz_id", "opens_at", "closes_at"):
        window = Window(opens_at, closes_at, now)
        current = best.get(quiz_id)
        if current is None or _more_generous(window, current):
            best[quiz_id] = window
    return best


def _more_generous(a: Window, b: Window) -> bool:
    if a.is_open != b.is_open:
        return a.is_open
    if a.is_open:
        return a.closes_at > b.closes_at
    if a.not_yet != b.not_yet:
        return a.not_yet
    return a.opens_at < b.opens_at if a.not_yet else a.closes_at > b.closes_at


def allowances(
    user: AbstractBaseUser,
    quizzes: Iterable[Quiz],
    *,
    limits: dict[int, int | None] | None = None,
) -> dict[int, Allowance]:
    """The user's allowance (time limit, attempts) at each of `quizzes`, from their
    accommodations at the quiz and at the cohorts of theirs that have it: one query, none for
    staff (accommodations are for students). `limits`: the time limits to work from, by quiz
    (an attempt's own), instead of the quizzes' limits now."""
    quizzes = list(quizzes)
    grants: dict[int, list[Accommodation]] = defaultdict(list)
    if not user.is_staff and quizzes:
        ids = [q.pk for q in quizzes]
        # A cohort-wide accommodation comes once for each of the listed quizzes its cohort
        # has, while the student is in it; `applies_to` says which.
        rows = (
            Accommodation.objects.filter(user=user)
            .filter(
                Q(quiz__in=ids)
                | Q(cohort__assignments__quiz__in=ids, cohort__memberships__user=user)
            )
            .annotate(applies_to=Coalesce("quiz", "cohort__assignments__quiz"))
        )
        for row in rows:
            grants[row.applies_to].append(row)
    limits = limits or {}
    return {
        q.pk: accommodations.allowance(
            grants[q.pk], limits.get(q.pk, q.time_limit_minutes), q.max_attempts
        )
        for q in quizzes
    }


def attempt_allowance(user: AbstractBaseUser, attempt: Attempt) -> Allowance:
    """The user's allowance at their attempt's quiz, said beside its countdown: only a timed,
    graded attempt has one to say (no query for the others)."""
    if attempt.is_practice or attempt.deadline is None:
        return Allowance()
    limits = {attempt.quiz_id: attempt.time_limit_minutes}
    return allowances(user, [attempt.quiz], limits=limits)[attempt.quiz_id]


def open_now(user: AbstractBaseUser, now: datetime, quiz: str = "quiz") -> Expression:
    """Whether the quiz at the outer query's `quiz` is open to `user` at `now`, as an
    expression to annotate with, so that the check costs no query of its own: some cohort of
    theirs has it with its window open (as `Window.is_open`). Always true for staff."""
    if user.is_staff:
        return Value(True, output_field=BooleanField())
    return OpenTo(quiz, user.pk, now)


class OpenTo(Expression):
    """`open_now` for a student: EXISTS (an assignment of the quiz to a cohort of the user's,
    open at `now`), written out. Built by the ORM (an `Exists` over
    `cohort__memberships__user`) the same subquery took 0.8 ms to compile on every student
    page and answer, ten times what it takes to run (issue 15's profile)."""

    output_field = BooleanField()

    def __init__(self, quiz: str, user_id: int, now: datetime) -> None:
        super().__init__()
        self.quiz, self.user_id, self.now = F(quiz), user_id, now

    def get_source_expressions(self) -> list[Any]:
        return [self.quiz]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        (self.quiz,) = expressions

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        quiz_sql, quiz_params = compiler.compile(self.quiz)
        name = connection.ops.quote_name

        def column(model: type, field: str) -> str:
            return name(model._meta.get_field(field).column)

        # As the ORM would pass it: UTC, and a warning if ever naive.
        now = CohortQuiz._meta.get_field("opens_at").get_db_prep_value(self.now, connection)
        sql = (
            f"EXISTS (SELECT 1 FROM {name(CohortQuiz._meta.db_table)} open_assigned"
            f" INNER JOIN {name(Membership._meta.db_table)} open_member"
            f" ON open_member.{column(Membership, 'cohort')}"
            f" = open_assigned.{column(CohortQuiz, 'cohort')}"
            f" WHERE open_assigned.{column(CohortQuiz, 'quiz')} = {quiz_sql}"
            f" AND open_member.{column(Membership, 'user')} = %s"
            f" AND open_assigned.{column(CohortQuiz, 'opens_at')} <= %s"
            f" AND open_assigned.{column(CohortQuiz, 'closes_at')} > %s)"
        )
        return sql, (*quiz_params, self.user_id, now, now)


def visible_quizzes(user: AbstractBaseUser) -> QuerySet[Quiz]:
    """Published quizzes assigned to a cohort of the user; every published quiz for staff."""
    quizzes = Quiz.objects.filter(is_published=True)
    if not user.is_staff:
        quizzes = quizzes.filter(assignments__cohort__memberships__user=user).distinct()
    # The questions a new attempt can draw: not those waiting for an instructor's review.
    askable = Count(
        "quiz_questions",
        filter=Q(quiz_questions__question__needs_review=False),
        distinct=True,
    )
    # What its questions are worth, said when they differ (Max and Min stay right whatever
    # rows the cohort join repeats; a sum would not).
    askable_weight = {"filter": Q(quiz_questions__question__needs_review=False)}
    return quizzes.select_related("article").annotate(
        pool=askable,
        lightest=Min("quiz_questions__question__weight", **askable_weight),
        heaviest=Max("quiz_questions__question__weight", **askable_weight),
    )


def quiz_statuses(user: AbstractBaseUser, quizzes: list[Quiz] | None = None) -> list[QuizStatus]:
    """Where the user stands in each quiz they may see: five queries whatever the numbers."""
    if quizzes is None:
        quizzes = list(visible_quizzes(user))
    held = not user.is_staff
    open_windows = windows(user, quizzes) if held else {}
    allowed = allowances(user, quizzes)
    statuses = {
        quiz.pk: QuizStatus(
            quiz,
            window=open_windows.get(quiz.pk),
            held_to_windows=held,
            allowance=allowed[quiz.pk],
        )
        for quiz in quizzes
    }
    attempts = (
        Attempt.objects.filter(user=user, quiz__in=list(statuses))
        .exclude(state=Attempt.State.ABANDONED)
        .annotate(answered=Count("items__response"))
        .order_by("started_at")
    )
    for quiz_id, count in due_counts(user, list(statuses)).items():
        statuses[quiz_id].due = count
    for attempt in attempts:
        status = statuses[attempt.quiz_id]
        if not attempt.is_practice:
            status.attempts_used += 1
        if attempt.is_open:
            status.in_progress = attempt
            status.answered = attempt.answered
        elif not attempt.is_practice and attempt.percent is not None:
            if status.best_percent is None or attempt.percent > status.best_percent:
                status.best_percent = attempt.percent
            status.passed = status.passed or bool(attempt.passed)
    return list(statuses.values())


def due(user: AbstractBaseUser, now: datetime | None = None) -> QuerySet[Memory]:
    """The user's memories due for review today (`memory.day_end`), of questions that can be
    asked (not waiting for review)."""
    cutoff = memory.day_end(now or timezone.now())
    return Memory.objects.filter(user=user, due__lt=cutoff, question__needs_review=False)


def due_counts(user: AbstractBaseUser, quiz_ids: list[int]) -> dict[int, int]:
    """How many questions of each quiz are due for review today for the user: one query."""
    if not quiz_ids:
        return {}
    rows = (
        QuizQuestion.objects.filter(quiz__in=quiz_ids, question__in=due(user).values("question"))
        .values("quiz")
        .annotate(n=Count("pk"))
        .values_list("quiz", "n")
    )
    return dict(rows)


def due_today(user: AbstractBaseUser, quiz_ids: list[int]) -> int:
    """How many questions are due for review today across these quizzes (each once): one
    query."""
    asked = QuizQuestion.objects.filter(quiz__in=quiz_ids).values("question")
    return due(user).filter(question__in=asked).count() if quiz_ids else 0


def visible_quiz(user: AbstractBaseUser, slug: str) -> Quiz:
    """A quiz the user may see."""
    quiz = visible_quizzes(user).filter(slug=slug).first()
    if quiz is None:
        raise errors.NoSuchQuiz()
    return quiz


def user_attempt(user: AbstractBaseUser, attempt_id: int) -> Attempt:
    """An attempt of the user's, with its quiz."""
    attempt = Attempt.objects.select_related("quiz").filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise errors.NoSuchAttempt()
    return attempt


def current_item(user: AbstractBaseUser, attempt_id: int) -> AttemptItem | None:
    """The first unanswered item of the user's attempt, with what its page shows, and
    `quiz_open` (see `open_now`); None if every item is answered. One query: the item carries
    its options."""
    item = (
        AttemptItem.objects.select_related("attempt__quiz", "question")
        .annotate(quiz_open=open_now(user, timezone.now(), "attempt__quiz"))
        .filter(attempt_id=attempt_id, attempt__user=user, response__isnull=True)
        .order_by("position")
        .first()
    )
    return item


def later_answered() -> Exists:
    """Whether an item after this one has an answer: in a sequential attempt the student has
    moved on, and a search for this one's evidence is over (`AttemptItem.stage`)."""
    return Exists(
        AttemptItem.objects.filter(
            attempt=OuterRef("attempt"), position__gt=OuterRef("position"), response__isnull=False
        )
    )


def item_at(
    user: AbstractBaseUser, attempt_id: int, *, missing_ok: bool = False, **where: int
) -> AttemptItem | None:
    """An item of the user's attempt by `position` or `pk`, with its response if answered,
    what its page or its feedback shows, `quiz_open` and `later_answered`: one query. None if
    there is no such item and `missing_ok`."""
    item = (
        AttemptItem.objects.select_related("attempt__quiz", "question__article", "response")
        .annotate(
            quiz_open=open_now(user, timezone.now(), "attempt__quiz"),
            later_answered=later_answered(),
        )
        .filter(attempt_id=attempt_id, attempt__user=user, **where)
        .first()
    )
    if item is None and not missing_ok:
        raise errors.NoSuchItem()
    return item


def item_after(item: AttemptItem) -> AttemptItem:
    """The item after `item` in its attempt, with its response if answered and what its page
    shows, its attempt being `item`'s (loaded already, and known open): one query, without
    what `item_at` adds to decide whether the attempt takes answers."""
    following = (
        AttemptItem.objects.select_related("question__article", "response")
        .filter(attempt_id=item.attempt_id, position=item.position + 1)
        .get()
    )
    following.attempt = item.attempt
    return following


@dataclass(frozen=True)
class MapEntry:
    """One question as the question map and the summary show it."""

    position: int
    answered: bool
    flagged: bool

    @property
    def state(self) -> str:
        return "Answered" if self.answered else "Not answered"


def question_map(attempt: Attempt) -> list[MapEntry]:
    """Every item of the attempt, in order, answered or not and flagged or not: one query of
    three small columns, whatever the quiz's length."""
    rows = attempt.items.order_by("position").values_list("position", "response", "flagged")
    return [
        MapEntry(position, response is not None, flagged) for position, response, flagged in rows
    ]


def answered_item(user: AbstractBaseUser, attempt_id: int, position: int) -> AttemptItem:
    """An item of the user's attempt with its response and all that feedback shows."""
    return item_at(user, attempt_id, position=position)


def review_items(attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items with their responses and each response's score changes (who
    changed it, when, why): two queries."""
    changes = Prefetch(
        "response__changes", queryset=ScoreChange.objects.select_related("changed_by")
    )
    return list(
        attempt.items.select_related("question__article", "response")
        .prefetch_related(changes)
        .order_by("position")
    )


def any_attempt(attempt_id: int) -> Attempt:
    """Any student's attempt, with its quiz and student, for instructors: cohorts have no
    owner, so every instructor sees every cohort's attempts."""
    attempt = Attempt.objects.select_related("quiz", "user").filter(pk=attempt_id).first()
    if attempt is None:
        raise errors.NoSuchAttempt()
    return attempt


def questions_asked(quiz: Quiz) -> int:
    """How many questions an attempt at `quiz` (from `visible_quizzes`) asks: all it can ask,
    or its draw, no more than its draw groups allow (`drawing.draw`)."""
    if quiz.draw_count is None:
        return quiz.pool
    groups = quiz.quiz_questions.filter(question__needs_review=False).values_list(
        "question__draw_group", flat=True
    )
    return min(quiz.draw_count, drawing.draw_slots(groups))


def has_missed(user: AbstractBaseUser, quiz: Quiz) -> bool:
    """Whether the user was asked a question still in `quiz` that they have never answered
    right: what `services.practice_start` would ask."""
    asked = AttemptItem.objects.filter(
        attempt__user=user, attempt__quiz=quiz, question__in=quiz.questions.all()
    )
    return asked.exclude(
        question__in=asked.filter(right_first_time("response__")).values("question")
    ).exists()


@dataclass
class TopicMastery:
    topic: str
    mastered: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.mastered / self.total) if self.total else 0


def _shown_now(quiz: Quiz, window: Window | None) -> reviewing.Shown:
    """What the quiz's review options show now, past the minutes right after an attempt."""
    closes_at = window.closes_at if window is not None else None
    now = window.now if window is not None else timezone.now()
    return reviewing.shown(quiz, reviewing.when(None, closes_at, now))


def shows_score(quiz: Quiz, window: Window | None) -> bool:
    return _shown_now(quiz, window).score


def shows_marks(quiz: Quiz, window: Window | None) -> bool:
    return _shown_now(quiz, window).marks


@dataclass
class QuizProgress:
    quiz: Quiz
    attempts: list[Attempt] = field(default_factory=list)
    shows_score: bool = True  # see `QuizStatus.shows_score`

    @property
    def graded(self) -> list[Attempt]:
        return [a for a in self.attempts if not a.is_practice and a.percent is not None]

    @property
    def best(self) -> Attempt | None:
        return max(self.graded, key=lambda a: a.percent, default=None)

    @property
    def last(self) -> Attempt | None:
        return self.graded[-1] if self.graded else None


def progress(user: AbstractBaseUser) -> tuple[list[QuizProgress], list[TopicMastery]]:
    """Every attempt by quiz, and per topic how many of the questions asked are mastered
    (answered right at least once) out of those the student has met."""
    attempts = (
        Attempt.objects.filter(user=user)
        .exclude(state=Attempt.State.ABANDONED)
        .select_related("quiz")
        .order_by("quiz__title", "started_at")
    )
    by_quiz: dict[int, QuizProgress] = {}
    for attempt in attempts:
        by_quiz.setdefault(attempt.quiz_id, QuizProgress(attempt.quiz)).attempts.append(attempt)
    open_windows = windows(user, [p.quiz for p in by_quiz.values()])
    for quiz_progress in by_quiz.values():
        quiz_progress.shows_score = shows_score(
            quiz_progress.quiz, open_windows.get(quiz_progress.quiz.pk)
        )
    # A right answer counts towards mastery only once the student may know it was right:
    # at once in practice and where feedback comes after each question (the attempt's own
    # rule), else when the
    # attempt has ended and its quiz's review options show the marks now.
    marks_shown = [
        p.quiz.pk for p in by_quiz.values() if shows_marks(p.quiz, open_windows.get(p.quiz.pk))
    ]
    known = (
        Q(attempt__is_practice=True)
        | ~Q(attempt__feedback=Quiz.Feedback.AT_END)
        | (Q(attempt__quiz__in=marks_shown) & ~Q(attempt__state=Attempt.State.IN_PROGRESS))
    )
    met = (
        AttemptItem.objects.filter(attempt__user=user)
        .values("question__topic", "question")
        .annotate(right=Count("pk", filter=right_first_time("response__") & known))
        .order_by()
    )
    topics: dict[str, TopicMastery] = defaultdict(lambda: TopicMastery(""))
    for row in met:
        topic = topics[row["question__topic"]]
        topic.topic = row["question__topic"]
        topic.total += 1
        topic.mastered += 1 if row["right"] else 0
    return list(by_quiz.values()), sorted(topics.values(), key=lambda t: t.topic)


@dataclass
class Paragraph:
    number: int
    is_caption: bool
    sentences: list[tuple[Sentence, bool]]  # (sentence, whether the link cites it)


@dataclass
class ArticlePage:
    article: Article
    paragraphs: list[Paragraph]
    corrected: list[Sentence]  # cited sentences since corrected or removed from the article

    @property
    def cited(self) -> list[Sentence]:
        """The cited sentences still in the article, in its order."""
        return [s for p in self.paragraphs for s, cited in p.sentences if cited]


def article_page(slug: str, cited: Iterable[int] = ()) -> ArticlePage:
    """The article's current sentences by paragraph, those in `cited` marked: three queries
    at most, whatever its length."""
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        raise errors.NoSuchArticle()
    cited = set(cited)
    paragraphs: list[Paragraph] = []
    for sentence in article.current_sentences():
        if not paragraphs or paragraphs[-1].number != sentence.paragraph:
            paragraphs.append(Paragraph(sentence.paragraph, sentence.is_caption, []))
        paragraphs[-1].sentences.append((sentence, sentence.pk in cited))
    shown = {s.pk for p in paragraphs for s, _ in p.sentences}
    corrected = (
        list(article.sentences.filter(pk__in=cited - shown).order_by("pk")) if cited - shown else []
    )
    return ArticlePage(article, paragraphs, corrected)


def passages(
    questions: Sequence[Question], *, rng: random.Random | None = None
) -> dict[int, list[list[Any]]]:
    """Each question's passage (`sentences.passage`, `rng` an attempt's), from its article's
    current sentences, as [sentence id, text, paragraph]: what an attempt freezes for the
    student to find the evidence in. One query for all of them (prefetch
    `citations__sentence`)."""
    cited = {
        question.pk: {s.pk for s in question.cited() if s.is_current} for question in questions
    }
    articles = {question.article_id for question in questions if cited[question.pk]}
    by_article: dict[int, list[list[Any]]] = defaultdict(list)
    for ident, article_id, text, paragraph in (
        Sentence.objects.filter(article_id__in=articles, position__isnull=False)
        .order_by("article_id", "position")
        .values_list("pk", "article_id", "text", "paragraph")
    ):
        by_article[article_id].append([ident, text, paragraph])
    return {
        question.pk: sentences.passage(by_article[question.article_id], cited[question.pk], rng=rng)
        for question in questions
    }


# The instructors' page -----------------------------------------------------------------------

# An assignment closing within this is "closing soon" on the instructors' page.
CLOSING_SOON = timedelta(days=7)
# Rows of each list the page shows; the admin and the reports list the rest.
OVERVIEW_ROWS = 50


@dataclass
class Overview:
    cohorts: list[Cohort]  # annotated with `student_count`
    cohort_count: int
    open_now: list[CohortQuiz]  # annotated with `in_progress`; closing soonest first
    open_count: int
    needing_review: int  # questions left out of new attempts until re-picked
    in_progress: int  # graded attempts in progress, in every quiz


def instructor_overview(now: datetime | None = None) -> Overview:
    """What an instructor starts from: the cohorts, the quizzes open now (closing soonest
    first), the attempts in progress and the questions waiting for review. Six queries
    whatever the school's size: each list is cut at OVERVIEW_ROWS."""
    now = now or timezone.now()
    members = Membership.objects.filter(cohort=OuterRef("pk")).values("cohort")
    cohorts = Cohort.objects.annotate(
        student_count=Coalesce(Subquery(members.annotate(n=Count("pk")).values("n")[:1]), 0)
    ).order_by("-student_count", "name")  # the classes that matter first, not empty ones
    running = Attempt.objects.filter(
        quiz=OuterRef("quiz"),
        state=Attempt.State.IN_PROGRESS,
        is_practice=False,
        user__memberships__cohort=OuterRef("cohort"),
    ).values("quiz")
    open_now = (
        CohortQuiz.objects.filter(opens_at__lte=now, closes_at__gt=now)
        .select_related("cohort", "quiz__article")
        .annotate(
            in_progress=Coalesce(Subquery(running.annotate(n=Count("pk")).values("n")[:1]), 0)
        )
        .order_by("closes_at", "cohort__name", "quiz__title")
    )
    rows = list(open_now[:OVERVIEW_ROWS])
    for row in rows:
        row.closing_soon = row.closes_at - now <= CLOSING_SOON
    return Overview(
        cohorts=list(cohorts[:OVERVIEW_ROWS]),
        cohort_count=Cohort.objects.count(),
        open_now=rows,
        open_count=open_now.count(),
        needing_review=Question.objects.filter(needs_review=True).count(),
        in_progress=Attempt.objects.filter(
            state=Attempt.State.IN_PROGRESS, is_practice=False
        ).count(),
    )
