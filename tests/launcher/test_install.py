"""The launcher's install step on a fresh machine: one line per step, with the requirement
being installed, and pip's own output only when pip fails. A throwaway virtual environment
and a local wheel, no index: fast and offline."""

import hashlib
import re
import subprocess
import zipfile

import pytest

from portal import launch


def _wheel(folder, name="tinypkg", version="1.0"):
    """A minimal pure-Python wheel of `name`, built by hand."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "VALUE = 1\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, text in files.items():
            wheel.writestr(member, text)
        wheel.writestr(f"{info}/RECORD", "".join(f"{m},,\n" for m in [*files, f"{info}/RECORD"]))
    return path


@pytest.fixture
def offline_pip(tmp_path, monkeypatch):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.delenv("PIP_REQUIRE_VIRTUALENV", raising=False)
    return wheels


def test_install_prints_one_line_per_step_and_pips_output_only_on_failure(
    tmp_path, offline_pip, capfd
):
    venv_dir, requirements = tmp_path / "venv", tmp_path / "requirements.txt"
    requirements.write_text("# a comment\ntinypkg==1.0  # the only one\n")

    assert launch.ensure_venv(venv_dir, requirements) is True

    lines = capfd.readouterr().out.splitlines()
    assert lines[:5] == [
        "[1/3] Creating the virtual environment venv ...",
        "[2/3] Upgrading pip ...",
        "[3/3] Installing requirements.txt (1 package and what they need) ...",
        "      1/1 tinypkg",
        "      installing 1 package ...",
    ]
    assert re.fullmatch(r"      done in \d+ s", lines[5])
    assert len(lines) == 6  # nothing of pip's ("Looking in links", "Successfully installed")
    check = [str(venv_dir / "bin" / "python"), "-c", "import tinypkg; print(tinypkg.VALUE)"]
    assert subprocess.check_output(check, text=True) == "1\n"

    # Unchanged requirements: nothing to do, nothing printed.
    assert launch.ensure_venv(venv_dir, requirements) is False
    assert capfd.readouterr().out == ""

    # Changed requirements: only the install step.
    requirements.write_text("tinypkg==1.0\n\n")
    assert launch.ensure_venv(venv_dir, requirements) is True
    lines = capfd.readouterr().out.splitlines()
    assert lines[0] == "[1/1] Installing requirements.txt (1 package and what they need) ..."
    assert lines[1] == "      1/1 tinypkg"  # pip: "Requirement already satisfied: tinypkg"

    # A failing install shows everything pip said.
    requirements.write_text("no-such-package-here==9.9\n")

    with pytest.raises(subprocess.CalledProcessError):
        launch.ensure_venv(venv_dir, requirements)

    out = capfd.readouterr().out
    assert "No matching distribution found for no-such-package-here==9.9" in out
    # The stamp still names the old file, so the next run tries the install again.
    old = hashlib.sha256(b"tinypkg==1.0\n\n").hexdigest()
    assert (venv_dir / ".requirements.sha256").read_text() == old
