"""The Generate form of the Add devices pane: "Number of machines" only with "Up to N
machines" (issue 20, item 3), and every error at once in a summary at the top (item 8)."""

import re

import pytest

from tests.agents.helpers import token_generate_url
from tokens.models import RegistrationToken

SUMMARY = re.compile(r'<div class="error-summary"[^>]*data-error-summary>(.*?)</div>', re.S)


def generate(client, language="en", **fields):
    body = {"lifetime": "259200", "use_limit": "reusable", **fields}
    return client.post(token_generate_url("globex"), body, HTTP_ACCEPT_LANGUAGE=language)


def summary_links(response) -> list[tuple[str, str]]:
    found = SUMMARY.search(response.content.decode())
    assert found, "no error summary at the top of the form"
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', found.group(1))


@pytest.mark.parametrize("choice", ["reusable", "one"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_a_number_of_machines_beside_another_choice_is_refused(login, choice, language):
    client = login("globex-alice")
    before = RegistrationToken.objects.count()
    response = generate(client, use_limit=choice, max_machines="3", language=language)
    assert response.status_code == 400
    assert RegistrationToken.objects.count() == before
    [(target, message)] = summary_links(response)
    assert target == "id_max_machines"
    expected = {
        "en": "applies only to “Up to N machines”",
        "de": "gilt nur für „Bis zu N Maschinen“",
    }[language]
    assert expected in message
    html = response.content.decode()
    # The field shows (not hidden) so that the refusal is next to it.
    assert re.search(r'<div class="max-machines" data-max-machines>', html)


def test_number_of_machines_is_rendered_hidden_unless_up_to_n_is_chosen(login):
    client = login("globex-alice")
    html = client.get("/console/globex/devices/?pane=add&step=generate").content.decode()
    assert '<div class="max-machines" data-max-machines hidden>' in html
    response = generate(client, use_limit="many", max_machines="", lifetime="custom")
    assert '<div class="max-machines" data-max-machines>' in response.content.decode()


@pytest.mark.parametrize("choice,limit", [("reusable", None), ("one", 1), ("many", 3)])
def test_each_choice_without_a_stray_number_makes_its_token(login, choice, limit):
    client = login("globex-alice")
    fields = {"use_limit": choice}
    if choice == "many":
        fields["max_machines"] = "3"
    assert generate(client, **fields).status_code == 303
    assert RegistrationToken.objects.latest("created_at").max_machines == limit


def test_every_error_comes_at_once_in_a_summary_that_links_to_each_field(login):
    client = login("globex-admin")
    response = client.post(
        token_generate_url("globex"),
        {
            "lifetime": "custom",
            "custom_value": "0",
            "custom_unit": "days",
            "user": "",
            "use_limit": "many",
            "max_machines": "",
            "allowed_networks": "10.0.0.0/33",
        },
    )
    assert response.status_code == 400
    targets = [target for target, _message in summary_links(response)]
    # In the order of the form, the network error with the others (not in a later round).
    assert targets == ["id_custom_value", "id_user", "id_max_machines", "id_allowed_networks"]
    html = response.content.decode()
    assert 'tabindex="-1"' in SUMMARY.search(html).group(0)
    assert html.index("data-error-summary") < html.index('name="lifetime"')
    for target in targets:
        tag = re.search(rf'<[^<]*id="{target}"[^>]*>', html).group(0)
        assert f"{target}-error" in tag, tag  # aria-describedby names the message


def test_the_pages_forms_list_their_errors_in_the_same_summary(login):
    response = login("globex-admin").post("/console/globex/plans/new/", {})
    assert response.status_code in (200, 400)
    targets = [target for target, _message in summary_links(response)]
    assert targets and targets[0] == "id_name", targets
