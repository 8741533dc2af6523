"""The production command's shared metrics folder (PROMETHEUS_MULTIPROC_DIR): a fresh one
per start, removed when gunicorn stops; a given one emptied of the last run's counters."""

from pathlib import Path

from gunicorn.config import Config
from gunicorn.glogging import Logger

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


def _access_log_enabled(logger_class, **settings) -> bool:
    """Whether a gunicorn logger of `logger_class`, with the portal's configuration and
    `settings`, builds an access record for each request (set up without configuring this
    process's logging)."""
    cfg = Config()
    cfg.set("logconfig_dict", gunicorn_config.logconfig_dict)
    for name, value in settings.items():
        cfg.set(name, value)
    logger = logger_class.__new__(logger_class)
    logger.cfg = cfg
    return logger.access_log_enabled


def test_no_access_record_is_built_for_a_request_without_an_access_log():
    """gunicorn builds (and drops) one for every request when any logging configuration
    is given; the portal's logger builds none, unless an access log is named."""
    assert gunicorn_config.logger_class is gunicorn_config.PortalLogger
    assert _access_log_enabled(Logger)  # gunicorn's own: on for the portal's configuration
    assert not _access_log_enabled(gunicorn_config.PortalLogger)
    assert _access_log_enabled(gunicorn_config.PortalLogger, accesslog="-")
