"""The cohort admin at a school's sizes: every page posts fewer fields than the request limit,
a big cohort's page renders with a fixed number of queries, and students arrive from the
same file load_cohort reads."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from quiz.models import Cohort, Membership
from tests.factories import CohortFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
CHANGELIST = reverse("admin:quiz_membership_changelist")
UPLOAD = reverse("admin:quiz_cohort_upload")


def big_cohort(size, name="Year 10"):
    cohort = CohortFactory(name=name)
    users = User.objects.bulk_create(
        UserFactory.build_batch(size, first_name="Pupil", last_name="Big")
    )
    Membership.objects.bulk_create(
        [MembershipFactory.build(cohort=cohort, user=user) for user in users]
    )
    return cohort


def posted_fields(html, form_id=None):
    """The names a browser would post from the page's (first or named) form."""
    start = (
        html.rindex("<form", 0, html.index(f'id="{form_id}"')) if form_id else html.index("<form")
    )
    form = html[start : html.index("</form>", start)]
    return re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', form)


def test_a_cohort_of_a_thousand_renders_its_students_a_page_at_a_time(
    instructor_client, django_assert_max_num_queries
):
    cohort = big_cohort(1000)
    url = reverse("admin:quiz_cohort_change", args=[cohort.pk])
    instructor_client.get(url)  # the session and permissions, cached after the first request
    with django_assert_max_num_queries(12):
        response = instructor_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Students (1000)" in html
    assert html.count("<td>student") == 50
    assert "page 1 of 20" in html
    last = instructor_client.get(url, {"students": 20}).content.decode()
    assert "page 20 of 20" in last
    assert len(posted_fields(html, "cohort_form")) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


def test_a_cohort_page_makes_as_many_queries_at_a_thousand_students_as_at_ten(
    instructor_client, django_assert_num_queries
):
    small, large = big_cohort(10, "Small"), big_cohort(1000, "Large")
    instructor_client.get(reverse("admin:quiz_cohort_change", args=[small.pk]))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as at_ten:
        instructor_client.get(reverse("admin:quiz_cohort_change", args=[small.pk]))
    with django_assert_num_queries(len(at_ten)):
        instructor_client.get(reverse("admin:quiz_cohort_change", args=[large.pk]))


