from django.urls import path

from . import audit_views, views

urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="customers"),
    path("customers/new/", views.CustomerCreateView.as_view(), name="customer-create"),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/new/", views.UserCreateView.as_view(), name="user-create"),
    path("audit/", audit_views.AuditLogView.as_view(), name="audit"),
]
