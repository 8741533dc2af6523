from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agents import apis as agent_apis
from tenants import apis as tenant_apis
from tenants.api_clients import apis as api_client_apis
from tenants.audit import apis as audit_apis
from tokens import apis as token_apis

urlpatterns = [
    # The agents' endpoints first: Django tries the patterns in order, and these are the
    # most called (every machine's registration and ping).
    path("agents/register", agent_apis.RegisterApi.as_view(), name="api-agent-register"),
    path("agents/me", agent_apis.MeApi.as_view(), name="api-agent-me"),
    path("agents/me/plan/apply", agent_apis.PlanApplyApi.as_view(), name="api-agent-plan-apply"),
    path("agents/me/plan/revoke", agent_apis.PlanRevokeApi.as_view(), name="api-agent-plan-revoke"),
    path("agents/me/unregister", agent_apis.UnregisterApi.as_view(), name="api-agent-unregister"),
    path("ping", agent_apis.PingApi.as_view(), name="api-ping"),
    path("tenants", tenant_apis.TenantListApi.as_view(), name="api-tenants"),
    path(
        "tenants/<slug:tenant_id>/move", tenant_apis.TenantMoveApi.as_view(), name="api-tenant-move"
    ),
    path("tenants/<slug:tenant_id>/users", tenant_apis.UserListApi.as_view(), name="api-users"),
    path(
        "tenants/<slug:tenant_id>/audit_events",
        audit_apis.AuditEventListApi.as_view(),
        name="api-audit-events",
    ),
    path(
        "tenants/<slug:tenant_id>/api_clients",
        api_client_apis.ApiClientListApi.as_view(),
        name="api-api-clients",
    ),
    path(
        "api_clients/<str:client_id>",
        api_client_apis.ApiClientDetailApi.as_view(),
        name="api-api-client",
    ),
    path(
        "api_clients/<str:client_id>/reset_secret",
        api_client_apis.ApiClientResetSecretApi.as_view(),
        name="api-api-client-reset-secret",
    ),
    path(
        "tenants/<slug:tenant_id>/protection_plans",
        agent_apis.PlanListApi.as_view(),
        name="api-plans",
    ),
    path(
        "tenants/<slug:tenant_id>/registration_tokens",
        token_apis.TokenListApi.as_view(),
        name="api-tokens",
    ),
    path(
        "registration_tokens/<str:token_id>",
        token_apis.TokenDetailApi.as_view(),
        name="api-token",
    ),
    path(
        "registration_tokens/<str:token_id>/extend",
        token_apis.TokenExtendApi.as_view(),
        name="api-token-extend",
    ),
    path(
        "registration_tokens/<str:token_id>/reissue",
        token_apis.TokenReissueApi.as_view(),
        name="api-token-reissue",
    ),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script from ?script, not inline (Content-Security-Policy).
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
