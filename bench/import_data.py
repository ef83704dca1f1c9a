"""Spreadsheet import against loaddata: N compounds with 5 key specifications each, the same records both ways.

    .venv/bin/python bench/import_data.py [--compounds 10000]

Runs in a throwaway test database (SQLite, or DATABASE_URL's server). Loads the records with `loaddata` from a
natural-key fixture, deletes them, then imports them with `import_data` from two CSV files (compounds, then
specifications): full_clean() on every row, one revision per compound per file, all in one transaction. Prints
one JSON document: rows/s of each and `import_in_loaddatas`, the import's time divided by loaddata's for the
same records in the same run (so a busy machine cancels out). Target: at most 3.
"""

import argparse
import csv
import datetime
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

LABELS = ["Origin", "Half-life", "Administration", "Storage", "Purity"]


def write_files(folder, count):
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).isoformat()
    compounds = [(f"bench-{n:05d}", f"Bench compound {n:05d}", f"Synthetic profile number {n}.") for n in range(count)]
    fixture = []
    for slug, name, summary in compounds:
        fields = {"slug": slug, "name": name, "summary": summary, "created_at": now, "updated_at": now}
        fixture.append({"model": "compounds.compound", "fields": fields})
        for position, label in enumerate(LABELS, 1):
            value = f"{label} value for {name}"
            row = {"compound": [slug], "position": position, "label": label, "value": value}
            fixture.append({"model": "compounds.specification", "fields": row})
    (folder / "bench.json").write_text(json.dumps(fixture))
    with open(folder / "compounds.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["slug", "name", "summary"])
        writer.writerows(compounds)
    with open(folder / "specifications.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["compound", "position", "label", "value"])
        for slug, name, _summary in compounds:
            writer.writerows((slug, p, label, f"{label} value for {name}") for p, label in enumerate(LABELS, 1))
    return len(fixture)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from compounds.models import Compound, RevisionMeta

        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            records = write_files(folder, args.compounds)

            started = time.perf_counter()
            call_command("loaddata", str(folder / "bench.json"), verbosity=0)
            loaddata_seconds = time.perf_counter() - started
            assert Compound.objects.count() == args.compounds
            Compound.objects.all().delete()

            started = time.perf_counter()
            for resource, name in (("compounds", "compounds.csv"), ("specifications", "specifications.csv")):
                call_command("import_data", resource, str(folder / name), stdout=io.StringIO())
            import_seconds = time.perf_counter() - started
            assert Compound.objects.count() == args.compounds
            revisions = RevisionMeta.objects.count()

        print(
            json.dumps(
                {
                    "database": connection.vendor,
                    "compounds": args.compounds,
                    "rows": records,
                    "loaddata_rows_per_s": round(records / loaddata_seconds),
                    "import_rows_per_s": round(records / import_seconds),
                    "import_revisions": revisions,
                    "import_in_loaddatas": round(import_seconds / loaddata_seconds, 2),
                    "loaddata_s": round(loaddata_seconds, 2),
                    "import_s": round(import_seconds, 2),
                },
                indent=2,
            )
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
