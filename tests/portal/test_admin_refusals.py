"""What the admin refuses: a lookup its pages do not declare (400), and any delete page to a
read-only administrator (403)."""

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django_tenants.utils import tenant_context

from agents.models import Device, ProtectionPlan
from tenants.models import User
from tests.factories import make_device, make_token
from tokens.models import RegistrationToken

# Fields whose values must never be recoverable through a changelist filter.
SECRET_LOOKUPS = {
    User: ["password__startswith=pbkdf2", "password__regex=^md5", "password__startswith=md5"],
    RegistrationToken: ["digest__startswith=a", "digest__regex=."],
    Device: ["machine_id__startswith=machine", "machine_id__regex=."],
}


def registered_admins():
    """Every ModelAdmin of the portal's admin site, by changelist URL name."""
    return {
        f"{model._meta.app_label}_{model._meta.model_name}": (model, model_admin)
        for model, model_admin in admin.site._registry.items()
    }


def undeclared_lookups(model, model_admin):
    """A lookup on every concrete field the page does not offer as a filter, plus the
    secret ones: each must answer 400."""
    declared = {f if isinstance(f, str) else None for f in model_admin.list_filter}
    lookups = list(SECRET_LOOKUPS.get(model, []))
    for field in model._meta.concrete_fields:
        if field.name in declared:
            continue
        if isinstance(field, models.ForeignKey):
            lookups.append(f"{field.name}__isnull=False")
        else:
            lookups.append(f"{field.name}__regex=.")
    return lookups


@pytest.fixture
def auditor(login, tenants, users):
    make_device(tenants["globex"], users["globex-alice"], hostname="alice-laptop")
    make_token(tenants["globex"], users["globex-alice"], actor=users["globex-admin"])
    return login("globex-auditor")


def test_every_admin_page_is_a_scoped_model_admin_and_the_secrets_are_covered():
    from tenants.admin_base import ScopedModelAdmin

    admins = registered_admins()
    unscoped = [name for name, (_m, a) in admins.items() if not isinstance(a, ScopedModelAdmin)]
    assert unscoped == []
    for model in SECRET_LOOKUPS:
        assert f"{model._meta.app_label}_{model._meta.model_name}" in admins


@pytest.mark.parametrize("name", sorted(registered_admins()))
def test_admin_changelist_answers_an_undeclared_lookup_with_400(auditor, name):
    model, model_admin = registered_admins()[name]
    url = reverse(f"admin:{name}_changelist")
    assert auditor.get(url).status_code == 200
    for lookup in undeclared_lookups(model, model_admin):
        response = auditor.get(f"{url}?{lookup}")
        assert response.status_code == 400, (name, lookup, response.status_code)


@pytest.mark.parametrize("name", sorted(registered_admins()))
def test_admin_changelist_still_answers_its_declared_filters_search_and_ordering(auditor, name):
    model, model_admin = registered_admins()[name]
    url = reverse(f"admin:{name}_changelist")
    page = auditor.get(url)
    assert page.status_code == 200
    changelist = page.context["cl"]
    links = [
        choice["query_string"]
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
    ]
    assert len(links) >= 2 * len(model_admin.list_filter)
    if model_admin.search_fields:
        links.append("?q=alice")
    links += ["?o=1", "?o=-1", "?_popup=1", "?o=1&p=1"]
    for query in links:
        response = auditor.get(f"{url}{query}")
        assert response.status_code == 200, (name, query, response.status_code)


def test_user_list_cannot_be_filtered_by_password_hash(auditor):
    url = reverse("admin:tenants_user_changelist")
    for lookup in ["password__startswith=md5", "password__regex=^m", "password=x"]:
        assert auditor.get(f"{url}?{lookup}").status_code == 400
    # The declared filters still narrow the list.
    response = auditor.get(f"{url}?role__exact=readonly_admin&is_active__exact=1")
    assert [u.username for u in response.context["cl"].result_list] == ["globex-auditor"]


def test_preserved_filters_with_an_undeclared_lookup_are_refused_on_the_way_back(auditor, users):
    url = reverse("admin:tenants_user_changelist")
    assert auditor.get(f"{url}?role__exact=user").status_code == 200
    assert auditor.get(f"{url}?role__exact=user&password__startswith=md5").status_code == 400


def _delete_targets(tenants, users):
    globex = tenants["globex"]
    device = make_device(globex, users["globex-alice"], hostname="kept-laptop")
    token, _value = make_token(globex, users["globex-alice"], actor=users["globex-admin"])
    with tenant_context(globex):
        plan = ProtectionPlan.objects.get(name="Daily backup")
    return [
        ("tokens_registrationtoken", token.pk),
        ("tenants_user", users["globex-alice"].pk),
        ("agents_protectionplan", plan.pk),
        ("agents_device", device.pk),
    ]


def _state(tenants):
    with tenant_context(tenants["globex"]):
        schema = (ProtectionPlan.objects.count(), Device.objects.count())
    return (
        *schema,
        RegistrationToken.objects.active().count(),
        User.objects.filter(is_active=True).count(),
    )


def test_read_only_admin_gets_403_from_every_admin_delete_page_and_nothing_changes(
    login, tenants, users
):
    targets = _delete_targets(tenants, users)
    client = login("globex-auditor")
    before = _state(tenants)
    for name, pk in targets:
        url = reverse(f"admin:{name}_delete", args=[pk])
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"post": "yes"}).status_code == 403, name
        # The change page, which the auditor may view, offers no Delete link.
        change = client.get(reverse(f"admin:{name}_change", args=[pk]))
        assert change.status_code == 200, name
        assert url not in change.content.decode(), name
    assert _state(tenants) == before


@pytest.mark.parametrize("name", sorted(registered_admins()))
def test_read_only_admin_is_offered_no_delete_on_any_admin_page(auditor, tenants, name):
    model, model_admin = registered_admins()[name]
    listing = auditor.get(reverse(f"admin:{name}_changelist"))
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    objects = list(listing.context["cl"].result_list[:1])
    assert objects, f"{name}: the auditor's list is empty, nothing to try"
    obj = objects[0]
    url = reverse(f"admin:{name}_delete", args=[obj.pk])
    assert auditor.get(url).status_code == 403
    assert auditor.post(url, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    auditor.post(reverse(f"admin:{name}_changelist"), bulk)
    with tenant_context(tenants["globex"]):  # public models are visible from there too
        assert model._default_manager.filter(pk=obj.pk).exists()
