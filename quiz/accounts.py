"""Accounts the app sets up itself."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from quiz.roles import instructor_group_sync

DEMO_STUDENT = "student"
DEMO_INSTRUCTOR = "instructor"


@transaction.atomic
def demo_accounts_create() -> list[tuple[AbstractUser, bool]]:
    """The demo student and instructor, each with its name as password; idempotent.

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
    return made
