from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class QuizConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quiz"
    verbose_name = "Quizzes"

    def ready(self) -> None:
        from quiz import roles, session_limits

        # After every migrate, like Django's own permissions: a model added later gets its
        # permissions into the Instructors group without anyone remembering to do it.
        post_migrate.connect(roles.sync_after_migrate, sender=self)
        # Every login, the admin's and the test client's included, starts the session limits.
        user_logged_in.connect(session_limits.record_login)
