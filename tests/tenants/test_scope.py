import pytest
from django.http import Http404

from tenants.selectors import selector_page, tenant_for, tenants_visible_to


def slugs(queryset):
    return sorted(t.slug for t in queryset)


@pytest.mark.parametrize(
    "username,visible",
    [
        ("msp-admin", ["demo-msp", "globex", "initech"]),
        ("other-admin", ["other-msp", "umbrella"]),
        ("globex-admin", ["globex"]),
        ("globex-alice", ["globex"]),
        ("globex-auditor", ["globex"]),
        ("initech-carol", ["initech"]),
        (
            "platform-admin",
            sorted(
                [
                    "demo-msp",
                    "globex",
                    "initech",
                    "other-msp",
                    "umbrella",
                    "demo-distributor",
                    "northwind",
                    "contoso",
                    "contoso-sales",
                    "contoso-labs",
                    "fabrikam",
                    "southridge",
                    "tailspin",
                    "direct-customers",
                    "litware",
                ]
            ),
        ),
    ],
)
def test_each_role_sees_exactly_its_scope(users, username, visible):
    assert slugs(tenants_visible_to(users[username])) == visible


def test_inactive_user_sees_nothing(users):
    user = users["globex-admin"]
    user.is_active = False
    assert slugs(tenants_visible_to(user)) == []


@pytest.mark.parametrize(
    "username,slug",
    [
        ("msp-admin", "umbrella"),
        ("msp-admin", "other-msp"),
        ("other-admin", "globex"),
        ("globex-admin", "initech"),
        ("globex-admin", "demo-msp"),
        ("globex-alice", "initech"),
        ("msp-admin", "no-such-tenant"),
    ],
)
def test_tenant_outside_the_scope_is_not_found(users, username, slug):
    with pytest.raises(Http404):
        tenant_for(actor=users[username], tenant_id=slug)


def test_selector_lists_all_customers_first_then_each_customer(users):
    choices, _ = selector_page(users["msp-admin"])
    assert [t.slug for t in choices] == ["demo-msp", "globex", "initech"]
    assert choices[0].is_partner


def test_company_admin_selector_has_only_its_tenant(users):
    assert [t.slug for t in selector_page(users["globex-admin"])[0]] == ["globex"]


def test_own_tenant_and_cached_customers_resolve_without_a_query(
    tenants, users, django_assert_num_queries
):
    from tenants.models import User

    admin = User.objects.select_related("tenant").get(username="globex-admin")
    with django_assert_num_queries(0):
        assert tenant_for(actor=admin, tenant_id="globex").slug == "globex"
    partner = User.objects.select_related("tenant").get(username="msp-admin")
    with django_assert_num_queries(1):  # a customer not cached yet: one indexed query
        assert tenant_for(actor=partner, tenant_id="globex").name == "Globex"
    with django_assert_num_queries(0):  # then from the shared cache
        assert tenant_for(actor=partner, tenant_id="globex").name == "Globex"


def test_cached_levels_follow_a_new_and_a_renamed_customer_and_keep_the_scope(tenants, users):
    from django.http import Http404

    from tenants import services
    from tenants.audit import CLI

    partner = users["msp-admin"]
    tenant_for(actor=partner, tenant_id="globex")
    hooli = services.customer_create(
        actor=partner, partner=tenants["demo-msp"], name="Hooli", origin=CLI
    )
    assert tenant_for(actor=partner, tenant_id=hooli.slug) == hooli
    services.tenant_rename(actor=partner, tenant=tenants["globex"], name="Globex 2", origin=CLI)
    assert tenant_for(actor=partner, tenant_id="globex").name == "Globex 2"
    for slug in ("umbrella", "other-msp", "no-such-tenant"):
        with pytest.raises(Http404):
            tenant_for(actor=partner, tenant_id=slug)
