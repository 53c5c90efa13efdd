"""Actor: who is acting, with what rights. Built by erp_core.security from a live session, never from a
parameter a caller chooses; services receive it and never look it up from a global."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class Scope(enum.StrEnum):
    """Row scope of a granted permission, widest first."""

    ALL = "all"
    DEPARTMENT = "department"  # own department and its sub-departments
    PROJECT = "project"  # projects the user is a member of
    OWN = "own"  # records the user created or owns

    @property
    def width(self) -> int:
        return {Scope.ALL: 3, Scope.DEPARTMENT: 2, Scope.PROJECT: 1, Scope.OWN: 0}[self]


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    company_id: int | None
    grants: Mapping[str, Scope] = field(default_factory=lambda: MappingProxyType({}))
    department_ids: frozenset[int] = frozenset()  # own department and its descendants
    project_ids: frozenset[int] = frozenset()
    locale: str = "zh_CN"
    time_zone: str = "Asia/Shanghai"
    client_ip: str | None = None
    session_id: int | None = None
    is_system: bool = False

    def may(self, permission: str) -> bool:
        return permission in self.grants

    def scope(self, permission: str) -> Scope | None:
        return self.grants.get(permission)

    @classmethod
    def system(cls, *, company_id: int | None = None, reason: str = "system") -> Actor:
        """The actor of the CLI and maintenance jobs: every permission, scope ALL, recorded as ``reason``.
        Only code paths that are themselves administrative entry points (the ``erp`` command run by the
        server's owner) construct it."""
        return cls(user_id=None, username=f"<{reason}>", company_id=company_id,
                   grants=_AllGrants(), is_system=True)

    @classmethod
    def anonymous(cls, *, client_ip: str | None = None, locale: str = "zh_CN",
                  permissions: tuple[str, ...] = ()) -> Actor:
        """A visitor who has not logged in; may hold only public permissions (setup, registration)."""
        return cls(user_id=None, username="<anonymous>", company_id=None,
                   grants=MappingProxyType({p: Scope.ALL for p in permissions}),
                   client_ip=client_ip, locale=locale)


class _AllGrants(Mapping[str, Scope]):
    """Every permission at scope ALL (the system actor)."""

    def __getitem__(self, key: str) -> Scope:
        return Scope.ALL

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0
