"""Throughput of the public pages as ratios to a minimal Django view served by the same process and middleware.

    .venv/bin/python bench/public_pages.py [--compounds 10000 --sources 100000 --seed 1] [--demo]
        [--database-url postgres://postgres@127.0.0.1:5432] [--redis-url redis://127.0.0.1:6379/0]
        [--keep DIR] [--reseed] [--rounds 5] [--requests 400] [--concurrency 8] [--max-seconds S]
        [--driver own|wrk] [--profile ENDPOINT]

Prepares a database: SQLite in a throwaway directory (or DIR with --keep), or on the PostgreSQL server of
--database-url a database of its own, `monograph_bench_<hash of the corpus parameters>`, created when absent (the
URL's database name is only used to connect; the database stays for the next run). It migrates, runs
`collectstatic` and builds the corpus with `seed_bench` (or loads the two demo profiles with --demo). A corpus is
built once: a kept SQLite directory or an existing bench database that holds the same parameters is reused
(--reseed builds it again).

Then it starts two gunicorn servers with production settings (debug off, one sync worker each) on free loopback
ports: A with the full-page cache on, B with it off (MONOGRAPH_PAGE_CACHE=false), and drives them from this process
with a bounded number of requests per endpoint (each on its own connection, `Connection: close`, as gunicorn's
sync worker closes them anyway), in rounds that run every endpoint once in a rotated order. Each round also
measures the minimal view of both servers before and after the endpoints; an endpoint's ratio is its throughput
divided by the mean of those two figures for its server in that round, so a busy or slower machine cancels out.
The targets are judged on the uncached server's figures (and the cached profile on A's). Query counts come from
this process, with Django's test client on the same database and settings: a first request (a cache miss) and a
second one (a hit, when the page cache is on).

Prints one JSON document on stdout; progress goes to stderr. --profile ENDPOINT (a name from the JSON's
"endpoints") also runs 200 requests (--profile-requests) of that endpoint through the WSGI application under
cProfile, in a process with that endpoint's server settings, and prints the 25 most expensive entries by cumulative
time to stderr. --rounds 0 skips the servers and the load (query counts and --profile only). --max-seconds S stops
handing out an endpoint's requests after S seconds in a round (the JSON lists the requests made); --driver wrk
drives each endpoint with wrk for --wrk-seconds instead, to compare the drivers.
"""

import argparse
import gc
import hashlib
import io
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MARKER_FILE = "bench-corpus.json"
SQLITE_FILES = ("monograph.sqlite3", "monograph.sqlite3-wal", "monograph.sqlite3-shm")
TYPICAL_CITATIONS = 30
LARGE_CITATIONS = 200
INDEX_DEEP_PAGE = 50
WARMUP_REQUESTS = 20
TARGETS = [
    # (endpoint, minimum ratio to the minimal view); judged on the uncached server's figures.
    ("profile_uncached", 0.5),
    ("profile_cached", 0.85),
    ("index_page1_uncached", 0.3),
    ("index_page50_uncached", 0.3),
    ("category_uncached", 0.3),
    ("search_uncached", 0.3),
    ("search_topic_uncached", 0.3),
]


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The corpus ---------------------------------------------------------------------------------------------------


def corpus_params(args):
    if args.demo:
        return {"demo": True}
    sources = 10 * args.compounds if args.sources is None else args.sources  # seed_bench's own default
    return {"compounds": args.compounds, "sources": sources, "seed": args.seed}


def corpus_digest(params):
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]


def postgres_url(url, database):
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, f"/{database}", parts.query, ""))


def postgres_prepare(url, params, reseed):
    """The bench's own database on that server: created when absent; True when it already holds this corpus.

    The corpus parameters are written as the database's comment once seeding has finished, so a database whose
    seeding was interrupted is dropped and built again rather than refused by seed_bench as not empty.
    """
    import psycopg
    from psycopg import sql

    name = f"monograph_bench_{'demo_' if params.get('demo') else ''}{corpus_digest(params)}"
    marker = json.dumps(params, sort_keys=True)
    with psycopg.connect(postgres_url(url, "postgres"), autocommit=True) as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if row is not None and row[0] == marker and not reseed:
            return name, True
        if row is not None:
            log(f"Dropping database {name} ({'--reseed' if reseed else 'its seeding did not finish'}).")
            connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, False


