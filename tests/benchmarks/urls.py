"""The portal's URLs plus two trivial authenticated views, one under a tenant's URL."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.urls import path
from django.views import View

from portal.urls import urlpatterns as portal_urlpatterns
from tenants.mixins import TenantScopedMixin


class Plain(LoginRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        return HttpResponse("ok")


class Scoped(TenantScopedMixin, Plain):
    pass


urlpatterns = [
    path("bench/plain/", Plain.as_view()),
    path("bench/<slug:tenant_id>/", Scoped.as_view()),
    *portal_urlpatterns,
]
