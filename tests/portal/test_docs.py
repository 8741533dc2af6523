"""The README stays a front door and the documents stay connected.

The README is what a newcomer reads first, so it is held to 200 lines and must name every
demo login `seed_demo` creates (the logins are what the first page asks for). Every relative
link in the README and in docs/ must reach a file that exists and, when it names a heading,
a heading that exists: sections move between documents, and a link left behind fails here
instead of in a reader's browser.
"""

import ast
import inspect
import re
from pathlib import Path

import pytest

from portal.management.commands import seed_demo

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INDENTED_CODE = re.compile(r"^ {4,}\S.*$", re.MULTILINE)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text without code (fenced blocks, indented blocks, code spans), where a `](`
    or a `#` is not markdown."""
    return CODE_SPAN.sub("", INDENTED_CODE.sub("", FENCE.sub("", text)))


def anchors(path: Path) -> set[str]:
    """The heading anchors GitHub makes: lower case, punctuation dropped, spaces to hyphens,
    a repeated heading numbered -1, -2, ..."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(prose(path.read_text())):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(path.read_text()))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto:
    ]


def broken_links(path: Path) -> list[str]:
    """The relative links of one document that reach no file, or no heading in it."""
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        goal = (path.parent / file_part).resolve() if file_part else path
        if not goal.exists():
            broken.append(f"{target}: no such file")
        elif anchor and goal.suffix == ".md" and anchor not in anchors(goal):
            broken.append(f"{target}: no such heading")
    return broken


def demo_usernames() -> set[str]:
    """Every username seed_demo creates: the partner administrators and customers' users
    of its DEMO table, and the ones it names directly (the platform superuser)."""
    names = set()
    for _partner, _slug, partner_admin, customers in seed_demo.DEMO:
        names.add(partner_admin)
        for _name, _customer_slug, users, _plans in customers:
            names.update(username for username, _role in users)
    tree = ast.parse(inspect.getsource(seed_demo))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "_user"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
    return names


def test_the_readme_is_at_most_200_lines():
    lines = README.read_text().splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail to docs/"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_reaches_a_file_and_heading(path):
    assert broken_links(path) == []


def test_the_link_check_catches_a_missing_file_and_a_missing_heading(tmp_path):
    """The checker itself can fail: a planted link to no file and to no heading."""
    (tmp_path / "other.md").write_text("# Other\n\n## A real heading: yes\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](other.md#a-real-heading-yes) [ok](#page) `[code](nowhere.md)`\n"
        "[gone](missing.md) [no heading](other.md#nothing-here) [self](#nope)\n"
        "    [indented code](nowhere.md)\n"
    )
    problems = [problem.split(":", 1)[0] for problem in broken_links(page)]
    assert problems == ["missing.md", "other.md#nothing-here", "#nope"]


def test_the_readme_lists_every_demo_login():
    names = demo_usernames()
    assert {"msp-admin", "platform-admin", "umbrella-dave"} <= names  # the reader works
    readme = README.read_text()
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
