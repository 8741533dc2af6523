"""A tiny HTTP client for the live portal: a browser-like session and JSON calls."""

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request


class Session:
    """Signs in through /accounts/login/ like a browser and keeps the cookies."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def at(self, base: str) -> "Session":
        """The same browser (its cookies) talking to another server."""
        other = Session(base)
        other.jar, other.opener = self.jar, self.opener
        return other

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, username: str, password: str) -> "Session":
        self.get("/accounts/login/")
        status, _ = self.post_form("/accounts/login/", {"username": username, "password": password})
        assert status == 200, status
        return self

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get_json(self, path: str) -> tuple[int, dict, dict]:
        """GET a JSON answer: (status, body, headers)."""
        return _json_full(self.opener, urllib.request.Request(self.base + path))

    def post_form(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_json(self, path: str, data: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(data).encode(),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.csrf(),
                "Referer": self.base + path,
            },
        )
        return _json(self.opener, request)

    def delete(self, path: str) -> int:
        request = urllib.request.Request(
            self.base + path,
            method="DELETE",
            headers={"X-CSRFToken": self.csrf(), "Referer": self.base + path},
        )
        return _json(self.opener, request)[0]


def _json(opener, request) -> tuple[int, dict]:
    status, body, _ = _json_full(opener, request)
    return status, body


def _json_full(opener, request) -> tuple[int, dict, dict]:
    """(status, body, headers). An error body must quote the response's X-Request-ID as
    `request_id`; it is checked here and left out of the body returned (every answer has
    its own id, so tests compare bodies without it)."""
    try:
        with opener.open(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        body = json.loads(raw) if raw else {}
        if isinstance(body, dict) and "detail" in body:
            assert body.pop("request_id") == error.headers["X-Request-ID"], body
        return error.code, body, dict(error.headers)


def post_json_full(base: str, path: str, data: dict) -> tuple[int, dict, dict]:
    """POST JSON without credentials: (status, body, headers)."""
    request = urllib.request.Request(
        base + path, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )
    return _json_full(urllib.request.build_opener(), request)


def post_json(base: str, path: str, data: dict, secret: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    request = urllib.request.Request(base + path, data=json.dumps(data).encode(), headers=headers)
    return _json(urllib.request.build_opener(), request)


def hostnames(html: str) -> set[str]:
    """Device names in the All devices table (first cell of each body row)."""
    body = html.split("<tbody>", 1)[-1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return set(re.findall(r"<tr>\s*<td[^>]*>([^<]+)</td>", body))