def postgres_mark_seeded(url, name, params):
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(json.dumps(params, sort_keys=True))
            )
        )


def sqlite_prepare(var_dir, params, reseed):
    """True when the directory already holds this corpus. A database there without the same marker is someone
    else's or half built: refused, unless --reseed says it may go."""
    marker = var_dir / MARKER_FILE
    database = var_dir / SQLITE_FILES[0]
    if database.exists() and marker.exists() and json.loads(marker.read_text()) == params and not reseed:
        return True
    if database.exists():
        if not reseed:
            sys.exit(
                f"{var_dir} holds a database without a finished corpus of these parameters "
                f"({marker.read_text().strip() if marker.exists() else 'no marker'}); pass --reseed to rebuild it "
                "or choose another --keep directory."
            )
        log(f"Removing the database in {var_dir} (--reseed).")
        for name in (*SQLITE_FILES, MARKER_FILE):
            (var_dir / name).unlink(missing_ok=True)
    return False


def manage(env, *args):
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, stdout=sys.stderr)
    log(f"  manage.py {' '.join(args)}: {time.perf_counter() - started:.1f} s")


def corpus_build(env, params):
    if params.get("demo"):
        manage(env, "loaddata", "demo", "--verbosity", "0")  # Selank and Semax arrive published
        return
    manage(
        env,
        "seed_bench",
        "--compounds",
        str(params["compounds"]),
        "--sources",
        str(params["sources"]),
        "--seed",
        str(params["seed"]),
    )


# --- Servers ------------------------------------------------------------------------------------------------------


def production_env(var_dir, database_url, page_cache, secret_key):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secret_key,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "MONOGRAPH_VAR_DIR": str(var_dir),
        "MONOGRAPH_PAGE_CACHE": "true" if page_cache else "false",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_STATIC_ROOT", "DJANGO_MEDIA_ROOT"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


class Server:
    def __init__(self, label, env, log_dir):
        self.label = label
        self.port = free_port()
        self.log_path = log_dir / f"gunicorn-{label}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
                "config.wsgi:application",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("w"),
            start_new_session=True,
        )

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.label} exited:\n{self.log_tail()}")
            try:
                if fetch_status(self.port, "/__bench__/minimal/") == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server {self.label} did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- The load -----------------------------------------------------------------------------------------------------


