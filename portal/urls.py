from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("console/<slug:tenant_id>/", include("agents.urls")),
    path("console/<slug:tenant_id>/", include("tokens.urls")),
    path("manage/<slug:tenant_id>/", include("tenants.urls")),
    path("api/v1/", include("portal.api_urls")),
    path("admin/", admin.site.urls),
]
