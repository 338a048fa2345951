"""Find the evidence, then retry: a wrong first answer sends the student to the passage to
pick the supporting sentence, which unlocks a second try at the quiz's stated credit. The
rules as pure functions (tables), then the flow through the test client, plain and htmx."""

import itertools
import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction as F
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quiz import errors, presenters, reports, retrying, selectors, services, views
from quiz.articles import article_text_set
from quiz.models import Attempt, MemoryRating, MemoryReview, Quiz, Response
from quiz.retrying import Stage
from tests.answers import choose, page_values
from tests.factories import ArticleFactory, QuestionFactory, QuizFactory, UserFactory
from tests.threads import run_together

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
EVIDENCE = Quiz.Feedback.EVIDENCE

# The credit rule -------------------------------------------------------------------------

SCORES = [F(0), F(1, 3), F(1, 2), F(2, 3), F(1)]
SHARES = [F(0), F(1, 4), F(1, 2), F(1)]


@pytest.mark.parametrize(
    ("scores", "share", "credit"),
    [
        ([F(1)], F(1, 2), F(1)),  # right at once: full marks
        ([F(0)], F(1, 2), F(0)),  # wrong, no second try given
        ([F(1, 3)], F(1, 2), F(1, 3)),  # partly right, no second try
        ([F(0), F(1)], F(1, 2), F(1, 2)),  # right on the second try: the stated share
        ([F(0), F(1)], F(0), F(0)),
        ([F(0), F(1)], F(1), F(1)),
        ([F(0), F(0)], F(1, 2), F(0)),  # wrong twice
        ([F(0), F(2, 3)], F(1, 2), F(1, 3)),  # partly right the second time, at the share
        ([F(1, 3), F(1)], F(1, 2), F(1, 2)),  # better than the first try
        ([F(2, 3), F(1)], F(1, 2), F(2, 3)),  # a second try never lowers the first's score
        ([F(2, 3), F(0)], F(1, 2), F(2, 3)),
    ],
)
def test_the_credit_for_the_tries(scores, share, credit):
    assert retrying.credit(scores, share) == credit


def test_the_credit_over_every_pair_of_tries_and_share():
    for first, second, share in itertools.product(SCORES, SCORES, SHARES):
        credit = retrying.credit([first, second], share)
        assert credit in (first, second * share)  # what one of the tries earned
        assert first <= credit <= 1  # never less than the first try
        assert second * share <= credit  # the second try earns its share
        assert credit <= max(first, second)  # a second try earns no more than it was worth
    for first, share in itertools.product(SCORES, SHARES):
        assert retrying.credit([first], share) == first


@pytest.mark.parametrize(
    ("scores", "share"),
    [([], F(1, 2)), ([F(0)] * 3, F(1, 2)), ([F(0), F(1)], F(3, 2)), ([F(2)], F(1, 2))],
)
def test_the_credit_refuses_what_no_attempt_can_hold(scores, share):
    with pytest.raises(ValueError, match=r"outside|tries"):
        retrying.credit(scores, share)


@pytest.mark.parametrize(
    ("tries", "is_correct", "picks", "stage"),
    [
        (1, True, [], Stage.DONE),  # right at once: no search
        (1, False, [], Stage.FIND),
        (1, False, [9], Stage.FIND),  # one wrong pick: once more
        (1, False, [2], Stage.RETRY),  # a cited sentence: found
        (1, False, [9, 2], Stage.RETRY),
        (1, False, [9, 8], Stage.RETRY),  # two wrong picks: shown, and the retry opens
        (2, False, [9, 8], Stage.DONE),  # tried twice
        (2, True, [2], Stage.DONE),
    ],
)
def test_where_an_answered_question_stands(tries, is_correct, picks, stage):
    found = retrying.stage(tries=tries, is_correct=is_correct, picks=picks, cited={1, 2})
    assert found is stage


def test_a_sentence_picked_already_or_after_the_search_changes_nothing():
    cited = {1, 2}
    assert retrying.may_pick(picks=[], cited=cited, sentence=9)
    assert not retrying.may_pick(picks=[9], cited=cited, sentence=9)  # a double click
    assert retrying.may_pick(picks=[9], cited=cited, sentence=8)
    assert not retrying.may_pick(picks=[9, 8], cited=cited, sentence=1)  # used up
    assert not retrying.may_pick(picks=[2], cited=cited, sentence=1)  # found


