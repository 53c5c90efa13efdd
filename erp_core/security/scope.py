"""Row scope: every read narrows its statement to what the actor's grant allows.

    stmt = select(Customer)
    stmt = scoped(stmt, ctx, company_col=Customer.company_id, department_col=Customer.department_id,
                  owner_col=Customer.salesperson_id)

Scopes: ALL (whole company), DEPARTMENT (own department and sub-departments, plus own records),
PROJECT (projects the actor belongs to, plus own records), OWN (records the actor owns or created).
A narrower scope on a table without the column it needs falls back to OWN, and to nothing at all when
there is no owner column either: deny by default.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_

from erp_core.kernel.actor import Actor, Scope
from erp_core.kernel.errors import PermissionDenied


def scope_condition(actor: Actor, scope: Scope | None, *, department_col=None, project_col=None,
                    owner_col=None) -> ColumnElement[bool] | None:
    """The WHERE condition for ``scope`` (None means no narrowing)."""
    if actor.is_system or scope is Scope.ALL:
        return None
    own = owner_col == actor.user_id if owner_col is not None and actor.user_id is not None else None
    parts = []
    if scope is Scope.DEPARTMENT and department_col is not None and actor.department_ids:
        parts.append(department_col.in_(sorted(actor.department_ids)))
    elif scope is Scope.PROJECT and project_col is not None and actor.project_ids:
        parts.append(project_col.in_(sorted(actor.project_ids)))
    if own is not None:
        parts.append(own)
    if not parts:
        return false()
    return or_(*parts) if len(parts) > 1 else parts[0]


def scoped(stmt: Select, ctx, *, company_col=None, department_col=None, project_col=None,
           owner_col=None) -> Select:
    """Narrow ``stmt`` to the actor's company and the row scope of ``ctx.permission``."""
    actor: Actor = ctx.actor
    if company_col is not None and not actor.is_system:
        stmt = stmt.where(company_col == actor.company_id)
    cond = scope_condition(actor, actor.scope(ctx.permission), department_col=department_col,
                           project_col=project_col, owner_col=owner_col)
    return stmt if cond is None else stmt.where(cond)


def company_rows(stmt: Select, ctx, *, company_col) -> Select:
    """Narrow ``stmt`` to the actor's company only. For company-wide reference data (the chart of accounts, tax
    rates, currencies, units, warehouses): every holder of the view permission sees all of it whatever the row scope
    of the grant, because a department-scoped clerk still needs the accounts and tax rates to do their work."""
    return stmt if ctx.actor.is_system else stmt.where(company_col == ctx.actor.company_id)


def require_company_wide(ctx, message_id: str = "error.scope.company_wide") -> None:
    """For reads whose figures are company-wide totals that no row scope can narrow (the ledger balance of an
    account, the period's VAT and result, a bank account): only a grant of scope ALL sees them; a department,
    project or own grant is refused (deny by default), never answered with the whole company's figures."""
    if not ctx.actor.is_system and ctx.actor.scope(ctx.permission) is not Scope.ALL:
        raise PermissionDenied(message_id, permission=ctx.permission)


def may_touch(ctx, *, company_id: int | None, department_id: int | None = None, project_id: int | None = None,
              owner_id: int | None = None) -> bool:
    """The same rule for one loaded record (use cases that change a record check this before writing)."""
    actor: Actor = ctx.actor
    if actor.is_system:
        return True
    if company_id is not None and company_id != actor.company_id:
        return False
    scope = actor.scope(ctx.permission)
    if scope is Scope.ALL:
        return True
    if owner_id is not None and owner_id == actor.user_id:
        return True
    if scope is Scope.DEPARTMENT:
        return department_id is not None and department_id in actor.department_ids
    if scope is Scope.PROJECT:
        return project_id is not None and project_id in actor.project_ids
    return False
