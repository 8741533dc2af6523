from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tenants import apis as tenant_apis
from tokens import apis as token_apis

urlpatterns = [
    path("tenants", tenant_apis.TenantListApi.as_view(), name="api-tenants"),
    path("tenants/<slug:tenant_id>/users", tenant_apis.UserListApi.as_view(), name="api-users"),
    path(
        "tenants/<slug:tenant_id>/protection_plans",
        tenant_apis.PlanListApi.as_view(),
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
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
