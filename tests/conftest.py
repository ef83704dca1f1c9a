import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction

from compounds.models import Compound
from compounds.services import compounds_record_loaded
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


@pytest.fixture(autouse=True)
def _empty_page_cache(settings, tmp_path_factory):
    """Each test's database starts afresh; pages cached by an earlier test must not answer for it. The stamp file
    is the test run's own: another test run on this machine is another process invalidating pages."""
    settings.MONOGRAPH_PAGE_CACHE_STAMP = str(tmp_path_factory.getbasetemp() / "page-cache.stamp")
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each test user's password would otherwise cost a full PBKDF2 run (about half a second here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo():
    """The demo fixture (Selank and Semax published), with its first revisions, as `serve_demo` sets it up."""
    call_command("loaddata", "demo", verbosity=0)
    compounds_record_loaded(origin_detail="Loaded from fixtures/demo.json")


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The published demo, built once per test module inside a transaction rolled back after the module.

    Each test still runs in a savepoint of its own, so no test sees another's changes. A module that uses it
    says so for all its tests (pytestmark = pytest.mark.usefixtures("demo_data")), so that no test's outcome
    depends on which test of the module ran first.
    """
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            load_demo()
            yield
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture
def demo(demo_data, db):
    """The demo's Selank profile, fresh from the database."""
    return Compound.objects.get(slug="selank")


def member_of(group_name, username):
    user = StaffFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return member_of("Editors", "eddie")


@pytest.fixture
def reviewer(db):
    return member_of("Reviewers", "rita")


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


@pytest.fixture
def reviewer_user(db):
    return StaffFactory(username="rita.reviewer", first_name="Rita", last_name="Reviewer")


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({database.get('HOST') or database['NAME']})"
