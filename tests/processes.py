"""The processes a test started, read from Linux's /proc."""

import os


def children_of(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (those that end meanwhile are skipped)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read()
            except OSError:
                continue
            # The command name, in parentheses, may hold spaces: the parent id is the second
            # field after it.
            if int(fields.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found
