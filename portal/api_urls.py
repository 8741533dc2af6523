from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agents import apis as agent_apis
from tenants import apis as tenant_apis
from tenants import audit_api
from tokens import apis as token_apis

urlpatterns = [
    path("tenants", tenant_apis.TenantListApi.as_view(), name="api-tenants"),
    path("tenants/<slug:tenant_id>/users", tenant_apis.UserListApi.as_view(), name="api-users"),
    path(
        "tenants/<slug:tenant_id>/audit_events",
        audit_api.AuditEventListApi.as_view(),
        name="api-audit-events",
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
    path("agents/register", agent_apis.RegisterApi.as_view(), name="api-agent-register"),
    path("agents/me", agent_apis.MeApi.as_view(), name="api-agent-me"),
    path("agents/me/plan/apply", agent_apis.PlanApplyApi.as_view(), name="api-agent-plan-apply"),
    path("agents/me/plan/revoke", agent_apis.PlanRevokeApi.as_view(), name="api-agent-plan-revoke"),
    path("agents/me/unregister", agent_apis.UnregisterApi.as_view(), name="api-agent-unregister"),
    path("ping", agent_apis.PingApi.as_view(), name="api-ping"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script from ?script, not inline (Content-Security-Policy).
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
