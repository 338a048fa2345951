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
    links = (tmp_path / "links.csv").read_bytes()
    before = (counts(), list(User.objects.values_list("password", flat=True)))
    out, _ = load(path, tmp_path, "--cohort", "Year 10")  # the first run's links file is there
    assert (counts(), list(User.objects.values_list("password", flat=True))) == before
    assert "0 new account(s), 0 existing account(s) added, 3 already in it" in out
    assert "No new accounts, so no links file was written." in out
    assert (tmp_path / "links.csv").read_bytes() == links


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
    load(write_csv(tmp_path, students(2)), tmp_path, "--cohort", "Year 10", "--allow-staff")
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


# Never a student without a link -------------------------------------------------------------


def test_a_links_folder_that_does_not_exist_keeps_nothing(tmp_path):
    path = write_csv(tmp_path, students(3))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command(
            "load_cohort",
            str(path),
            "--cohort",
            "Year 10",
            "--links",
            str(tmp_path / "missing" / "links.csv"),
            stderr=err,
        )
    assert f"{tmp_path / 'missing'} does not exist" in err.getvalue()
    assert counts() == (0, 0, 0)
    out, _ = load(path, tmp_path, "--cohort", "Year 10")  # the run that works makes every link
    assert "3 new account(s)" in out
    assert len(list(csv.DictReader((tmp_path / "links.csv").open(encoding="utf-8")))) == 3


def test_an_existing_links_file_is_refused_before_anything_is_saved_unless_forced(tmp_path):
    (tmp_path / "links.csv").write_text("an older run's links\n")
    path = write_csv(tmp_path, students(2))
    with pytest.raises(CommandError):
        load(path, tmp_path, "--cohort", "Year 10")
    assert counts() == (0, 0, 0)
    assert (tmp_path / "links.csv").read_text() == "an older run's links\n"
    load(path, tmp_path, "--cohort", "Year 10", "--force")
    assert "student0" in (tmp_path / "links.csv").read_text()


def test_links_that_cannot_be_written_keep_no_account_and_no_file(tmp_path, monkeypatch):
    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("quiz.cohorts.os.replace", fail)
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command(
            "load_cohort",
            str(write_csv(tmp_path, students(2))),
            "--cohort",
            "Year 10",
            "--links",
            str(tmp_path / "links.csv"),
            stderr=err,
        )
    assert "No space left on device" in err.getvalue()
    assert counts() == (0, 0, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv"]  # no temporary left


def test_the_links_csv_is_formula_safe(tmp_path):
    path = write_csv(tmp_path, [("mallory", '=HYPERLINK("http://evil.example","x") M', "")])
    load(path, tmp_path, "--cohort", "Year 10")
    rows = list(csv.DictReader((tmp_path / "links.csv").open(encoding="utf-8")))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil.example","x") M'


# Lookalikes and staff -----------------------------------------------------------------------


@pytest.mark.parametrize("lookalike", ["Student", "\u0455tudent", "STUDENT", "ｓtudent"])
def test_a_username_that_looks_like_an_existing_account_is_refused_naming_both(tmp_path, lookalike):
    UserFactory(username="student")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_cohort",
            str(write_csv(tmp_path, [(lookalike, "Eve", "")])),
            "--cohort",
            "Y",
            "--links",
            str(tmp_path / "l.csv"),
            stderr=err,
        )
    assert f"row 2: username {lookalike!r} looks like the existing account 'student'" in (
        err.getvalue()
    )
    assert User.objects.count() == 1
    assert not Cohort.objects.exists()


def test_two_rows_that_look_alike_are_refused_naming_both(tmp_path):
    path = write_csv(tmp_path, [("student", "A", ""), ("\u0455tudent", "B", "")])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_cohort", str(path), "--cohort", "Y", "--links", str(tmp_path / "l"), stderr=err
        )
    assert f"row 3: lookalike username '\u0455tudent' (also 'student' at {path}, row 2)" in (
        err.getvalue()
    )
    assert not User.objects.exists()


def test_the_exact_username_of_an_existing_student_joins(tmp_path):
    UserFactory(username="student")
    out, _ = load(write_csv(tmp_path, [("student", "S", "")]), tmp_path, "--cohort", "Y")
    assert "1 existing account(s) added" in out


@pytest.mark.parametrize(
    ("flags", "kind"), [({"is_staff": True}, "staff"), ({"is_superuser": True}, "superuser")]
)
def test_a_staff_account_in_a_cohort_file_is_refused_unless_meant(tmp_path, flags, kind):
    UserFactory(username="instructor", **flags)
    path = write_csv(tmp_path, [*students(1), ("instructor", "I", "")])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_cohort", str(path), "--cohort", "Y", "--links", str(tmp_path / "l"), stderr=err
        )
    assert f"row 3: username 'instructor' is a {kind} account" in err.getvalue()
    assert "--allow-staff" in err.getvalue()
    assert counts() == (1, 0, 0)
    load(path, tmp_path, "--cohort", "Y", "--allow-staff")
    assert Membership.objects.filter(user__username="instructor").exists()


# A fresh link -------------------------------------------------------------------------------


def reissue(tmp_path, *usernames, name="fresh.csv"):
    args = [a for u in usernames for a in ("--reissue", u)]
    out = StringIO()
    call_command("load_cohort", *args, "--links", str(tmp_path / name), stdout=out)
    rows = list(csv.DictReader((tmp_path / name).open(encoding="utf-8")))
    return out.getvalue(), {r["username"]: r["set_password_link"] for r in rows}


