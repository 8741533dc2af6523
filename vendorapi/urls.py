"""The vendor's paths (included at the site's root by `portal.urls`)."""

from django.urls import path

from . import accounts, idp, policies, tenants, tokens

urlpatterns = [
    path("api/2/idp/token", idp.IdpTokenApi.as_view(), name="vendor-token"),
    path("bc/idp/token", idp.IdpTokenApi.as_view(), name="vendor-bc-token"),
    path("api/2/users/me", accounts.MeApi.as_view(), name="vendor-me"),
    path("api/2/clients", accounts.ClientsApi.as_view(), name="vendor-clients"),
    path("api/2/tenants", tenants.TenantsApi.as_view(), name="vendor-tenants"),
    path("api/2/tenants/<str:tenant_id>", tenants.TenantApi.as_view(), name="vendor-tenant"),
    path(
        "api/2/tenants/<str:tenant_id>/children",
        tenants.TenantChildrenApi.as_view(),
        name="vendor-tenant-children",
    ),
    path(
        "api/2/tenants/<str:tenant_id>/registration_tokens",
        tokens.TenantTokensApi.as_view(),
        name="vendor-tokens",
    ),
    path(
        "api/2/registration_tokens/<str:token_id>",
        tokens.TokenApi.as_view(),
        name="vendor-token-detail",
    ),
    path(
        "bc/api/account_server/registration_tokens",
        tokens.LegacyTokensApi.as_view(),
        name="vendor-legacy-tokens",
    ),
    path(
        "api/policy_management/v4/applications",
        policies.ApplicationsApi.as_view(),
        name="vendor-applications",
    ),
]
