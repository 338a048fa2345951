import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def student(db):
    return UserFactory(username="alice")


@pytest.fixture
def instructor(db):
    return UserFactory(username="teacher", instructor=True)


@pytest.fixture
def student_client(student) -> Client:
    client = Client()
    client.force_login(student)
    return client


@pytest.fixture
def instructor_client(instructor) -> Client:
    client = Client()
    client.force_login(instructor)
    return client
