"""`serve`'s address options: --host and --port for both commands, --bind for production."""

import pytest

from portal.launch.cli import options


def test_serve_listens_on_127_0_0_1_8000_unless_told():
    parsed = options([])
    assert (parsed.host, parsed.port, parsed.bind) == ("127.0.0.1", 8000, "127.0.0.1:8000")
    parsed = options(["--host", "192.0.2.10", "--port", "8123"])
    assert (parsed.host, parsed.port, parsed.bind) == ("192.0.2.10", 8123, "192.0.2.10:8123")


def test_production_takes_bind_or_host_and_port(monkeypatch):
    monkeypatch.delenv("BIND", raising=False)
    assert options(["--production"]).bind == "127.0.0.1:8000"
    assert options(["--production", "--port", "9000"]).bind == "127.0.0.1:9000"
    assert options(["--production", "--bind", "10.0.0.5:81"]).port == 81
    monkeypatch.setenv("BIND", "127.0.0.1:7000")
    assert options(["--production"]).bind == "127.0.0.1:7000"
    assert options(["--production", "--host", "::1"]).bind == "[::1]:8000"


@pytest.mark.parametrize(
    "argv", [["--bind", "127.0.0.1:80"], ["--production", "--bind", "h:1", "--port", "2"]]
)
def test_bind_is_for_production_and_not_beside_host_or_port(argv, capsys):
    with pytest.raises(SystemExit):
        options(argv)
    assert "--bind" in capsys.readouterr().err


def test_the_test_command_hands_its_arguments_to_pytest_as_they_are():
    """`test --all` (the suite's option: every tier) and any pytest option pass through."""
    from portal.launch.testing import pytest_command

    assert pytest_command(["--all", "-k", "admin", "-x"])[-5:] == [
        "pytest",
        "--all",
        "-k",
        "admin",
        "-x",
    ]
