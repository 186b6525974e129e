"""The demo logins kept in a private file, so that they survive a new `make run`."""

from __future__ import annotations

import os
from pathlib import Path

HEADER = (
    "# Peer Values demo logins: username, password, role. Keep this file private.\n"
    "# New passwords: python manage.py seed_demo --reset-passwords\n"
)


def passwords_read(path: Path) -> dict[str, str]:
    """The stored username -> password pairs (none when the file is missing)."""
    if not path.exists():
        return {}
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith("#"):
            pairs[parts[0]] = parts[1]
    return pairs


def passwords_write(path: Path, passwords: dict[str, str], roles: dict[str, str]) -> None:
    """Store the passwords, readable and writable by the file's owner only (mode 0600)."""
    stored = {**passwords_read(path), **passwords}
    lines = [f"{name:<8} {stored[name]:<16} {roles.get(name, '')}".rstrip() for name in stored]
    # Created with mode 0600 from the start, so the passwords are never readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n".join(lines) + "\n")
    os.chmod(path, 0o600)  # an older file may have been created with wider rights