# The flow ----------------------------------------------------------------------------------

TEXT = (
    "Russia captured Kherson back in March. The city was the only regional capital taken.\n"
    "Kyiv’s men made a breakthrough in October. Ukraine pressed on along the Dnipro.\n"
    "Sergei Shoigu agreed to the plan. Troops began to withdraw.\n"
    "Residents watched the last ferry cross the river."
)
CITED = "Russia captured Kherson back in March."


def evidence_quiz(student, n=2, **kwargs):
    article = ArticleFactory(text=TEXT)
    questions = [
        QuestionFactory(
            article=article,
            excerpt=CITED,
            prompt=f"When did Russia capture Kherson? ({i})",
            explanation="The article says Russia captured it back in March.",
            choices=[("March", True), ("October", False), ("November", False)],
        )
        for i in range(n)
    ]
    return QuizFactory(open_to=[student], feedback=EVIDENCE, questions=questions, **kwargs)


def started(student, **kwargs):
    return services.attempt_start(user=student, quiz=evidence_quiz(student, **kwargs))


def item_url(attempt, position):
    return reverse("quiz:item", args=[attempt.pk, position])


def answer(client, attempt, position=1, *, right, htmx=False):
    item = attempt.items.get(position=position)
    data = {"item": item.pk, "answer": choose(item, right)}
    return client.post(reverse("quiz:answer", args=[attempt.pk]), data, **(HTMX if htmx else {}))


def place_of(attempt, text, position=1):
    item = attempt.items.get(position=position)
    return next(place for place, (_, t, _) in enumerate(item.passage, 1) if t == text)


def pick(client, attempt, text="", position=1, *, htmx=False, sentence=None):
    """Pick the passage's sentence `text`, or post `sentence` as it is."""
    url = reverse("quiz:evidence", args=[attempt.pk, position])
    value = place_of(attempt, text, position) if sentence is None else sentence
    return client.post(url, {"sentence": value}, **(HTMX if htmx else {}))


def response_of(attempt, position=1):
    return Response.objects.get(item__attempt=attempt, item__position=position)


def page(client, attempt, position=1):
    return client.get(item_url(attempt, position)).content.decode()


def test_a_wrong_first_answer_shows_the_passage_to_search_not_the_answer(student_client, student):
    attempt = started(student)
    answered = answer(student_client, attempt, right=False, htmx=True)
    html = answered.content.decode()
    assert "Not quite: find the evidence" in html
    # The paragraphs around the cited one are offered, by place, not the whole article.
    radios = re.findall(r'name="sentence" value="(\d+)"', html)
    assert radios == ["1", "2", "3", "4", "5", "6"]
    assert "The city was the only regional capital taken." in html
    assert "Troops began to withdraw." in html
    assert "Residents watched" not in html
    # Nothing that tells: no right answer, no explanation, no link to the cited sentence.
    assert "Right answer" not in html
    assert "The article says" not in html
    assert "cite=" not in html
    assert "<mark" not in html
    assert "worth 50% of the question" in html
    assert response_of(attempt).score == 0
    assert Attempt.objects.get(pk=attempt.pk).is_open


def test_picking_a_cited_sentence_opens_a_second_try_at_the_stated_credit(student_client, student):
    attempt = started(student)
    answer(student_client, attempt, right=False)
    picked = pick(student_client, attempt, CITED, htmx=True)
    html = picked.content.decode()
    assert "Yes: that sentence supports the answer." in html
    assert f"The evidence: </span>{CITED}</mark>" in html
    assert "a right answer now earns 50% of the question" in html
    assert 'name="answer"' in html  # the second try's form
    second = answer(student_client, attempt, right=True, htmx=True).content.decode()
    assert "Right on the second try" in second
    response = response_of(attempt)
    assert (response.tries, response.is_correct, response.score) == (2, True, Decimal("0.5"))
    assert response.first_score == 0
    assert response.first_submission is not None
    assert response.picks == [attempt.items.get(position=1).cited_ids[0]]
    # The full feedback now, and the way there.
    assert "The article says Russia captured it back in March." in second
    assert "How you got there" in second
    assert "Second answer" in second


