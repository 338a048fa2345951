"""The Instructors group: staff who edit question banks and quizzes, and nothing else."""

from typing import Any

from django.contrib.auth.models import Group, Permission

INSTRUCTORS = "Instructors"


def instructor_group_sync() -> Group:
    """Create the Instructors group if needed and give it exactly the quiz app's permissions."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    group.permissions.set(Permission.objects.filter(content_type__app_label="quiz"))
    return group


def sync_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    if using == "default":
        instructor_group_sync()
