"""Queries and time of one admin save of the demo Selank profile (the change form posted back unchanged
but for the edit summary), as an editor's browser would send it.

    .venv/bin/python bench/admin_save.py [--rounds 5]

Runs against a throwaway SQLite database (or DATABASE_URL's server, in a test database) with the demo
fixture loaded (published); prints one JSON document. The figure to compare is `save_in_minimal_views`: the
median save divided by the median time of a minimal Django view ("ok") served by the same process, client and
middleware in the same rounds, so that a busy or slower machine cancels out. Milliseconds are printed too, for
reading, not for comparing across runs. Garbage is collected before each timed request (as timeit does):
otherwise the cyclic collector's pauses over this process's heap, not the save, decide the figures.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

from django.http import HttpResponse
from django.urls import include, path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


MINIMAL_VIEW_REQUESTS = 50  # per round: the baseline's median is taken over all of them


def minimal_view(request):
    return HttpResponse("ok")


def urlpatterns_with_baseline():
    return [path("bench/minimal/", minimal_view), path("", include("config.urls"))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    # Django's modules are imported here, after the settings module is chosen and django.setup() has run.
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    # The baseline view sits beside the site's own URLs, behind the same middleware.
    sys.modules[__name__].urlpatterns = urlpatterns_with_baseline()
    settings.ROOT_URLCONF = __name__
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from django.contrib.auth import get_user_model

        from compounds.models import Compound
        from compounds.services import compounds_record_loaded
        from tests.admin_forms import change_form_data

        call_command("loaddata", "demo", verbosity=0)  # Selank and Semax arrive published
        compounds_record_loaded()
        user = get_user_model().objects.create_superuser("bench", "bench@example.org", "x")
        client = Client()
        client.force_login(user)
        selank = Compound.objects.get(slug="selank")
        url = reverse("admin:compounds_compound_change", args=[selank.pk])

        saves, loads, queries, minimal = [], [], [], []
        for round_number in range(args.rounds):
            for _ in range(MINIMAL_VIEW_REQUESTS):
                gc.collect()
                started = time.perf_counter()
                assert client.get("/bench/minimal/").status_code == 200
                minimal.append((time.perf_counter() - started) * 1000)
            gc.collect()
            started = time.perf_counter()
            page = client.get(url)
            loads.append((time.perf_counter() - started) * 1000)
            data = change_form_data(page)
            data["edit_summary"] = f"Benchmark save {round_number}"
            gc.collect()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(url, data)
                saves.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 302, response.context and response.context.get("errors")
            queries.append(len(captured))
        print(
            json.dumps(
                {
                    "database": connection.vendor,
                    "rounds": args.rounds,
                    "save_queries": queries,
                    "save_in_minimal_views": round(statistics.median(saves) / statistics.median(minimal)),
                    "form_load_in_minimal_views": round(statistics.median(loads) / statistics.median(minimal)),
                    "minimal_view_ms_median": round(statistics.median(minimal), 3),
                    "save_ms_median": round(statistics.median(saves), 1),
                    "save_ms_min": round(min(saves), 1),
                    "save_ms": [round(value, 1) for value in saves],
                    "form_load_ms_median": round(statistics.median(loads), 1),
                },
                indent=2,
            )
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
