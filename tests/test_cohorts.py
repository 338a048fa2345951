"""Loading a cohort: all or nothing, students only, set-password links instead of passwords."""

import csv
import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from quiz.models import Cohort, CohortQuiz, Membership
from tests.factories import QuizFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def write_csv(tmp_path, rows, name="cohort.csv", header=("username", "name", "email")):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def students(n, start=0):
    return [
        (f"student{i}", f"Student Number{i}", f"s{i}@school.example")
        for i in range(start, start + n)
    ]


def load(path, tmp_path, *args):
    out, err = StringIO(), StringIO()
    call_command(
        "load_cohort",
        str(path),
        "--links",
        str(tmp_path / "links.csv"),
        *args,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def counts():
    return (User.objects.count(), Cohort.objects.count(), Membership.objects.count())


def test_a_csv_creates_the_cohort_and_its_students(tmp_path):
    out, _ = load(
        write_csv(tmp_path, students(3)), tmp_path, "--cohort", "Year 10", "--term", "Autumn"
    )
    cohort = Cohort.objects.get(name="Year 10")
    assert cohort.term == "Autumn"
    assert sorted(cohort.students.values_list("username", flat=True)) == [
        "student0",
        "student1",
        "student2",
    ]
    user = User.objects.get(username="student1")
    assert (user.first_name, user.last_name, user.email) == (
        "Student",
        "Number1",
        "s1@school.example",
    )
    assert not user.has_usable_password()
    assert not user.is_staff
    assert "3 new account(s)" in out
    assert "password" not in out.lower().replace("set-password", "")


def test_the_links_file_lets_each_student_set_a_password_once(tmp_path, login_request):
    load(
        write_csv(tmp_path, students(2)),
        tmp_path,
        "--cohort",
        "Year 10",
        "--base-url",
        "https://quiz.example.org",
    )
    rows = list(csv.DictReader((tmp_path / "links.csv").open(encoding="utf-8")))
    assert [r["username"] for r in rows] == ["student0", "student1"]
    assert (tmp_path / "links.csv").stat().st_mode & 0o077 == 0
    link = rows[0]["set_password_link"]
    assert link.startswith("https://quiz.example.org/accounts/reset/")
    client = Client()
    path = link.removeprefix("https://quiz.example.org")
    form_page = client.get(path, follow=True)
    assert b"Choose your password" in form_page.content
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-phrase", "new_password2": "a-long-pass-phrase"},
    )
    assert response.status_code == 302
    assert authenticate(login_request, username="student0", password="a-long-pass-phrase")
    used = Client().get(path, follow=True)
    assert b"This link no longer works" in used.content


def test_a_bad_row_at_the_end_of_a_long_file_keeps_nothing(tmp_path):
    rows = [*students(300), ("student7", "Twice Named", "t@school.example")]
    path = write_csv(tmp_path, rows)
    before = counts()
    with pytest.raises(CommandError, match="nothing was loaded"):
        load(path, tmp_path, "--cohort", "Year 10")
    assert counts() == before
    assert not (tmp_path / "links.csv").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("bad name!", "X", "x@school.example"), "may hold only letters"),
        (("ok", "X", "not-an-email"), "bad email 'not-an-email'"),
        (("", "X", "x@school.example"), "username is empty"),
        (("Student0", "X", "x@school.example"), "duplicate username 'Student0'"),
    ],
)
def test_each_bad_row_is_named(tmp_path, row, message):
    path = write_csv(tmp_path, [*students(2), row])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_cohort",
            str(path),
            "--cohort",
            "Y",
            "--links",
            str(tmp_path / "l.csv"),
            stderr=err,
        )
    assert f"{path}, row 4: " in err.getvalue()
    assert message in err.getvalue()
    assert not User.objects.exists()


def test_loading_the_same_file_again_changes_nothing(tmp_path):
    path = write_csv(tmp_path, students(3))
    load(path, tmp_path, "--cohort", "Year 10")
    (tmp_path / "links.csv").unlink()
    before = (counts(), list(User.objects.values_list("password", flat=True)))
    out, _ = load(path, tmp_path, "--cohort", "Year 10")
    assert (counts(), list(User.objects.values_list("password", flat=True))) == before
    assert "0 new account(s), 0 existing account(s) added, 3 already in it" in out
    assert not (tmp_path / "links.csv").exists()


