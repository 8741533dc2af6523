"""Every write of the devices app, one module per subject:

- `plans`: protection plans (console, admin).
- `registration`: what agents do with a registration token (register, apply or revoke the
  token's plan).
- `devices`: unregistering devices (console, the agent itself, a user's deletion).

Each service authorizes its caller (`tenants.authorization.authorize`), or for agents is
authorized by the agent's own credential, and runs in one transaction with its audit event.
"""
