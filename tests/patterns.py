"""Patterns the tests find secrets by in what the portal prints or renders."""

import re

# A registration token as it is shown once: seven groups of four symbols, dash-separated.
TOKEN_RE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}")
