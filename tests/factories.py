"""Factories for every model; tests build their data here, never by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from quiz import grading, sentences
from quiz.articles import evidence_set, sentences_sync
from quiz.models import (
    AcceptedAnswer,
    Accommodation,
    Article,
    Attempt,
    Choice,
    Cohort,
    CohortQuiz,
    Membership,
    Memory,
    Question,
    Quiz,
    QuizQuestion,
)
from quiz.roles import instructor_group_sync

ARTICLE_TEXT = (
    "Sergei Shoigu agreed to a plan by General Sergei Surovikin to withdraw from the city. "
    "Russia captured Kherson back in March. "
    "The 45-year-old was a driving force in organising the referendum. "
    "Kyiv’s men then made a breakthrough to the north of Kherson in October."
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"student{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pass")

    class Params:
        instructor = factory.Trait(is_staff=True)

    @factory.post_generation
    def join_instructors(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.is_staff and not self.is_superuser:
            self.groups.add(instructor_group_sync())


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    source = "News report"
    text = ARTICLE_TEXT

    @factory.post_generation
    def split(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Its sentences, as saving an article through the app stores them."""
        if create:
            sentences_sync(self)


class QuestionFactory(DjangoModelFactory):
    """A question of any kind; `choices=[...]` or the kind's traits give it a key."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    key = factory.Sequence(lambda n: f"question-{n}")
    kind = grading.SINGLE
    prompt = factory.Sequence(lambda n: f"Who agreed to the plan? ({n})")
    explanation = "The article says the defence minister agreed to the general’s plan."
    topic = "The announcement"

    class Params:
        numeric = factory.Trait(
            kind=grading.NUMERIC, numeric_answer=Decimal(45), numeric_tolerance=Decimal(0)
        )
        # Its options are the sentences of its cited sentence's paragraph: with the default
        # article and excerpt, the four sentences of its one paragraph, the second right.
        evidence = factory.Trait(
            kind=grading.EVIDENCE,
            prompt=factory.Sequence(lambda n: f"Russia took the city early in the war. ({n})"),
        )

    @factory.post_generation
    def excerpt(self, create: bool, extracted: str | list[str] | None, **kwargs: object) -> None:
        """The sentences it cites, as their text: `excerpt="One. Two."` (a run of sentences)
        or `excerpt=["One.", "Three."]`; by default one sentence of the factory's article."""
        if not create:
            return
        quotes = [extracted] if isinstance(extracted, str) else extracted
        texts = {s.text: s.pk for s in self.article.current_sentences()}
        ids = []
        for quote in quotes or [DEFAULT_EXCERPT]:
            found = sentences.resolve(quote, list(texts))
            assert not isinstance(found, sentences.Mismatch), found.message(quote)
            ids += [list(texts.values())[index] for index in found]
        evidence_set(user=None, question=self, sentence_ids=ids)

    @factory.post_generation
    def choices(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        """`choices=[("Shoigu", True), ("Putin", False)]`, or match pairs for matching."""
        if not create:
            return
        if extracted is None:
            extracted = DEFAULT_CHOICES.get(self.kind, [])
        for position, (text, flag) in enumerate(extracted, 1):
            ChoiceFactory(
                question=self,
                position=position,
                text=text,
                is_correct=flag is True,
                match=flag if isinstance(flag, str) else "",
            )

    @factory.post_generation
    def accepted(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create:
            return
        if extracted is None and self.kind == grading.SHORT_TEXT:
            extracted = ["Dnipro", "Dnipro River"]
        for text in extracted or []:
            AcceptedAnswerFactory(question=self, text=text)


DEFAULT_EXCERPT = "Russia captured Kherson back in March."

DEFAULT_CHOICES = {
    grading.SINGLE: [
        ("Sergei Shoigu", True),
        ("Vladimir Putin", False),
        ("Kirill Stremousov", False),
    ],
    grading.MULTIPLE: [("Kherson", True), ("Crimea", True), ("Kharkiv", False)],
    grading.TRUE_FALSE: [("True", True), ("False", False)],
    grading.ORDERING: [("March", None), ("October", None), ("November", None)],
    grading.MATCHING: [
        ("Sergei Shoigu", "Defence minister"),
        ("Sergei Surovikin", "Top commander in Ukraine"),
        ("Kirill Stremousov", "Deputy leader in the region"),
    ],
}


class ChoiceFactory(DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, choices=[])
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Choice {n}")
    is_correct = False


class AcceptedAnswerFactory(DjangoModelFactory):
    class Meta:
        model = AcceptedAnswer

    question = factory.SubFactory(QuestionFactory, kind=grading.SHORT_TEXT, accepted=[])
    text = factory.Sequence(lambda n: f"Answer {n}")


class QuizFactory(DjangoModelFactory):
    """A quiz; `questions=[...]` puts those questions in it, in that order."""

    class Meta:
        model = Quiz
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    slug = factory.Sequence(lambda n: f"quiz-{n}")
    title = factory.Sequence(lambda n: f"Quiz {n}")
    description = "A quiz on the article."
    # Reviews show everything, as a teacher sets a quiz for learning: the tests of what a
    # review hides set these themselves (tests/test_review_options.py; the model's default
    # keeps the answers until the quiz closes).
    review_after_answers = True
    review_after_explanations = True
    review_open_answers = True
    review_open_explanations = True

    @factory.post_generation
    def questions(self, create: bool, extracted: list[Question] | None, **kwargs: object) -> None:
        if create:
            for position, question in enumerate(extracted or [], 1):
                QuizQuestionFactory(quiz=self, question=question, position=position)

    @factory.post_generation
    def open_to(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        """`open_to=[student, …]`: assign the quiz to a new cohort of them, open now."""
        if create and extracted:
            CohortFactory(students=list(extracted), quizzes=[self])


class QuizQuestionFactory(DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    quiz = factory.SubFactory(QuizFactory)
    question = factory.SubFactory(QuestionFactory, article=factory.SelfAttribute("..quiz.article"))
    position = factory.Sequence(lambda n: n + 1)


class AttemptFactory(DjangoModelFactory):
    """A bare attempt row; attempts with items come from `services.attempt_start`."""

    class Meta:
        model = Attempt

    user = factory.SubFactory(UserFactory)
    quiz = factory.SubFactory(QuizFactory)


class CohortFactory(DjangoModelFactory):
    """A cohort; `students=[...]` and `quizzes=[...]` (open from a day ago for 30 days)."""

    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Cohort {n}")
    term = "Autumn 2026"

    @factory.post_generation
    def students(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create:
            for user in extracted or []:
                MembershipFactory(cohort=self, user=user)

    @factory.post_generation
    def quizzes(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create:
            for quiz in extracted or []:
                CohortQuizFactory(cohort=self, quiz=quiz)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)


class CohortQuizFactory(DjangoModelFactory):
    class Meta:
        model = CohortQuiz

    cohort = factory.SubFactory(CohortFactory)
    quiz = factory.SubFactory(QuizFactory)
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=30))


class AccommodationFactory(DjangoModelFactory):
    """15 extra minutes at a quiz; `cohort=…` (and `quiz=None`) for a cohort-wide one. Saved
    as a row: tests of the admin and of moved deadlines go through the services."""

    class Meta:
        model = Accommodation

    user = factory.SubFactory(UserFactory)
    quiz = factory.SubFactory(QuizFactory)
    cohort = None
    extra_minutes = 15


class MemoryFactory(DjangoModelFactory):
    """A student's memory of a question as FSRS left it: `stability` days (90% chance of
    recall that long after `last_review`, a day ago by default), due when that chance falls
    to 90%. Saved as a row: tests of how answers make memories go through the services."""

    class Meta:
        model = Memory

    user = factory.SubFactory(UserFactory)
    question = factory.SubFactory(QuestionFactory)
    stability = 2.0
    difficulty = 5.0
    state = 2  # fsrs.State.Review
    last_review = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    due = factory.LazyAttribute(lambda m: m.last_review + timedelta(days=max(1, m.stability)))
