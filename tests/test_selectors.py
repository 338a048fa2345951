"""What the student's pages read, rule by rule, as the student sees it.

Attempts are built with the services, as a student makes them; only the windows of cohort
assignments are set by hand, to put a quiz before, in or after its window.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from quiz import errors, selectors, sentences, services
from quiz.articles import article_text_set
from quiz.models import Attempt, AttemptItem, Question, Quiz
from quiz.selectors import Window
from tests.answers import page_values
from tests.factories import (
    ArticleFactory,
    CohortFactory,
    CohortQuizFactory,
    QuestionFactory,
    QuizFactory,
    UserFactory,
)
from tests.refusals import raises

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@pytest.fixture
def t0() -> datetime:
    return timezone.now()


@pytest.fixture
def classmate(db):
    return UserFactory(username="bob")


def minutes(t0: datetime, n: int) -> datetime:
    return t0 + timedelta(minutes=n)


def answer(user, item: AttemptItem, right: bool, now: datetime) -> None:
    """Answer a single-choice item right, or with an option that is not correct."""
    key = item.question.grading_key()
    if right:
        answers = item.page_from_ids(item.question.kind_object.right_form(key)).answers
    else:
        answers = page_values(item, next(i for i, _ in key.options if i not in key.correct))
    services.answer_record(
        user=user, attempt_id=item.attempt_id, item_id=item.pk, answers=answers, now=now
    )


def take(
    user, quiz: Quiz, *rights: bool, now: datetime, practice: bool = False, finish: bool = True
) -> Attempt:
    """Start an attempt (or practice) and answer its first items right or wrong, in order;
    then finish it, leaving the rest unanswered, unless `finish=False`."""
    start = services.practice_start if practice else services.attempt_start
    attempt = start(user=user, quiz=quiz, now=now)
    for item, right in zip(attempt.items.order_by("position"), rights, strict=False):
        answer(user, item, right, now)
    if finish:
        services.attempt_finish(user=user, attempt_id=attempt.pk, now=now)
    attempt.refresh_from_db()
    return attempt


def quiz_of(*students, questions: int = 1, **kwargs) -> Quiz:
    article = ArticleFactory()
    return QuizFactory(
        article=article,
        open_to=list(students),
        questions=[QuestionFactory(article=article) for _ in range(questions)],
        **kwargs,
    )


# progress() ------------------------------------------------------------------------------


def test_progress_lists_a_quizs_attempts_by_start_time_leaving_out_abandoned_practice(student, t0):
    quiz = quiz_of(student)
    later = take(student, quiz, False, now=minutes(t0, 60))
    earlier = take(student, quiz, False, now=minutes(t0, 30))  # started second, began earlier
    abandoned = take(student, quiz, now=minutes(t0, 90), practice=True, finish=False)
    last = take(student, quiz, True, now=minutes(t0, 120))  # abandons the practice

    (quiz_progress,), _ = selectors.progress(student)

    assert Attempt.objects.get(pk=abandoned.pk).state == Attempt.State.ABANDONED
    assert quiz_progress.attempts == [earlier, later, last]


def test_progress_best_is_the_top_graded_score_and_last_the_latest_graded_attempt(student, t0):
    quiz = quiz_of(student, questions=2)
    half = take(student, quiz, True, False, now=minutes(t0, 10))
    nothing = take(student, quiz, False, False, now=minutes(t0, 20))
    practice = take(student, quiz, True, now=minutes(t0, 30), practice=True)

    (quiz_progress,), _ = selectors.progress(student)

    assert practice.percent == 100  # practice scores, but never counts
    assert quiz_progress.attempts == [half, nothing, practice]
    assert quiz_progress.graded == [half, nothing]
    assert quiz_progress.best == half
    assert quiz_progress.last == nothing


def test_progress_lists_quizzes_by_title_each_with_only_this_students_attempts(
    student, classmate, t0
):
    beta = quiz_of(student, classmate, title="Beta")
    alpha = quiz_of(student, classmate, title="Alpha")
    beta_first = take(student, beta, True, now=minutes(t0, 10))
    alpha_only = take(student, alpha, True, now=minutes(t0, 20))
    beta_second = take(student, beta, False, now=minutes(t0, 30))
    take(classmate, alpha, False, now=minutes(t0, 5))

    quizzes, _ = selectors.progress(student)

    assert [(p.quiz, p.attempts) for p in quizzes] == [
        (alpha, [alpha_only]),
        (beta, [beta_first, beta_second]),
    ]


def test_progress_reads_attempts_with_their_quizzes_topics_and_windows_in_three_queries(
    student, t0, django_assert_num_queries
):
    for n, title in enumerate(["One", "Two", "Three"]):
        take(student, quiz_of(student, title=title), True, now=minutes(t0, n))

    with django_assert_num_queries(3):  # attempts, topics, and the quizzes' windows
        quizzes, topics = selectors.progress(student)
        titles = [p.quiz.title for p in quizzes]

    assert titles == ["One", "Three", "Two"]
    assert len(topics) == 1


def test_progress_counts_a_topic_mastered_once_any_attempt_answers_it_right(student, classmate, t0):
    article = ArticleFactory()
    places = [QuestionFactory(article=article, topic="Places") for _ in range(2)]
    people = [QuestionFactory(article=article, topic="People") for _ in range(3)]
    places_quiz = QuizFactory(article=article, open_to=[student], questions=places)
    people_quiz = QuizFactory(article=article, open_to=[student, classmate], questions=people)

    take(student, places_quiz, True, True, now=minutes(t0, 10))
    # People: the first is wrong then right, the second always wrong, the third first left
    # unanswered and then wrong.
    take(student, people_quiz, False, False, now=minutes(t0, 20))
    take(student, people_quiz, True, False, False, now=minutes(t0, 30))
    take(classmate, people_quiz, True, True, True, now=minutes(t0, 40))

    _, topics = selectors.progress(student)

    assert [(t.topic, t.mastered, t.total, t.percent) for t in topics] == [
        ("People", 1, 3, 33),
        ("Places", 2, 2, 100),
    ]


def test_progress_counts_a_question_met_in_two_quizzes_once(student, t0):
    article = ArticleFactory()
    shared = QuestionFactory(article=article, topic="Shared")
    first = QuizFactory(article=article, open_to=[student], questions=[shared])
    second = QuizFactory(article=article, open_to=[student], questions=[shared])
    take(student, first, True, now=minutes(t0, 10))
    take(student, second, True, now=minutes(t0, 20))

    _, topics = selectors.progress(student)

    assert [(t.topic, t.mastered, t.total) for t in topics] == [("Shared", 1, 1)]


def test_topic_percent_is_rounded_to_the_nearest_whole_percent_and_zero_when_nothing_met():
    assert selectors.TopicMastery("People", mastered=2, total=3).percent == 67
    assert selectors.TopicMastery("People", mastered=1, total=3).percent == 33
    assert selectors.TopicMastery("People").percent == 0


def test_progress_of_a_student_with_no_attempts_is_empty(student):
    quiz_of(student)

    assert selectors.progress(student) == ([], [])


# quiz_statuses() -------------------------------------------------------------------------


def test_quiz_status_counts_graded_attempts_and_keeps_the_best_finished_graded_score(
    student, classmate, t0
):
    quiz = quiz_of(student, classmate, questions=2, max_attempts=3, pass_mark=50)
    take(student, quiz, True, False, now=minutes(t0, 10))  # 50 %: passed
    take(student, quiz, False, False, now=minutes(t0, 20))  # 0 %: failed, after passing
    practice = take(student, quiz, True, now=minutes(t0, 30), practice=True)  # 100 %
    current = take(student, quiz, True, now=minutes(t0, 40), finish=False)  # 1 of 2 answered
    take(classmate, quiz, True, True, now=minutes(t0, 50))  # 100 %, not the student's

    (status,) = selectors.quiz_statuses(student)

    assert practice.percent == 100
    assert status.quiz == quiz
    assert status.attempts_used == 3  # two finished, one in progress; practice never counts
    assert status.best_percent == Decimal("50.0")
    assert status.passed is True
    assert status.in_progress == current
    assert status.answered == 1
    assert status.attempts_left == 0
    assert status.can_start  # to resume the attempt in progress


def test_quiz_status_before_any_attempt_shows_nothing_used(student):
    quiz = quiz_of(student, max_attempts=2)

    (status,) = selectors.quiz_statuses(student)

    assert (status.quiz, status.attempts_used, status.best_percent) == (quiz, 0, None)
    assert (status.passed, status.in_progress, status.answered) == (False, None, 0)
    assert status.attempts_left == 2
    assert status.window.is_open
    assert status.can_start


def test_quiz_status_of_a_failed_attempt_is_not_passed(student, t0):
    quiz_of(student, questions=2, pass_mark=60)
    take(student, Quiz.objects.get(), True, False, now=minutes(t0, 10))

    (status,) = selectors.quiz_statuses(student)

    assert status.best_percent == Decimal("50.0")
    assert status.passed is False


def test_quiz_status_cannot_start_once_every_allowed_attempt_is_used(student, t0):
    quiz = quiz_of(student, max_attempts=1)
    take(student, quiz, True, now=minutes(t0, 10))

    (status,) = selectors.quiz_statuses(student)

    assert status.attempts_used == 1
    assert status.attempts_left == 0
    assert status.in_progress is None
    assert not status.can_start


def test_quiz_status_never_shows_negative_attempts_left_when_the_limit_is_lowered(student, t0):
    quiz = quiz_of(student, max_attempts=3)
    take(student, quiz, True, now=minutes(t0, 10))
    take(student, quiz, True, now=minutes(t0, 20))
    Quiz.objects.filter(pk=quiz.pk).update(max_attempts=1)  # the instructor lowers the limit

    (status,) = selectors.quiz_statuses(student)

    assert status.attempts_used == 2
    assert status.attempts_left == 0
    assert not status.can_start


def test_quiz_status_without_an_attempt_limit_leaves_attempts_unlimited(student, t0):
    quiz = quiz_of(student, max_attempts=None)
    for n in range(3):
        take(student, quiz, True, now=minutes(t0, n))

    (status,) = selectors.quiz_statuses(student)

    assert status.attempts_used == 3
    assert status.attempts_left is None
    assert status.can_start


def test_quiz_status_cannot_start_outside_the_cohort_window_even_with_attempts_left(student, t0):
    quiz = quiz_of(questions=1, max_attempts=3)
    cohort = CohortFactory(students=[student])
    CohortQuizFactory(cohort=cohort, quiz=quiz, opens_at=t0 - 10 * DAY, closes_at=t0 - DAY)

    (status,) = selectors.quiz_statuses(student)

    assert status.window == Window(t0 - 10 * DAY, t0 - DAY, status.window.now)
    assert not status.is_open
    assert status.attempts_left == 3
    assert not status.can_start


def test_staff_status_has_no_window_whatever_their_cohorts_say(instructor, t0):
    quiz = quiz_of(questions=1)
    cohort = CohortFactory(students=[instructor])
    CohortQuizFactory(cohort=cohort, quiz=quiz, opens_at=t0 - 10 * DAY, closes_at=t0 - DAY)

    (status,) = selectors.quiz_statuses(instructor)

    assert status.window is None
    assert status.is_open
    assert status.can_start


def test_quiz_statuses_cover_only_the_quizzes_asked_for(student, t0):
    asked = quiz_of(student)
    other = quiz_of(student)
    take(student, asked, True, now=minutes(t0, 10))
    take(student, other, True, now=minutes(t0, 20))
    take(student, other, True, now=minutes(t0, 30))

    statuses = selectors.quiz_statuses(student, [asked])

    assert [(s.quiz, s.attempts_used) for s in statuses] == [(asked, 1)]


def test_quiz_statuses_take_five_queries_whatever_the_numbers(
    student, t0, django_assert_num_queries
):
    for n in range(3):
        take(student, quiz_of(student, questions=2), True, now=minutes(t0, n), finish=n > 0)

    # The quizzes, their windows, the attempts, the student's accommodations, and how many
    # questions of each quiz are due for review.
    with django_assert_num_queries(5):
        statuses = selectors.quiz_statuses(student)
        [(s.quiz.article.title, s.is_open) for s in statuses]

    assert len(statuses) == 3


# windows() -------------------------------------------------------------------------------

# (name, generous window, other window): offsets from now; the generous one must win.
GENEROSITY = [
    ("open beats not yet", (-DAY, DAY), (HOUR, 30 * DAY)),
    ("open beats closed", (-DAY, DAY), (-30 * DAY, -HOUR)),
    ("among open the later closing", (-DAY, 5 * DAY), (-10 * DAY, DAY)),
    ("among not yet the earlier opening", (DAY, 2 * DAY), (3 * DAY, 30 * DAY)),
    ("among closed the later closing", (-5 * DAY, -DAY), (-30 * DAY, -2 * DAY)),
    ("not yet beats closed", (3 * DAY, 4 * DAY), (-2 * DAY, -DAY)),
    # Boundaries: a window is open from its opening up to, not including, its closing.
    ("opening now is open", (timedelta(0), 10 * DAY), (-DAY, DAY)),
    ("closing now is closed", (DAY, 2 * DAY), (-DAY, timedelta(0))),
]


@pytest.mark.parametrize("generous_cohort_first", [True, False], ids=["first", "second"])
@pytest.mark.parametrize(
    ("generous", "other"), [case[1:] for case in GENEROSITY], ids=[case[0] for case in GENEROSITY]
)
def test_windows_give_the_most_generous_of_the_students_cohorts(
    student, t0, generous, other, generous_cohort_first
):
    quiz = quiz_of(questions=1)
    first, second = (generous, other) if generous_cohort_first else (other, generous)
    for name, (opens, closes) in [("Cohort A", first), ("Cohort B", second)]:
        cohort = CohortFactory(name=name, students=[student])
        CohortQuizFactory(cohort=cohort, quiz=quiz, opens_at=t0 + opens, closes_at=t0 + closes)

    windows = selectors.windows(student, [quiz], now=t0)

    assert windows == {quiz.pk: Window(t0 + generous[0], t0 + generous[1], t0)}


@pytest.mark.parametrize(
    ("generous", "other"), [case[1:] for case in GENEROSITY], ids=[case[0] for case in GENEROSITY]
)
def test_open_now_agrees_with_the_students_window(student, classmate, t0, generous, other):
    quiz = quiz_of(questions=1)
    for name, (opens, closes) in [("Cohort A", generous), ("Cohort B", other)]:
        cohort = CohortFactory(name=name, students=[student])
        CohortQuizFactory(cohort=cohort, quiz=quiz, opens_at=t0 + opens, closes_at=t0 + closes)
    theirs = CohortFactory(name="Cohort C", students=[classmate])
    CohortQuizFactory(cohort=theirs, quiz=quiz, opens_at=t0 - DAY, closes_at=t0 + DAY)

    def open_now(user):
        annotated = Quiz.objects.annotate(open=selectors.open_now(user, t0, "pk"))
        return annotated.values_list("open", flat=True).get(pk=quiz.pk)

    assert open_now(student) is selectors.windows(student, [quiz], now=t0)[quiz.pk].is_open
    assert open_now(UserFactory(username="carol")) is False  # in no cohort of the quiz


def test_open_now_is_always_true_for_staff(instructor, t0):
    quiz = quiz_of(questions=1)
    annotated = Quiz.objects.annotate(open=selectors.open_now(instructor, t0, "pk"))
    assert annotated.values_list("open", flat=True).get(pk=quiz.pk) is True


def test_window_opening_now_is_open_and_closing_now_is_closed(t0):
    assert Window(t0, t0 + DAY, t0).is_open
    assert not Window(t0, t0 + DAY, t0).not_yet
    assert not Window(t0 - DAY, t0, t0).is_open
    assert not Window(t0 - DAY, t0, t0).not_yet
    assert Window(t0 + HOUR, t0 + DAY, t0).not_yet


def test_windows_ignore_cohorts_the_student_is_not_in(student, classmate, t0):
    quiz = quiz_of(questions=1)
    only_theirs = quiz_of(questions=1)
    mine = CohortFactory(name="Cohort A", students=[student])
    theirs = CohortFactory(name="Cohort B", students=[classmate])
    CohortQuizFactory(cohort=mine, quiz=quiz, opens_at=t0 - 10 * DAY, closes_at=t0 - DAY)
    CohortQuizFactory(cohort=theirs, quiz=quiz, opens_at=t0 - DAY, closes_at=t0 + DAY)
    CohortQuizFactory(cohort=theirs, quiz=only_theirs, opens_at=t0 - DAY, closes_at=t0 + DAY)

    windows = selectors.windows(student, [quiz, only_theirs], now=t0)

    assert windows == {quiz.pk: Window(t0 - 10 * DAY, t0 - DAY, t0)}


def test_windows_cover_only_the_quizzes_asked_for(student, t0):
    asked = quiz_of(student)
    quiz_of(student)

    windows = selectors.windows(student, [asked], now=t0)

    assert list(windows) == [asked.pk]
    assert windows[asked.pk].is_open


def test_windows_default_to_the_present(student):
    quiz = quiz_of(student)
    before = timezone.now()

    window = selectors.windows(student, [quiz])[quiz.pk]

    assert before <= window.now <= timezone.now()
    assert window.is_open


# visible_quizzes() and visible_quiz() ----------------------------------------------------


def test_students_see_published_quizzes_of_their_cohorts_once_each_with_their_pool(student):
    shared = quiz_of(student, questions=3, title="Shared")
    CohortFactory(students=[student], quizzes=[shared])  # a second cohort with the same quiz
    quiz_of(student, title="Draft", is_published=False)
    quiz_of(title="Unassigned")

    visible = list(selectors.visible_quizzes(student))

    assert visible == [shared]
    assert visible[0].pool == 3


def test_staff_see_every_published_quiz_assigned_or_not(instructor, student):
    assigned = quiz_of(student, questions=2, title="Assigned")
    CohortFactory(students=[student], quizzes=[assigned])
    unassigned = quiz_of(questions=1, title="Unassigned")
    quiz_of(title="Draft", is_published=False)

    visible = list(selectors.visible_quizzes(instructor))

    assert [(q, q.pool) for q in visible] == [(assigned, 2), (unassigned, 1)]


def test_visible_quizzes_read_each_quiz_with_its_article_in_one_query(
    student, django_assert_num_queries
):
    for title in ["One", "Two", "Three"]:
        quiz_of(student, title=title)

    with django_assert_num_queries(1):
        articles = [q.article.title for q in selectors.visible_quizzes(student)]

    assert len(articles) == 3


def test_visible_quiz_is_found_by_its_slug_among_the_students_quizzes(student):
    quiz_of(student, title="Alpha")
    wanted = quiz_of(student, title="Beta")
    unassigned = quiz_of(title="Gamma")

    assert selectors.visible_quiz(student, wanted.slug) == wanted
    with raises(errors.NoSuchQuiz):
        selectors.visible_quiz(student, unassigned.slug)
    with raises(errors.NoSuchQuiz):
        selectors.visible_quiz(student, "no-such-slug")


# user_attempt(), current_item(), answered_item(), review_items() --------------------------


def test_user_attempt_is_the_attempt_asked_for_with_its_quiz_in_one_query(
    student, t0, django_assert_num_queries
):
    quiz = quiz_of(student)
    older = take(student, quiz, True, now=minutes(t0, 10))
    take(student, quiz, True, now=minutes(t0, 20))

    with django_assert_num_queries(1):
        attempt = selectors.user_attempt(student, older.pk)
        title = attempt.quiz.title

    assert attempt == older
    assert title == quiz.title


def test_another_students_attempt_is_not_found(student, classmate, t0):
    theirs = take(classmate, quiz_of(classmate), now=minutes(t0, 10), finish=False)
    item = theirs.items.get()

    with raises(errors.NoSuchAttempt):
        selectors.user_attempt(student, theirs.pk)
    with raises(errors.NoSuchItem):
        selectors.answered_item(student, theirs.pk, 1)
    assert selectors.current_item(student, theirs.pk) is None
    assert selectors.current_item(classmate, theirs.pk) == item


def test_current_item_is_the_first_unanswered_item_of_that_attempt(
    student, t0, django_assert_num_queries
):
    fresh = take(student, quiz_of(student, questions=2), now=minutes(t0, 10), finish=False)
    begun = take(student, quiz_of(student, questions=3), True, now=minutes(t0, 20), finish=False)

    with django_assert_num_queries(1):
        item = selectors.current_item(student, begun.pk)
        shown = (item.attempt.quiz.title, item.question.prompt, item.options)

    assert (item.attempt, item.position) == (begun, 2)
    assert shown[1] == begun.items.get(position=2).question.prompt
    assert selectors.current_item(student, fresh.pk).position == 1


def test_current_item_of_a_fully_answered_attempt_is_none(student, t0):
    done = take(student, quiz_of(student, questions=2), True, True, now=minutes(t0, 10))

    assert selectors.current_item(student, done.pk) is None


def test_answered_item_is_the_item_at_that_position_of_that_attempt(student, t0):
    first = take(student, quiz_of(student, questions=2), True, False, now=minutes(t0, 10))
    second = take(student, quiz_of(student, questions=2), False, True, now=minutes(t0, 20))

    item = selectors.answered_item(student, second.pk, 2)

    assert (item.attempt, item.position, item.response.is_correct) == (second, 2, True)
    assert selectors.answered_item(student, first.pk, 2).response.is_correct is False
    with raises(errors.NoSuchItem):
        selectors.answered_item(student, first.pk, 3)


def test_answered_item_carries_what_feedback_shows_in_one_query(
    student, t0, django_assert_num_queries
):
    attempt = take(student, quiz_of(student), True, now=minutes(t0, 10))

    with django_assert_num_queries(1):
        item = selectors.answered_item(student, attempt.pk, 1)
        shown = (
            item.attempt.quiz.feedback,
            item.question.article.text,
            item.question.explanation,
            item.response.is_correct,
        )

    assert shown[-1] is True


def test_review_items_are_in_position_order_with_responses_in_two_queries(
    student, t0, django_assert_num_queries
):
    attempt = take(student, quiz_of(student, questions=3), True, False, now=minutes(t0, 10))

    # The items with their responses; the responses' score changes.
    with django_assert_num_queries(2):
        items = selectors.review_items(attempt)
        shown = [
            (
                item.position,
                item.question.article.title,
                getattr(getattr(item, "response", None), "is_correct", None),
            )
            for item in items
        ]

    assert [(position, right) for position, _, right in shown] == [
        (1, True),
        (2, False),
        (3, None),
    ]


# has_missed() ----------------------------------------------------------------------------


def test_has_missed_a_question_answered_wrong_until_a_later_attempt_answers_it_right(student, t0):
    quiz = quiz_of(student, questions=2)
    assert not selectors.has_missed(student, quiz)  # never asked

    take(student, quiz, True, False, now=minutes(t0, 10))
    assert selectors.has_missed(student, quiz)

    take(student, quiz, False, True, now=minutes(t0, 20))
    assert not selectors.has_missed(student, quiz)  # each answered right once


def test_has_missed_a_question_asked_but_left_unanswered(student, t0):
    quiz = quiz_of(student, questions=2)
    take(student, quiz, True, now=minutes(t0, 10))

    assert selectors.has_missed(student, quiz)


def test_has_missed_counts_only_this_students_answers(student, classmate, t0):
    missed_by_student = quiz_of(student, classmate)
    missed_by_classmate = quiz_of(student, classmate)
    take(student, missed_by_student, False, now=minutes(t0, 10))
    take(classmate, missed_by_student, True, now=minutes(t0, 20))
    take(student, missed_by_classmate, True, now=minutes(t0, 30))
    take(classmate, missed_by_classmate, False, now=minutes(t0, 40))

    assert selectors.has_missed(student, missed_by_student)
    assert not selectors.has_missed(student, missed_by_classmate)


def test_has_missed_counts_only_that_quizs_questions(student, t0):
    mastered = quiz_of(student)
    missed = quiz_of(student)
    take(student, mastered, True, now=minutes(t0, 10))
    take(student, missed, False, now=minutes(t0, 20))

    assert not selectors.has_missed(student, mastered)
    assert selectors.has_missed(student, missed)


# article_page() --------------------------------------------------------------------------

PAGE_TEXT = (
    "Sergei Shoigu agreed to a plan. Russia captured Kherson back in March.\n"
    "Surovikin (left) has announced a retreat\n"
    "The 45-year-old was a driving force."
)


def page_rows(page) -> list[tuple[int, bool, list[tuple[str, bool]]]]:
    return [
        (p.number, p.is_caption, [(s.text, cited) for s, cited in p.sentences])
        for p in page.paragraphs
    ]


def test_article_page_gives_the_sentences_by_paragraph_with_the_cited_marked(db):
    article = ArticleFactory(text=PAGE_TEXT)
    first, second, caption, last = article.current_sentences()

    page = selectors.article_page(article.slug, [second.pk, last.pk])

    assert page.article == article
    assert page_rows(page) == [
        (1, False, [(first.text, False), (second.text, True)]),
        (2, True, [(caption.text, False)]),
        (3, False, [(last.text, True)]),
    ]
    assert page.corrected == []


def test_article_page_ignores_sentences_of_other_articles(db):
    article = ArticleFactory(text=PAGE_TEXT)
    stranger = ArticleFactory().current_sentences().first()
    page = selectors.article_page(article.slug, [stranger.pk, 999_999])
    assert not any(cited for p in page.paragraphs for _, cited in p.sentences)
    assert page.corrected == []


def test_article_page_gives_a_cited_sentence_since_corrected(db, instructor):
    article = ArticleFactory(text=PAGE_TEXT)
    march = article.current_sentences().get(text="Russia captured Kherson back in March.")
    article_text_set(
        article=article, text=PAGE_TEXT.replace("March", "May"), user=instructor, via="admin"
    )

    page = selectors.article_page(article.slug, [march.pk])

    assert page.corrected == [march]
    assert "Russia captured Kherson back in May." in [
        s.text for p in page.paragraphs for s, _ in p.sentences
    ]
    assert march.text not in [s.text for p in page.paragraphs for s, _ in p.sentences]


def test_article_page_reads_at_most_three_queries_whatever_the_length(
    db, django_assert_max_num_queries
):
    short = ArticleFactory(text=PAGE_TEXT)
    long = ArticleFactory(
        text="\n".join(f"Sentence {n} is here. And {n} more." for n in range(200))
    )
    for article in (short, long):
        ids = list(article.current_sentences().values_list("pk", flat=True))
        # The article, its sentences, and the cited ones not among them (one at most).
        with django_assert_max_num_queries(3):
            page = selectors.article_page(article.slug, [ids[0], ids[-1], 999_999])
        assert sum(len(p.sentences) for p in page.paragraphs) == len(ids)


def test_article_page_refuses_an_unknown_article(db):
    with raises(errors.NoSuchArticle):
        selectors.article_page("no-such-article")


# The passage a student reads to find the evidence ---------------------------------------------

NEWS = "\n".join(f"Sentence number {n} of the report." for n in range(1, 9))  # one a paragraph
LONG_PARAGRAPHS = (
    "One of the first. Two of the first. Three of the first.\n"
    "One of the second. Two of the second. Three of the second.\n"
    "One of the third. Two of the third."
)


def numbers(passage):
    return [int(text.split()[2]) for _, text, _ in passage]


def test_a_passage_widens_paragraph_by_paragraph_to_five_sentences(
    django_assert_num_queries,
):
    article = ArticleFactory(text=NEWS)
    middle = QuestionFactory(article=article, excerpt="Sentence number 4 of the report.")
    first = QuestionFactory(article=article, excerpt="Sentence number 1 of the report.")
    apart = QuestionFactory(
        article=article,
        excerpt=["Sentence number 2 of the report.", "Sentence number 7 of the report."],
    )
    questions = list(
        Question.objects.prefetch_related("citations__sentence").filter(article=article)
    )
    with django_assert_num_queries(1):
        found = selectors.passages(questions)
    assert numbers(found[middle.pk]) == [2, 3, 4, 5, 6]  # two paragraphs either side
    assert numbers(found[first.pk]) == [1, 2, 3, 4, 5]  # the window kept inside the article
    assert numbers(found[apart.pk]) == [1, 2, 3, 6, 7, 8]  # one either side makes five
    ids = {s.text: s.pk for s in article.current_sentences()}
    assert found[middle.pk][2] == [ids["Sentence number 4 of the report."], NEWS.split("\n")[3], 4]


def test_a_passage_of_long_paragraphs_stops_widening_at_five_sentences(db):
    article = ArticleFactory(text=LONG_PARAGRAPHS + "\nOne of the fourth. Two of the fourth.")
    question = QuestionFactory(article=article, excerpt="Two of the first.")
    found = selectors.passages([question])[question.pk]
    # Three sentences alone; one paragraph wider each side, kept inside the article: eight.
    assert {paragraph for _, _, paragraph in found} == {1, 2, 3}
    assert len(found) == 8


def test_an_attempts_passage_slides_so_the_evidence_is_not_always_in_its_middle(db):
    article = ArticleFactory(text=NEWS)
    question = QuestionFactory(article=article, excerpt="Sentence number 4 of the report.")
    cited = question.cited()[0].pk
    places = set()
    for seed in range(40):
        found = selectors.passages([question], rng=random.Random(seed))[question.pk]
        ids = [ident for ident, _, _ in found]
        assert cited in ids  # always there, within two paragraphs of either end
        assert len(ids) >= sentences.PASSAGE_SENTENCES
        places.add(ids.index(cited))
    assert len(places) >= 3
