"""Production mode: secrets mandatory, `check --deploy` clean, real services from the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, str(ROOT / "backend" / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "zc.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://zc.example.org",
        "DATABASE_URL": "postgres://zc:secret@db.internal:5432/zc",
        "REDIS_URL": "redis://redis-a.internal:6379/0,redis://redis-b.internal:6379/0",
    }
    env.update(extra)
    return env


def test_check_deploy_passes_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env_extra=_production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", env_extra=_production_env(ALLOWED_HOSTS=""))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_reads_services_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_MAX_AGE'],"
        " 'pool' in s.DATABASES['default'].get('OPTIONS', {}), len(s.CHANNEL_LAYERS['default']['CONFIG']['hosts']),"
        " s.CELERY_BROKER_URL, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.CSRF_TRUSTED_ORIGINS)"
    )
    result = _manage("shell", "-c", code, env_extra=_production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "False",
        "django.db.backends.postgresql",
        "0",
        "True",
        "2",
        "redis://redis-a.internal:6379/0",
        "True",
        "True",
        "['https://zc.example.org']",
    ]


def test_a_bad_boolean_is_refused_not_guessed():
    result = _manage("check", env_extra={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr
