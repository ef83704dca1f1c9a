"""Several app servers on one PostgreSQL and one Redis: what one server does, the other shows at once.

Two gunicorn processes (one sync worker each, production settings) serve the test database pytest-django created
and share one Redis database as their cache. Both answer to one public address, as behind a load balancer that
terminates TLS: every request says `Host: localhost` and `X-Forwarded-Proto: https`, so the servers set their
secure cookies and check CSRF origins exactly as in production, and a page one server cached is the page the other
is asked for. The browser is `urllib` with a cookie jar, logging in through the admin's own login form.

Skipped on SQLite or without Redis, unless MONOGRAPH_REQUIRE_SERVICES=1 (CI's PostgreSQL run) makes that a failure.
"""

import html.parser
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import pytest
import redis
from django.db import connection

from compounds.models import Compound, PendingImport, ProfileSnapshot, RevisionMeta, Specification
from compounds.services import compound_revision, editor_create
from compounds.spreadsheets import PART_RESOURCES, CompoundResource
from tests.conftest import load_demo

# serialized_rollback: the flush after each test would otherwise drop the groups the migrations created.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"  # a database of its own: flushed at the start of every test
PUBLIC_HOST = "localhost"
ORIGIN = f"https://{PUBLIC_HOST}"
PASSWORD = "Sturdy-test-passphrase-41"
SERVER_START_SECONDS = 60
# The compound list's import resources, in the order the admin's import form offers them.
SPECIFICATIONS = [CompoundResource, *PART_RESOURCES].index(
    next(resource for resource in PART_RESOURCES if resource.name == "specifications")
)
CSV_FORMAT = 0


def missing_services():
    """Why several app servers cannot share a database and a cache here, or None. Several servers need a database
    server they all reach, and Redis: SQLite files and process memory are not shared between machines."""
    if connection.vendor != "postgresql":
        return f"several app servers need PostgreSQL; the tests run on {connection.vendor}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"several app servers need Redis at {REDIS_URL}: {error}"
    finally:
        client.close()
    return None


# Decided when the module is collected, so that a skip costs no test database.
MISSING = missing_services()
REQUIRED = os.environ.get("MONOGRAPH_REQUIRE_SERVICES") == "1"
if MISSING and not REQUIRED:
    pytest.skip(MISSING, allow_module_level=True)


@pytest.fixture(scope="module")
def shared_services():
    if MISSING:
        pytest.fail(f"{MISSING} (MONOGRAPH_REQUIRE_SERVICES=1 requires it)")


def database_url():
    """The test database, as the servers' DATABASE_URL."""
    settings = connection.settings_dict
    credentials = urllib.parse.quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{urllib.parse.quote(settings['NAME'], safe='')}"


@pytest.fixture(scope="module")
def server_env(shared_services, django_db_setup, tmp_path_factory):
    """Production settings, with static files collected once for the module (the manifest storage refuses to
    render a `{% static %}` it has not collected)."""
    var_dir = tmp_path_factory.mktemp("app-servers-var")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "test-app-servers-secret-key-not-for-production-" + "x" * 20,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": REDIS_URL,
        "MONOGRAPH_VAR_DIR": str(var_dir),
        "MONOGRAPH_PAGE_CACHE": "true",
    }
    for name in ("DJANGO_STATIC_ROOT", "DJANGO_MEDIA_ROOT", "CACHE_KEY_PREFIX"):
        env.pop(name, None)
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, f"collectstatic failed:\n{collected.stdout}\n{collected.stderr}"
    return env


