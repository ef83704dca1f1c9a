import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from compounds.models import Compound

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_serve_demo_sets_up_publishes_and_prints_a_random_admin_login(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("serve_demo", "--no-serve", stdout=out)
    output = out.getvalue()
    password = output.split("password: ")[1].split()[0]
    assert len(password) >= 12
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert Compound.objects.get(slug="selank").is_live and Compound.objects.get(slug="semax").is_live

    again = io.StringIO()
    call_command("serve_demo", "--no-serve", stdout=again)
    assert f"password: {password}" in again.getvalue()
    assert Compound.objects.get(slug="selank").snapshots.count() == 1

    (tmp_path / "demo-admin-password.txt").unlink()
    fresh = io.StringIO()
    call_command("serve_demo", "--no-serve", stdout=fresh)
    assert fresh.getvalue().split("password: ")[1].split()[0] != password


def test_publish_compound_command_reports_unknown_slugs(db):
    with pytest.raises(CommandError, match="No compound with slug: nope"):
        call_command("publish_compound", "nope")


def run_settings(env):
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    base = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "example.org"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50}, "DJANGO_ALLOWED_HOSTS must be set"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false"),
    ],
)
def test_production_settings_refuse_to_start_without_secrets(env, message):
    result = run_settings(env)
    assert result.returncode != 0 and message in result.stderr


def test_production_settings_start_when_configured(tmp_path):
    result = run_settings(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "MONOGRAPH_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0 and result.stdout.strip() == "False"
