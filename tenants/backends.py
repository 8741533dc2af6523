"""Signing in: Django's model backend, loading the user's tenant with the user."""

from django.contrib.auth.backends import ModelBackend

from .models import User


class TenantUserBackend(ModelBackend):
    """Every request reads the signed-in user; its tenant comes in the same query, so a
    page of the user's own tenant resolves it without one (`tenants.selectors.tenant_for`)."""

    def get_user(self, user_id):
        user = User.objects.select_related("tenant").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
