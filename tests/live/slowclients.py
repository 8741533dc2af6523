"""Slow clients for the live server: connections that trickle a request body, and a timed
health check beside them. Used by tests/live/test_serving_live.py and
tests/benchmarks/bench_slow_clients.py."""

import socket
import threading
import time
import urllib.request
from urllib.parse import urlsplit

# Within the API's body limit (64 KB): a larger declared length is refused at once (413).
BODY_LENGTH = 60_000


class SlowBodies:
    """`count` connections that send a POST's headers with a large Content-Length, then one
    byte of body a second each, until closed. `answers` collects what the server sent back."""

    def __init__(self, url: str, count: int, path: str = "/api/v1/agents/register"):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.count, self.path = count, path
        self.sockets: list[socket.socket] = []
        self.answers: dict[int, bytes] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> "SlowBodies":
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.address[0]}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {BODY_LENGTH}\r\n\r\n"
        ).encode()
        for _ in range(self.count):
            sock = socket.create_connection(self.address, timeout=5)
            sock.sendall(head + b"{")
            sock.setblocking(False)
            self.sockets.append(sock)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()

    def open_count(self) -> int:
        """Connections the server has neither answered nor closed."""
        return self.count - len(self.answers)

    def _trickle(self) -> None:
        while not self.stop.wait(1.0):
            for index, sock in enumerate(self.sockets):
                if index not in self.answers:
                    self._poke(index, sock)

    def _poke(self, index: int, sock: socket.socket) -> None:
        try:
            answer = sock.recv(65536)
        except BlockingIOError:
            answer = None
        except OSError:
            answer = b""
        if answer is not None:
            self.answers[index] = answer
            return
        try:
            sock.send(b" ")
        except OSError:
            self.answers[index] = b""


def health_latency(url: str, timeout: float = 10.0) -> float:
    """Seconds one GET /healthz took (it must answer 200 {"status": "ok"})."""
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/healthz", timeout=timeout) as response:  # noqa: S310
        body = response.read()
    assert response.status == 200 and body == b'{"status": "ok"}', (response.status, body)
    return time.monotonic() - started