def test_a_wrong_pick_says_so_and_offers_one_more_then_shows_the_sentence(student_client, student):
    attempt = started(student)
    answer(student_client, attempt, right=False)
    pick(student_client, attempt, "The city was the only regional capital taken.")
    html = page(student_client, attempt)
    assert "That sentence does not support the answer. Pick once more" in html
    assert "(picked: not this one)" in html
    assert "<mark" not in html
    assert 'name="answer"' not in html  # no second try yet
    pick(student_client, attempt, "Ukraine pressed on along the Dnipro.")
    html = page(student_client, attempt)
    assert "That is not it either. The sentence that supports the answer is highlighted." in html
    assert f"The evidence: </span>{CITED}</mark>" in html
    assert 'name="answer"' in html
    assert len(response_of(attempt).picks) == 2


def test_the_same_sentence_picked_twice_spends_one_pick(student_client, student):
    attempt = started(student)
    answer(student_client, attempt, right=False)
    wrong = "The city was the only regional capital taken."
    pick(student_client, attempt, wrong)
    pick(student_client, attempt, wrong)  # a double click
    assert len(response_of(attempt).picks) == 1
    assert "Pick once more" in page(student_client, attempt)


def test_a_repeated_first_answer_is_not_taken_as_the_second_try(student_client, student):
    attempt = started(student)
    answer(student_client, attempt, right=False)
    again = answer(student_client, attempt, right=True, htmx=True)  # a double click, or a tab
    assert views.ALREADY_ANSWERED in again.content.decode()
    response = response_of(attempt)
    assert (response.tries, response.score) == (1, 0)


def test_a_second_try_is_given_once(student_client, student):
    attempt = started(student)
    answer(student_client, attempt, right=False)
    pick(student_client, attempt, CITED)
    answer(student_client, attempt, right=False)
    answer(student_client, attempt, right=True)  # replayed or from another tab
    response = response_of(attempt)
    assert (response.tries, response.is_correct, response.score) == (2, False, 0)
    assert pick(student_client, attempt, CITED).status_code == 302
    assert response_of(attempt).picks == response.picks


def test_a_right_first_answer_needs_no_search(student_client, student):
    attempt = started(student)
    html = answer(student_client, attempt, right=True, htmx=True).content.decode()
    assert "Correct" in html
    assert 'name="sentence"' not in html
    response = response_of(attempt)
    assert (response.tries, response.score, response.picks) == (1, 1, [])
    assert pick(student_client, attempt, CITED).status_code == 302  # nothing to find
    assert response_of(attempt).picks == []


def test_the_last_question_waits_for_its_second_try_before_the_attempt_finishes(
    student_client, student
):
    attempt = started(student, n=1)
    answer(student_client, attempt, right=False)
    assert Attempt.objects.get(pk=attempt.pk).is_open
    # Its page leads back to the search (the summary lets the student finish instead).
    assert student_client.get(reverse("quiz:attempt", args=[attempt.pk])).url == item_url(
        attempt, 1
    )
    pick(student_client, attempt, CITED)
    answer(student_client, attempt, right=True)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.points == Decimal("0.5")


def test_an_attempt_keeps_the_credit_it_began_with(student_client, student):
    attempt = started(student)
    Quiz.objects.filter(pk=attempt.quiz_id).update(retry_credit=100)
    answer(student_client, attempt, right=False)
    pick(student_client, attempt, CITED)
    answer(student_client, attempt, right=True)
    assert response_of(attempt).score == Decimal("0.5")


def test_a_quiz_sets_the_credit_and_says_it(student_client, student):
    attempt = started(student, retry_credit=25)
    answer(student_client, attempt, right=False)
    assert "worth 25% of the question" in page(student_client, attempt)
    pick(student_client, attempt, CITED)
    answer(student_client, attempt, right=True)
    assert response_of(attempt).score == Decimal("0.25")


