"""What a registration or a plan change can end in: the refusals' messages and exceptions,
and what an agent says about its machine. Named through agents.services.registration."""

from dataclasses import dataclass

MSG_NO_PLAN = "No protection plan can be assigned using this registration token"
MSG_OTHER_TENANT = "This registration token belongs to another tenant."
MSG_OTHER_USER = "This registration token belongs to another user."
MSG_MACHINE_TAKEN = "This machine is already registered under another account."


class TokenOfAnotherTenant(Exception):
    pass


class NoPlanOnToken(Exception):
    pass


class TokenOfAnotherUser(Exception):
    """A plan change with a token whose user does not own the agent's device."""


class MachineTaken(Exception):
    """The machine id is registered under another account, and no proof came with it."""


class AgentGone(Exception):
    """The agent's device was unregistered, or its secret replaced by a re-registration,
    while the request was under way."""


@dataclass(frozen=True)
class Machine:
    """What an agent says about the machine it runs on."""

    hostname: str
    os: str
    machine_id: str
    agent_version: str = ""
