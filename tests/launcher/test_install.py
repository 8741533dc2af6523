"""The launcher's install step on a fresh machine: one line per step, a count of every
package pip collects (dependencies included) and of those it installs, and pip's own output
only when pip fails; `serve`'s file and `test`'s (which includes it) stamped so that going
from one to the other installs only what is missing. A throwaway virtual environment and
local wheels, no index: fast and offline."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from portal.launch import install


def _wheel(folder, name="tinypkg", version="1.0", requires=()):
    """A minimal pure-Python wheel of `name` (depending on `requires`), built by hand."""
    info = f"{name}-{version}.dist-info"
    depends = "".join(f"Requires-Dist: {other}\n" for other in requires)
    files = {
        f"{name}/__init__.py": "VALUE = 1\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{depends}",
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
    _wheel(wheels, "tinydep", requires=["tinydeeper"])
    _wheel(wheels, "tinydeeper")
    _wheel(wheels, "tinytool")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.delenv("PIP_REQUIRE_VIRTUALENV", raising=False)
    return wheels


def test_install_prints_one_line_per_step_and_pips_output_only_on_failure(
    tmp_path, offline_pip, capfd, monkeypatch
):
    venv_dir, requirements = tmp_path / "venv", tmp_path / "requirements.txt"
    requirements.write_text("# a comment\ntinypkg==1.0  # the only one\ntinydep\n")
    monkeypatch.setattr(install, "COLLECTED_EVERY", 0)  # a line for each package here

    assert install.ensure_venv(venv_dir, requirements) is True

    lines = capfd.readouterr().out.splitlines()
    # Before anything else: that the first start takes a few minutes, and why (issue 20).
    assert lines.pop(0) == (
        "First start: this takes a few minutes. It creates venv and installs 2 packages and "
        "what they need (downloaded and unpacked once; later starts reuse venv and take "
        "seconds)."
    )
    assert lines[:3] == [
        "[1/3] Creating the virtual environment venv ...",
        "[2/3] Upgrading pip ...",
        "[3/3] Installing requirements.txt (2 packages and what they need) ...",
    ]
    # Every package pip collects counts, the dependency of a dependency too.
    assert lines[3:6] == [
        "      1 collected (tinypkg)",
        "      2 collected (tinydep)",
        "      3 collected (tinydeeper)",
    ]
    assert lines[6] == "      3 collected; installing 3 packages ..."
    assert re.fullmatch(r"      done in \d+ s", lines[7])
    assert len(lines) == 8  # nothing of pip's ("Looking in links", "Successfully installed")
    check = [str(venv_dir / "bin" / "python"), "-c", "import tinydeeper; print(tinydeeper.VALUE)"]
    assert subprocess.check_output(check, text=True) == "1\n"

    # Unchanged requirements: nothing to do, nothing printed.
    assert install.ensure_venv(venv_dir, requirements) is False
    assert capfd.readouterr().out == ""

    # Changed requirements: only the install step (nothing left to collect).
    requirements.write_text("tinypkg==1.0\ntinydep\n\n")
    assert install.ensure_venv(venv_dir, requirements) is True
    lines = capfd.readouterr().out.splitlines()
    assert lines[0] == "[1/1] Installing requirements.txt (2 packages and what they need) ..."
    assert re.fullmatch(r"      done in \d+ s", lines[1]), lines

    # A failing install shows everything pip said.
    requirements.write_text("no-such-package-here==9.9\n")

    with pytest.raises(subprocess.CalledProcessError):
        install.ensure_venv(venv_dir, requirements)

    out = capfd.readouterr().out
    assert "No matching distribution found for no-such-package-here==9.9" in out
    # The stamp still names the old file, so the next run tries the install again.
    stamp = venv_dir / ".stamps" / "requirements.txt.sha256"
    assert stamp.read_text() != install.digest(requirements)
    requirements.write_text("tinypkg==1.0\ntinydep\n\n")
    assert stamp.read_text() == install.digest(requirements)


def test_the_test_tools_file_installs_on_top_and_serve_then_installs_nothing(
    tmp_path, offline_pip, capfd
):
    """`test` installs requirements-dev.txt (which includes requirements.txt); `serve` after
    it finds requirements.txt installed; a change to requirements.txt reinstalls both."""
    venv_dir = tmp_path / "venv"
    runtime, dev = tmp_path / "requirements.txt", tmp_path / "requirements-dev.txt"
    runtime.write_text("tinypkg==1.0\n")
    dev.write_text("-r requirements.txt\ntinytool\n")

    assert install.ensure_venv(venv_dir, runtime) is True
    capfd.readouterr()
    assert install.ensure_venv(venv_dir, dev) is True
    lines = capfd.readouterr().out.splitlines()
    assert lines[0] == ("[1/1] Installing requirements-dev.txt (2 packages and what they need) ...")
    assert "      1 collected (tinytool)" in lines  # tinypkg is already there
    assert install.ensure_venv(venv_dir, runtime) is False
    assert install.ensure_venv(venv_dir, dev) is False

    runtime.write_text("tinypkg==1.0\ntinydep\n")
    assert not install.installed(venv_dir, dev)  # what it includes changed
    assert install.ensure_venv(venv_dir, dev) is True
    assert install.ensure_venv(venv_dir, runtime) is False


def test_a_silent_pip_still_gets_a_line_every_little_while(monkeypatch, capfd):
    """pip prints nothing while it installs (a minute for the whole set): the launcher says
    what is going on at least every QUIET_SECONDS."""
    monkeypatch.setattr(install, "QUIET_SECONDS", 0.5)
    monkeypatch.setattr(install, "IDLE_EVERY", 0.1)
    progress = install.Progress()
    progress.line("Collecting django==5.2")
    progress.line("Installing collected packages: a, b, c")
    silent = [sys.executable, "-c", "import time; time.sleep(2.5)"]
    # pip's place taken by a silent process: the same loop, the same callbacks.
    monkeypatch.setattr(install, "_pip_command", lambda python, args: silent)
    install.pip(Path(sys.executable), [], progress.line, progress.idle)
    lines = capfd.readouterr().out.splitlines()
    assert lines[:2] == [
        "      1 collected (django)",
        "      1 collected; installing 3 packages ...",
    ]
    still = [line for line in lines[2:] if line.startswith("      still installing 3 packages")]
    assert len(still) >= 2, lines