def request_bytes(port, url):
    return (
        f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: monograph-bench\r\nAccept: */*\r\n"
        "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    ).encode("ascii")


def exchange(port, payload):
    """One request on a new connection; the status and whether the body is as long as the headers said."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.connect(("127.0.0.1", port))
        sock.sendall(payload)
        chunks = []
        while data := sock.recv(262144):
            chunks.append(data)
    finally:
        sock.close()
    response = b"".join(chunks)
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head[9:12])
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return status, int(value) == len(body)
    return status, True


def fetch_status(port, url):
    return exchange(port, request_bytes(port, url))[0]


def drive_own(port, url, count, concurrency, max_seconds=None):
    """`count` requests over `concurrency` threads (fewer if `max_seconds` runs out first); requests per second,
    errors by kind and the number of requests made."""
    payload = request_bytes(port, url)
    lock = threading.Lock()
    remaining = [count]
    errors = {}
    deadline = [math.inf]

    def note(kind):
        with lock:
            errors[kind] = errors.get(kind, 0) + 1

    def worker():
        while True:
            with lock:
                if not remaining[0] or time.perf_counter() > deadline[0]:
                    return
                remaining[0] -= 1
            try:
                status, complete = exchange(port, payload)
            except (OSError, ValueError) as error:
                note(type(error).__name__)
                continue
            if status != 200:
                note(f"status {status}")
            elif not complete:
                note("short body")

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    gc.collect()
    gc.disable()  # the collector's pauses over this process's heap are not the server's time
    try:
        started = time.perf_counter()
        if max_seconds:
            deadline[0] = started + max_seconds
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        gc.enable()
    return (count - remaining[0]) / elapsed, errors, count - remaining[0]


def drive_wrk(port, url, seconds, concurrency):
    """wrk for a fixed time rather than a count: its own figure, to compare the drivers."""
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "-H",
            "Connection: close",
            "-H",
            "Accept-Encoding: gzip",
            f"http://127.0.0.1:{port}{url}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate, errors, made = None, {}, None
    for line in output.splitlines():
        line = line.strip()
        if " requests in " in line:
            made = int(line.split()[0])
        elif line.startswith("Requests/sec:"):
            rate = float(line.split()[1])
        elif line.startswith("Non-2xx or 3xx responses:"):
            errors["status not 2xx/3xx"] = int(line.split(":")[1])
        elif line.startswith("Socket errors:"):
            for part in line.split(":", 1)[1].split(","):
                kind, number = part.split()
                if int(number) and kind in {"connect", "write", "timeout"}:
                    # Reads that find the connection closed are how a sync worker ends every response.
                    errors[f"socket {kind}"] = int(number)
    if rate is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    return rate, errors, made


# --- In this process: the endpoints and their query counts --------------------------------------------------------


def django_setup(env):
    os.environ.clear()
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)  # query counts and cache misses are read with a cache of this process's own
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def endpoints_choose():
    """Concrete URLs for every endpoint, chosen from the corpus the same way on every run."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.db.models import F
    from django.db.models.functions import Abs

    from compounds.models import ProfileSnapshot
    from compounds.search import query_words
    from compounds.selectors import categories_with_published_counts

    live = ProfileSnapshot.objects.live()
    total = live.count()
    if total < 2:
        sys.exit(f"The corpus has {total} published profile(s); the benchmark needs at least two.")

    def nearest(citations, exclude=()):
        return (
            live.exclude(slug__in=exclude)
            .annotate(distance=Abs(F("citation_count") - citations))
            .order_by("distance", "slug")
            .only("slug", "name", "summary", "citation_count", "search_text")
            .first()
        )

    typical = nearest(TYPICAL_CITATIONS)
    large = nearest(LARGE_CITATIONS, exclude=[typical.slug])
    category = max(categories_with_published_counts(), key=lambda c: (c.published_count, c.slug), default=None)
    if category is None or not category.published_count:
        sys.exit("No category holds a published profile.")
    pages = math.ceil(total / settings.MONOGRAPH_PAGE_SIZE)
    deep_page = min(INDEX_DEEP_PAGE, pages)
    # Readers search for a compound by its name (the typical profile's, e.g. "ADD-894": every word must match)
    # and for a topic: the longest word of its summary that is not part of its name, which many profiles share.
    name_words = set(query_words(typical.name))
    topic = max((w for w in query_words(typical.summary) if w.isalpha() and w not in name_words), key=len, default="")
    topic = topic or max((w for w in query_words(typical.search_text) if w.isalpha()), key=len)
    listing = {
        "index_page1": "/compounds/",
        "index_page50": f"/compounds/?page={deep_page}",
        "category": f"/categories/{category.slug}/",
        "search": f"/compounds/?{urlencode({'q': typical.name})}",
        "search_topic": f"/compounds/?{urlencode({'q': topic})}",
        "json": f"/compounds/{typical.slug}.json",
    }
    endpoints = {
        "profile_uncached": ("B", f"/compounds/{typical.slug}/"),
        "profile_200_uncached": ("B", f"/compounds/{large.slug}/"),
        "profile_cached": ("A", f"/compounds/{typical.slug}/"),
    }
    for name, url in listing.items():
        endpoints[f"{name}_uncached"] = ("B", url)
        endpoints[f"{name}_cached"] = ("A", url)
    endpoints["static"] = ("B", staticfiles_storage.url("compounds/site.css"))
    corpus = {
        "published_profiles": total,
        "index_pages": pages,
        "index_deep_page": deep_page,
        "typical_profile": {"slug": typical.slug, "citations": typical.citation_count},
        "large_profile": {"slug": large.slug, "citations": large.citation_count},
        "category": {"slug": category.slug, "published": category.published_count},
        "search_name": typical.name,
        "search_topic_word": topic,
    }
    return endpoints, corpus


def query_counts(urls):
    """Queries of a first request (a page-cache miss) and a second one (a hit) for each URL, in this process, and
    the size of the response body (as sent to a client that accepts gzip)."""
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")

    def get(url):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code} in this process")
        size = sum(len(chunk) for chunk in response) if response.streaming else len(response.content)
        response.close()
        return size

    # Whatever a process loads once (templates, content types) is loaded before counting, so the first request
    # below shows what a cache miss costs a running server.
    for url in urls:
        get(url)
    counts = {}
    for url in urls:
        for cache in caches.all():
            cache.clear()
        with CaptureQueriesContext(connection) as first:
            get(url)
        with CaptureQueriesContext(connection) as second:
            size = get(url)
        counts[url] = {"first": len(first), "second": len(second), "bytes": size}
    return counts


# --- --profile: in a process with the server's settings -----------------------------------------------------------


def profile_child(url, requests):
    """`requests` requests of one URL through the WSGI application, as gunicorn calls it, under cProfile."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from config.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": url.partition("?")[0],
        "QUERY_STRING": url.partition("?")[2],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.errors": sys.stderr,
    }

    def one_request():
        statuses = []
        body = application(
            {**environ, "wsgi.input": io.BytesIO()}, lambda status, headers, exc_info=None: statuses.append(status)
        )
        try:
            for _ in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()  # request_finished: what a server does after each response (closes old connections)
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{url} answered {statuses[0]}")

    for _ in range(min(WARMUP_REQUESTS, requests)):
        one_request()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        one_request()
    profiler.disable()
    elapsed = time.perf_counter() - started
    log(f"\n{requests} requests of {url} under cProfile: {elapsed / requests * 1000:.2f} ms each")
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(25)


def profile_run(name, requests, endpoints, envs):
    if name not in endpoints:
        sys.exit(f"--profile: no endpoint {name!r}; choose one of {', '.join(endpoints)}")
    server, url = endpoints[name]
    log(f"Profiling {name} ({url}) with server {server}'s settings.")
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--profile-child", url, "--profile-requests", str(requests)],
        env=envs[server],
        cwd=ROOT,
        check=True,
    )


# --- The rounds ---------------------------------------------------------------------------------------------------


def driver_cpu_seconds():
    """CPU time of this process and of the children it waited for (wrk; the servers are still running)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rounds_run(args, servers, endpoints):
    def drive(server, url):
        if args.driver == "wrk":
            return drive_wrk(server.port, url, args.wrk_seconds, args.concurrency)
        return drive_own(server.port, url, args.requests, args.concurrency, args.max_seconds)

    minimal_url = "/__bench__/minimal/"
    log("Warming up.")
    for server in servers.values():
        drive_own(server.port, minimal_url, WARMUP_REQUESTS, args.concurrency)
    for label, url in endpoints.values():
        drive_own(servers[label].port, url, WARMUP_REQUESTS, args.concurrency)

    names = list(endpoints)
    results = {name: {"req_per_s": [], "ratios": [], "requests": [], "errors": {}} for name in names}
    minimal = {label: {"before": [], "after": [], "errors": {}} for label in servers}

    def add_errors(into, errors):
        for kind, number in errors.items():
            into[kind] = into.get(kind, 0) + number

    cpu_started, load_started = driver_cpu_seconds(), time.perf_counter()
    for round_number in range(args.rounds):
        shift = round_number % len(names)
        order = names[shift:] + names[:shift]
        for label, server in servers.items():
            rate, errors, _ = drive(server, minimal_url)
            minimal[label]["before"].append(rate)
            add_errors(minimal[label]["errors"], errors)
        rates = {}
        for name in order:
            label, url = endpoints[name]
            rates[name], errors, made = drive(servers[label], url)
            results[name]["requests"].append(made)
            add_errors(results[name]["errors"], errors)
        for label, server in servers.items():
            rate, errors, _ = drive(server, minimal_url)
            minimal[label]["after"].append(rate)
            add_errors(minimal[label]["errors"], errors)
        baseline = {label: (m["before"][-1] + m["after"][-1]) / 2 for label, m in minimal.items()}
        for name in names:
            results[name]["req_per_s"].append(rates[name])
            results[name]["ratios"].append(rates[name] / baseline[endpoints[name][0]])
        log(
            f"Round {round_number + 1}/{args.rounds}: minimal A {baseline['A']:.0f} req/s, B {baseline['B']:.0f}; "
            + ", ".join(f"{name} {results[name]['ratios'][-1]:.3f}" for name in names)
        )
    cpu_seconds = driver_cpu_seconds() - cpu_started
    # Near 1.0 the driver would hold a whole core and could be what limits the figures, not the servers.
    driver_cpu_share = round(cpu_seconds / (time.perf_counter() - load_started), 3)
    return results, minimal, driver_cpu_share


def significant(value):
    return float(f"{value:.3g}")  # a ratio of 0.0004 still shows


def rounded(values, digits):
    return [round(value, digits) for value in values]


def report(args, database, corpus, endpoints, counts, results, minimal, page_cache_setting):
    server_names = {"A": "A (page cache on)", "B": "B (page cache off)"}
    out_endpoints = {}
    for name, (label, url) in endpoints.items():
        entry = {"server": server_names[label], "url": url, "queries": counts[url]}
        if results:
            ratios, rates = results[name]["ratios"], results[name]["req_per_s"]
            entry.update(
                ratio_median=significant(statistics.median(ratios)),
                ratios=[significant(ratio) for ratio in ratios],
                req_per_s_median=round(statistics.median(rates), 1),
                req_per_s=rounded(rates, 1),
                requests=results[name]["requests"],
                errors=results[name]["errors"],
            )
        out_endpoints[name] = entry
    targets = []
    if results:
        for name, minimum in TARGETS:
            measured = out_endpoints[name]["ratio_median"]
            targets.append(
                {"endpoint": name, "ratio_at_least": minimum, "ratio_median": measured, "met": measured >= minimum}
            )
    profile, large = counts[endpoints["profile_uncached"][1]], counts[endpoints["profile_200_uncached"][1]]
    targets += [
        {
            "check": "profile queries on a cache miss",
            "at_most": 3,
            "measured": profile["first"],
            "met": profile["first"] <= 3,
        },
        {
            "check": "profile queries identical for the typical and the large profile",
            "measured": [profile["first"], large["first"]],
            "met": profile["first"] == large["first"],
        },
        {
            "check": "profile queries on a cache hit",
            "at_most": 0,
            "measured": profile["second"],
            "met": profile["second"] == 0,
        },
    ]
    document = {
        "database": database,
        "corpus": corpus,
        "run": {
            "rounds": args.rounds,
            "requests_per_endpoint_per_round": args.requests if args.driver == "own" else None,
            "wrk_seconds_per_endpoint_per_round": args.wrk_seconds if args.driver == "wrk" else None,
            "concurrency": args.concurrency,
            "driver": args.driver,
            "servers": "gunicorn, 1 sync worker each, production settings (debug off), loopback",
            "cache": "redis" if args.redis_url else "local memory",
            "page_cache_setting_present": page_cache_setting,
        },
        "how_to_read": (
            "ratio = an endpoint's requests per second / the minimal view's on the same server in the same round "
            "(the mean of its figures before and after the endpoints); medians over the rounds. Server A has the "
            "full-page cache on, B has it off; targets are judged on B's (uncached) figures, the cached profile on "
            "A's. A cached page can pass 1.0: it is answered before the session, authentication and CSRF "
            "middleware that the minimal view goes through. req/s are for context only. queries: a first request "
            "(a page-cache miss) and a second (a hit), counted in the bench process with the test client and a "
            "local-memory cache; bytes: the response body. driver_cpu_share near 1.0 would mean the load driver, "
            "not the server, limited the figures."
        ),
        "targets": targets,
        "all_targets_met": all(target["met"] for target in targets),
        "endpoints": out_endpoints,
    }
    if results:
        document["minimal"] = {
            server_names[label]: {
                "req_per_s_median": round(statistics.median(m["before"] + m["after"]), 1),
                "req_per_s_before": rounded(m["before"], 1),
                "req_per_s_after": rounded(m["after"], 1),
                "errors": m["errors"],
            }
            for label, m in minimal.items()
        }
        document["errors_total"] = sum(sum(r["errors"].values()) for r in results.values()) + sum(
            sum(m["errors"].values()) for m in minimal.values()
        )
    return document


def redis_forget(url, prefixes):
    """Delete the servers' keys: the page cache's tokens never expire."""
    import redis

    client = redis.Redis.from_url(url)
    for prefix in prefixes:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)


# --- Main ---------------------------------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=10000)
    parser.add_argument("--sources", type=int, help="default: 10 × --compounds, as seed_bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--demo", action="store_true", help="the two demo profiles instead of seed_bench (quick)")
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (default: SQLite)")
    parser.add_argument("--redis-url", help="give the servers this Redis as their cache (default: local memory)")
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the SQLite database and static files here")
    parser.add_argument("--reseed", action="store_true", help="build the corpus again even if one is there")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400, help="per endpoint per round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--max-seconds",
        type=float,
        help="stop handing out an endpoint's requests after this long in a round (default: no limit)",
    )
    parser.add_argument("--driver", choices=["own", "wrk"], default="own")
    parser.add_argument("--wrk-seconds", type=int, default=2, help="per endpoint per round, with --driver wrk")
    parser.add_argument("--profile", metavar="ENDPOINT", help="also profile this endpoint in-process (cProfile)")
    parser.add_argument("--profile-requests", type=int, default=200, help="requests profiled with --profile")
    parser.add_argument("--profile-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver == "wrk" and not shutil.which("wrk"):
        parser.error("--driver wrk: wrk is not installed")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL")
    return args


def main():
    args = parse_args()
    if args.profile_child:
        import django

        django.setup()
        profile_child(args.profile_child, args.profile_requests)
        return

    params = corpus_params(args)
    throwaway = Path(tempfile.mkdtemp(prefix="monograph-bench-"))
    var_dir = Path(args.keep).resolve() if args.keep else throwaway / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    servers = {}
    try:
        if args.database_url:
            name, seeded = postgres_prepare(args.database_url, params, args.reseed)
            database_url = postgres_url(args.database_url, name)
            database = f"postgresql ({name})"
        else:
            seeded = sqlite_prepare(var_dir, params, args.reseed)
            database_url = None
            database = f"sqlite ({var_dir / SQLITE_FILES[0]})"
        log(f"Database: {database}.")
        secret_key = secrets.token_urlsafe(40)
        envs = {
            "A": production_env(var_dir, database_url, page_cache=True, secret_key=secret_key),
            "B": production_env(var_dir, database_url, page_cache=False, secret_key=secret_key),
        }
        manage(envs["A"], "migrate", "--no-input", "--verbosity", "0")
        # Before the corpus: publishing renders whole pages, with the hashed addresses of the static files.
        manage(envs["A"], "collectstatic", "--no-input", "--verbosity", "0")
        if seeded:
            log(f"Reusing the corpus {params}.")
        else:
            corpus_build(envs["A"], params)
            if database_url:
                postgres_mark_seeded(args.database_url, name, params)
            else:
                (var_dir / MARKER_FILE).write_text(json.dumps(params, sort_keys=True) + "\n")

        django_setup(envs["A"])
        from django.conf import settings
        from django.db import connections

        page_cache_setting = hasattr(settings, "MONOGRAPH_PAGE_CACHE")
        if not page_cache_setting:
            log("Note: settings.MONOGRAPH_PAGE_CACHE does not exist yet; servers A and B behave the same.")
        endpoints, corpus = endpoints_choose()
        corpus = {"parameters": params, **corpus}
        log("Counting queries.")
        counts = query_counts(sorted({url for _, url in endpoints.values()} | {"/__bench__/minimal/"}))
        connections.close_all()

        results = minimal = None
        if args.rounds:
            if args.redis_url:
                for env in envs.values():
                    env["REDIS_URL"] = args.redis_url
                    env["CACHE_KEY_PREFIX"] = f"monograph-bench-{secrets.token_hex(4)}"
            log_dir = throwaway / "logs"
            log_dir.mkdir()
            servers = {label: Server(label, envs[label], log_dir) for label in envs}
            for server in servers.values():
                server.wait_ready()
            log(f"Servers: A on port {servers['A'].port}, B on port {servers['B'].port}.")
            results, minimal, driver_cpu_share = rounds_run(args, servers, endpoints)
        document = report(args, database, corpus, endpoints, counts, results, minimal, page_cache_setting)
        if args.rounds:
            document["run"]["driver_cpu_share"] = driver_cpu_share
        document["endpoints"]["minimal"] = {"url": "/__bench__/minimal/", "queries": counts["/__bench__/minimal/"]}
        if args.profile:
            profile_run(args.profile, args.profile_requests, endpoints, envs)
        print(json.dumps(document, indent=2))
    finally:
        for server in servers.values():
            server.stop()
        if args.redis_url and servers:
            redis_forget(args.redis_url, [env["CACHE_KEY_PREFIX"] for env in envs.values()])
        shutil.rmtree(throwaway, ignore_errors=True)


if __name__ == "__main__":
    main()
