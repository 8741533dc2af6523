"""The production command's shared metrics folder (PROMETHEUS_MULTIPROC_DIR): a fresh one
per start, removed when gunicorn stops; a given one emptied of the last run's counters."""

from pathlib import Path

from portal import gunicorn_config
from portal.launch.production import prepare_metrics_dir, production_server_command


def test_without_a_folder_a_new_one_is_made_and_removed_when_gunicorn_exits(monkeypatch):
    environ: dict = {}
    folder = prepare_metrics_dir(environ)
    assert folder.is_dir() and not any(folder.iterdir())
    assert environ == {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PORTAL_METRICS_DIR_OWNED": "1"}
    monkeypatch.setattr("os.environ", environ)
    (folder / "counter_123.db").write_bytes(b"x")
    gunicorn_config.on_exit(server=None)
    assert not folder.exists()


def test_a_given_folder_is_emptied_of_the_last_runs_counters_and_kept(tmp_path, monkeypatch):
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_99.db").write_bytes(b"old")
    (given / "README").write_text("not ours")
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(given), "PORTAL_METRICS_DIR_OWNED": "1"}
    assert prepare_metrics_dir(environ) == given
    assert sorted(p.name for p in given.iterdir()) == ["README"]
    assert "PORTAL_METRICS_DIR_OWNED" not in environ
    monkeypatch.setattr("os.environ", environ)
    gunicorn_config.on_exit(server=None)
    assert Path(given).is_dir()


def test_the_server_has_no_access_log_and_uses_the_portals_gunicorn_config():
    command = production_server_command("127.0.0.1:8000", 2)
    assert "--access-logfile" not in command
    assert command[command.index("--config") + 1] == "python:portal.gunicorn_config"
    assert gunicorn_config.accesslog is None
