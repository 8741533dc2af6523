"""Production settings: secure, and with no insecure defaults."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "postgres://portal@db.example.com/portal",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://portal:mail-password@mail.example.com:587",
}


def manage(*args, env):
    # The browser tests allow Django's async-unsafe calls in this process; production never.
    unwanted = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_have_no_default_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_have_no_default_allowed_hosts():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ALLOWED_HOSTS"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_models_and_migrations_agree(db):
    """A model change without its migration fails here, not on a production deploy."""
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_redis_cache_gives_up_within_a_tenth_of_a_second():
    script = (
        "from django.conf import settings; c = settings.CACHES['default']; "
        "print(c['BACKEND'], c['OPTIONS']['socket_connect_timeout'], "
        "c['OPTIONS']['socket_timeout'])"
    )
    result = manage("shell", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.split() == ["portal.rediscache.SharedPoolRedisCache", "0.1", "0.1"]


def test_production_refuses_a_cache_of_one_process():
    """Throttling counts in the cache: a per-process cache would let each process (and each
    app server) count on its own."""
    for url in ("locmemcache://", "dummycache://"):
        result = manage("check", "--deploy", env={**PRODUCTION_ENV, "CACHE_URL": url})
        assert result.returncode != 0
        assert "portal.E003" in result.stderr + result.stdout
    result = manage("check", "--deploy", env={**PRODUCTION_ENV, "CACHE_URL": "filecache:///tmp/c"})
    assert result.returncode == 0, result.stderr
    assert "portal.W003" in result.stderr + result.stdout
