"""Reports: the student's score chart (SVG drawn on the server), and the instructors'
gradebook and item analysis."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    Func,
    JSONField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from quiz import grading, memory
from quiz.models import (
    Article,
    Attempt,
    AttemptItem,
    Citation,
    Cohort,
    Membership,
    Memory,
    Question,
    Quiz,
    QuizQuestion,
    Response,
    Sentence,
    right_first_time,
)
from quiz.spreadsheets import safe_csv_writer

# The chart's drawing box, scaled to the page's width by CSS: room on the left for the
# percentages, below for the dates.
WIDTH, HEIGHT, PAD, BOTTOM = 400, 200, 40, 26
# At most this many dates under the axis; between them, every attempt still has its dot.
DATE_LABELS = 6


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    percent: float
    practice: bool = False  # drawn hollow, off the line: it asks only the questions missed
    date: str = ""  # shown under the axis for some points (see DATE_LABELS)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    pad: int  # room for the percentages on the left, and a margin on the right
    points: list[ChartPoint]
    polyline: str  # through the graded attempts only
    pass_y: float | None
    pass_mark: int
    gridlines: list[tuple[float, int]]
    axis_y: float  # the bottom of the plot, where the dates hang
    has_practice: bool

    @property
    def right(self) -> int:
        """Where the plot ends on the right."""
        return self.width - self.pad


def score_chart(attempts: Sequence[Attempt]) -> Chart | None:
    """Scores of the finished attempts (graded on a line, practice as hollow dots), in the
    order they were taken, from 0 to 100 %, with the pass mark as a labelled dashed line and
    dates under the axis."""
    scored = sorted((a for a in attempts if a.percent is not None), key=lambda a: a.started_at)
    if not scored:
        return None
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - PAD - BOTTOM
    step = inner_w / max(1, len(scored) - 1)
    every = max(1, -(-len(scored) // DATE_LABELS))  # ceiling division

    def y_of(percent: float) -> float:
        return round(PAD + inner_h * (1 - percent / 100), 1)

    points = [
        ChartPoint(
            x=round(PAD + (step * n if len(scored) > 1 else inner_w / 2), 1),
            y=y_of(float(a.percent)),
            label=f"Attempt {n + 1}",
            percent=float(a.percent),
            practice=a.is_practice,
            date=date_format(timezone.localtime(a.started_at), "j M")
            if n % every == 0 or n == len(scored) - 1
            else "",
        )
        for n, a in enumerate(scored)
    ]
    # A date said once: attempts on one day share the first one's label.
    said = ""
    for n, point in enumerate(points):
        if point.date == said:
            points[n] = replace(point, date="")
        elif point.date:
            said = point.date
    graded = [p for p in points if not p.practice]
    pass_mark = scored[0].quiz.pass_mark
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        pad=PAD,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in graded),
        pass_y=y_of(pass_mark),
        pass_mark=pass_mark,
        gridlines=[(y_of(v), v) for v in (0, 50, 100)],
        axis_y=y_of(0),
        has_practice=len(graded) < len(points),
    )


# Gradebook ----------------------------------------------------------------------------------

GRADEBOOK_SORTS = {
    "name": ("last_name", "first_name", "username"),
    "username": ("username",),
    "best": ("best",),
    "attempts": ("attempts_used",),
    "last": ("last_activity",),
    "passed": ("passes",),
}


@dataclass(frozen=True)
class AttemptLink:
    """One of a student's attempts at the quiz, for the gradebook to link to."""

    pk: int
    number: int  # 1 for the student's first attempt at the quiz
    percent: Decimal | None  # None while in progress
    is_practice: bool


@dataclass(frozen=True)
class GradebookRow:
    user_id: int
    username: str
    name: str
    email: str
    attempts_used: int
    in_progress: bool
    best: Decimal | None
    passed: bool
    last_activity: datetime | None
    attempts: tuple[AttemptLink, ...] = ()

    @property
    def started(self) -> bool:
        return self.in_progress or self.attempts_used > 0

    @property
    def status(self) -> str:
        if self.in_progress:
            return "In progress"
        return "Finished" if self.attempts_used else "Not started"


def gradebook(
    cohort: Cohort, quiz: Quiz, *, sort: str = "name", descending: bool = False
) -> list[GradebookRow]:
    """Every student of `cohort` with their graded attempts at `quiz`: one query. The
    attempts to link to are `with_attempt_links`'s, for the rows a page shows."""
    graded = Q(attempts__quiz=quiz, attempts__is_practice=False) & ~Q(
        attempts__state=Attempt.State.ABANDONED
    )
    finished = graded & Q(attempts__state=Attempt.State.FINISHED)
    users = (
        get_user_model()
        .objects.filter(memberships__cohort=cohort)
        .annotate(
            attempts_used=Count("attempts", filter=graded),
            open_attempts=Count(
                "attempts", filter=graded & Q(attempts__state=Attempt.State.IN_PROGRESS)
            ),
            best=Max(
                F("attempts__points") * 100 / F("attempts__max_points"),
                filter=finished & Q(attempts__max_points__gt=0),
                output_field=DecimalField(max_digits=9, decimal_places=4),
            ),
            passes=Count("attempts", filter=finished & Q(attempts__passed=True)),
            last_activity=Max(
                Coalesce("attempts__finished_at", "attempts__started_at"), filter=graded
            ),
        )
    )
    fields = GRADEBOOK_SORTS.get(sort, GRADEBOOK_SORTS["name"])
    order = [
        (F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True)) for f in fields
    ]
    users = users.order_by(*order, "username").values(
        "pk",
        "username",
        "first_name",
        "last_name",
        "email",
        "attempts_used",
        "open_attempts",
        "best",
        "passes",
        "last_activity",
    )
    return [
        GradebookRow(
            user_id=u["pk"],
            username=u["username"],
            name=f"{u['first_name']} {u['last_name']}".strip(),
            email=u["email"],
            attempts_used=u["attempts_used"],
            in_progress=bool(u["open_attempts"]),
            best=None if u["best"] is None else Decimal(u["best"]).quantize(Decimal("0.1")),
            passed=bool(u["passes"]),
            last_activity=u["last_activity"],
        )
        for u in users
    ]


def with_attempt_links(quiz: Quiz, rows: Sequence[GradebookRow]) -> list[GradebookRow]:
    """The rows with every attempt of each student at `quiz`, practice included, oldest
    first: one query, for the rows a page shows (a cohort's attempts number tens of
    thousands)."""
    links: dict[int, list[AttemptLink]] = defaultdict(list)
    attempts = (
        Attempt.objects.filter(quiz=quiz, user_id__in=[row.user_id for row in rows])
        .order_by("started_at", "pk")
        .only("user_id", "points", "max_points", "is_practice")
    )
    for a in attempts:
        mine = links[a.user_id]
        mine.append(AttemptLink(a.pk, len(mine) + 1, a.percent, a.is_practice))
    return [replace(row, attempts=tuple(links[row.user_id])) for row in rows]


def gradebook_csv(rows: Sequence[GradebookRow], out: Any) -> None:
    writer = safe_csv_writer(out)
    writer.writerow(
        [
            "Username",
            "Name",
            "Email",
            "Status",
            "Attempts used",
            "Best score (%)",
            "Passed",
            "Last activity",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.username,
                row.name,
                row.email,
                row.status,
                row.attempts_used,
                "" if row.best is None else f"{row.best}",
                "yes" if row.passed else "no",
                row.last_activity.isoformat(timespec="seconds") if row.last_activity else "",
            ]
        )


# Item analysis -----------------------------------------------------------------------------

ANSWERS_SHOWN = 20  # typed answers listed per question: the most common ones
MIN_ATTEMPTS = 5  # below this no question is flagged: too few answers to judge
HARD_FACILITY = 10  # percent: a question fewer get right than this is flagged


