"""Weights and draw groups: a question worth more counts for more in the score, the
gradebook and the item analysis; a drawn attempt never asks two questions that answer each
other."""

import random
from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from quiz import drawing, errors, services
from quiz.lint import Item, QuizItems, giveaway_findings
from quiz.models import Attempt, Response
from quiz.reports import item_analysis
from tests.answers import choose
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory, UserFactory

pytestmark = pytest.mark.django_db


def take(user, quiz, rights: dict[str, bool]) -> Attempt:
    """A finished attempt, each question (by key) answered right or wrong."""
    attempt = services.attempt_start(user=user, quiz=quiz)
    for item in attempt.items.select_related("question").order_by("position"):
        services.answer_record(
            user=user,
            attempt_id=attempt.pk,
            item_id=item.pk,
            answers=choose(item, rights[item.question.key]),
        )
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def weighted(db):
    """A true/false worth 1 and a question worth 3, open to bob."""
    bob = UserFactory(username="bob")
    article = ArticleFactory()
    light = QuestionFactory(article=article, key="light")
    heavy = QuestionFactory(article=article, key="heavy", weight=3)
    quiz = QuizFactory(article=article, questions=[light, heavy], pass_mark=70, open_to=[bob])
    return bob, quiz


def test_an_attempt_is_worth_the_sum_of_its_questions_weights(weighted):
    bob, quiz = weighted
    attempt = take(bob, quiz, {"light": False, "heavy": True})
    assert (attempt.points, attempt.max_points, attempt.percent) == (3, 4, Decimal("75.0"))
    assert attempt.passed is True  # 75% ≥ 70%; unweighted it would be 50%
    attempt = take(bob, quiz, {"light": True, "heavy": False})
    assert (attempt.points, attempt.percent, attempt.passed) == (1, Decimal("25.0"), False)


def test_a_weight_changed_during_an_attempt_does_not_change_it(weighted):
    bob, quiz = weighted
    attempt = services.attempt_start(user=bob, quiz=quiz)
    quiz.questions.filter(key="heavy").update(weight=10)
    for item in attempt.items.select_related("question").order_by("position"):
        services.answer_record(
            user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, True)
        )
    attempt.refresh_from_db()
    assert (attempt.points, attempt.max_points) == (4, 4)


def test_an_override_is_given_in_the_questions_points(weighted):
    bob, quiz = weighted
    instructor = UserFactory(username="teacher", is_staff=True)
    attempt = take(bob, quiz, {"light": True, "heavy": False})
    heavy = Response.objects.get(item__attempt=attempt, item__question__key="heavy")
    services.response_override(
        user=instructor,
        attempt_id=attempt.pk,
        response_id=heavy.pk,
        points=Decimal("1.5"),
        reason="Half of it.",
    )
    heavy.refresh_from_db()
    attempt.refresh_from_db()
    assert heavy.score == Decimal("0.5")
    assert attempt.points == Decimal("2.5")
    with pytest.raises(errors.ScoreOutOfRange, match="between 0 and 3 points"):
        services.response_override(
            user=instructor,
            attempt_id=attempt.pk,
            response_id=heavy.pk,
            points=Decimal("3.5"),
            reason="Too much.",
        )
    client = Client()
    client.force_login(instructor)
    html = client.get(reverse("quiz:attempt_detail", args=[attempt.pk])).content.decode()
    assert "1.50 of 3 points" in html
    assert "0 → 1.50. Half of it." in html
    assert 'max="3"' in html


def test_a_third_of_a_heavy_question_is_the_point_it_says_and_passes_at_the_mark(db):
    """An override of 1 of 3 points is stored as the share 0.3333; the attempt counts the
    1.00 point the pages show, so 3 of 5 passes a 60% mark."""
    bob = UserFactory(username="bob")
    instructor = UserFactory(username="teacher", is_staff=True)
    article = ArticleFactory()
    heavy = QuestionFactory(article=article, key="heavy", weight=3)
    light = [QuestionFactory(article=article, key=f"light{n}") for n in range(2)]
    quiz = QuizFactory(article=article, questions=[heavy, *light], pass_mark=60, open_to=[bob])
    attempt = take(bob, quiz, {"heavy": False, "light0": True, "light1": True})
    response = Response.objects.get(item__attempt=attempt, item__question__key="heavy")
    change = {"user": instructor, "attempt_id": attempt.pk, "response_id": response.pk}
    services.response_override(**change, points=Decimal(1), reason="One of three.")
    attempt.refresh_from_db()
    assert (attempt.points, attempt.max_points, attempt.passed) == (3, 5, True)
    services.response_override(**change, points=Decimal(1), reason="Again.")
    assert response.changes.count() == 1  # giving the same points again changes nothing


def test_the_question_page_says_what_a_weighted_question_is_worth(weighted):
    bob, quiz = weighted
    client = Client()
    client.force_login(bob)
    attempt = services.attempt_start(user=bob, quiz=quiz)
    pages = []
    for item in attempt.items.select_related("question").order_by("position"):
        pages.append(
            (item.question.key, client.get(reverse("quiz:attempt", args=[attempt.pk])).content)
        )
        services.answer_record(
            user=bob, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, True)
        )
    worth = {key: b"Worth 3 points" in page for key, page in pages}
    assert worth == {"light": False, "heavy": True}


