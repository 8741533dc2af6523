"""The test tiers (tests/tiers.py) on a small project of their own: a plain run leaves out
every end-to-end test, by folder and by fixture (directly, through another fixture, or one
defined in a live folder), says so in one line, and `--all` or named paths bring them back."""

from pathlib import Path

import pytest

from tests.tiers import E2E_FOLDERS

ROOT = Path(__file__).resolve().parents[1]

CONFTEST = """
import pytest

pytest_plugins = ["tests.tiers", "served_here"]


@pytest.fixture
def live_portal():
    return "a server"


@pytest.fixture
def signed_in(live_portal):
    return live_portal
"""
# A fixture module filed in tests/live: whatever its name, a test that uses it is live.
SERVED_HERE = """
import pytest


@pytest.fixture
def gunicorn_of_its_own():
    return "another server"
"""
FAST = """
def test_plain():
    pass


def test_through_a_fixture(signed_in):
    pass


def test_with_a_live_folders_fixture(gunicorn_of_its_own):
    pass
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        testpaths = ["tests"]
        pythonpath = ["tests/live"]
        markers = ["e2e: end-to-end", "exhaustive: minutes long"]
        """
    )
    pytester.makeconftest(CONFTEST)
    for folder, files in {
        "tests/live": {"served_here.py": SERVED_HERE, "test_tier_live.py": "def test_live(): pass"},
        "tests/fast": {"test_tier_fast.py": FAST},
    }.items():
        (pytester.path / folder).mkdir(parents=True)
        for name, text in files.items():
            (pytester.path / folder / name).write_text(text)
    return pytester


def test_a_plain_run_leaves_out_every_end_to_end_test_and_says_so(project):
    result = project.runpytest("-p", "no:django", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.fnmatch_lines(["*3 end-to-end tests*left out; `--all` runs them*"])


def test_all_runs_everything_and_the_marker_selects_the_end_to_end_tests(project):
    project.runpytest("-p", "no:django", "--all").assert_outcomes(passed=4)
    only = project.runpytest("-p", "no:django", "--all", "-m", "e2e")
    only.assert_outcomes(passed=3, deselected=1)


@pytest.mark.parametrize(
    ("named", "passed"),
    [(["tests/live"], 1), (["tests/fast/test_tier_fast.py"], 3), (["tests", "-k", "test_live"], 1)],
)
def test_named_paths_run_as_named_end_to_end_included(project, named, passed):
    result = project.runpytest("-p", "no:django", *named)
    result.assert_outcomes(passed=passed)
    assert "left out" not in result.stdout.str()


EXHAUSTIVE = """
import pytest


def test_everyday():
    pass


@pytest.mark.exhaustive
def test_every_role():
    pass


@pytest.mark.parametrize("role", ["fast", pytest.param("slow", marks=pytest.mark.exhaustive)])
def test_some_roles(role):
    pass
"""


def test_an_exhaustive_test_is_left_out_of_the_fast_tier_and_run_by_all(project):
    """Marked `exhaustive` (the whole authorization matrix: minutes, no server), a test goes
    with the end-to-end tests: out of a plain run, in with --all, and `-m exhaustive`
    selects it (and a parametrized case marked so) alone."""
    (project.path / "tests/fast/test_tier_exhaustive.py").write_text(EXHAUSTIVE)
    plain = project.runpytest("-p", "no:django", "-p", "no:cacheprovider", "-v")
    plain.assert_outcomes(passed=3, deselected=5)
    assert "test_every_role" not in plain.stdout.str()
    assert "test_some_roles[slow]" not in plain.stdout.str()
    plain.stdout.fnmatch_lines(["*test_some_roles?fast? PASSED*", "*5 end-to-end tests*"])
    project.runpytest("-p", "no:django", "--all").assert_outcomes(passed=8)
    only = project.runpytest("-p", "no:django", "--all", "-m", "exhaustive", "-v")
    only.assert_outcomes(passed=2, deselected=6)
    only.stdout.fnmatch_lines(["*test_every_role PASSED*", "*test_some_roles?slow? PASSED*"])


def test_the_end_to_end_folders_exist():
    """A renamed folder would silently fall into the fast tier."""
    assert [f for f in E2E_FOLDERS if not (ROOT / f).is_dir()] == []