def test_without_a_site_address_no_links_are_made(tmp_path, settings):
    """With DEBUG off SITE_URL has no default: links to a guessed address would be useless."""
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match=r"^Set SITE_URL to the site's address"):
        call_command("load_cohort", str(write_csv(tmp_path, students(2))), "--cohort", "Y")
    assert not get_user_model().objects.filter(username__startswith="student").exists()


def test_a_fresh_link_works_and_the_older_one_no_longer_does(tmp_path):
    load(write_csv(tmp_path, students(2)), tmp_path, "--cohort", "Y", "--base-url", "http://t")
    old = {
        r["username"]: r["set_password_link"]
        for r in csv.DictReader((tmp_path / "links.csv").open())
    }
    out, fresh = reissue(tmp_path, "student0")
    assert "1 fresh link(s)" in out
    assert list(fresh) == ["student0"]
    gone = Client().get(old["student0"].removeprefix("http://t"), follow=True)
    assert b"This link no longer works" in gone.content
    works = Client().get(fresh["student0"].split("8000", 1)[-1], follow=True)
    assert b"Choose your password" in works.content
    still = Client().get(old["student1"].removeprefix("http://t"), follow=True)
    assert b"Choose your password" in still.content  # the others' links are untouched


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ({"username": "has-one"}, "has-one: has chosen a password already"),
        ({"username": "boss", "password": None, "is_staff": True}, "boss: is a staff account"),
    ],
)
def test_a_fresh_link_is_refused_to_who_has_a_password_or_is_staff(tmp_path, user, message):
    made = UserFactory(**{k: v for k, v in user.items() if k != "password"})
    if "password" in user:
        made.set_unusable_password()
        made.save()
    before = made.password
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_cohort", "--reissue", made.username, "--links", str(tmp_path / "f"), stderr=err
        )
    assert message in err.getvalue()
    made.refresh_from_db()
    assert made.password == before
    assert not (tmp_path / "f").exists()


# Malformed files ----------------------------------------------------------------------------


def fails_naming(tmp_path, path, *args):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_cohort", str(path), *args, "--links", str(tmp_path / "l"), stderr=err)
    assert counts() == (0, 0, 0)
    return err.getvalue()


def cohort_quiz_fixture(tmp_path, opens_at, closes_at="2027-03-31T18:00:00Z"):
    QuizFactory(slug="q")
    return fixture(
        tmp_path,
        [
            {"model": "quiz.cohort", "fields": {"name": "Y"}},
            {"model": "auth.user", "fields": {"username": "farah"}},
            {
                "model": "quiz.cohortquiz",
                "fields": {"quiz": ["q"], "opens_at": opens_at, "closes_at": closes_at},
            },
        ],
    )


@pytest.mark.parametrize(
    ("opens_at", "message"),
    [
        (
            "2027-13-10T08:00:00Z",
            "object 3: opens_at '2027-13-10T08:00:00Z' is not a real date-time",
        ),
        (
            "2027-02-30T08:00:00Z",
            "object 3: opens_at '2027-02-30T08:00:00Z' is not a real date-time",
        ),
        ("2027-01-10T08:00:00", "object 3: opens_at needs its time zone"),
        ("next monday", "object 3: opens_at must be a date-time"),
        (20270110, "object 3: opens_at must be a date-time"),
        (
            "0001-01-01T00:00:00+05:00",
            "object 3: opens_at '0001-01-01T00:00:00+05:00' is not a real",
        ),
    ],
)
def test_an_impossible_date_is_named(tmp_path, opens_at, message):
    path = cohort_quiz_fixture(tmp_path, opens_at)
    assert f"{path}, {message}" in fails_naming(tmp_path, path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"username,name,email\nann,Ann,a@x.example,extra\n",
            "row 2: has 4 cell(s); the header has 3",
        ),
        (b"username,name,email\nann\n", "row 2: has 1 cell(s); the header has 3"),
        (b"username,name,email\nann,\x00Ann,\n", "row 2"),
        ("username,name,email\nzoë,Zoë,\n".encode("latin-1"), "row 2: is not UTF-8 text (byte 23)"),
        ("username,name,email\nann,Ann,\n".encode("utf-16"), "is not UTF-8 text"),
        (b"username,name,email\nann,\x07Ann,\n", "row 2: name holds a control character"),
        (
            b"username,name,email\nann," + b"A" * 200 + b",\n",
            "row 2: name's first part is longer than 150",
        ),
        (b"username,username\nann,ann\n", "names a column twice"),
        (b"", "needs a header row"),
    ],
)
def test_a_malformed_csv_is_named(tmp_path, content, message):
    path = tmp_path / "cohort.csv"
    path.write_bytes(content)
    assert message in fails_naming(tmp_path, path, "--cohort", "Y")


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        ({"model": "quiz.cohort"}, "must hold a JSON list"),
        (
            [{"model": "quiz.cohort", "fields": {"name": ["Y"]}}],
            "object 1: name must be text, not list",
        ),
        ([{"model": "quiz.cohort", "fields": {"name": "Y" * 101}}], "name is longer than 100"),
        (
            [
                {"model": "quiz.cohort", "fields": {"name": "Y"}},
                {"model": "auth.user", "fields": {"username": 7}},
            ],
            "object 2: username must be text, not int",
        ),
        ([{"model": 3, "fields": {}}], "object 1: 3 cannot be loaded"),
    ],
)
def test_a_malformed_json_fixture_is_named(tmp_path, objects, message):
    path = fixture(tmp_path, objects)
    assert message in fails_naming(tmp_path, path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr("quiz.cohorts.MAX_FILE_BYTES", 1000)
    path = write_csv(tmp_path, students(100))
    assert f"{path}: is 0.0 MB; a cohort file is at most 0 MB" in fails_naming(
        tmp_path, path, "--cohort", "Y"
    )