class Server:
    """One gunicorn with one sync worker on a free loopback port; its log (errors and access lines) in a file."""

    def __init__(self, name, env, log_path, tmp_dir):
        self.name, self.log_path = name, log_path
        # Servers on different machines have different temporary directories: an uploaded file kept in one's is
        # not there for the other.
        env = {**env, "TMPDIR": str(tmp_dir)}
        self.log_file = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--no-control-socket",  # two masters would otherwise share one control socket path
                "--access-logfile",
                "-",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        self.url = self._wait_until_listening()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def _wait_until_listening(self):
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"server {self.name} exited with {self.process.returncode}:\n{self.log()}")
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", self.log())
            if found and "Booting worker" in self.log():
                url = found.group(1)
                try:
                    # Loading the app happens in the worker: the first answer says it booted.
                    with urllib.request.urlopen(url + "/robots.txt", timeout=10) as response:
                        if response.status == 200:
                            return url
                except (urllib.error.URLError, ConnectionError):
                    pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server {self.name} did not answer within {SERVER_START_SECONDS} s:\n{self.log()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()


@pytest.fixture(scope="module")
def running_servers(server_env, tmp_path_factory):
    logs = tmp_path_factory.mktemp("app-servers-logs")
    started = []
    try:
        for name in ("A", "B"):
            tmp_dir = tmp_path_factory.mktemp(f"app-server-{name}-tmp")
            started.append(Server(name, server_env, logs / f"{name}.log", tmp_dir))
        yield tuple(started)
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def servers(running_servers):
    """Servers A and B with an empty shared cache; their log lines of this test are printed after it (pytest
    shows them when it fails)."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    offsets = [len(server.log()) for server in running_servers]
    yield running_servers
    for server, offset in zip(running_servers, offsets, strict=True):
        print(f"--- server {server.name} ({server.url}) ---\n{server.log()[offset:]}")


@pytest.fixture
def rita(servers):
    """The demo, published, and a Reviewer who logs in with a password; committed, so the servers see them."""
    load_demo()
    user, _password = editor_create(
        username="rita", role="reviewer", email="rita@example.org", full_name="Rita Reviewer", password=PASSWORD
    )
    return user


@pytest.fixture(autouse=True)
def _hashes_the_servers_can_check(settings, _fast_password_hashing):
    """The suite's fast MD5 hashes are not among the production hashers the servers check passwords with."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


# --- A browser ---------------------------------------------------------------------------------------------------


class BehindTLSProxy(DefaultCookiePolicy):
    """The servers' session and CSRF cookies are Secure; the proxy in front speaks HTTPS to the browser."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    path: str
    status: int
    headers: object
    text: str

    @property
    def location(self):
        return self.headers["Location"]

    def form(self, action):
        """The page's form posting to `action`: its fields as a browser would send them."""
        parser = FormParser()
        parser.feed(self.text)
        for form in parser.forms:
            form["action"] = form["action"] or self.path  # a form without an action posts to its own page
            if form["action"].endswith(action):
                return form
        raise AssertionError(f"no form posting to {action!r} on the page:\n{self.text[:3000]}")


class FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("submit", "file") or (kind == "checkbox" and "checked" not in attrs):
                return
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


class Browser:
    """One person's browser: one cookie jar for both servers, which share one public address."""

    def __init__(self):
        self.cookies = CookieJar(policy=BehindTLSProxy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects)

    def cookie(self, name):
        return next((cookie.value for cookie in self.cookies if cookie.name == name), None)

    def request(self, server, path, *, fields=None, files=None, headers=None):
        headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", **(headers or {})}
        body = None
        if files:
            boundary = uuid.uuid4().hex
            body = multipart(boundary, fields or {}, files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            headers["Origin"] = ORIGIN  # what Django's CSRF check compares with the (secure) host
        request = urllib.request.Request(server.url + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as answer:
                return Response(path, answer.status, answer.headers, answer.read().decode())
        except urllib.error.HTTPError as answer:
            return Response(path, answer.code, answer.headers, answer.read().decode(errors="replace"))

    def get(self, server, path, headers=None):
        return self.request(server, path, headers=headers)

    def post(self, server, path, fields, files=None):
        return self.request(server, path, fields=fields, files=files)

    def log_in(self, server, username):
        login = "/admin/login/?next=/admin/"
        page = self.get(server, login)
        assert page.status == 200, page.text[:2000]
        assert self.cookie("csrftoken"), "the login form sets the CSRF cookie"
        fields = {**page.form(login)["fields"], "username": username, "password": PASSWORD}
        assert fields["csrfmiddlewaretoken"]
        answer = self.post(server, login, fields)
        assert (answer.status, answer.location) == (302, "/admin/"), answer.text[:2000]
        assert self.cookie("sessionid")


def multipart(boundary, fields, files):
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (file_name, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def cached_pages():
    """The pages stored in the shared cache (compounds/page_cache.py keys them "page:<hash of the address>")."""
    return list(redis.Redis.from_url(REDIS_URL).scan_iter(match="*:page:*"))


def public_page(server, path):
    """A reader's visit: a fresh browser, and no cookie set by the answer."""
    answer = Browser().get(server, path)
    assert "Set-Cookie" not in answer.headers, f"{path} on {server.name} set {answer.headers.get_all('Set-Cookie')}"
    return answer


def workflow_step(browser, server, compound, action, **fields):
    """A workflow button in the admin, as a reviewer presses it: open its page, tick what is shown, submit."""
    path = f"/admin/compounds/compound/{compound.pk}/workflow/{action}/"
    page = browser.get(server, path)
    assert page.status == 200, page.text[:2000]
    form = {**page.form(path)["fields"], **fields}
    if 'name="acknowledge"' in page.text:
        form["acknowledge"] = "on"
    answer = browser.post(server, path, form)
    change_form = f"/admin/compounds/compound/{compound.pk}/change/"
    assert (answer.status, answer.location) == (302, change_form), answer.text[:3000]


# --- The tests -----------------------------------------------------------------------------------------------------


def test_a_publish_on_one_server_is_served_by_the_other_at_once(servers, rita):
    a, b = servers
    selank = Compound.objects.get(slug="selank")
    live = selank.live_snapshot.version
    old_summary = selank.summary
    new_summary = "Selank, summarised again for the two-server test."

    # B serves the page, and stores it in the shared cache, before anything changes.
    for _ in range(2):
        page = public_page(b, "/compounds/selank/")
        assert page.status == 200
        assert f"Version {live} — change log" in page.text
    assert cached_pages(), "B stored the page in the shared page cache"
    # A CDN in front may revalidate against either server.
    assert Browser().get(a, "/compounds/selank/", headers={"If-None-Match": page.headers["ETag"]}).status == 304
    with compound_revision(compound=selank, user=rita, edit_summary="Summary for the two-server test"):
        selank.summary = new_summary
        selank.save()
    assert new_summary not in public_page(b, "/compounds/selank/").text, "a draft is not public"

    browser = Browser()
    browser.log_in(a, "rita")
    workflow_step(browser, a, selank, "publish", edit_summary="Published through server A")

    assert ProfileSnapshot.objects.filter(compound=selank).order_by("-version").first().version == live + 1
    page = public_page(b, "/compounds/selank/")
    assert page.status == 200
    assert f"Version {live + 1} — change log" in page.text
    assert new_summary in page.text
    assert old_summary not in page.text
    assert "Published through server A" in public_page(b, "/compounds/selank/history/").text

    # The other way round, with A's copy of the page read first; the session from A's login works on B.
    assert new_summary in public_page(a, "/compounds/selank/").text
    workflow_step(browser, b, selank, "unpublish")
    assert public_page(a, "/compounds/selank/").status == 404
    assert public_page(b, "/compounds/selank/").status == 404


def test_an_import_previewed_on_one_server_is_confirmed_on_the_other(servers, rita):
    a, b = servers
    revisions = RevisionMeta.objects.filter(compound__slug="selank").count()
    browser = Browser()
    browser.log_in(a, "rita")
    path = "/admin/compounds/compound/import/"
    page = browser.get(a, path)
    assert page.status == 200, page.text[:2000]
    fields = {**page.form(path)["fields"], "resource": SPECIFICATIONS, "format": CSV_FORMAT}
    csv = b"compound,label,value\nselank,Storage,Fridge\nselank,Origin,Elsewhere\n"

    preview = browser.post(a, path, fields, files={"import_file": ("specs.csv", csv)})

    assert preview.status == 200, preview.text[:3000]
    confirm = preview.form("/admin/compounds/compound/process_import/")
    assert confirm["fields"]["import_file_name"]
    assert PendingImport.objects.filter(name=confirm["fields"]["import_file_name"]).exists()
    assert not Specification.objects.filter(label="Storage").exists(), "a preview writes nothing"

    done = browser.post(b, confirm["action"], confirm["fields"])

    assert (done.status, done.location) == (302, "/admin/compounds/compound/"), done.text[:3000]
    assert Specification.objects.get(compound__slug="selank", label="Storage").value == "Fridge"
    assert Specification.objects.get(compound__slug="selank", label="Origin").value == "Elsewhere"
    assert RevisionMeta.objects.filter(compound__slug="selank").count() == revisions + 1
    assert not PendingImport.objects.exists()
    listing = browser.get(b, done.location)
    assert listing.status == 200
    assert "Imported: 1 new, 1 updated, 0 unchanged." in listing.text
