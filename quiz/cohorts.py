"""Loading a cohort from the file a school exports: all or nothing, students only.

A cohort file never creates staff or superusers and never carries passwords: new accounts get
no usable password and a one-time set-password link (Django's password-reset tokens) that the
instructor hands out. An account that already exists keeps its password and rights.

The same code serves `load_cohort` and the admin's upload page: `parse_cohort` reads the
bytes, `cohort_plan` says what each row would do (read-only: the preview), `cohort_load` does
it in one transaction, handing the new links to a `deliver` callback inside that transaction
so that a failure to deliver them keeps nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from quiz import errors
from quiz.banks import Problem
from quiz.models import Cohort, CohortQuiz, Membership, Quiz
from quiz.spreadsheets import safe_csv_writer

USER_FIELDS = {"username", "first_name", "last_name", "email"}
CSV_COLUMNS = ("username", "name", "email")
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
# A school's export is ~60 bytes a row: 10 MB is over 150,000 students, far beyond a cohort.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PROBLEMS = 100  # a wholly wrong file names its first hundred problems, not a million

NEW, JOINS, ALREADY, REFUSED = "new", "joins", "already", "refused"


class CohortError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Student:
    username: str
    first_name: str
    last_name: str
    email: str
    where: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


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
class PlannedRow:
    student: Student
    outcome: str  # NEW, JOINS, ALREADY or REFUSED
    reason: str = ""


@dataclass
class CohortPlan:
    """What loading a file would do, row by row; `problems` refuse the whole load."""

    data: CohortFile
    cohort_exists: bool
    rows: list[PlannedRow]
    problems: list[Problem]

    def outcome(self, outcome: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome == outcome]


@dataclass
class CohortLoadResult:
    cohort: Cohort
    created: list[NewAccount]
    joined: int  # existing accounts newly added to the cohort
    already: int  # students already in the cohort
    quizzes_assigned: int


Deliver = Callable[[list[NewAccount]], None]


# Reading ------------------------------------------------------------------------------------


def read_cohort_file(path: Path, *, cohort: str | None, term: str = "") -> CohortFile:
    """Parse a CSV (username, name, email) or JSON fixture; raise CohortError naming every
    bad row."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CohortError([Problem(str(path), _too_big(size))])
        raw = path.read_bytes()
    except OSError as exc:
        raise CohortError([Problem(str(path), f"cannot be read: {exc.strerror or exc}")]) from None
    return parse_cohort(str(path), raw, cohort=cohort, term=term)


