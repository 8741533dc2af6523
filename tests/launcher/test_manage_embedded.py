"""`manage.py` without DATABASE_URL runs against the embedded PostgreSQL server, as the
README's commands are written (`python manage.py tokens list --tenant globex`): it starts
the server (or joins it), runs the command, and stops it again; the server's lines go to
stderr, the command's output stays clean. Real subprocesses, a data folder of the test's own.
"""

import os
import signal

from tests.launcher.manage import manage


def test_commands_without_database_url_use_the_embedded_server(tmp_path):
    pgdata = tmp_path / "pg" / "data"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PORTAL_")) and k != "DATABASE_URL"
        },
        "PORTAL_PGDATA": str(pgdata),
        "CACHE_URL": f"filecache://{tmp_path / 'cache'}",
    }
    try:
        for args in (["migrate", "--noinput", "-v0"], ["seed_demo", "--password", "pw-2026"]):
            done = manage(env, *args)
            assert done.returncode == 0, done.stdout + done.stderr
        assert done.stderr.splitlines() == [
            f"Embedded PostgreSQL: started, data in {pgdata}/",
            "Embedded PostgreSQL: stopped.",
        ]

        listed = manage(env, "tokens", "list", "--tenant", "globex")

        assert listed.returncode == 0, listed.stdout + listed.stderr
        assert "KeyError" not in listed.stderr
        assert "Embedded PostgreSQL" not in listed.stdout
        assert "Embedded PostgreSQL: stopped." in listed.stderr
        assert not (pgdata / "postmaster.pid").exists()
    finally:
        if (pgdata / "postmaster.pid").exists():
            os.kill(int((pgdata / "postmaster.pid").read_text().split()[0]), signal.SIGQUIT)
