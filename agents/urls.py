from django.urls import path

from . import views

urlpatterns = [
    path("devices/", views.DeviceListView.as_view(), name="devices"),
    path(
        "devices/<uuid:agent_id>/unregister/",
        views.DeviceUnregisterView.as_view(),
        name="device-unregister",
    ),
    path("downloads/<str:name>", views.ClientDownloadView.as_view(), name="client-download"),
    path("plans/", views.PlanListView.as_view(), name="plans"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:plan_id>/", views.PlanUpdateView.as_view(), name="plan-edit"),
    path("plans/<int:plan_id>/delete/", views.PlanDeleteView.as_view(), name="plan-delete"),
]