def test_a_cohort_of_a_thousand_saves(instructor_client):
    cohort = big_cohort(1000)
    url = reverse("admin:quiz_cohort_change", args=[cohort.pk])
    fields = posted_fields(instructor_client.get(url).content.decode(), "cohort_form")
    response = instructor_client.post(
        url,
        {
            "name": "Year 10 renamed",
            "term": "Spring",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "Year 10 renamed"
    assert cohort.memberships.count() == 1000
    assert len(fields) < 20


def test_the_memberships_list_posts_a_page_of_ids_at_most(instructor_client):
    big_cohort(1000)
    html = instructor_client.get(CHANGELIST).content.decode()
    fields = posted_fields(html, "changelist-form")
    assert fields.count("_selected_action") == 100
    assert len(fields) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert not any(name.startswith("form-") for name in fields)  # no list_editable


def test_moving_every_student_of_a_big_cohort_posts_a_few_fields(
    instructor_client, django_assert_max_num_queries
):
    cohort = big_cohort(1000)
    other = CohortFactory(name="Year 11")
    already = MembershipFactory(cohort=other, user=cohort.memberships.first().user)
    url = CHANGELIST + f"?cohort__id__exact={cohort.pk}"
    page_ids = [str(pk) for pk in cohort.memberships.values_list("pk", flat=True)[:100]]
    chosen = {"action": "move_to_cohort", "select_across": "1", "index": "0"}
    confirm = instructor_client.post(url, {**chosen, "_selected_action": page_ids})
    html = confirm.content.decode()
    assert "Move 1000 student(s) to another cohort" in html
    assert len(posted_fields(html)) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    with django_assert_max_num_queries(20):
        response = instructor_client.post(
            url, {**chosen, "_selected_action": page_ids, "cohort": other.pk, "apply": "1"}
        )
    assert response.status_code == 302
    assert not cohort.memberships.exists()
    assert other.memberships.count() == 1000
    assert Membership.objects.filter(pk=already.pk).exists()


# Adding students from a file ----------------------------------------------------------------


def upload(client, rows, cohort="Year 10", header="username,name,email"):
    content = (header + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode()
    return client.post(
        UPLOAD,
        {"cohort": cohort, "term": "Autumn", "file": SimpleUploadedFile("year10.csv", content)},
    )


def test_an_instructor_previews_a_file_then_confirms_and_gets_the_links(instructor_client):
    UserFactory(username="amira")
    preview = upload(
        instructor_client, [("amira", "Amira Haddad", ""), ("ben", "=HYPERLINK(1) Ben", "")]
    )
    html = preview.content.decode()
    assert "1 new account(s), 1 existing account(s) join, 0 already in it, 0 refused" in html
    assert not User.objects.filter(username="ben").exists()  # a preview saves nothing
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = instructor_client.post(UPLOAD, {"token": token, "confirm": "1"})
    assert response["Content-Disposition"] == 'attachment; filename="year-10-links.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["username"] for r in rows] == ["ben"]
    assert rows[0]["name"] == "'=HYPERLINK(1) Ben"
    link = rows[0]["set_password_link"].removeprefix("http://testserver")
    assert b"Choose your password" in Client().get(link, follow=True).content
    cohort = Cohort.objects.get(name="Year 10")
    assert sorted(cohort.students.values_list("username", flat=True)) == ["amira", "ben"]
    again = instructor_client.post(UPLOAD, {"token": token, "confirm": "1"})
    assert again.status_code == 302  # a confirmed preview cannot be loaded twice
    assert User.objects.count() == 3


def test_a_refused_row_is_shown_with_its_reason_and_nothing_can_be_confirmed(instructor_client):
    UserFactory(username="student")
    html = upload(
        instructor_client, [("\u0455tudent", "Eve", ""), ("ok", "Ok", "")]
    ).content.decode()
    assert "looks like the existing account &#x27;student&#x27;" in html
    assert "1 refused" in html
    assert 'name="confirm"' not in html
    assert not User.objects.filter(username="ok").exists()


def test_a_malformed_file_is_named_in_the_page(instructor_client):
    html = upload(instructor_client, [("ann", "Ann")]).content.decode()
    assert "year10.csv, row 2: has 2 cell(s); the header has 3" in html
    assert not Cohort.objects.exists()


def test_a_student_cannot_upload_a_cohort(student_client):
    response = upload(student_client, [("ann", "Ann", "")])
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not Cohort.objects.exists()


# Fresh links ------------------------------------------------------------------------------


def test_fresh_links_for_selected_students_without_a_password(instructor_client):
    cohort = big_cohort(3)
    User.objects.filter(is_staff=False).update(password="!unusable")
    old_passwords = set(User.objects.filter(is_staff=False).values_list("password", flat=True))
    ids = [str(pk) for pk in cohort.memberships.values_list("pk", flat=True)]
    response = instructor_client.post(
        CHANGELIST, {"action": "issue_links", "_selected_action": ids, "index": "0"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert not set(User.objects.filter(is_staff=False).values_list("password", flat=True)) & (
        old_passwords
    )


def test_select_all_issues_links_to_those_without_a_password_and_says_who_was_skipped(
    instructor_client,
):
    """In a real class some students have chosen a password: select all still serves the rest."""
    cohort = big_cohort(4)
    User.objects.filter(is_staff=False).update(password="!unusable")
    chose = cohort.memberships.first().user
    chose.set_password("their own")
    chose.save()
    response = instructor_client.post(
        CHANGELIST,
        {"action": "issue_links", "_selected_action": ["0"], "select_across": "1", "index": "0"},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert chose.username not in {row["username"] for row in rows}
    assert User.objects.get(pk=chose.pk).check_password("their own")  # untouched
    page = instructor_client.get(CHANGELIST).content.decode()
    assert "3 fresh link(s) issued; 1 selected student(s) skipped" in page


def test_no_fresh_link_for_a_student_who_has_a_password(instructor_client):
    membership = MembershipFactory()
    response = instructor_client.post(
        CHANGELIST,
        {"action": "issue_links", "_selected_action": [membership.pk], "index": "0"},
        follow=True,
    )
    assert "has chosen a password already" in response.content.decode()
    assert membership.user.password == User.objects.get(pk=membership.user_id).password