def parse_cohort(name: str, raw: bytes, *, cohort: str | None, term: str = "") -> CohortFile:
    """The file's bytes as a cohort; `name` is how problems name the file."""
    if len(raw) > MAX_FILE_BYTES:
        raise CohortError([Problem(name, _too_big(len(raw)))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise CohortError(
            [
                Problem(
                    f"{name}, row {row}",
                    f"is not UTF-8 text (byte {exc.start + 1}): save it as CSV UTF-8",
                )
            ]
        ) from None
    problems: list[Problem] = []
    if cohort is not None:
        cohort = _text(cohort.strip(), "cohort name", name, problems, Cohort, "name") or ""
    term = _text(term.strip(), "term", name, problems, Cohort, "term") or ""
    if problems:
        raise CohortError(problems)
    if name.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        parsed = _read_json(name, text, cohort=cohort, term=term)
    else:
        if not cohort:
            raise CohortError([Problem(name, "a CSV file needs a cohort name (--cohort NAME)")])
        parsed = _read_csv(name, text, cohort=cohort, term=term)
    _check_students(parsed.students)
    return parsed


def _too_big(size: int) -> str:
    return f"is {size / 1e6:.1f} MB; a cohort file is at most {MAX_FILE_BYTES // 2**20} MB"


# Usernames ------------------------------------------------------------------------------------


@cache
def _confusable_table() -> dict[int, str]:
    """Each character Unicode lists as confusable with an ASCII one (confusable-homoglyphs'
    copy of TR39's data), mapped to that ASCII character: Cyrillic 'ѕ' to 's'. One step only,
    never a chain: chains join letters no reader confuses ('t' and 'z')."""
    from confusable_homoglyphs.confusables import confusables_data

    def norm(text: str) -> str:
        return unicodedata.normalize("NFKC", text.strip("\u200e")).casefold()

    table: dict[int, str] = {}
    for char, homoglyphs in confusables_data.items():
        key = norm(char)
        if len(key) != 1 or key.isascii():
            continue
        ascii_like = sorted(
            c for c in (norm(h["c"]) for h in homoglyphs) if len(c) == 1 and c.isascii()
        )
        if ascii_like:
            table[ord(key)] = ascii_like[0]
    # Digits that pass for letters in most fonts.
    table[ord("0")] = "o"
    table[ord("1")] = "l"
    return table


def username_skeleton(username: str) -> str:
    """What a username looks like to a reader: NFKC, case-folded, then each character that
    passes for an ASCII letter replaced by it. Two usernames with one skeleton are one person
    to a teacher reading a list, so a cohort file may not hold both."""
    return unicodedata.normalize("NFKC", username).casefold().translate(_confusable_table())


# Planning and loading -----------------------------------------------------------------------


def cohort_plan(data: CohortFile, *, allow_staff: bool = False) -> CohortPlan:
    """What loading `data` would do to each row, without changing anything."""
    User = get_user_model()
    usernames = [s.username for s in data.students]
    existing: dict[str, Any] = {}
    for start in range(0, len(usernames), BATCH):
        chunk = usernames[start : start + BATCH]
        existing.update({u.username: u for u in User.objects.filter(username__in=chunk)})
    cohort = Cohort.objects.filter(name=data.cohort).first()
    members = (
        set(Membership.objects.filter(cohort=cohort).values_list("user__username", flat=True))
        if cohort
        else set()
    )
    # Lookalikes cannot be found by SQL: read every username once and compare skeletons.
    wanted = {username_skeleton(u) for u in usernames}
    lookalikes: dict[str, list[str]] = {}
    for other in User.objects.values_list("username", flat=True).iterator(chunk_size=5000):
        skeleton = username_skeleton(other)
        if skeleton in wanted:
            lookalikes.setdefault(skeleton, []).append(other)
    rows: list[PlannedRow] = []
    problems: list[Problem] = []
    for student in data.students:
        user = existing.get(student.username)
        if user is not None and (user.is_staff or user.is_superuser) and not allow_staff:
            kind = "superuser" if user.is_superuser else "staff"
            reason = (
                f"username {student.username!r} is a {kind} account: a cohort file adds "
                "students (load_cohort --allow-staff if this is meant)"
            )
        elif user is not None:
            reason = ""
        else:
            others = sorted(
                n
                for n in lookalikes.get(username_skeleton(student.username), [])
                if n != student.username
            )
            reason = (
                f"username {student.username!r} looks like the existing account {others[0]!r}"
                if others
                else ""
            )
        if reason:
            rows.append(PlannedRow(student, REFUSED, reason))
            problems.append(Problem(student.where, reason))
        elif user is None:
            rows.append(PlannedRow(student, NEW))
        else:
            rows.append(PlannedRow(student, ALREADY if student.username in members else JOINS))
    slugs = set(
        Quiz.objects.filter(slug__in=[a.quiz_slug for a in data.assignments]).values_list(
            "slug", flat=True
        )
    )
    for assignment in data.assignments:
        if assignment.quiz_slug not in slugs:
            problems.append(Problem(assignment.where, f"no quiz {assignment.quiz_slug!r}"))
    return CohortPlan(data=data, cohort_exists=cohort is not None, rows=rows, problems=problems)


def cohort_load(
    data: CohortFile,
    *,
    base_url: str,
    by: Any = None,
    allow_staff: bool = False,
    deliver: Deliver | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CohortLoadResult:
    """Create the cohort, its new student accounts and memberships, in one transaction.

    `by` is the instructor loading it (None: the command line); `deliver` receives the new
    accounts' links inside the transaction, so if it fails nothing is kept.
    """
    if by is not None and not by.has_perms(["quiz.add_cohort", "quiz.add_membership"]):
        raise errors.NotAllowed()
    User = get_user_model()
    with transaction.atomic():
        plan = cohort_plan(data, allow_staff=allow_staff)  # again: the file may be old news
        if plan.problems:
            raise CohortError(plan.problems)
        cohort, _ = Cohort.objects.get_or_create(name=data.cohort, defaults={"term": data.term})
        unusable = make_password(None)
        new_users = [
            User(
                username=r.student.username,
                first_name=r.student.first_name,
                last_name=r.student.last_name,
                email=r.student.email,
                password=unusable,
            )
            for r in plan.outcome(NEW)
        ]
        total = len(data.students)
        done = 0
        for start in range(0, len(new_users), BATCH):
            User.objects.bulk_create(new_users[start : start + BATCH])
            done += len(new_users[start : start + BATCH])
            if progress:
                progress(done, total)
        created = {u.username: u for u in new_users}
        if any(u.pk is None for u in new_users):  # a backend that returns no ids
            created = {u.username: u for u in User.objects.filter(username__in=list(created))}
        joining_names = [r.student.username for r in plan.outcome(JOINS)]
        joining_users = list(created.values())
        for start in range(0, len(joining_names), BATCH):
            joining_users += User.objects.filter(username__in=joining_names[start : start + BATCH])
        Membership.objects.bulk_create(
            [Membership(cohort=cohort, user=u) for u in joining_users], batch_size=BATCH
        )
        if progress:
            progress(total, total)
        quizzes = {
            q.slug: q for q in Quiz.objects.filter(slug__in=[a.quiz_slug for a in data.assignments])
        }
        assigned = 0
        for assignment in data.assignments:
            _, made = CohortQuiz.objects.get_or_create(
                cohort=cohort,
                quiz=quizzes[assignment.quiz_slug],
                defaults={"opens_at": assignment.opens_at, "closes_at": assignment.closes_at},
            )
            assigned += made
        accounts = [_account(u, base_url) for u in created.values()]
        if accounts and deliver:
            deliver(accounts)
    return CohortLoadResult(
        cohort=cohort,
        created=accounts,
        joined=len(joining_names),
        already=len(plan.outcome(ALREADY)),
        quizzes_assigned=assigned,
    )


def reissue_links(
    usernames: Iterable[str], *, base_url: str, by: Any = None, deliver: Deliver | None = None
) -> list[NewAccount]:
    """Fresh set-password links for students who have not chosen a password yet. Each gets a
    new unusable password, which is part of what a link signs: every older link stops
    working."""
    if by is not None and not by.has_perm("quiz.change_membership"):
        raise errors.NotAllowed()
    User = get_user_model()
    wanted = sorted(set(usernames))
    with transaction.atomic():
        users = {}
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            users.update(
                {u.username: u for u in User.objects.select_for_update().filter(username__in=chunk)}
            )
        problems = []
        for username in wanted:
            user = users.get(username)
            if user is None:
                problems.append(Problem(username, "no such account"))
            elif user.is_staff or user.is_superuser:
                problems.append(Problem(username, "is a staff account: it gets no link here"))
            elif user.has_usable_password():
                problems.append(
                    Problem(username, "has chosen a password already: a link would take it away")
                )
        if problems:
            raise CohortError(problems)
        for user in users.values():
            user.password = make_password(None)
        User.objects.bulk_update(list(users.values()), ["password"], batch_size=BATCH)
        accounts = [_account(users[u], base_url) for u in wanted]
        if accounts and deliver:
            deliver(accounts)
    return accounts


def move_students(memberships: QuerySet[Membership], to: Cohort, *, by: Any) -> tuple[int, int]:
    """Move the memberships' students to cohort `to`, all in one statement or two, at any
    size. A student already in `to` just leaves their old cohort. Returns (moved, left)."""
    if by is not None and not by.has_perm("quiz.change_membership"):
        raise errors.NotAllowed()
    with transaction.atomic():
        chosen = Membership.objects.filter(pk__in=memberships.values("pk")).exclude(cohort=to)
        there = Membership.objects.filter(cohort=to, user_id=OuterRef("user_id"))
        left, _ = chosen.filter(Exists(there)).delete()
        moved = chosen.update(cohort=to)
    return moved, left


def set_password_link(user: Any, base_url: str) -> str:
    """A one-time link to choose a password: valid until used or PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])


def _account(user: Any, base_url: str) -> NewAccount:
    return NewAccount(
        user.username, user.get_full_name(), user.email, set_password_link(user, base_url)
    )


# The links file -------------------------------------------------------------------------------


def links_csv(accounts: Iterable[NewAccount], out: Any) -> None:
    writer = safe_csv_writer(out)
    writer.writerow(["username", "name", "email", "set_password_link"])
    for account in accounts:
        writer.writerow([account.username, account.name, account.email, account.link])


class LinksFile:
    """The links file the instructor hands out, readable by its owner only.

    `check()` before anything is saved (the folder exists and is writable, the name is free
    or `force`); `write()` inside the load's transaction: a temporary file in the same folder,
    moved into place whole. `discard()` if the transaction fails after all.
    """

    def __init__(self, path: Path, *, force: bool = False) -> None:
        self.path = path
        self.force = force
        self.written = False

    def check(self) -> None:
        folder = self.path.parent
        if not folder.is_dir():
            raise CohortError([Problem(str(self.path), f"its folder {folder} does not exist")])
        if not os.access(folder, os.W_OK | os.X_OK):
            raise CohortError([Problem(str(self.path), f"its folder {folder} is not writable")])
        if self.path.is_dir():
            raise CohortError([Problem(str(self.path), "is a folder")])
        if self.path.exists() and not self.force:
            raise CohortError(
                [Problem(str(self.path), "exists already: move it away, give --links or --force")]
            )

    def write(self, accounts: list[NewAccount]) -> None:
        self.check()
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=".links-", suffix=".tmp"
            )
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:  # mode 0600
                links_csv(accounts, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            if temporary:
                Path(temporary).unlink(missing_ok=True)
            raise CohortError(
                [Problem(str(self.path), f"cannot be written: {exc.strerror or exc}")]
            ) from None
        self.written = True

    def discard(self) -> None:
        if self.written:
            self.path.unlink(missing_ok=True)
            self.written = False


def write_links(accounts: Iterable[NewAccount], path: Path) -> None:
    """The links file, written whole or not at all (see LinksFile)."""
    LinksFile(path).write(list(accounts))


# Parsing ------------------------------------------------------------------------------------


def _text(
    value: object,
    label: str,
    where: str,
    problems: list[Problem],
    model: Any = None,
    field_name: str = "",
) -> str | None:
    """A text field, checked for what the database would refuse or a reader could not see:
    not text, control characters, lone surrogates, longer than its column."""
    if not isinstance(value, str):
        problems.append(Problem(where, f"{label} must be text, not {type(value).__name__}"))
        return None
    value = value.strip()
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        problems.append(Problem(where, f"{label} holds a control character"))
        return None
    if model is not None:
        max_length = model._meta.get_field(field_name).max_length
        if len(value) > max_length:
            problems.append(Problem(where, f"{label} is longer than {max_length} characters"))
            return None
    return value


def _add(problems: list[Problem], problem: Problem) -> None:
    if len(problems) < MAX_PROBLEMS:
        problems.append(problem)


def _read_csv(name: str, text: str, *, cohort: str, term: str) -> CohortFile:
    User = get_user_model()
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    students: list[Student] = []
    try:
        header = next(reader, None)
        header = [h.strip().lower() for h in header or []]
        if "username" not in header:
            raise CohortError([Problem(name, "needs a header row with username, name, email")])
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            message = (
                f"unknown column(s) {', '.join(unknown)}: a cohort file has username, name, email"
            )
            if {"password", "is_staff", "is_superuser"} & set(unknown):
                message = "a cohort file cannot carry passwords or rights; " + message
            raise CohortError([Problem(name, message)])
        if len(set(header)) != len(header):
            raise CohortError([Problem(name, "names a column twice in its header row")])
        for cells in reader:
            where = f"{name}, row {reader.line_num}"
            if not any(c.strip() for c in cells):
                continue  # a blank line, as spreadsheets leave at the end
            if len(cells) != len(header):
                _add(
                    problems,
                    Problem(
                        where,
                        f"has {len(cells)} cell(s); the header has {len(header)} "
                        f"({', '.join(header)})",
                    ),
                )
                continue
            row = dict(zip(header, cells, strict=True))
            before = len(problems)
            username = _text(row["username"], "username", where, problems)
            full = _text(row.get("name", ""), "name", where, problems) or ""
            email = _text(row.get("email", ""), "email", where, problems, User, "email")
            first, _, last = full.rpartition(" ") if " " in full else (full, "", "")
            for label, part in (("name's first part", first), ("name's last part", last)):
                _text(part, label, where, problems, User, "first_name")
            if len(problems) == before:
                students.append(Student(username or "", first, last, email or "", where))
    except csv.Error as exc:
        raise CohortError(
            [Problem(f"{name}, row {reader.line_num}", f"is not a readable CSV row ({exc})")]
        ) from None
    if problems:
        raise CohortError(problems)
    return CohortFile(cohort=cohort, term=term, students=students)


def _read_json(name: str, text: str, *, cohort: str | None, term: str) -> CohortFile:
    User = get_user_model()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CohortError(
            [Problem(f"{name}, line {exc.lineno}", f"is not valid JSON: {exc.msg}")]
        ) from None
    except RecursionError:
        raise CohortError([Problem(name, "is not a cohort file: nested too deep")]) from None
    if not isinstance(data, list):
        raise CohortError([Problem(name, "must hold a JSON list of objects")])
    problems: list[Problem] = []
    named: list[tuple[str, str]] = []
    students: list[Student] = []
    assignments: list[Assignment] = []
    for index, entry in enumerate(data, 1):
        where = f"{name}, object {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
            _add(problems, Problem(where, 'must be an object with "model" and "fields"'))
            continue
        model, fields = entry.get("model", ""), entry["fields"]
        model = model.lower() if isinstance(model, str) else ""
        if "pk" in entry:
            _add(problems, Problem(where, 'carries a primary key ("pk"); use natural keys'))
        elif model == "quiz.cohort":
            extra = set(fields) - {"name", "term"}
            if extra:
                _add(problems, Problem(where, f"unknown field(s) {', '.join(sorted(extra))}"))
                continue
            cohort_name = _text(fields.get("name", ""), "name", where, problems, Cohort, "name")
            cohort_term = _text(fields.get("term", ""), "term", where, problems, Cohort, "term")
            if cohort_name is not None and cohort_term is not None:
                named.append((cohort_name, cohort_term))
        elif model == "auth.user":
            carried = FORBIDDEN & set(fields)
            if carried:
                _add(
                    problems,
                    Problem(
                        where,
                        "a cohort file cannot carry passwords or rights ("
                        + ", ".join(sorted(carried))
                        + ")",
                    ),
                )
                continue
            extra = set(fields) - USER_FIELDS
            if extra:
                _add(problems, Problem(where, f"unknown field(s) {', '.join(sorted(extra))}"))
                continue
            before = len(problems)
            values = {
                key: _text(fields.get(key, ""), key, where, problems, User, key)
                for key in ("username", "first_name", "last_name", "email")
            }
            if len(problems) == before:
                students.append(Student(**values, where=where))  # type: ignore[arg-type]
        elif model == "quiz.membership":
            continue  # every student in the file joins its cohort
        elif model == "quiz.cohortquiz":
            assignment = _assignment(fields, where, problems)
            if assignment:
                assignments.append(assignment)
        else:
            shown = (
                repr(entry.get("model"))[:60] if "model" in entry else "an object without a model"
            )
            _add(problems, Problem(where, f"{shown} cannot be loaded from a cohort file"))
    if len(named) != 1 or not named[0][0]:
        problems.append(Problem(name, "must name exactly one cohort (a quiz.cohort object)"))
    elif cohort and cohort != named[0][0]:
        problems.append(Problem(name, f"names cohort {named[0][0]!r}, not {cohort!r}"))
    if problems:
        raise CohortError(problems)
    return CohortFile(
        cohort=named[0][0], term=named[0][1] or term, students=students, assignments=assignments
    )


def _assignment(fields: dict, where: str, problems: list[Problem]) -> Assignment | None:
    quiz = fields.get("quiz")
    if not (isinstance(quiz, list) and len(quiz) == 1 and isinstance(quiz[0], str)):
        _add(problems, Problem(where, 'quiz must be a natural key: ["quiz-slug"]'))
        return None
    times = []
    for key in ("opens_at", "closes_at"):
        value = fields.get(key)
        if not isinstance(value, str):
            _add(problems, Problem(where, f"{key} must be a date-time like 2027-01-10T08:00:00Z"))
            return None
        try:
            when = parse_datetime(value)
            if when is not None and when.tzinfo is not None:
                when.astimezone(UTC)  # a time zone that carries it past year 1 or 9999
        except (ValueError, OverflowError) as exc:
            _add(problems, Problem(where, f"{key} {value[:40]!r} is not a real date-time ({exc})"))
            return None
        if when is None:
            _add(problems, Problem(where, f"{key} must be a date-time like 2027-01-10T08:00:00Z"))
            return None
        if when.tzinfo is None:
            _add(problems, Problem(where, f"{key} needs its time zone, e.g. 2027-01-10T08:00:00Z"))
            return None
        times.append(when)
    if times[1] <= times[0]:
        _add(problems, Problem(where, "the quiz must close after it opens (closes_at)"))
        return None
    return Assignment(quiz[0], times[0], times[1], where)


def _check_students(students: list[Student]) -> None:
    User = get_user_model()
    max_length = User._meta.get_field("username").max_length
    problems: list[Problem] = []
    seen: dict[str, Student] = {}
    for student in students:
        if not student.username:
            _add(problems, Problem(student.where, "username is empty"))
            continue
        try:
            User.username_validator(student.username)
        except ValidationError:
            _add(
                problems,
                Problem(
                    student.where,
                    f"username {student.username!r} may hold only letters, digits and @ . + - _",
                ),
            )
        if len(student.username) > max_length:
            _add(problems, Problem(student.where, f"username is longer than {max_length}"))
        skeleton = username_skeleton(student.username)
        if skeleton in seen:
            other = seen[skeleton]
            same = other.username.casefold() == student.username.casefold()
            what = "duplicate" if same else "lookalike"
            _add(
                problems,
                Problem(
                    student.where,
                    f"{what} username {student.username!r} (also {other.username!r} at "
                    f"{other.where})",
                ),
            )
        else:
            seen[skeleton] = student
        if student.email:
            try:
                validate_email(student.email)
            except ValidationError:
                _add(problems, Problem(student.where, f"bad email {student.email!r}"))
    if problems:
        raise CohortError(problems)
