"""Request bodies over their limit answer 413 before they are read, JSON under /api/, on
both servers (issue 19, items 8-10); a chunked body within the limit reaches the view.

The ASGI tests drive the production application stack (`BodyLimit` around Django's ASGI
handler in its one-hop form, portal.asgihandler, as portal/asgi.py builds it) with asgiref's
communicator; the WSGI tests go through Django's test client.
tests/live/test_request_bounds_live.py runs the same rules against the production command,
and the header deadline.
"""

import asyncio
import inspect
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import Client, override_settings

from api.parsers import MSG_TOO_LARGE
from portal import bodylimit, gunicorn_config
from portal.asgihandler import get_one_hop_asgi_application
from tests.portal.test_request_log import GENERATED

REGISTER = "/api/v1/agents/register"
LIMIT = 64 * 1024
TOO_LARGE = {"detail": MSG_TOO_LARGE.format(limit=LIMIT)}


def _scope(path: str, headers: list[tuple[bytes, bytes]], method: str = "POST") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def _call(scope: dict, chunks: list[bytes]) -> tuple[int, dict, bytes, int]:
    """(status, headers, body, body messages the application took). The body messages
    wait in the communicator's queue; after them the client stays quiet until answered."""
    application = bodylimit.BodyLimit(get_one_hop_asgi_application())
    communicator = ApplicationCommunicator(application, scope)
    for index, chunk in enumerate(chunks):
        more = index < len(chunks) - 1
        await communicator.send_input({"type": "http.request", "body": chunk, "more_body": more})
    start = await communicator.receive_output(5)
    body = b""
    while True:
        message = await communicator.receive_output(5)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    taken = len(chunks) - communicator.input_queue.qsize()
    await communicator.wait(5)
    return start["status"], dict(start["headers"]), body, taken


def _run(scope: dict, chunks: list[bytes]) -> tuple[int, dict, bytes, int]:
    # In a thread of its own: once the browser tier has run, Playwright's sync API (its
    # session-scoped browser) keeps an event loop running in the main thread for the rest of
    # the session, and asyncio.run() refuses to start a second one there.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _call(scope, chunks)).result()


def test_asgi_refuses_a_declared_length_over_the_limit_without_asking_for_the_body():
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1500000000")]
    status, answer_headers, body, asked = _run(_scope(REGISTER, headers), [b"{}"])
    assert status == 413
    assert asked == 0  # not one body message read
    answer = json.loads(body)
    assert answer.pop("request_id") == answer_headers[b"x-request-id"].decode()
    assert answer == TOO_LARGE
    assert answer_headers[b"connection"] == b"close"


def test_asgi_stops_reading_a_chunked_body_at_the_limit():
    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    chunks = [b"x" * 16384] * 200  # 3.2 MB offered
    status, _, body, asked = _run(_scope(REGISTER, headers), chunks)
    assert (status, json.loads(body)["detail"]) == (413, TOO_LARGE["detail"])
    assert asked == 5  # 80 KB: the first chunk past 64 KB


def test_asgi_hands_a_chunked_body_within_the_limit_to_the_view():
    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    payload = json.dumps({"token": "not-a-token", "hostname": "h", "os": "linux"}).encode()
    chunks = [payload[:10], payload[10:30], payload[30:]]
    status, _, body, _ = _run(_scope(REGISTER, headers), chunks)
    # The view parsed the token (a body taken for empty would say "token: This field is
    # required."), and found it mistyped before any database query.
    assert status == 400
    assert "token: This field is required." not in json.loads(body)["detail"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_asgi_refuses_outside_the_api_with_text_at_the_form_limit():
    headers = [(b"content-length", b"1001")]
    status, answer_headers, body, asked = _run(_scope("/accounts/login/", headers), [])
    assert (status, body, asked) == (413, bodylimit.MSG_TOO_LARGE_PAGE.encode(), 0)
    assert answer_headers[b"content-type"].startswith(b"text/plain")


@pytest.mark.django_db
@pytest.mark.parametrize("path", [REGISTER, "/api/v1/tenants", "/api/v1/no-such-thing"])
def test_wsgi_refuses_a_declared_length_over_the_limit_on_every_api_path(path):
    response = Client().post(
        path, data=b"{}", content_type="application/json", CONTENT_LENGTH=str(LIMIT + 1)
    )
    assert response.status_code == 413
    answer = response.json()
    assert GENERATED.fullmatch(answer.pop("request_id"))
    assert answer == TOO_LARGE


@pytest.mark.django_db
def test_wsgi_refuses_a_body_over_the_limit_and_takes_one_at_it():
    body = json.dumps({"token": "not-a-token", "pad": "x" * LIMIT}).encode()
    response = Client().post(REGISTER, data=body, content_type="application/json")
    assert (response.status_code, response.json()["detail"]) == (413, TOO_LARGE["detail"])
    body = json.dumps({"token": "not-a-token", "hostname": "h", "os": "l", "machine_id": "m"})
    padded = body.encode().ljust(LIMIT)
    response = Client().post(REGISTER, data=padded, content_type="application/json")
    assert response.status_code == 400  # read and parsed: the token is mistyped


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_body_django_refuses_to_load_answers_413_json_under_the_api():
    # Within API_MAX_BODY_SIZE but over Django's own limit: RequestDataTooBig, once an
    # HTML or JSON 400, is the API's 413.
    body = json.dumps({"token": "not-a-token", "pad": "x" * 500}).encode()
    response = Client().post(REGISTER, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == TOO_LARGE["detail"]


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_wsgi_refuses_a_page_body_over_the_form_limit():
    response = Client().post("/accounts/login/", data={"username": "x" * 2000})
    assert response.status_code == 413
    assert response.content == bodylimit.MSG_TOO_LARGE_PAGE.encode()


def test_the_header_deadline_uses_names_the_installed_gunicorn_has():
    """The asgi worker builds connections from its module's ASGIProtocol and has the
    keep-alive timer the deadline reuses: a gunicorn upgrade that renames them fails here."""
    from gunicorn.asgi.protocol import ASGIProtocol  # noqa: PLC0415
    from gunicorn.workers import gasgi  # noqa: PLC0415

    assert gasgi.ASGIProtocol is ASGIProtocol or issubclass(gasgi.ASGIProtocol, ASGIProtocol)
    assert "ASGIProtocol(self)" in inspect.getsource(gasgi.ASGIWorker._serve)
    for name in ("_start_http1", "_keepalive_timeout", "_cancel_keepalive_timer"):
        assert callable(getattr(ASGIProtocol, name)), name
    assert "self._keepalive_handle = None" in inspect.getsource(ASGIProtocol.__init__)
    assert "self._cancel_keepalive_timer()" in inspect.getsource(ASGIProtocol._handle_connection)
    protocol = gunicorn_config.header_deadline_protocol(ASGIProtocol)
    assert issubclass(protocol, ASGIProtocol)
