"""Accounts the app sets up itself."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone

from quiz.models import Cohort, CohortQuiz, Membership, Quiz
from quiz.roles import instructor_group_sync

DEMO_STUDENT = "student"
DEMO_INSTRUCTOR = "instructor"
DEMO_COHORT = "Demo cohort"


@transaction.atomic
def demo_accounts_create() -> list[tuple[AbstractUser, bool]]:
    """The demo student and instructor, each with its name as password, and the student in a
    demo cohort with the published quizzes open; idempotent.

    Existing accounts keep their password and rights, so a second run changes nothing.
    """
    User = get_user_model()
    group = instructor_group_sync()
    made = []
    for username, staff in ((DEMO_STUDENT, False), (DEMO_INSTRUCTOR, True)):
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": staff, "first_name": username.title()}
        )
        if created:
            user.set_password(username)
            user.save(update_fields=["password"])
            if staff:
                user.groups.add(group)
        made.append((user, created))
    _demo_cohort(made[0][0])
    return made


def _demo_cohort(student: AbstractUser) -> None:
    """The demo student in a demo cohort with every published quiz open for a year."""
    cohort, _ = Cohort.objects.get_or_create(name=DEMO_COHORT, defaults={"term": "Demo"})
    Membership.objects.get_or_create(cohort=cohort, user=student)
    now = timezone.now()
    for quiz in Quiz.objects.filter(is_published=True):
        CohortQuiz.objects.get_or_create(
            cohort=cohort,
            quiz=quiz,
            defaults={"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=365)},
        )
