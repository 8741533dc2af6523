from django.urls import path

from .views import devices, plans, tokens

urlpatterns = [
    path("devices/", devices.DeviceListView.as_view(), name="devices"),
    path(
        "devices/<uuid:agent_id>/unregister/",
        devices.DeviceUnregisterView.as_view(),
        name="device-unregister",
    ),
    path("downloads/<str:name>", devices.ClientDownloadView.as_view(), name="client-download"),
    path("tokens/generate/", tokens.TokenGenerateView.as_view(), name="token-generate"),
    path("tokens/customer/", tokens.TokenCustomerView.as_view(), name="token-customer"),
    path("tokens/delete/", tokens.TokenDeleteView.as_view(), name="token-delete"),
    path("plans/", plans.PlanListView.as_view(), name="plans"),
    path("plans/new/", plans.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:plan_id>/", plans.PlanUpdateView.as_view(), name="plan-edit"),
    path("plans/<int:plan_id>/delete/", plans.PlanDeleteView.as_view(), name="plan-delete"),
]
