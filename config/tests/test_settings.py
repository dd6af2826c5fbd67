"""Settings: production passes Django's deploy checks; configuration errors fail fast."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def production_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEEL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        KEEL_SECRET_KEY="k" * 20 + "Zq8#Lm2$Vx7!Rt4@Nb6%Hy1&Jp3*Wc5(",
        KEEL_ALLOWED_HOSTS="keel.example.com",
        KEEL_DATABASE_URL=os.environ.get("KEEL_DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'deploy-check.sqlite3'}",
    )
    env.update(extra)
    return env


def test_production_settings_pass_the_deploy_checks() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = production_env()
    del env["KEEL_SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "Set the environment variable KEEL_SECRET_KEY." in result.stderr


def test_production_refuses_the_demo_company() -> None:
    result = run_manage("keel_demo", "--no-serve", env=production_env())
    assert result.returncode != 0
    assert "only for embedded/demo mode" in result.stderr


@pytest.mark.parametrize(("url", "message"), [("mysql://x/y", "KEEL_DATABASE_URL must be sqlite:// or postgresql://")])
def test_an_unsupported_database_url_is_refused(url: str, message: str) -> None:
    from config.settings.base import database_settings

    with pytest.raises(ValueError, match=message):
        database_settings(url)


def test_production_serves_the_login_page_after_collectstatic(tmp_path: Path) -> None:
    # Given production settings and the static files built as `keel serve` builds them
    env = production_env(KEEL_STATIC_ROOT=str(tmp_path / "static"))
    built = run_manage("collectstatic", "--noinput", env=env)
    assert built.returncode == 0, built.stderr
    # When the login page is requested over HTTPS
    probe = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/login/', secure=True, HTTP_HOST='keel.example.com'); "
        "import re; print(r.status_code, bool(re.search(r'keel/keel[.][0-9a-f]{12}[.]css', r.content.decode())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    # Then it renders, with the hashed stylesheet
    assert result.stdout.strip() == "200 True", result.stderr[-2000:]


def test_embedded_mode_keeps_a_private_random_secret_key() -> None:
    from config.env import embedded_secret_key

    key = embedded_secret_key()
    assert len(key) >= 50
    assert embedded_secret_key() == key
    assert ((ROOT / "var" / "secret-key").stat().st_mode & 0o777) == 0o600
