"""Requests the production server bounds (issue 19, items 8-10), against the production
command as tests/live/test_serving_live.py starts it: bodies over the limit refused with the
API's JSON 413 before they are read, chunked bodies taken, and connections that never finish
their headers, or send nothing, closed within REQUEST_HEADER_TIMEOUT."""

import json
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.live.databases import template_copy
from tests.live.server import ROOT, free_port, portal_env
from tests.live.test_serving_live import _command, _production_env, _wait_until_healthy

HEADER_TIMEOUT = 3  # REQUEST_HEADER_TIMEOUT of the served portal, seconds
LIMIT = 64 * 1024
REGISTER = "/api/v1/agents/register"
TOO_LARGE = f"The request body is larger than {LIMIT} bytes."
TOKEN = re.compile(r"^Token:\s+(\S+)$", re.MULTILINE)  # `tokens create` prints it once


@pytest.fixture(scope="module")
def bounded_server(tmp_path_factory):
    """The production command on a copy of the template database, with a short header
    deadline, and a registration token of the demo data's Globex."""
    scratch = tmp_path_factory.mktemp("bounds")
    log = scratch / "server.log"
    port = free_port()
    with template_copy("bounds") as (database_url, _):
        env = {
            **_production_env(database_url, scratch),
            "REQUEST_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        }
        process = subprocess.Popen(
            _command("--bind", f"127.0.0.1:{port}", "--workers", "2"),
            env=env,
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
            yield ("127.0.0.1", port), _token(database_url), process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()


def _token(database_url: str) -> str:
    created = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "tokens",
            "create",
            "--tenant",
            "globex",
            "--user",
            "globex-alice",
        ],
        env=portal_env(database_url),
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    return TOKEN.search(created.stdout).group(1)


def _head(method: str, path: str, *extra: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *extra, "", ""]
    return "\r\n".join(lines).encode()


def _answer(sock: socket.socket) -> tuple[int, dict, bytes]:
    """One HTTP answer: (status, headers, body), the body by its Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed without an answer after {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (f.split(":", 1) for f in fields)}
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return int(status_line.split()[1]), headers, body


def _closed_after(sock: socket.socket, limit: float) -> float | None:
    """Seconds until the server closes the connection (None: still open after `limit`)."""
    started = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def _send_in_background(sock: socket.socket, chunks) -> dict:
    """Sends `chunks` on a thread until the server stops taking them; counts bytes sent."""
    sent = {"bytes": 0}

    def run():
        try:
            for chunk in chunks:
                sock.sendall(chunk)
                sent["bytes"] += len(chunk)
        except OSError:  # refused and closed: the rest is never taken
            pass

    sent["thread"] = threading.Thread(target=run, daemon=True)
    sent["thread"].start()
    return sent


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(bounded_server):
    address, *_ = bounded_server
    head = _head("POST", REGISTER, "Content-Type: application/json", "Content-Length: 1500000000")
    with socket.create_connection(address, timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head)  # headers only: not one byte of the body
        status, headers, body = _answer(sock)
        took = time.monotonic() - started
        closed = _closed_after(sock, 5)
    answer = json.loads(body)
    print(f"1.5 GB declared: 413 after {took * 1000:.1f} ms, 0 body bytes sent, closed: {closed}")
    assert (status, answer["detail"]) == (413, TOO_LARGE)
    assert answer["request_id"] == headers["x-request-id"]
    assert took < 1.0
    assert closed is not None


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_large_body_is_refused_with_the_json_413_and_not_read(bounded_server, framing):
    """3 MB, then 64 MB offered: the answer is the JSON 413, and the client can push no more
    than the kernel's socket buffers hold before the server closes the connection (a server
    reading the body would take all 64 MB)."""
    address, *_ = bounded_server
    piece = b"x" * 16384
    for size in (3_000_000, 64_000_000):
        count = size // len(piece)
        if framing == "chunked":
            head = _head(
                "POST", REGISTER, "Content-Type: application/json", "Transfer-Encoding: chunked"
            )
            chunks = [f"{len(piece):x}\r\n".encode() + piece + b"\r\n"] * count
        else:
            head = _head(
                "POST", REGISTER, "Content-Type: application/json", f"Content-Length: {size}"
            )
            chunks = [piece] * count
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(head)
            started = time.monotonic()
            sent = _send_in_background(sock, chunks)
            status, _, body = _answer(sock)
            took = time.monotonic() - started
            closed = _closed_after(sock, 10)
            sent["thread"].join(30)
        print(
            f"{size / 1e6:.0f} MB {framing}: 413 after {took * 1000:.1f} ms; the client pushed"
            f" {sent['bytes']:,} bytes before the connection closed"
        )
        assert (status, json.loads(body)["detail"]) == (413, TOO_LARGE)
        assert closed is not None
        assert not sent["thread"].is_alive()
        assert sent["bytes"] < 16_000_000  # socket buffers, not the body


def test_a_chunked_registration_is_taken(bounded_server):
    address, token, _ = bounded_server
    payload = json.dumps(
        {"token": token, "hostname": "chunked-1", "os": "linux", "machine_id": "chunked-m1"}
    ).encode()
    head = _head("POST", REGISTER, "Content-Type: application/json", "Transfer-Encoding: chunked")
    parts = [payload[:20], payload[20:]]
    framed = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head + framed)
        status, _, body = _answer(sock)
    assert status == 201, body
    assert json.loads(body)["owner"]["username"] == "globex-alice"


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /api/v1/agents/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty"],
    ids=["idle", "partial-headers"],
)
def test_a_connection_that_does_not_finish_its_headers_is_closed(bounded_server, sent):
    address, *_ = bounded_server
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(sent)
        took = _closed_after(sock, HEADER_TIMEOUT + 5)
    print(f"{'partial headers' if sent else 'idle'}: closed after {took} s")
    assert took is not None, "still open"
    assert HEADER_TIMEOUT - 0.5 < took < HEADER_TIMEOUT + 2


def test_a_kept_alive_connection_stalled_in_its_next_headers_is_closed(bounded_server):
    address, *_ = bounded_server
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(_head("GET", "/healthz"))
        assert _answer(sock)[0] == 200
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        took = _closed_after(sock, 15)
    print(f"kept alive, stalled in the next headers: closed after {took} s")
    assert took is not None and took < 5 + 2  # gunicorn's --keep-alive 5
