"""Load a 5,000-student cohort, time the gradebook and item analysis of a big cohort, and the
cohort admin page at 1,000 and 10,000 students.

    .venv/bin/python bench/cohorts.py                       # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/cohorts.py

Targets on this 2-core machine: the load under 10 s (with a progress bar while it runs); each
report page under 300 ms with at most 10 queries, for 1,000 students with 20 attempts each.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import open_cohort, prepared_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, default=5000, help="students in the loaded file")
    parser.add_argument("--students", type=int, default=1000, help="students in the report")
    parser.add_argument("--attempts", type=int, default=20, help="attempts each")
    parser.add_argument(
        "--admin-sizes",
        type=int,
        nargs="*",
        default=[1000, 10000],
        help="cohort sizes to time the cohort admin page at",
    )
    args = parser.parse_args()

    workdir, env, manage, database = prepared_database("quiz-cohort-bench-")

    # 1. The load, as an instructor runs it, progress bar and all.
    path = workdir / "cohort.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["username", "name", "email"])
        for n in range(args.load):
            writer.writerow([f"pupil{n:05d}", f"Pupil Number{n}", f"pupil{n}@school.example"])
    start = time.perf_counter()
    subprocess.run(
        [
            *manage,
            "load_cohort",
            str(path),
            "--cohort",
            "Big cohort",
            "--links",
            str(workdir / "links.csv"),
        ],
        env=env,
        check=True,
    )
    load_seconds = time.perf_counter() - start

    # 2. The reports, in this process, through the test client.
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from quiz import services
    from quiz.models import Cohort, Question, Response

    cohort, quiz = make_attempts(args.students, args.attempts)
    staff, client = instructor_client()
    pages = {
        "gradebook": reverse("quiz:gradebook", args=[cohort.pk, quiz.slug]) + "?sort=best&dir=desc",
        "gradebook CSV": reverse("quiz:gradebook", args=[cohort.pk, quiz.slug]) + "?format=csv",
        "item analysis": reverse("quiz:analysis", args=[quiz.slug]) + f"?cohort={cohort.pk}",
        "attempt review": reverse("quiz:attempt_detail", args=[answered_attempt(cohort, quiz).pk]),
    }
    print()
    print(f"{database}: load_cohort of {args.load} students: {load_seconds:.1f} s (target < 10 s)")
    print(
        f"reports for {args.students} students × {args.attempts} attempts "
        f"({Cohort.objects.get(pk=cohort.pk).memberships.count()} in the cohort):"
    )
    for label, url in pages.items():
        client.get(url)  # warm
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        times.sort()
        if os.environ.get("BENCH_SQL"):
            for q in queries.captured_queries:
                print(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:150]}")
        print(
            f"  {label:14} median {times[2] * 1000:6.0f} ms, worst {times[-1] * 1000:6.0f} ms, "
            f"{len(queries)} queries (targets < 300 ms, ≤ 10)"
        )

    # 3. The cohort's admin page, as an instructor opens it, at a school's sizes.
    print("cohort admin page (students a page at a time):")
    for size in args.admin_sizes:
        big = make_cohort(size)
        url = reverse("admin:quiz_cohort_change", args=[big.pk])
        client.get(url)  # warm
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        times.sort()
        print(
            f"  {size:>6,} students  median {times[2] * 1000:6.0f} ms, worst "
            f"{times[-1] * 1000:6.0f} ms, {len(queries)} queries, "
            f"{len(response.content) / 1024:.0f} KB (target < 1 s, fixed queries)"
        )

    # 4. Accepting the commonest wrong answer to a short-text question, then a number ("0"
    # and "0.0" alike): every matching response of the 1,000 students regraded, in one
    # transaction.
    for label, kind, answer in (("answer", "short_text", "typo 0"), ("number", "numeric", "0")):
        question = Question.objects.filter(quizzes=quiz, kind=kind).first()
        asked = Response.objects.filter(item__question=question).count()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            accepted = services.answer_accept(user=staff, question_id=question.pk, answer=answer)
            seconds = time.perf_counter() - start
        print(
            f"  accept {label:7} {seconds * 1000:6.0f} ms, {len(queries)} queries: "
            f"{accepted.regraded} of {asked} answers regraded"
        )


def make_cohort(students: int):
    """A cohort of `students` new accounts, written in bulk."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from quiz.models import Cohort, Membership

    User = get_user_model()
    cohort = Cohort.objects.create(name=f"Admin cohort {students}")
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"adm{students}-{n:06d}",
                first_name="Pupil",
                last_name=f"N{n}",
                password=password,
            )
            for n in range(students)
        ],
        batch_size=1000,
    )
    Membership.objects.bulk_create(
        [Membership(cohort=cohort, user=u) for u in users], batch_size=1000
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return cohort


def answered_attempt(cohort, quiz):
    """A whole attempt at `quiz` answered through the services (the bulk-made ones hold
    placeholder submissions a review cannot show), every question right."""
    from django.contrib.auth import get_user_model

    from quiz import services

    student = get_user_model().objects.create(username="bench-student")
    cohort.memberships.create(user=student)
    attempt = services.attempt_start(user=student, quiz=quiz)
    for item in attempt.items.select_related("question").order_by("position"):
        form = item.page_from_ids(item.question.kind_object.right_form(item.grading_key()))
        services.answer_record(
            user=student,
            attempt_id=attempt.pk,
            item_id=item.pk,
            answers=form.answers,
            matches=form.matches,
        )
    return attempt


def instructor_client():
    """An instructor (in the Instructors group, not a superuser) and a test client logged in
    as them."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from quiz.roles import instructor_group_sync

    staff = get_user_model().objects.create(username="bench-instructor", is_staff=True)
    staff.groups.add(instructor_group_sync())
    client = Client()
    client.force_login(staff)
    return staff, client


def make_attempts(students: int, attempts: int):
    """Finished attempts written in bulk, as the services would leave them."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from quiz import drawing
    from quiz.models import Attempt, AttemptItem, Question, Quiz, Response

    quiz = Quiz.objects.get(slug="kherson-withdrawal-ten")
    questions = list(
        Question.objects.filter(quizzes=quiz).prefetch_related("choices", "accepted_answers")
    )
    keys = {q.pk: (q, q.kind_object.key_to_data(q.grading_key())) for q in questions}
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"report{n:05d}", password=password) for n in range(students)]
    )
    cohort = open_cohort("Report cohort", [quiz.slug], users, days=30)
    now = timezone.now()
    rng = random.Random(7)
    for batch_start in range(0, students, 100):
        batch = users[batch_start : batch_start + 100]
        made = []
        for user in batch:
            ability = rng.random()
            for n in range(attempts):
                drawn = drawing.draw(questions, 10, rng=rng)
                started = now - timedelta(days=20 - n, minutes=rng.randint(0, 600))
                made.append((user, ability, drawn, started))
        rows = Attempt.objects.bulk_create(
            [
                Attempt(
                    user=user,
                    quiz=quiz,
                    state=Attempt.State.FINISHED,
                    started_at=started,
                    finished_at=started + timedelta(minutes=9),
                    question_count=10,
                    max_points=sum(q.weight for q in drawn),
                    points=0,
                )
                for user, _, drawn, started in made
            ]
        )
        items, scores = [], []
        for attempt, (_, ability, drawn, _) in zip(rows, made, strict=True):
            for position, question in enumerate(drawn, 1):
                q, key = keys[question.pk]
                items.append(
                    AttemptItem(
                        attempt=attempt,
                        question=q,
                        position=position,
                        options=[[c.pk, c.text] for c in q.choices.all()],
                        key=key,
                        weight=q.weight,
                    )
                )
                scores.append(1 if rng.random() < ability else 0)
        AttemptItem.objects.bulk_create(items)
        responses = []
        totals: dict[int, int] = {}
        for item, score in zip(items, scores, strict=True):
            choices = list(item.options)
            # Typed answers vary as a class's do: a few common typos, a long tail of others;
            # numbers in two spellings each, which grading reads as one.
            common = min(rng.randint(0, 400), rng.randint(0, 400))
            if item.question.kind_object.uses_numeric:
                typed = f"{common}{rng.choice(['', '.0'])}"
            else:
                typed = f"typo {common}"
            submission = str(choices[0][0]) if choices else typed
            responses.append(
                Response(
                    item=item,
                    submission=submission,
                    score=Decimal(score),
                    is_correct=bool(score),
                    feedback="",
                )
            )
            totals[item.attempt_id] = totals.get(item.attempt_id, 0) + score * item.weight
        Response.objects.bulk_create(responses)
        for attempt in rows:
            attempt.points = Decimal(totals.get(attempt.pk, 0))
            attempt.passed = attempt.points * 100 >= quiz.pass_mark * attempt.max_points
        Attempt.objects.bulk_update(rows, ["points", "passed"])
    # The planner's statistics as they are in steady state: PostgreSQL's autovacuum analyzes
    # tables after bulk changes like these, but not within the second this script needs.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return cohort, quiz


if __name__ == "__main__":
    main()
