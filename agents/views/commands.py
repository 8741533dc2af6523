"""The commands the Add devices pane shows, as argument lists.

Each command is rendered argument by argument (`tokens/command.html`): a line wraps only
between arguments, never inside a URL or a word, and each command has its own Copy button.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PLACEHOLDER = "<token>"


@dataclass(frozen=True)
class Command:
    id: str  # the element id its Copy button targets
    intro: str  # the sentence above it
    copy_label: str  # completes the Copy button's accessible name: "Copy <this>"
    args: tuple[str, ...]


def register_commands(portal_address: str, value: str | None, plan: bool) -> list[Command]:
    """What to run on a machine; without a value, the register command with a placeholder."""
    register = ("python3", "register_agent.py", "-o", "register", "-a", portal_address)
    if value is None:
        return [
            Command(
                "cmd-register",
                _("Register a machine (run on the machine):"),
                _("the register command"),
                (*register, "--token", PLACEHOLDER),
            )
        ]
    commands = [
        Command(
            "cmd-register",
            _("Register a machine (run on the machine):"),
            _("the register command"),
            (*register, "--token", value),
        ),
        Command(
            "cmd-token-file",
            _("Or keep the token out of the command line and shell history: save it in a file"),
            _("the command that saves the token file"),
            ("printf", r"'token=%s\n'", f"'{value}'", ">", "token.conf", "&&")
            + ("chmod", "600", "token.conf"),
        ),
        Command(
            "cmd-options",
            _("then register with the file:"),
            _("the register command with the token file"),
            (*register, "--options-file", "token.conf"),
        ),
    ]
    if plan:
        commands.append(
            Command(
                "cmd-plan",
                _("Apply the token's protection plan on a registered machine:"),
                _("the protection plan command"),
                ("python3", "protection_plan.py", "--token", value),
            )
        )
    return commands