@dataclass
class ItemStats:
    question: Question
    asked: int
    facility: float | None  # share of the marks earned, 0..100
    discrimination: float | None  # correlation with the rest of the attempt, -100..100
    choices: list[tuple[str, bool, int, float]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # Typed answers (short text, numeric), as grading compares them, most given first.
    answers: list[AnswerCount] = field(default_factory=list)
    other_answers: int = 0  # how many more distinct answers there were than are listed
    can_accept: bool = False  # whether an answer can be accepted as right from here


@dataclass(frozen=True)
class AnswerCount:
    text: str  # as grading compares it: normalised
    count: int
    share: float  # percent of the times the question was asked
    wrong: int  # how many of them scored less than full marks

    @property
    def right(self) -> bool:
        return self.wrong == 0


def item_analysis(quiz: Quiz, *, cohort: Cohort | None = None) -> tuple[int, list[ItemStats]]:
    """Moodle's quiz statistics for the finished graded attempts at `quiz` (of `cohort`).

    Facility index: the mean score on the question, as a percentage of its points.
    Discrimination index: the correlation between the points on the question and the points
    on the rest of the attempt (its points taken out of the total), as Moodle computes it.
    One pass of the database groups the attempt items by question, score, weight, attempt
    total and (for choice questions) the choice picked; the sums are added up here from those
    few groups, so the cost does not grow with the number of students beyond that one scan;
    a second groups the typed answers. Five queries.
    """
    attempts = Attempt.objects.filter(quiz=quiz, is_practice=False, state=Attempt.State.FINISHED)
    if cohort is not None:
        members = Membership.objects.filter(cohort=cohort).values("user_id")
        attempts = attempts.filter(user_id__in=members)
    items = AttemptItem.objects.filter(
        attempt__quiz=quiz,
        attempt__is_practice=False,
        attempt__state=Attempt.State.FINISHED,
    )
    if cohort is not None:
        items = items.filter(attempt__user_id__in=members)
    picking = [kind.name for kind in grading.all_kinds() if kind.counts_picks]
    # Counted as first given: a second try (find the evidence, then retry) came after
    # the evidence was found, and says less about what students thought.
    first_given = Coalesce(
        "response__first_submission", "response__submission", output_field=JSONField()
    )
    pick = Case(
        When(question__kind__in=picking, then=first_given),
        default=Value(None),
        output_field=JSONField(),
    )
    groups = (
        items.annotate(pick=pick)
        .values("question_id", "pick", "response__score", "weight", "attempt__points")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sums: dict[int, dict[str, float]] = defaultdict(
        lambda: dict.fromkeys(("n", "share", "sx", "sxx", "st", "stt", "sxt"), 0.0)
    )
    # (submission, its score, how many)
    submissions: dict[int, list[tuple[Any, float, int]]] = defaultdict(list)
    # Typed answers are grouped apart, without the attempt's total: hundreds of spellings
    # times every total would multiply the groups above.
    typing = [kind.name for kind in grading.all_kinds() if kind.counts_answers]
    typed = (
        items.filter(question__kind__in=typing, response__isnull=False)
        .annotate(
            given=first_given, given_score=Coalesce("response__first_score", "response__score")
        )
        .values("question_id", "given", "given_score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in typed:
        submissions[row["question_id"]].append((row["given"], float(row["given_score"]), row["n"]))
    for row in groups:
        n = row["n"]
        share = float(row["response__score"] or 0)
        x = share * row["weight"]  # in points, as the attempt's total counts it
        t = float(row["attempt__points"] or 0)
        acc = sums[row["question_id"]]
        acc["n"] += n
        acc["share"] += n * share
        acc["sx"] += n * x
        acc["sxx"] += n * x * x
        acc["st"] += n * t
        acc["stt"] += n * t * t
        acc["sxt"] += n * x * t
        if row["pick"] is not None:
            submissions[row["question_id"]].append((row["pick"], share, n))
    position = QuizQuestion.objects.filter(quiz=quiz, question=OuterRef("pk")).values("position")
    questions = (
        Question.objects.filter(pk__in=list(sums))
        .annotate(position=Subquery(position[:1]))
        .prefetch_related("choices")
    )
    results = []
    for question in questions:
        row = sums[question.pk]
        n = int(row["n"])
        facility = row["share"] / n * 100 if n else None
        stats = ItemStats(
            question=question,
            asked=n,
            facility=facility,
            discrimination=_rest_correlation(row),
        )
        kind = question.kind_object
        if kind.counts_picks:
            counts = _count_picks(kind, submissions[question.pk])
            stats.choices = [
                (c.text, c.is_correct, counts.get(c.pk, 0), counts.get(c.pk, 0) / n * 100)
                for c in question.choices.all()
            ]
        if kind.counts_answers:
            answers = _count_answers(kind, submissions[question.pk], n)
            stats.answers = answers[:ANSWERS_SHOWN]
            stats.other_answers = len(answers) - len(stats.answers)
            stats.can_accept = kind.uses_accepted
        if n >= MIN_ATTEMPTS:
            if facility is not None and facility < HARD_FACILITY:
                stats.flags.append("almost nobody gets it right")
            if stats.discrimination is not None and stats.discrimination < 0:
                stats.flags.append("weaker students do better than stronger ones")
        results.append(stats)
    # In the quiz's order; a question since taken out of the quiz comes last.
    results.sort(key=lambda s: (s.question.position is None, s.question.position, s.question.key))
    return attempts.count(), results


def _rest_correlation(row: dict[str, float]) -> float | None:
    """Pearson's r between x (the question's points) and T - x (the rest of the attempt)."""
    n = row["n"]
    if n < 2:
        return None
    sx, sxx, st, stt, sxt = (row[k] for k in ("sx", "sxx", "st", "stt", "sxt"))
    var_x = sxx / n - (sx / n) ** 2
    cov_xt = sxt / n - (sx / n) * (st / n)
    var_t = stt / n - (st / n) ** 2
    cov_x_rest = cov_xt - var_x
    var_rest = var_t - 2 * cov_xt + var_x
    if var_x <= 1e-12 or var_rest <= 1e-12:
        return None
    return 100 * cov_x_rest / math.sqrt(var_x * var_rest)


def _count_answers(
    kind: grading.Kind, submissions: list[tuple[Any, float, int]], asked: int
) -> list[AnswerCount]:
    """Typed answers that grading does not tell apart counted together, most given first."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # how many, how many wrong
    graded: dict[str, str] = {}  # a spelling comes once right and once wrong at most
    for submission, score, n in submissions:
        key = str(submission)
        if key not in graded:
            graded[key] = kind.answer_as_graded(submission)
        count = counts[graded[key]]
        count[0] += n
        count[1] += n if score < 1 else 0
    return sorted(
        (
            AnswerCount(text, n, n / asked * 100 if asked else 0.0, wrong)
            for text, (n, wrong) in counts.items()
        ),
        key=lambda a: (-a.count, a.text),
    )


def _count_picks(kind: grading.Kind, submissions: list[tuple[Any, float, int]]) -> dict[int, int]:
    """How often each choice id was picked, from (submission, score, how many)."""
    counts: dict[int, int] = defaultdict(int)
    for submission, _, n in submissions:
        for ident in kind.picks(submission):
            counts[ident] += n
    return counts


# Coverage -----------------------------------------------------------------------------------

# How many questions cite a sentence, in the bands the map shades (each with its own pattern).
COVERAGE_BANDS = [
    ("none", "Not cited by any question"),
    ("one", "Cited by 1 question"),
    ("two", "Cited by 2 questions"),
    ("many", "Cited by 3 questions or more"),
]
# A forecast shades the map by the class's predicted recall instead: each band from its floor
# (percent), each with its own pattern; "not asked" when no question cites the sentence.
FORECAST_BANDS = [
    ("none", "Not asked: no question cites it", -math.inf),
    ("low", "Under 50% predicted to recall", 0),
    ("mid", "50% to 69% predicted to recall", 50),
    ("good", "70% to 89% predicted to recall", 70),
    ("high", "90% or more predicted to recall", 90),
]
# Students listed per paragraph below the threshold, the least likely to recall first; the
# rest are counted ("and 12 more"): a year group must not print a thousand names a paragraph.
BELOW_SHOWN = 10


@dataclass(frozen=True)
class CitingQuestion:
    pk: int
    key: str


@dataclass(frozen=True)
class SentenceCoverage:
    """A current sentence of an article, the questions citing it, and the answers to them."""

    sentence: Sentence
    questions: tuple[CitingQuestion, ...]
    answers: int  # responses, in graded attempts, to items whose question cites it
    right: int
    # With a forecast (`forecast`): the cohort's mean predicted chance of recall of the
    # questions citing it, in percent; None when none does.
    recall: float | None = None

    @property
    def facility(self) -> float | None:
        """The share of those answers that were right, as a percentage."""
        return self.right * 100 / self.answers if self.answers else None

    @property
    def band(self) -> str:
        return COVERAGE_BANDS[min(len(self.questions), len(COVERAGE_BANDS) - 1)][0]

    @property
    def recall_band(self) -> str:
        if self.recall is None:
            return FORECAST_BANDS[0][0]
        return next(band for band, _, floor in reversed(FORECAST_BANDS) if self.recall >= floor)


@dataclass(frozen=True)
class CoverageParagraph:
    number: int
    is_caption: bool
    rows: list[SentenceCoverage]
    forecast: ParagraphForecast | None = None


@dataclass(frozen=True)
class Coverage:
    article: Article
    cohort: Cohort | None  # None: every student's graded attempts
    paragraphs: list[CoverageParagraph]
    forecast: Forecast | None = None

    @property
    def rows(self) -> list[SentenceCoverage]:
        return [row for paragraph in self.paragraphs for row in paragraph.rows]

    @property
    def uncovered(self) -> list[SentenceCoverage]:
        return [row for row in self.rows if not row.questions]

    @property
    def covered_count(self) -> int:
        return sum(1 for row in self.rows if row.questions)


def coverage(article: Article, *, cohort: Cohort | None = None) -> Coverage:
    """Each current sentence of `article` with the questions citing it and, over the graded
    (not practice) attempts of `cohort`'s students (of everyone without one), how many
    answers were given to those questions and how many were right. Retired sentences are
    left out.

    Three queries whatever the article's length and the number of answers. The database
    counts the answers by question, driven from the attempts at the article's quizzes; each
    sentence then adds up its citing questions' counts (a few hundred citations at most).
    Grouping by sentence in the database instead walks every answer once per sentence its
    question cites, and the plan it gets starts from the sentences: 0.4 s of CPU instead of
    0.13 s for 200,000 answers on SQLite (see bench/coverage.py).
    """
    citing: dict[int, list[CitingQuestion]] = defaultdict(list)
    for sentence_id, question_id, key in (
        Citation.objects.filter(sentence__article=article, sentence__position__isnull=False)
        .order_by("question__key")
        .values_list("sentence_id", "question_id", "question__key")
    ):
        citing[sentence_id].append(CitingQuestion(question_id, key))
    responses = Response.objects.filter(
        item__attempt__quiz__article=article, item__attempt__is_practice=False
    )
    if cohort is not None:
        members = Membership.objects.filter(cohort=cohort).values("user_id")
        responses = responses.filter(item__attempt__user_id__in=members)
    by_question = {
        row["question"]: (row["answers"], row["right"])
        for row in responses.values(question=F("item__question_id")).annotate(
            answers=Count("pk"), right=Count("pk", filter=right_first_time())
        )
    }
    paragraphs: list[CoverageParagraph] = []
    for sentence in article.current_sentences():
        if not paragraphs or paragraphs[-1].number != sentence.paragraph:
            paragraphs.append(CoverageParagraph(sentence.paragraph, sentence.is_caption, []))
        questions = tuple(citing[sentence.pk])
        counts = [by_question.get(question.pk, (0, 0)) for question in questions]
        row = SentenceCoverage(
            sentence, questions, sum(n for n, _ in counts), sum(r for _, r in counts)
        )
        paragraphs[-1].rows.append(row)
    return Coverage(article, cohort, paragraphs)


# Retention forecast ---------------------------------------------------------------------------


class Epoch(Func):
    """A datetime as seconds since 1970 (to the millisecond on SQLite), worked out by the
    database: Python turning 70,000 of them into `datetime`s takes longer than the whole
    forecast otherwise does. SQLite and PostgreSQL, the two databases this runs on."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        # julianday() counts whole milliseconds internally: rounded back to them, a last
        # review exactly k days before the forecast's moment is k days, not k minus a hair.
        template = "(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400000) / 1000.0)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
        return self.as_sql(compiler, connection, template=template, **extra)


@dataclass(frozen=True)
class StudentRecall:
    user_id: int
    username: str
    name: str
    recall: float  # percent: mean predicted chance of recall over a paragraph's questions


@dataclass(frozen=True)
class ParagraphForecast:
    questions: int  # distinct questions citing its sentences
    recall: float | None  # percent: the class's mean; None when no question cites it
    below: tuple[StudentRecall, ...]  # the first BELOW_SHOWN, least likely to recall first
    below_count: int

    @property
    def more(self) -> int:
        """Students below the threshold beyond those listed."""
        return self.below_count - len(self.below)


@dataclass(frozen=True)
class Forecast:
    at: datetime  # the moment predicted for (`memory.school_start` of the chosen day)
    threshold: int  # percent
    students: int  # in the cohort
    never_answered: int  # of them, with no answer yet to any question of the article


def forecast(coverage: Coverage, *, at: datetime, threshold: int) -> Coverage:
    """`coverage` (of a cohort) with the class's predicted recall at `at`, by FSRS from each
    student's memory of each question (`memory.chances_of_recall`): per sentence, the mean
    over the cohort's students and the questions citing it; per paragraph, the same over its
    questions, and the students whose own mean over them is under `threshold` percent. A
    student who never answered a question (no memory of it yet) is predicted not to recall
    it (0%), and counted.

    Two queries (the students, their memories of the cited questions) on top of the map's
    three, whatever the cohort's size; the chances are computed here, in one pass: 64,000
    memories (1,000 students × 73 questions) in 0.2-0.4 s with the map (bench/forecast.py).
    """
    if coverage.cohort is None:
        raise ValueError("A forecast is for one cohort's students.")
    students = list(
        get_user_model()
        .objects.filter(memberships__cohort=coverage.cohort)
        .order_by("username")
        .values_list("pk", "username", "first_name", "last_name")
    )
    # The paragraphs each question is asked about: a question citing sentences of two counts
    # in both.
    paragraphs_of: dict[int, set[int]] = defaultdict(set)
    for paragraph in coverage.paragraphs:
        for row in paragraph.rows:
            for question in row.questions:
                paragraphs_of[question.pk].add(paragraph.number)
    memories = list(
        Memory.objects.filter(
            user__memberships__cohort=coverage.cohort, question_id__in=list(paragraphs_of)
        ).values_list("user_id", "question_id", "stability", Epoch("last_review"))
    )
    chances = memory.chances_of_recall(at, ((row[2], row[3]) for row in memories))
    by_question: dict[int, float] = defaultdict(float)  # the class's sum of chances
    by_student: dict[tuple[int, int], float] = defaultdict(float)  # (student, paragraph)
    for (user_id, question_id, *_), recall in zip(memories, chances, strict=True):
        by_question[question_id] += recall
        for number in paragraphs_of[question_id]:
            by_student[user_id, number] += recall
    answered = {row[0] for row in memories}

    def mean(questions: Collection[int]) -> float | None:
        if not questions or not students:
            return None
        return sum(by_question[q] for q in questions) * 100 / (len(questions) * len(students))

    paragraphs = []
    for paragraph in coverage.paragraphs:
        asked = {question.pk for row in paragraph.rows for question in row.questions}
        below = []
        for user_id, username, first_name, last_name in students if asked else ():
            recall = by_student.get((user_id, paragraph.number), 0.0) * 100 / len(asked)
            if recall < threshold:
                name = f"{first_name} {last_name}".strip()
                below.append(StudentRecall(user_id, username, name, recall))
        below.sort(key=lambda s: (s.recall, s.username))
        rows = [replace(row, recall=mean([q.pk for q in row.questions])) for row in paragraph.rows]
        summary = ParagraphForecast(len(asked), mean(asked), tuple(below[:BELOW_SHOWN]), len(below))
        paragraphs.append(replace(paragraph, rows=rows, forecast=summary))
    summary = Forecast(
        at=at,
        threshold=threshold,
        students=len(students),
        never_answered=sum(1 for pk, *_ in students if pk not in answered),
    )
    return replace(coverage, paragraphs=paragraphs, forecast=summary)
