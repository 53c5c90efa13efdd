"""IP rules at login and on every page load: a user may connect only from the networks allowed for them or
for one of their roles. No rule for the user or any of their roles means no restriction."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp_core.security.models import User, UserRole
from erp_core.security.models_identity import IpRule
from erp_core.security.network import in_any


def networks_for(session: Session, user: User) -> list[str]:
    """CIDRs that apply to ``user`` (their own rules plus their roles' rules)."""
    role_ids = select(UserRole.role_id).where(UserRole.user_id == user.id)
    return list(session.execute(select(IpRule.cidr).where(
        IpRule.company_id == user.company_id,
        or_(IpRule.user_id == user.id, IpRule.role_id.in_(role_ids)))).scalars())


def ip_permitted(session: Session, user: User, client_ip: str | None) -> bool:
    """True when no rule applies, or ``client_ip`` lies in an allowed network (an unknown address does not)."""
    nets = networks_for(session, user)
    return not nets or in_any(client_ip, nets)