@pytest.mark.parametrize("value", ["", "0", "7", "x", "99999999", "1.5"])
def test_a_pick_that_is_not_a_sentence_of_the_passage_is_refused_with_nothing_saved(
    student_client, student, value
):
    attempt = started(student)
    answer(student_client, attempt, right=False)
    refused = pick(student_client, attempt, sentence=value, htmx=True)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Pick" in html
    assert 'role="alert"' in html
    assert response_of(attempt).picks == []


def test_a_pick_before_answering_or_in_another_kind_of_quiz_goes_to_the_question(
    student_client, student
):
    attempt = started(student)
    assert pick(student_client, attempt, sentence=1).url == item_url(attempt, 1)
    assert not Response.objects.exists()
    immediate = QuizFactory(open_to=[student], questions=QuestionFactory.create_batch(2))
    other = services.attempt_start(user=student, quiz=immediate)
    answer(student_client, other, right=False)
    assert pick(student_client, other, sentence=1).url == item_url(other, 1)
    assert response_of(other).picks == []


def test_a_pick_after_the_time_is_up_is_refused_and_the_first_answer_stands(
    student_client, student
):
    attempt = started(student, time_limit_minutes=10)
    answer(student_client, attempt, right=False)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    refused = pick(student_client, attempt, CITED)
    assert refused.status_code == 409
    assert str(errors.TimeUp()) in refused.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.points == 0
    assert response_of(attempt).picks == []


def test_someone_elses_attempt_cannot_be_searched(client, student):
    attempt = started(student)
    client.force_login(UserFactory(username="mallory"))
    assert pick(client, attempt, sentence=1).status_code == 404
    client.logout()
    to_login = pick(client, attempt, sentence=1)
    assert to_login.url.startswith(reverse("login"))
    assert item_url(attempt, 1) in unquote(to_login.url)  # and back to the question after


def test_a_pick_is_posted_not_fetched(student_client, student):
    attempt = started(student)
    url = reverse("quiz:evidence", args=[attempt.pk, 1])
    assert student_client.get(url).status_code == 405


def test_without_javascript_a_pick_returns_to_the_question_which_says_how_it_went(
    student_client, student
):
    attempt = started(student)
    answer(student_client, attempt, right=False)
    posted = pick(student_client, attempt, CITED)
    assert posted.status_code == 302
    assert posted.url == item_url(attempt, 1)
    assert "Yes: that sentence supports the answer." in page(student_client, attempt)


def test_the_review_and_the_attempt_log_show_the_way_the_answer_came(
    student_client, student, instructor_client
):
    attempt = started(student, n=1)
    answer(student_client, attempt, right=False)
    pick(student_client, attempt, "The city was the only regional capital taken.")
    pick(student_client, attempt, CITED)
    answer(student_client, attempt, right=True)
    review = student_client.get(reverse("quiz:review", args=[attempt.pk])).content.decode()
    assert "Right on the second try (50%)" in review
    steps = re.findall(r"<li><strong>(.*?):</strong>(.*?)</li>", review)
    assert [what for what, _ in steps] == [
        "First answer",
        "Sentence picked",
        "Sentence picked",
        "Second answer",
    ]
    assert "October" in steps[0][1] or "November" in steps[0][1]
    assert "not the evidence" in steps[1][1]
    assert "supports the answer" in steps[2][1]
    assert "March" in steps[3][1]
    assert "50% of the points" in steps[3][1]
    log = instructor_client.get(reverse("quiz:attempt_detail", args=[attempt.pk]))
    assert "How the student got there" in log.content.decode()


def test_a_second_try_updates_the_memory_as_hard_and_two_misses_as_again(student_client, student):
    attempt = started(student)
    answer(student_client, attempt, 1, right=False)
    pick(student_client, attempt, CITED, 1)
    answer(student_client, attempt, 1, right=True)
    answer(student_client, attempt, 2, right=False)
    pick(student_client, attempt, CITED, 2)
    answer(student_client, attempt, 2, right=False)
    ratings = dict(MemoryReview.objects.values_list("item__position", "rating"))
    assert ratings == {1: MemoryRating.HARD, 2: MemoryRating.AGAIN}


def test_the_passage_is_the_one_the_attempt_began_with(student_client, student):
    attempt = started(student)
    article = attempt.items.get(position=1).question.article
    article_text_set(
        user=None, article=article, text=TEXT.replace("The city was", "Kherson was"), via="test"
    )
    answer(student_client, attempt, right=False)
    assert "The city was the only regional capital taken." in page(student_client, attempt)


