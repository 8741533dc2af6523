from django.urls import path

from . import views

urlpatterns = [
    path("tokens/generate/", views.TokenGenerateView.as_view(), name="token-generate"),
    path("tokens/delete/", views.TokenDeleteView.as_view(), name="token-delete"),
]
