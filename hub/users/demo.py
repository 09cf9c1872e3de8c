"""The demo town's accounts: one of each role, so every view of the console can be tried."""

from __future__ import annotations

import secrets
from pathlib import Path

from hub.town import Town
from hub.users.model import Role
from hub.users.service import UserService

ACCOUNTS_FILE = "demo-accounts.txt"


async def seed_demo_accounts(users: UserService, town: Town, data_dir: Path) -> Path:
    """Create the demo's accounts once, with one shared random password; the file that lists them."""
    path = data_dir / ACCOUNTS_FILE
    if users.users and path.exists():
        return path
    password = secrets.token_urlsafe(9)
    accounts = [("admin", "管理员", Role.admin, None), ("duty", "张伟", Role.officer, None),
                *((f"cadre.{v.id.lower()}", v.cadre.name, Role.cadre, v.id) for v in town.villages)]
    hashed = await users.hash_password(password)  # once: hashing is slow on purpose
    for username, name, role, village in accounts:
        if username in users.users:
            await users.update(username, password=password)
        else:
            await users.create(username, password, name, role, village, password_hash=hashed)
    lines = [f"password for every account: {password}", *(f"{u}\t{role.value}\t{v or ''}"
                                                          for u, _, role, v in accounts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
