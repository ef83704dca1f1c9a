"""Queries and time of one admin save of the demo Selank profile (the change form posted back unchanged
but for the edit summary), as an editor's browser would send it.

    .venv/bin/python bench/admin_save.py [--rounds 5]

Runs against a throwaway SQLite database (or DATABASE_URL's server, in a test database) with the demo
fixture loaded and published; prints one JSON document. Times are medians over the rounds, in milliseconds;
compare them only with another run on the same machine.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

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
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from django.contrib.auth import get_user_model

        from compounds.models import Compound
        from compounds.services import compound_publish
        from tests.admin_forms import change_form_data

        call_command("loaddata", "demo", verbosity=0)
        for slug in ("selank", "semax"):
            compound_publish(compound=Compound.objects.get(slug=slug), edit_summary="Demo")
        user = get_user_model().objects.create_superuser("bench", "bench@example.org", "x")
        client = Client()
        client.force_login(user)
        selank = Compound.objects.get(slug="selank")
        url = reverse("admin:compounds_compound_change", args=[selank.pk])

        saves, loads, queries = [], [], []
        for round_number in range(args.rounds):
            started = time.perf_counter()
            page = client.get(url)
            loads.append((time.perf_counter() - started) * 1000)
            data = change_form_data(page)
            data["edit_summary"] = f"Benchmark save {round_number}"
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
                    "save_ms_median": round(statistics.median(saves), 1),
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
