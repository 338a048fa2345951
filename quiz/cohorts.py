"""Loading a cohort from the file a school exports: all or nothing, students only.

A cohort file never creates staff or superusers and never carries passwords: new accounts get
no usable password and a one-time set-password link (Django's password-reset tokens) that the
instructor hands out. An account that already exists keeps its password and rights.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from quiz.banks import Problem
from quiz.models import Cohort, CohortQuiz, Membership, Quiz

USER_FIELDS = {"username", "first_name", "last_name", "email"}
FORBIDDEN = {
    "password",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "is_active",
    "last_login",
    "date_joined",
}
BATCH = 500


class CohortError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Student:
    username: str
    first_name: str
    last_name: str
    email: str
    where: str


@dataclass
class Assignment:
    quiz_slug: str
    opens_at: datetime
    closes_at: datetime
    where: str


@dataclass
class CohortFile:
    cohort: str
    term: str
    students: list[Student] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)


@dataclass
class NewAccount:
    username: str
    name: str
    email: str
    link: str


@dataclass
class CohortLoadResult:
    cohort: Cohort
    created: list[NewAccount]
    joined: int  # existing accounts newly added to the cohort
    already: int  # students already in the cohort
    quizzes_assigned: int


def read_cohort_file(path: Path, *, cohort: str | None, term: str = "") -> CohortFile:
    """Parse a CSV (username, name, email) or JSON fixture; raise CohortError naming every
    bad row."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CohortError([Problem(str(path), f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CohortError([Problem(str(path), "is not UTF-8 text")]) from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        parsed = _read_json(path, text, cohort=cohort, term=term)
    else:
        if not cohort:
            raise CohortError([Problem(str(path), "a CSV file needs --cohort NAME")])
        parsed = _read_csv(path, text, cohort=cohort, term=term)
    _check_students(parsed.students)
    return parsed


def cohort_load(
    data: CohortFile,
    *,
    base_url: str,
    progress: Callable[[int, int], None] | None = None,
) -> CohortLoadResult:
    """Create the cohort, its new student accounts and memberships, in one transaction."""
    User = get_user_model()
    problems: list[Problem] = []
    usernames = [s.username for s in data.students]
    existing = {}
    for start in range(0, len(usernames), BATCH):
        chunk = usernames[start : start + BATCH]
        existing.update({u.username: u for u in User.objects.filter(username__in=chunk)})
    quizzes = {
        q.slug: q for q in Quiz.objects.filter(slug__in=[a.quiz_slug for a in data.assignments])
    }
    for assignment in data.assignments:
        if assignment.quiz_slug not in quizzes:
            problems.append(Problem(assignment.where, f"no quiz {assignment.quiz_slug!r}"))
    if problems:
        raise CohortError(problems)

    with transaction.atomic():
        cohort, _ = Cohort.objects.get_or_create(name=data.cohort, defaults={"term": data.term})
        members = set(
            Membership.objects.filter(cohort=cohort).values_list("user__username", flat=True)
        )
        unusable = make_password(None)
        new_users = [
            User(
                username=s.username,
                first_name=s.first_name,
                last_name=s.last_name,
                email=s.email,
                password=unusable,
            )
            for s in data.students
            if s.username not in existing
        ]
        total = len(data.students)
        done = 0
        for start in range(0, len(new_users), BATCH):
            User.objects.bulk_create(new_users[start : start + BATCH])
            done += len(new_users[start : start + BATCH])
            if progress:
                progress(done, total)
        # Each new account's own unusable password: set_unusable_password would save again.
        created = {u.username: u for u in new_users}
        if any(u.pk is None for u in new_users):  # a backend that returns no ids
            created = {u.username: u for u in User.objects.filter(username__in=list(created))}
        joining = [
            Membership(cohort=cohort, user=existing.get(s.username) or created[s.username])
            for s in data.students
            if s.username not in members
        ]
        Membership.objects.bulk_create(joining, batch_size=BATCH)
        if progress:
            progress(total, total)
        assigned = 0
        for assignment in data.assignments:
            _, made = CohortQuiz.objects.get_or_create(
                cohort=cohort,
                quiz=quizzes[assignment.quiz_slug],
                defaults={"opens_at": assignment.opens_at, "closes_at": assignment.closes_at},
            )
            assigned += made
    accounts = [
        NewAccount(u.username, u.get_full_name(), u.email, set_password_link(u, base_url))
        for u in created.values()
    ]
    return CohortLoadResult(
        cohort=cohort,
        created=accounts,
        joined=len(joining) - len(created),
        already=len(data.students) - len(joining),
        quizzes_assigned=assigned,
    )


def set_password_link(user: Any, base_url: str) -> str:
    """A one-time link to choose a password: valid until used or PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])


def write_links(accounts: Iterable[NewAccount], path: Path) -> None:
    """The links file the instructor hands out; readable by its owner only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["username", "name", "email", "set_password_link"])
    for account in accounts:
        writer.writerow([account.username, account.name, account.email, account.link])
    path.touch(mode=0o600, exist_ok=False)
    path.write_text(buffer.getvalue(), encoding="utf-8")


