from django.urls import path

from . import level_security_views, selector_views, tree_views, views
from .api_clients import views as api_client_views
from .audit import views as audit_views

urlpatterns = [
    path(
        "selector/",
        selector_views.SelectorChildrenView.as_view(),
        name="tenant-selector-children",
    ),
    path("customers/", views.CustomerListView.as_view(), name="customers"),
    path("customers/new/", views.CustomerCreateView.as_view(), name="customer-create"),
    path("customers/new-level/", tree_views.ChildCreateView.as_view(), name="child-create"),
    path(
        "customers/<slug:child_id>/move/", tree_views.TenantMoveView.as_view(), name="tenant-move"
    ),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/new/", views.UserCreateView.as_view(), name="user-create"),
    path(
        "users/<int:user_id>/reset-two-factor/",
        level_security_views.TwoFactorResetView.as_view(),
        name="user-two-factor-reset",
    ),
    path(
        "users/<int:user_id>/sign-out/",
        level_security_views.SignOutEverywhereView.as_view(),
        name="user-sign-out",
    ),
    path(
        "two-factor/",
        level_security_views.RequirementView.as_view(),
        name="two-factor-requirement",
    ),
    path("audit/", audit_views.AuditLogView.as_view(), name="audit"),
    path("api-clients/", api_client_views.ApiClientListView.as_view(), name="api-clients"),
    path(
        "api-clients/new/",
        api_client_views.ApiClientCreateView.as_view(),
        name="api-client-create",
    ),
    path(
        "api-clients/<int:client_id>/reset-secret/",
        api_client_views.ApiClientResetSecretView.as_view(),
        name="api-client-reset-secret",
    ),
    path(
        "api-clients/<int:client_id>/delete/",
        api_client_views.ApiClientDeleteView.as_view(),
        name="api-client-delete",
    ),
]