def test_a_pick_costs_the_same_queries_whatever_the_attempts_size(
    student_client, student, django_assert_max_num_queries
):
    counts = []
    for n in (1, 8):
        attempt = started(student, n=n, navigation=Quiz.Navigation.FREE)
        answer(student_client, attempt, right=False)
        with django_assert_max_num_queries(PICK_QUERIES), CaptureQueriesContext(connection) as q:
            pick(student_client, attempt, CITED, htmx=True)
        counts.append(len(q))
        services.attempt_finish(user=student, attempt_id=attempt.pk)
    assert counts[0] == counts[1]


# Session, user, the item with its attempt (locked), the map, its response, the pick saved,
# the student's allowance, and the savepoint and its release of the test's transaction.
PICK_QUERIES = 9


def test_the_passage_marks_the_evidence_only_once_the_search_is_over(student_client, student):
    attempt = started(student)
    answer(student_client, attempt, right=False)

    def marked():
        item = selectors.item_at(student, attempt.pk, position=1)
        return [s.text for p in presenters.passage(item) for s in p.sentences if s.marked]

    assert marked() == []
    pick(student_client, attempt, "Troops began to withdraw.")
    assert marked() == []
    pick(student_client, attempt, CITED)
    assert marked() == [CITED]


def two_tries_at_the_river(student_client, student, first: str, second: str):
    """A short-answer question ("Dnipro" accepted) under find the evidence: the first try, the
    evidence found, the second try. Returns the question and the attempt."""
    question = QuestionFactory(
        article=ArticleFactory(text=TEXT),
        kind="short_text",
        excerpt="Ukraine pressed on along the Dnipro.",
        prompt="Along which river did Ukraine press on?",
        accepted=["Dnipro"],
    )
    quiz = QuizFactory(open_to=[student], feedback=EVIDENCE, questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    url = reverse("quiz:answer", args=[attempt.pk])
    student_client.post(url, {"item": item.pk, "answer": first})
    pick(student_client, attempt, "Ukraine pressed on along the Dnipro.")
    student_client.post(url, {"item": item.pk, "answer": second})
    return question, attempt


def test_an_accepted_answer_regrades_a_second_try_at_its_credit(
    student_client, student, instructor
):
    question, attempt = two_tries_at_the_river(student_client, student, "the Volga", "Dnepr")
    assert response_of(attempt).score == 0
    services.answer_accept(user=instructor, question_id=question.pk, answer="Dnepr")
    response = response_of(attempt)
    assert (response.score, response.is_correct, response.first_score) == (Decimal("0.5"), True, 0)
    assert Attempt.objects.get(pk=attempt.pk).points == Decimal("0.5")


def test_the_quiz_page_says_how_the_second_try_works(student_client, student):
    quiz = evidence_quiz(student, retry_credit=40)
    html = student_client.get(reverse("quiz:quiz", args=[quiz.slug])).content.decode()
    assert "you find the sentence of the article that supports the answer" in html
    assert "try again for 40% of the question" in html


def test_in_a_free_attempt_the_search_waits_while_the_student_goes_elsewhere(
    student_client, student
):
    attempt = started(student, navigation=Quiz.Navigation.FREE)
    answer(student_client, attempt, 1, right=False)
    assert 'class="question-map"' in page(student_client, attempt, 1)
    answer(student_client, attempt, 2, right=True)
    html = page(student_client, attempt, 1)  # back to the first: the search is still open
    assert "Not quite: find the evidence" in html
    pick(student_client, attempt, CITED)
    answer(student_client, attempt, 1, right=True)
    student_client.post(reverse("quiz:finish", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert (attempt.state, attempt.points) == (Attempt.State.FINISHED, Decimal("1.5"))


def test_practice_finds_the_evidence_too(student_client, student):
    quiz = evidence_quiz(student)
    attempt = services.attempt_start(user=student, quiz=quiz)
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    practice = services.practice_start(user=student, quiz=quiz)
    assert practice.is_practice
    answer(student_client, practice, right=False)
    assert "Not quite: find the evidence" in page(student_client, practice)


def test_a_closed_attempt_never_shows_the_feedback_the_search_held_back(student_client, student):
    attempt = started(student, n=2)
    answer(student_client, attempt, right=False)
    pick(student_client, attempt, "Troops began to withdraw.")
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    shown = student_client.get(item_url(attempt, 1))
    assert shown.url == reverse("quiz:review", args=[attempt.pk])
    refused = pick(student_client, attempt, sentence="x")  # the refusal's page neither
    assert "The article says" not in refused.content.decode()
    review = student_client.get(shown.url).content.decode()
    assert "Evidence shown" not in review  # one wrong pick: the sentence was never shown
    assert "Sentence picked" in review


def test_a_second_try_sent_blank_comes_back_to_the_second_try(student_client, student):
    for navigation, n in [("sequential", 2), ("sequential", 1), ("free", 2)]:
        attempt = started(student, n=n, navigation=navigation)
        answer(student_client, attempt, right=False)
        pick(student_client, attempt, CITED)
        item = attempt.items.get(position=1)
        url = reverse("quiz:answer", args=[attempt.pk])
        refused = student_client.post(url, {"item": item.pk}, **HTMX)
        assert refused.status_code == 422, navigation
        html = refused.content.decode()
        assert "Second try" in html
        assert 'id="answer-error"' in html
        assert (
            f'<mark class="cited"><span class="visually-hidden">The evidence: </span>{CITED}'
            in html
        )
        assert Attempt.objects.get(pk=attempt.pk).is_open
        services.attempt_finish(user=student, attempt_id=attempt.pk)


def test_an_accepted_answer_that_makes_the_first_try_right_gives_full_marks(
    student_client, student, instructor
):
    question, attempt = two_tries_at_the_river(student_client, student, "Dnepr", "the Volga")
    services.answer_accept(user=instructor, question_id=question.pk, answer="Dnepr")
    response = response_of(attempt)
    assert (response.score, response.is_correct, response.first_score) == (1, True, 1)
    assert response.verdict == "Correct"
    assert response.feedback == response.first_feedback


def test_the_last_question_waiting_for_its_second_try_is_where_the_attempt_leads(
    student_client, student
):
    attempt = started(student, n=1)
    answer(student_client, attempt, right=False)
    leads = student_client.get(reverse("quiz:attempt", args=[attempt.pk]))
    assert leads.url == item_url(attempt, 1)
    summary = student_client.get(reverse("quiz:finish", args=[attempt.pk])).content.decode()
    assert f'href="{item_url(attempt, 1)}"' in summary
    home = student_client.get(reverse("quiz:home")).content.decode()
    assert "question 1 of 1, its second try waiting" in home


def test_in_a_sequential_attempt_answering_the_next_question_ends_the_search(
    student_client, student
):
    attempt = started(student, n=3)
    answer(student_client, attempt, 1, right=False)
    answer(student_client, attempt, 2, right=True)  # moved on: the first answer stands
    assert "Right answer" in page(student_client, attempt, 1)  # its feedback, no search
    pick(student_client, attempt, CITED, 1)
    assert response_of(attempt, 1).picks == []
    answer(student_client, attempt, 1, right=True)
    assert (response_of(attempt, 1).tries, response_of(attempt, 1).score) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_picks_at_the_same_moment_are_both_counted(student):
    """Real threads, each with its own connection (PostgreSQL shows the race; SQLite
    serialises writers): two wrong picks at once leave two picks, never one and a third."""
    attempt = started(student)
    item = attempt.items.get(position=1)
    services.answer_record(
        user=student, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, False)
    )
    places = [
        place_of(attempt, "The city was the only regional capital taken."),
        place_of(attempt, "Troops began to withdraw."),
    ]
    run_together(
        lambda place: services.evidence_pick(
            user=student, attempt_id=attempt.pk, position=1, place=place
        ),
        places,
    )
    assert len(response_of(attempt).picks) == 2


@pytest.mark.django_db(transaction=True)
def test_two_second_tries_at_the_same_moment_record_one(student):
    attempt = started(student)
    item = attempt.items.get(position=1)
    services.answer_record(
        user=student, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, False)
    )
    services.evidence_pick(
        user=student, attempt_id=attempt.pk, position=1, place=place_of(attempt, CITED)
    )
    results = run_together(
        lambda right: services.answer_record(
            user=student, attempt_id=attempt.pk, item_id=item.pk, answers=choose(item, right)
        ),
        [True, False, True, False],
    )
    assert sum(r.created for r in results) == 1
    assert response_of(attempt).tries == 2


def test_a_question_right_only_on_the_second_try_is_practised_again(student_client, student):
    attempt = started(student, n=2)
    answer(student_client, attempt, 1, right=False)
    pick(student_client, attempt, CITED, 1)
    answer(student_client, attempt, 1, right=True)
    answer(student_client, attempt, 2, right=True)
    practice = services.practice_start(user=student, quiz=attempt.quiz)
    assert list(practice.items.values_list("question_id", flat=True)) == [
        attempt.items.get(position=1).question_id
    ]


def test_item_analysis_counts_the_first_answer_given(student_client, student):
    attempt = started(student, n=1)
    first = choose(attempt.items.get(), False)
    answer(student_client, attempt, right=False)
    pick(student_client, attempt, CITED)
    answer(student_client, attempt, right=True)
    _, stats = reports.item_analysis(attempt.quiz)
    (question,) = stats
    picked = {text: count for text, _, count, _ in question.choices}
    wrong_text = dict(attempt.items.get().page_options)[int(first[0])]
    assert picked[wrong_text] == 1
    assert picked["March"] == 0


def test_a_passage_every_sentence_of_which_is_cited_opens_the_second_try_at_once(
    student_client, student
):
    article = ArticleFactory(text="Russia captured Kherson back in March.\nTroops withdrew.")
    question = QuestionFactory(
        article=article,
        excerpt=["Russia captured Kherson back in March.", "Troops withdrew."],
        choices=[("March", True), ("October", False)],
    )
    quiz = QuizFactory(open_to=[student], feedback=EVIDENCE, questions=[question])
    attempt = services.attempt_start(user=student, quiz=quiz)
    html = answer(student_client, attempt, right=False, htmx=True).content.decode()
    assert "Second try" in html
    assert 'name="sentence"' not in html  # any pick would "support" it: no search
    assert "The answer rests on the highlighted sentences." in html


def test_a_first_answer_worth_more_than_the_share_is_said_to_stand(student_client, student):
    article = ArticleFactory(text=TEXT)
    question = QuestionFactory(
        article=article,
        kind="multiple",
        excerpt=CITED,
        choices=[("March", True), ("Kherson", True), ("Crimea", True), ("Kharkiv", False)],
    )
    quiz = QuizFactory(open_to=[student], feedback=EVIDENCE, questions=[question], retry_credit=50)
    attempt = services.attempt_start(user=student, quiz=quiz)
    item = attempt.items.get()
    key = item.grading_key()
    two_right = [i for i, _ in key.options if i in key.correct][:2]
    student_client.post(
        reverse("quiz:answer", args=[attempt.pk]),
        {"item": item.pk, "answer": page_values(item, *two_right)},
    )
    assert "your first answer's 67% stands" in page(student_client, attempt)


def test_resuming_a_sequential_attempt_returns_to_the_search_left_open(student_client, student):
    attempt = started(student, n=3)
    answer(student_client, attempt, 1, right=False)
    resumed = student_client.get(reverse("quiz:attempt", args=[attempt.pk]))
    assert resumed.url == item_url(attempt, 1)
    pick(student_client, attempt, CITED, 1)
    answer(student_client, attempt, 1, right=False)
    resumed = student_client.get(reverse("quiz:attempt", args=[attempt.pk]))
    assert resumed.status_code == 200  # the search over: question 2 to answer
    assert "Question 2" in resumed.content.decode()


def test_a_search_left_unfinished_is_on_the_review(student_client, student):
    attempt = started(student, n=2)
    answer(student_client, attempt, 1, right=False)
    services.attempt_finish(user=student, attempt_id=attempt.pk)
    review = student_client.get(reverse("quiz:review", args=[attempt.pk])).content.decode()
    assert "none given: the first answer stands" in review
