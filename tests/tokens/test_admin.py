"""Tokens in the Django admin: listed by prefix, generated through the service, shown once."""

from django.urls import reverse

from tenants.models import AuditEvent
from tests.factories import make_token
from tests.patterns import TOKEN_RE
from tokens import values
from tokens.models import RegistrationToken
from tokens.services import MSG_ALL_CUSTOMERS as ALL_CUSTOMERS


def select(client, slug):
    client.post(reverse("admin:select_scope"), {"tenant": slug, "next": "/admin/"})


def test_admin_lists_the_selected_customers_tokens_by_prefix_only(login, tenants, users):
    globex, value = make_token(tenants["globex"], users["globex-alice"])
    make_token(tenants["initech"], users["initech-carol"])
    client = login("msp-admin")
    select(client, "globex")
    response = client.get(reverse("admin:tokens_registrationtoken_changelist"))
    assert [t.pk for t in response.context["cl"].result_list] == [globex.pk]
    html = response.content.decode()
    assert globex.masked in html
    assert values.normalize(value)[2:] not in html.replace("-", "")
    detail = client.get(reverse("admin:tokens_registrationtoken_change", args=[globex.pk]))
    assert values.normalize(value)[2:] not in detail.content.decode().replace("-", "")


def test_admin_generates_a_token_and_shows_it_once(login, tenants, users):
    client = login("msp-admin")
    select(client, "globex")
    response = client.post(
        reverse("admin:tokens_registrationtoken_add"),
        {"user": users["globex-bob"].pk, "lifetime": "3600", "plan": ""},
    )
    # Post/redirect/get: Save redirects to the page that shows the value once.
    assert response.status_code == 303
    assert TOKEN_RE.search(response.content.decode()) is None
    created = reverse("admin:tokens_registrationtoken_created")
    assert response["Location"] == created
    response = client.get(created)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    value = TOKEN_RE.search(response.content.decode()).group(0)
    assert 'data-copy-target="token-value"' in response.content.decode()
    # A reload shows no value and makes no second token.
    again = client.get(created).content.decode()
    assert TOKEN_RE.search(again) is None and "shown only once" in again
    assert RegistrationToken.objects.count() == 1
    token = RegistrationToken.objects.get(digest=values.digest(values.normalize(value)))
    assert (token.user, token.created_by, token.tenant) == (
        users["globex-bob"],
        users["msp-admin"],
        tenants["globex"],
    )
    assert AuditEvent.objects.filter(action="token.create", source="admin").count() == 1
    listing = client.get(reverse("admin:tokens_registrationtoken_changelist")).content.decode()
    assert value not in listing
    # The admin's own change log holds the masked form only.
    from django.contrib.admin.models import LogEntry

    assert all(value[5:] not in e.object_repr for e in LogEntry.objects.all())


def test_admin_refuses_generation_at_all_customers(login, users):
    client = login("msp-admin")
    select(client, "demo-msp")
    response = client.post(
        reverse("admin:tokens_registrationtoken_add"),
        {"user": users["globex-bob"].pk, "lifetime": "3600"},
    )
    assert ALL_CUSTOMERS in response.content.decode()
    assert not RegistrationToken.objects.exists()


def test_admin_offers_only_the_customers_users(login, users):
    client = login("msp-admin")
    select(client, "initech")
    response = client.post(
        reverse("admin:tokens_registrationtoken_add"),
        {"user": users["globex-bob"].pk, "lifetime": "3600"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not RegistrationToken.objects.exists()


def test_admin_deletes_through_the_service(login, tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    client = login("globex-admin")
    response = client.post(
        reverse("admin:tokens_registrationtoken_delete", args=[token.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not RegistrationToken.objects.active().exists()
    assert RegistrationToken.objects.get(pk=token.pk).deleted_at is not None
    assert AuditEvent.objects.filter(action="token.delete", source="admin").count() == 1


def test_read_only_admin_sees_but_cannot_generate_or_delete(login, tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    client = login("globex-auditor")
    assert client.get(reverse("admin:tokens_registrationtoken_changelist")).status_code == 200
    assert client.get(reverse("admin:tokens_registrationtoken_add")).status_code == 403
    response = client.post(
        reverse("admin:tokens_registrationtoken_delete", args=[token.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert RegistrationToken.objects.active().filter(pk=token.pk).exists()