# Parsing ------------------------------------------------------------------------------------


def _read_csv(path: Path, text: str, *, cohort: str, term: str) -> CohortFile:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "username" not in header:
        raise CohortError([Problem(str(path), "needs a header row with username, name, email")])
    unknown = [h for h in header if h not in {"username", "name", "email"}]
    if unknown:
        message = f"unknown column(s) {', '.join(unknown)}: a cohort file has username, name, email"
        if {"password", "is_staff", "is_superuser"} & set(unknown):
            message = "a cohort file cannot carry passwords or rights; " + message
        raise CohortError([Problem(str(path), message)])
    reader.fieldnames = header
    students = []
    for row in reader:
        where = f"{path}, row {reader.line_num}"
        name = (row.get("name") or "").strip()
        first, _, last = name.rpartition(" ") if " " in name else (name, "", "")
        students.append(
            Student(
                username=(row.get("username") or "").strip(),
                first_name=first,
                last_name=last,
                email=(row.get("email") or "").strip(),
                where=where,
            )
        )
    return CohortFile(cohort=cohort, term=term, students=students)


def _read_json(path: Path, text: str, *, cohort: str | None, term: str) -> CohortFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CohortError([Problem(str(path), f"is not valid JSON: {exc.msg}")]) from None
    if not isinstance(data, list):
        raise CohortError([Problem(str(path), "must hold a JSON list of objects")])
    problems: list[Problem] = []
    named: list[tuple[str, str]] = []
    students: list[Student] = []
    assignments: list[Assignment] = []
    for index, entry in enumerate(data, 1):
        where = f"{path}, object {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
            problems.append(Problem(where, 'must be an object with "model" and "fields"'))
            continue
        model, fields = str(entry.get("model", "")).lower(), entry["fields"]
        if "pk" in entry:
            problems.append(Problem(where, 'carries a primary key ("pk"); use natural keys'))
        elif model == "quiz.cohort":
            named.append((str(fields.get("name", "")).strip(), str(fields.get("term", ""))))
        elif model == "auth.user":
            carried = FORBIDDEN & set(fields)
            if carried:
                problems.append(
                    Problem(
                        where,
                        "a cohort file cannot carry passwords or rights ("
                        + ", ".join(sorted(carried))
                        + ")",
                    )
                )
                continue
            extra = set(fields) - USER_FIELDS
            if extra:
                problems.append(Problem(where, f"unknown field(s) {', '.join(sorted(extra))}"))
                continue
            students.append(
                Student(
                    username=str(fields.get("username", "")).strip(),
                    first_name=str(fields.get("first_name", "")).strip(),
                    last_name=str(fields.get("last_name", "")).strip(),
                    email=str(fields.get("email", "")).strip(),
                    where=where,
                )
            )
        elif model == "quiz.membership":
            continue  # every student in the file joins its cohort
        elif model == "quiz.cohortquiz":
            quiz = fields.get("quiz")
            opens_at = parse_datetime(str(fields.get("opens_at", "")))
            closes_at = parse_datetime(str(fields.get("closes_at", "")))
            if not (isinstance(quiz, list) and len(quiz) == 1):
                problems.append(Problem(where, 'quiz must be a natural key: ["quiz-slug"]'))
            elif opens_at is None or closes_at is None:
                problems.append(Problem(where, "opens_at and closes_at must be date-times"))
            elif closes_at <= opens_at:
                problems.append(Problem(where, "the quiz must close after it opens"))
            else:
                assignments.append(Assignment(str(quiz[0]), opens_at, closes_at, where))
        else:
            problems.append(
                Problem(
                    where,
                    f"{model or 'an object without a model'} cannot be loaded from a cohort file",
                )
            )
    if len(named) != 1 or not named[0][0]:
        problems.append(Problem(str(path), "must name exactly one cohort (a quiz.cohort object)"))
    elif cohort and cohort != named[0][0]:
        problems.append(Problem(str(path), f"names cohort {named[0][0]!r}, not {cohort!r}"))
    if problems:
        raise CohortError(problems)
    return CohortFile(
        cohort=named[0][0], term=named[0][1] or term, students=students, assignments=assignments
    )


def _check_students(students: list[Student]) -> None:
    User = get_user_model()
    max_length = User._meta.get_field("username").max_length
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for student in students:
        if not student.username:
            problems.append(Problem(student.where, "username is empty"))
            continue
        try:
            User.username_validator(student.username)
        except ValidationError:
            problems.append(
                Problem(
                    student.where,
                    f"username {student.username!r} may hold only letters, digits and @ . + - _",
                )
            )
        if len(student.username) > max_length:
            problems.append(Problem(student.where, f"username is longer than {max_length}"))
        folded = student.username.casefold()
        if folded in seen:
            problems.append(
                Problem(
                    student.where,
                    f"duplicate username {student.username!r} (also at {seen[folded]})",
                )
            )
        else:
            seen[folded] = student.where
        if student.email:
            try:
                validate_email(student.email)
            except ValidationError:
                problems.append(Problem(student.where, f"bad email {student.email!r}"))
    if problems:
        raise CohortError(problems)
