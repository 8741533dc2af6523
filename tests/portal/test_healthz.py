"""GET /healthz: liveness for load balancers and orchestrators."""

import json


def test_healthz_answers_ok_without_signing_in_or_touching_the_database(client):
    # No `db` fixture: pytest-django fails any query this request would make.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_takes_only_get(client):
    assert client.post("/healthz").status_code == 405
