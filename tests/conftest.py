import pytest
from django.core.management import call_command

from compounds.models import Compound
from compounds.services import compound_publish
from tests.factories import StaffFactory, SuperuserFactory


@pytest.fixture(scope="session", autouse=True)
def _end_stray_postgres_sessions(django_db_setup, django_db_blocker):
    """The browser tests' live-server threads can leave a connection open; PostgreSQL then refuses to drop the
    test database. End those sessions before pytest-django tears the database down."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def demo(db):
    """The demo fixture, published the way a reviewer would publish it."""
    call_command("loaddata", "demo", verbosity=0)
    for slug in ("selank", "semax"):
        compound_publish(compound=Compound.objects.get(slug=slug), edit_summary="Demo")
    return Compound.objects.get(slug="selank")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(username="root")


@pytest.fixture
def staff_user(db):
    return StaffFactory(username="staff")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({database.get('HOST') or database['NAME']})"


@pytest.fixture
def reviewer_user(db):
    return StaffFactory(username="rita.reviewer", first_name="Rita", last_name="Reviewer")
