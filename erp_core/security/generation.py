"""The actor generation: one number that moves on whenever something a signed-in user's Actor is built from
may have changed (roles, grants, role assignments, the user's department or projects, the department tree, IP
rules, the company's default language and time zone, the user's own preferences).

Why: building an Actor costs ~8 queries, and the web shell needs one on every rerun of every page. A browser
session keeps the Actor it built together with the generation it read BEFORE building it; each rerun asks one
cheap question (is the session live, is the user active, is the generation unchanged) and rebuilds only when
the answer changes. The bump happens inside the changing use case's own transaction (erp_core/usecase.py), for
every caller, so another app process over the same database sees it at its next rerun; a revoked or expired
session, or a disabled user, is still refused at once (those are read on every rerun, and every use case checks
the session in its own transaction as before).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from erp_core.security.models import ActorGeneration

# Permissions whose use cases can change what an Actor holds (prefixes; erring wide only costs a rebuild).
# "approvals.": an approved major change (erp_core/changes) may apply role grants or other such changes.
AFFECTS_ACTORS = ("admin.", "account.", "approvals.", "masterdata.department.", "masterdata.project.",
                  "settings.company.", "system.")
ROW_ID = 1


def affects_actors(permission: str) -> bool:
    return permission.startswith(AFFECTS_ACTORS)


def bump(session: Session) -> None:
    """Move the generation on inside the caller's transaction."""
    done = session.execute(update(ActorGeneration).where(ActorGeneration.id == ROW_ID)
                           .values(generation=ActorGeneration.generation + 1)).rowcount
    if not done:  # a database created before migration 0020 seeded the row
        session.add(ActorGeneration(id=ROW_ID, generation=1))
        session.flush()


def generation_column():
    """A scalar subquery of the current generation (0 when the row is missing), to read with other columns."""
    from sqlalchemy import func

    return (select(func.coalesce(func.max(ActorGeneration.generation), 0))
            .where(ActorGeneration.id == ROW_ID).scalar_subquery())


def current(session: Session) -> int:
    return int(session.execute(select(generation_column())).scalar_one())
