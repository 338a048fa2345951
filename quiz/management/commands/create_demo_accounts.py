from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz.accounts import demo_accounts_create


class Command(BaseCommand):
    help = (
        "Create the demo accounts student/student and instructor/instructor (staff in the "
        "Instructors group, not a superuser), and put the student in a demo cohort with the "
        "published quizzes open. Refused unless DEBUG is on. Existing accounts are left as "
        "they are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts have well-known passwords: only with DEBUG=1.")
        for user, created in demo_accounts_create():
            state = "created" if created else "already there"
            self.stdout.write(f"{user.username}: {state}")