def test_a_file_with_new_names_adds_just_those(tmp_path):
    load(write_csv(tmp_path, students(3)), tmp_path, "--cohort", "Year 10")
    (tmp_path / "links.csv").unlink()
    out, _ = load(write_csv(tmp_path, students(5)), tmp_path, "--cohort", "Year 10")
    assert "2 new account(s)" in out
    links = list(csv.DictReader((tmp_path / "links.csv").open(encoding="utf-8")))
    assert [r["username"] for r in links] == ["student3", "student4"]
    assert Membership.objects.count() == 5


def test_an_existing_account_keeps_its_password_and_rights(tmp_path):
    teacher = UserFactory(username="student1", password="keep-me", is_staff=True)
    load(write_csv(tmp_path, students(2)), tmp_path, "--cohort", "Year 10")
    teacher.refresh_from_db()
    assert teacher.is_staff
    assert teacher.check_password("keep-me")
    assert Membership.objects.filter(user=teacher).exists()


def test_a_csv_cannot_carry_passwords(tmp_path):
    path = write_csv(
        tmp_path,
        [("mallory", "M", "m@x.example", "secret")],
        header=("username", "name", "email", "password"),
    )
    with pytest.raises(CommandError):
        load(path, tmp_path, "--cohort", "Year 10")
    assert not User.objects.exists()


def fixture(tmp_path, objects):
    path = tmp_path / "cohort.json"
    path.write_text(json.dumps(objects), encoding="utf-8")
    return path


def test_a_json_fixture_names_its_cohort_and_assigns_quizzes(tmp_path):
    QuizFactory(slug="kherson-withdrawal-full")
    path = fixture(
        tmp_path,
        [
            {"model": "quiz.cohort", "fields": {"name": "Year 11", "term": "Spring"}},
            {
                "model": "auth.user",
                "fields": {"username": "farah", "first_name": "Farah", "email": "f@school.example"},
            },
            {
                "model": "quiz.cohortquiz",
                "fields": {
                    "cohort": ["Year 11"],
                    "quiz": ["kherson-withdrawal-full"],
                    "opens_at": "2027-01-10T08:00:00Z",
                    "closes_at": "2027-03-31T18:00:00Z",
                },
            },
        ],
    )
    load(path, tmp_path)
    assert Cohort.objects.get().name == "Year 11"
    assert CohortQuiz.objects.get().quiz.slug == "kherson-withdrawal-full"
    assert User.objects.get(username="farah").cohorts.get().name == "Year 11"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "eve", "is_superuser": True}, "cannot carry passwords or rights"),
        ({"username": "eve", "is_staff": True}, "cannot carry passwords or rights"),
        ({"username": "eve", "password": "pbkdf2$..."}, "cannot carry passwords or rights"),
    ],
)
def test_a_json_fixture_cannot_make_staff_or_carry_passwords(tmp_path, fields, message):
    path = fixture(
        tmp_path,
        [
            {"model": "quiz.cohort", "fields": {"name": "Y"}},
            {"model": "auth.user", "fields": fields},
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_cohort", str(path), "--links", str(tmp_path / "l.csv"), stderr=err)
    assert message in err.getvalue()
    assert not User.objects.exists()
    assert not Cohort.objects.exists()


def test_an_unknown_quiz_keeps_nothing(tmp_path):
    path = fixture(
        tmp_path,
        [
            {"model": "quiz.cohort", "fields": {"name": "Year 11"}},
            {"model": "auth.user", "fields": {"username": "farah"}},
            {
                "model": "quiz.cohortquiz",
                "fields": {
                    "cohort": ["Year 11"],
                    "quiz": ["nope"],
                    "opens_at": "2027-01-10T08:00:00Z",
                    "closes_at": "2027-03-31T18:00:00Z",
                },
            },
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_cohort", str(path), "--links", str(tmp_path / "l.csv"), stderr=err)
    assert "no quiz 'nope'" in err.getvalue()
    assert counts() == (0, 0, 0)


def test_the_sample_cohort_files_load(tmp_path, settings):
    from django.conf import settings as django_settings

    from quiz.banks import bank_load

    base = django_settings.BASE_DIR / "fixtures"
    bank_load(paths=[base / "kherson-withdrawal.json"])
    load(base / "cohorts" / "sample-cohort.csv", tmp_path, "--cohort", "Year 10 History")
    (tmp_path / "links.csv").unlink()
    load(base / "cohorts" / "sample-cohort.json", tmp_path)
    assert Cohort.objects.count() == 2
    assert Membership.objects.count() == 7
