"""What an Editor meets in the admin, in figures: the demo Selank change form's height at 1440 × 900 (in the tab
it opens on), its HTML size and query count, and the entries of the admin index and side navigation.

    .venv/bin/python bench/editor_form.py [--screenshots DIR]

Sets up the demo in a throwaway directory (SQLite), creates an Editor, serves the site with the development
server on a free loopback port and opens the form in Debian's Chromium (Playwright). Prints one JSON document.
With --screenshots, saves the form at 1440 and 1024 px wide there.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-editor-password"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def server_figures(env):
    """HTML size, queries and index entries, measured in a process of its own on the same database."""
    code = """
import json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.contrib.auth import get_user_model
from django.conf import settings
from compounds.models import Compound
setup_test_environment()
settings.ALLOWED_HOSTS = ["testserver"]
client = Client()
client.force_login(get_user_model().objects.get(username="bench.editor"))
selank = Compound.objects.get(slug="selank")
client.get(f"/admin/compounds/compound/{selank.pk}/change/")  # warm the template cache
with CaptureQueriesContext(connection) as captured:
    form = client.get(f"/admin/compounds/compound/{selank.pk}/change/")
with CaptureQueriesContext(connection) as index_queries:
    index = client.get("/admin/")
models = [m["name"] for app in index.context["app_list"] for m in app["models"]]
print(json.dumps({"form_url": f"/admin/compounds/compound/{selank.pk}/change/", "form_html_bytes": len(form.content), "form_queries": len(captured),
                  "index_queries": len(index_queries), "index_entries": len(models), "index_models": models}))
"""
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def browser_figures(base_url, form_url, screenshots):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base_url}/admin/login/")
        page.fill("#id_username", "bench.editor")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(base_url + form_url)
        figures = {"form_height_px_1440": page.evaluate("document.documentElement.scrollHeight")}
        first_screen = page.evaluate(
            """() => [...document.querySelectorAll('label, h2, .submit-row input, .workflow-state')]
                 .filter(el => { const r = el.getBoundingClientRect();
                                 return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight; })
                 .map(el => el.textContent.trim().replace(/\\s+/g, ' ')).filter(Boolean)"""
        )
        figures["first_screen_labels"] = first_screen
        if screenshots:
            Path(screenshots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{screenshots}/selank-form-1440.png")
            page.set_viewport_size({"width": 1024, "height": 768})
            figures["form_height_px_1024"] = page.evaluate("document.documentElement.scrollHeight")
            page.screenshot(path=f"{screenshots}/selank-form-1024.png")
            page.goto(f"{base_url}/admin/")
            page.set_viewport_size({"width": 1440, "height": 900})
            page.screenshot(path=f"{screenshots}/admin-index-1440.png", full_page=True)
        browser.close()
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", help="directory to save screenshots of the form in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        env = {
            **os.environ,
            "MONOGRAPH_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DATABASE_URL", None)
        manage(env, "serve_demo", "--no-serve")
        manage(env, "create_editor", "bench.editor", "--role", "editor", "--name", "Bench Editor")
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.contrib.auth import get_user_model; "
                f"u = get_user_model().objects.get(username='bench.editor'); u.set_password('{PASSWORD}'); u.save()",
            ],
            env=env,
            check=True,
            cwd=ROOT,
        )
        figures = server_figures(env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            figures.update(browser_figures(f"http://127.0.0.1:{port}", figures["form_url"], args.screenshots))
        finally:
            server.terminate()
            server.wait()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
