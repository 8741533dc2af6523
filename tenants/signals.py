"""Signals for the apps above `tenants`, which must follow some changes without `tenants`
knowing them. Sent inside the transaction of the change, so receivers' writes commit or roll
back with it."""

from django.dispatch import Signal

# A tenant's name changed; `tenant` is the Tenant with its new name.
tenant_renamed = Signal()
