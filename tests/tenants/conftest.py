"""Fixtures shared by this folder's tests."""

from tests.api_client import api  # noqa: F401  (a fixture)

from .matrix_roles import matrix_users, world  # noqa: F401  (fixtures)
