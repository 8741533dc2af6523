"""The two test tiers (a pytest plugin, registered by the root conftest).

End-to-end tests start real servers (gunicorn, a browser, the launcher, PgBouncer, a
PostgreSQL of their own) and take most of the suite's time, so a plain `pytest` leaves them
out and the everyday loop stays about a minute. A test is end-to-end when it is filed in one
of E2E_FOLDERS, or when it asks, directly or through other fixtures, for a fixture that
starts such a server, wherever it is filed: the folder rule alone would let a live test
hide among the fast ones (one did, in tests/portal, for 74 s). A test marked `exhaustive`
(minutes of requests, no server: the whole authorization matrix) goes with them.

- `pytest` (no paths: the configured testpaths): the fast tier, end-to-end tests deselected
  and counted in one line at the end.
- `pytest --all`: everything.
- `pytest <paths or node ids>`: what was named, end-to-end tests included, so a live module
  or `tests/live -k pgbouncer` runs on its own.

Every end-to-end test carries the `e2e` marker, so `pytest --all -m e2e` runs only those.
"""

from pathlib import Path

import pytest

E2E_FOLDERS = ("tests/live", "tests/browser", "tests/launcher")
# Fixtures that start servers but are defined outside E2E_FOLDERS (Django's and
# Playwright's own); any fixture defined inside them counts too (see `_defined_in_e2e`).
E2E_FIXTURES = frozenset({"live_server", "live_portal", "cluster", "browser", "page"})
DESELECTED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all",
        action="store_true",
        dest="all_tiers",
        help="run the end-to-end tests too (live servers, browser, launcher); a plain "
        "run without paths leaves them out",
    )


def _under(path: Path, root: Path, folders: tuple[str, ...]) -> bool:
    try:
        relative = path.resolve().relative_to(root).as_posix()
    except ValueError:
        return False
    return any(relative == f or relative.startswith(f"{f}/") for f in folders)


def _defined_in_e2e(item: pytest.Item, root: Path) -> bool:
    """Whether any fixture the test uses, however indirectly, is defined in E2E_FOLDERS."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for definitions in info.name2fixturedefs.values():
        for definition in definitions:
            code = getattr(definition.func, "__code__", None)
            if code is not None and _under(Path(code.co_filename), root, E2E_FOLDERS):
                return True
    return False


def is_end_to_end(item: pytest.Item) -> bool:
    if item.get_closest_marker("exhaustive"):  # not live, but minutes long: the --all tier
        return True
    root = item.config.rootpath.resolve()
    if _under(item.path, root, E2E_FOLDERS):
        return True
    if E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    return _defined_in_e2e(item, root)


def _fast_tier(config: pytest.Config) -> bool:
    """No --all and no paths named on the command line (pytest took its testpaths)."""
    return not config.option.all_tiers and config.args_source != pytest.Config.ArgsSource.ARGS


@pytest.hookimpl(tryfirst=True)  # marked before `-m` selects on the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    end_to_end = [item for item in items if is_end_to_end(item)]
    for item in end_to_end:
        item.add_marker(pytest.mark.e2e)
    config.stash[DESELECTED] = 0
    if end_to_end and _fast_tier(config):
        left_out = set(end_to_end)
        config.hook.pytest_deselected(items=end_to_end)
        items[:] = [item for item in items if item not in left_out]
        config.stash[DESELECTED] = len(end_to_end)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    left_out = config.stash.get(DESELECTED, 0)
    if left_out:
        terminalreporter.write_line(
            f"Fast tier: {left_out} end-to-end tests (live servers, browser, launcher) left "
            "out; `--all` runs them too (python3 -m portal.launch test --all).",
            yellow=True,
        )
