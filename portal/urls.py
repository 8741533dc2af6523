from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("console/<slug:tenant_id>/", include("agents.urls")),
    path("manage/<slug:tenant_id>/", include("tenants.urls")),
    path("admin/", admin.site.urls),
]
