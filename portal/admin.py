"""The admin site holds only scoped pages.

Roles (`tenants.permissions`) say who may do what; Django's groups are not used, and their
page, registered by django.contrib.auth, would be the one admin page outside the tenant
scope and the declared-lookup rule of `tenants.admin_base.ScopedModelAdmin`.
"""

from django.contrib import admin
from django.contrib.auth.models import Group

admin.site.unregister(Group)