def test_the_item_analysis_takes_a_questions_points_out_of_the_rest_of_the_attempt(db):
    """Discrimination correlates a question with the rest of the attempt: with a heavy
    question, the rest is the total less its weighted points, not less its share."""
    article = ArticleFactory()
    heavy = QuestionFactory(article=article, key="heavy", weight=4)
    others = [QuestionFactory(article=article, key=f"q{n}") for n in range(3)]
    students = [UserFactory() for _ in range(4)]
    quiz = QuizFactory(article=article, questions=[heavy, *others], open_to=students)
    # The heavy question is right exactly when the others are wrong: on the rest of the
    # attempt the stronger students are the ones who miss it.
    patterns = [(True, [False] * 3), (True, [False] * 3), (False, [True] * 3), (False, [True] * 3)]
    for student, (right, rest) in zip(students, patterns, strict=True):
        take(student, quiz, {"heavy": right, **{f"q{n}": r for n, r in enumerate(rest)}})
    _, stats = item_analysis(quiz)
    heavy_stats = next(s for s in stats if s.question.key == "heavy")
    assert heavy_stats.facility == 50
    assert heavy_stats.discrimination == pytest.approx(-100)


class Q:
    def __init__(self, name: str, group: str = "") -> None:
        self.name, self.draw_group = name, group


POOL = [Q("a1", "a"), Q("a2", "a"), Q("a3", "a"), Q("b1", "b"), Q("b2", "b"), Q("x"), Q("y")]


def test_a_draw_never_asks_two_questions_of_one_group():
    seen = Counter()
    for seed in range(500):
        drawn = drawing.draw(POOL, 4, rng=random.Random(seed))
        groups = [q.draw_group for q in drawn if q.draw_group]
        assert len(drawn) == 4
        assert len(groups) == len(set(groups))
        assert [q for q in POOL if q in drawn] == drawn  # in the quiz's order
        seen.update(q.name for q in drawn)
    assert set(seen) == {q.name for q in POOL}  # every question can be drawn


def test_a_draw_asks_as_many_as_the_groups_allow():
    assert drawing.draw_slots(q.draw_group for q in POOL) == 4
    assert len(drawing.draw(POOL, 6, rng=random.Random(1))) == 4


def test_an_attempt_draws_at_most_one_question_of_a_group(db):
    article = ArticleFactory()
    bob = UserFactory()
    grouped = [QuestionFactory(article=article, draw_group="same-fact") for _ in range(3)]
    alone = [QuestionFactory(article=article) for _ in range(2)]
    quiz = QuizFactory(article=article, questions=[*grouped, *alone], draw_count=3, open_to=[bob])
    for _ in range(15):
        attempt = services.attempt_start(user=bob, quiz=quiz)
        asked = list(attempt.items.values_list("question__draw_group", flat=True))
        assert len(asked) == 3
        assert asked.count("same-fact") == 1
        services.attempt_finish(user=bob, attempt_id=attempt.pk)


def test_the_lint_does_not_warn_of_questions_a_draw_keeps_apart():
    giver = Item("a/giver", "a", "single", "Who agreed to Surovikin’s plan?", "Because.")
    taker = Item(
        "a/taker", "a", "short_text", "Who proposed the plan?", "Because.", accepted=("Surovikin",)
    )
    quiz = QuizItems("ten", True, (giver, taker), shuffle_questions=True, draw_count=1)
    assert len(giveaway_findings([quiz])) == 1
    apart = QuizItems(
        "ten",
        True,
        (
            Item(**{**giver.__dict__, "draw_group": "plan"}),
            Item(**{**taker.__dict__, "draw_group": "plan"}),
        ),
        shuffle_questions=True,
        draw_count=1,
    )
    assert giveaway_findings([apart]) == []


def test_the_quiz_page_says_its_questions_are_worth_different_points(weighted):
    bob, quiz = weighted
    client = Client()
    client.force_login(bob)
    page = client.get(reverse("quiz:quiz", args=[quiz.slug])).content.decode()
    assert "1 to 3 a question" in page
    quiz.questions.update(weight=1)
    page = client.get(reverse("quiz:quiz", args=[quiz.slug])).content.decode()
    assert "<dt>Points</dt>" not in page


def test_the_quiz_page_says_how_many_an_attempt_draws_when_groups_allow_fewer(db):
    article = ArticleFactory()
    bob = UserFactory()
    grouped = [QuestionFactory(article=article, draw_group="same-fact") for _ in range(3)]
    alone = [QuestionFactory(article=article) for _ in range(2)]
    quiz = QuizFactory(article=article, questions=[*grouped, *alone], draw_count=4, open_to=[bob])
    client = Client()
    client.force_login(bob)
    page = client.get(reverse("quiz:quiz", args=[quiz.slug])).content.decode()
    assert "<dd>3, drawn at random for each attempt</dd>" in page
    attempt = services.attempt_start(user=bob, quiz=quiz)
    assert attempt.question_count == 3


def test_giving_the_same_points_again_says_nothing_changed(weighted):
    bob, quiz = weighted
    instructor = UserFactory(username="teacher", is_staff=True)
    attempt = take(bob, quiz, {"light": True, "heavy": False})
    heavy = Response.objects.get(item__attempt=attempt, item__question__key="heavy")
    client = Client()
    client.force_login(instructor)
    url = reverse("quiz:override", args=[attempt.pk, heavy.pk])
    said = client.post(url, {"score": "0", "reason": "Still wrong."}, follow=True)
    assert "That is the score it has already: nothing was changed." in said.content.decode()
    assert not heavy.changes.exists()
    said = client.post(url, {"score": "2", "reason": "Two of three."}, follow=True)
    assert "Score changed" in said.content.decode()
    assert heavy.changes.count() == 1
