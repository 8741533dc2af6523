"""The production server (gunicorn's ASGI worker, with portal/gunicorn_config.py) believes
`X-Forwarded-Proto` from exactly the peers TRUSTED_PROXIES names, as the portal does
(issue 21, item 6).

gunicorn's own default (`forwarded_allow_ips`: 127.0.0.1 and ::1) used to set the request's
scheme from any local peer's header whatever TRUSTED_PROXIES said: with it empty, a local
client's `X-Forwarded-Proto: https` skipped the HTTPS redirect.
"""

import http.client
import os
import subprocess
import sys
import time

import pytest

from portal.launch.production import production_server_command
from tests.live.server import ROOT, free_port
from tests.portal.test_settings import PRODUCTION_ENV


def _serve(tmp_path, trusted: str):
    port = free_port()
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PORTAL_", "FORWARDED_"))
        and k not in {"TRUSTED_PROXIES", "LOG_LEVEL"}
    }
    env = {
        **clean,
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CACHE_URL": f"filecache://{tmp_path / 'cache'}",
        "TRUSTED_PROXIES": trusted,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    (tmp_path / "metrics").mkdir()
    log = (tmp_path / "server.log").open("w")
    command = production_server_command(f"127.0.0.1:{port}", workers=1)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
        try:
            if _get(port, {})[0]:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError((tmp_path / "server.log").read_text()[-3000:])


def _get(port: int, headers: dict) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/api/v1/ping", headers={"Host": "127.0.0.1", **headers})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


@pytest.mark.parametrize(
    "trusted,believed",
    [("", False), ("10.0.0.2", False), ("127.0.0.1", True), ("127.0.0.0/8", True)],
)
def test_the_server_believes_x_forwarded_proto_only_from_trusted_proxies(
    tmp_path, trusted, believed
):
    process, port = _serve(tmp_path, trusted)
    try:
        plain = _get(port, {})
        assert plain == (301, "https://127.0.0.1/api/v1/ping")
        forwarded = _get(port, {"X-Forwarded-Proto": "https"})
        assert (forwarded[0] != 301) is believed, forwarded
        if believed:
            assert forwarded[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_configuration_follows_trusted_proxies():
    script = (
        "import portal.gunicorn_config as c; "
        "print(repr(c.forwarded_allow_ips), repr(c.secure_scheme_headers))"
    )
    cases = {
        "": "'' {'X-FORWARDED-PROTO': 'https'}",
        "10.0.0.2, 192.168.50.9/24": "'10.0.0.2/32,192.168.50.0/24' {'X-FORWARDED-PROTO': 'https'}",
    }
    for trusted, expected in cases.items():
        env = {**os.environ, "TRUSTED_PROXIES": trusted, "FORWARDED_ALLOW_IPS": "*"}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.stdout.strip() == expected, result.stderr
