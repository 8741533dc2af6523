"""Is the address `serve` is about to listen on free? Asked before any set-up (no virtual
environment, database or migration first), so a busy port costs seconds, not minutes."""

from __future__ import annotations

import socket


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on host:port (a bind there fails). SO_REUSEADDR as
    the servers set it: a port left in TIME_WAIT by a server just stopped counts as free."""
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False  # the server reports an unknown host itself
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return True
    return False


def busy_message(host: str, port: int) -> str:
    return (
        f"Port {port} on {host} is already in use (another server, or a portal still "
        f"running?). Stop it, or choose another port: python3 -m portal.launch serve "
        f"--port {port + 1}"
    )
