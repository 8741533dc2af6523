"""Issue 20: the designed error pages (portal.errors) also while DEBUG is on, as the run
command serves the portal (portal.error_pages); tests/browser/test_error_pages.py shows
them in Chromium."""

import pytest

TECHNICAL = ("Using the URLconf", "DEBUG = True", "Traceback")


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def designed(response, status: int, title: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in html and 'class="request-id"' in html
    assert not any(marker in html for marker in TECHNICAL)
    return html


def test_unknown_page_and_a_view_404_are_designed_and_translated(login, debug):
    client = login("globex-admin")
    client.cookies.load({"django_language": "fr"})
    designed(client.get("/no/such/page/"), 404, "Page introuvable")
    designed(client.get("/manage/initech/audit/"), 404, "Page introuvable")
    stale = "/console/globex/devices/?pane=tokens&manage=7d0c6a3e-0000-4000-8000-000000000000"
    designed(client.get(stale), 404, "Page introuvable")


def test_a_missing_slash_still_redirects_with_debug_on(login, debug):
    response = login("globex-admin").get("/manage/globex/audit")
    assert response.status_code == 301 and response["Location"].endswith("/manage/globex/audit/")


def test_api_not_found_stays_json_with_debug_on(client, debug):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.json()["detail"] == "Not found."


def test_too_many_fields_is_the_designed_400(client, debug):
    client.cookies.load({"django_language": "de"})
    designed(client.get("/accounts/login/?" + "&".join(["f"] * 1100)), 400, "Ungültige Anfrage")


def test_a_host_header_outside_allowed_hosts_is_the_designed_400(client, debug, caplog):
    """The commonest 400 (a Host the portal does not serve, raised by CommonMiddleware before
    any view) is the designed page under the run command too, translated, and still logged
    as Django logs it."""
    client.cookies.load({"django_language": "fr"})
    designed(client.get("/accounts/login/", HTTP_HOST="evil.example"), 400, "Requête invalide")
    assert any(r.name == "django.security.DisallowedHost" for r in caplog.records)


def test_a_link_to_a_post_only_address_is_the_designed_405(login, debug):
    response = login("globex-admin").get("/console/globex/tokens/delete/")
    designed(response, 405, "This page cannot be opened by a link")
    assert response["Allow"] == "POST"
