"""The real register_agent.py against gunicorn: a machine moves to another user only from
the machine itself (its identity file proves it); anyone else gets 409."""

import json

from tests.live.test_agents_live import new_token, run


def _register(portal, token: str, config, machine: str = "takeover-machine"):
    return run(
        "register_agent.py",
        "-o",
        "register",
        "-a",
        portal.url,
        "--token",
        token,
        "--machine-id",
        machine,
        "--hostname",
        "takeover-laptop",
        "--config",
        str(config),
    )


def test_the_agent_program_moves_its_machine_with_its_identity_file_and_others_get_409(
    live_portal, tmp_path
):
    portal = live_portal
    alices, bobs = new_token(portal, user="globex-alice"), new_token(portal, user="globex-bob")
    config = tmp_path / "machine" / "agent.json"
    first = _register(portal, alices, config)
    assert first.returncode == 0, first.stdout + first.stderr
    agent_id = json.loads(config.read_text())["agent_id"]

    # Bob, from another machine that claims the same machine id: refused, nothing moves.
    elsewhere = _register(portal, bobs, tmp_path / "elsewhere" / "agent.json")
    assert elsewhere.returncode == 1
    assert elsewhere.stdout.strip() == (
        "Registration failed: This machine is already registered under another account."
    )
    [(owner,)] = portal.sql(
        "SELECT u.username FROM t_globex.agents_device d JOIN tenants_user u ON u.id = d.owner_id"
        " WHERE d.machine_id = 'takeover-machine'"
    )
    assert owner == "globex-alice"

    # On the machine itself, with Bob's token: the identity file proves it, the device moves.
    moved = _register(portal, bobs, config)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "registered again" in moved.stdout and "globex-bob" in moved.stdout
    identity = json.loads(config.read_text())
    assert identity["agent_id"] == agent_id and identity["owner"]["username"] == "globex-bob"
