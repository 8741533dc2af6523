from django.urls import path

from .views import devices, plans, token_actions, tokens

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
    path(
        "tokens/<uuid:token_id>/describe/",
        token_actions.TokenDescribeView.as_view(),
        name="token-describe",
    ),
    path(
        "tokens/<uuid:token_id>/unregister-machines/",
        token_actions.TokenLeakView.as_view(),
        name="token-leak",
    ),
    path(
        "tokens/<uuid:token_id>/extend/",
        token_actions.TokenExtendView.as_view(),
        name="token-extend",
    ),
    path(
        "tokens/<uuid:token_id>/reissue/",
        token_actions.TokenReissueView.as_view(),
        name="token-reissue",
    ),
    path("plans/", plans.PlanListView.as_view(), name="plans"),
    path("plans/new/", plans.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:plan_id>/", plans.PlanUpdateView.as_view(), name="plan-edit"),
    path("plans/<int:plan_id>/delete/", plans.PlanDeleteView.as_view(), name="plan-delete"),
]
