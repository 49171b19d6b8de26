"""Who is asking: the identity every service call is made on behalf of."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Roles, each including the powers of the ones before it."""

    VIEWER = "viewer"
    EDITOR = "editor"
    FACILITATOR = "facilitator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class Principal:
    """The viewer of a query or the actor of a change."""

    user_id: int | None
    username: str
    role: Role
    team_ids: frozenset[int] = field(default_factory=frozenset)
    is_system: bool = False
    read_only: bool = False

    def has_role(self, role: Role) -> bool:
        """True when this principal's role is ``role`` or above (read-only tokens: viewer)."""
        if self.is_system:
            return True
        if self.read_only and role.rank > Role.VIEWER.rank:
            return False
        return self.role.rank >= role.rank


SYSTEM = Principal(user_id=None, username="system", role=Role.ADMIN, is_system=True)
"""The local operator: CLI commands run with direct database access."""
