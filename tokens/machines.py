"""The devices a token registered, as tokens see them: how many, and unregistering them.

Devices belong to the `agents` app, which sits above this one; as with `tokens.plans`,
`agents` installs the implementation when the apps are ready
(`agents.apps.AgentsConfig.ready`), so the token service can offer "Delete and unregister
its machines" to the console, the admin, the API and the command without importing it.
"""

from typing import Protocol

from .models import RegistrationToken


class TokenDevices(Protocol):
    def count(self, token: RegistrationToken) -> int:
        """How many devices of the token's customer the token registered."""
        ...

    def unregister(self, token: RegistrationToken) -> int:
        """Unregister them (device, credential, directory entry, plan links) in the
        caller's transaction, after the caller revoked the token; returns how many."""
        ...


class NoDevices:
    """Until `agents` installs its own: a portal without devices has none to remove."""

    def count(self, token: RegistrationToken) -> int:
        return 0

    def unregister(self, token: RegistrationToken) -> int:
        return 0


_devices: TokenDevices = NoDevices()


def install(devices: TokenDevices) -> None:
    global _devices  # noqa: PLW0603 - set once, at start-up
    _devices = devices


def devices() -> TokenDevices:
    return _devices
