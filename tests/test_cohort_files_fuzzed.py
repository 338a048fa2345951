"""load_cohort fed generated malformed documents: a clean CommandError (nothing kept) or a
clean success, never another exception."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz.models import Cohort, CohortQuiz, Membership
from tests.factories import QuizFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

# Text that cohort files really hold, and what breaks loaders: control characters, NUL, lone
# surrogates (in JSON escapes), lookalike letters, formula starts, very long cells.
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["ann", "Ann", "\u0430nn", "=1+1", "a@b.example", "x" * 200, "", " ", "\ud800x", "a\x00b"]
    ),
    st.from_regex(r"[a-z][a-z0-9._-]{0,10}", fullmatch=True),
)
dates = st.one_of(
    st.sampled_from(
        [
            "2027-01-10T08:00:00Z",
            "2027-13-10T08:00:00Z",
            "2027-02-30T08:00:00Z",
            "2027-01-10T08:00:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "2027-03-31T18:00:00+01:00",
        ]
    ),
    st.text(max_size=25),
    st.integers(),
    st.none(),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | cells,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(cells, inner, max_size=3),
    max_leaves=8,
)
user_fields = st.dictionaries(
    st.sampled_from(["username", "first_name", "last_name", "email", "is_staff", "other"]),
    st.one_of(cells, json_values),
    max_size=5,
)
objects = st.one_of(
    st.fixed_dictionaries({"model": st.just("auth.user"), "fields": user_fields}),
    st.fixed_dictionaries(
        {
            "model": st.just("quiz.cohort"),
            "fields": st.dictionaries(
                st.sampled_from(["name", "term", "x"]), st.one_of(cells, json_values), max_size=3
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "model": st.just("quiz.cohortquiz"),
            "fields": st.fixed_dictionaries(
                {
                    "quiz": st.one_of(st.just(["fuzz-quiz"]), json_values),
                    "opens_at": dates,
                    "closes_at": dates,
                }
            ),
        }
    ),
    st.dictionaries(cells, json_values, max_size=3),
    json_values,
)
json_documents = st.one_of(
    st.lists(objects, max_size=6).map(json.dumps),
    json_values.map(json.dumps),
).map(lambda text: text.encode("utf-8", "surrogatepass"))
csv_documents = st.builds(
    lambda header, rows, newline: newline.join(",".join(row) for row in [header, *rows]).encode(
        "utf-8", "surrogatepass"
    ),
    st.lists(
        st.sampled_from(["username", "name", "email", "password", "", "Username "]), max_size=4
    ),
    st.lists(st.lists(cells, max_size=4), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
# Nearly right files, one generated cell away from loading: what reaches the database.
usernames = st.one_of(st.from_regex(r"[a-z][a-z0-9._-]{0,10}", fullmatch=True), cells)
nearly_csv = st.lists(
    st.tuples(usernames, cells, st.sampled_from(["", "a@b.example", "=x@b.example"])), max_size=5
).map(
    lambda rows: ("username,name,email\n" + "".join(",".join(r) + "\n" for r in rows)).encode(
        "utf-8", "surrogatepass"
    )
)
nearly_json = st.lists(
    st.fixed_dictionaries(
        {
            "model": st.just("auth.user"),
            "fields": st.fixed_dictionaries(
                {
                    "username": st.from_regex(r"[a-z]{1,3}[0-9]{0,3}", fullmatch=True),
                    "first_name": cells,
                    "last_name": cells,
                }
            ),
        }
    ),
    max_size=5,
    unique_by=lambda user: user["fields"]["username"],
).map(
    lambda users: json.dumps([{"model": "quiz.cohort", "fields": {"name": "Y"}}, *users]).encode()
)
documents = st.one_of(
    st.tuples(st.just("near.csv"), nearly_csv),
    st.tuples(st.just("near.json"), nearly_json),
    st.tuples(st.just("cohort.json"), json_documents),
    st.tuples(st.just("cohort.csv"), csv_documents),
    st.tuples(st.sampled_from(["cohort.csv", "cohort.json"]), st.binary(max_size=200)),
)


def snapshot():
    return (
        list(User.objects.order_by("pk").values_list("username", "password", "is_staff")),
        list(Cohort.objects.values_list("name", "term")),
        list(Membership.objects.values_list("cohort_id", "user_id")),
        list(CohortQuiz.objects.values_list("pk", flat=True)),
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents)
def test_a_generated_cohort_file_loads_cleanly_or_is_refused_keeping_nothing(tmp_path, document):
    name, content = document
    path = tmp_path / name
    path.write_bytes(content)
    with transaction.atomic():
        QuizFactory(slug="fuzz-quiz")
        UserFactory(username="ann")
        UserFactory(username="boss", is_staff=True)
        before = snapshot()
        try:
            call_command(
                "load_cohort",
                str(path),
                "--cohort",
                "Y",
                "--links",
                str(tmp_path / "links.csv"),
                "--force",
                stdout=StringIO(),
                stderr=StringIO(),
            )
        except CommandError:
            assert snapshot() == before
        transaction.set_rollback(True)
