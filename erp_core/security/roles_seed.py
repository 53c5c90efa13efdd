"""The roles a new company starts with. Roles are data: administrators change them freely afterwards.
Patterns are matched against the permission catalog when the company is created."""

from __future__ import annotations

from fnmatch import fnmatch

from sqlalchemy.orm import Session

from erp_core.security.catalog import load_all
from erp_core.security.models import Role, RolePermission

# code: (zh, en, is_admin, [(pattern, scope)])
DEFAULT_ROLES: dict[str, tuple[str, str, bool, list[tuple[str, str]]]] = {
    "admin": ("系统管理员", "Administrator", True, []),
    "manager": ("总经理", "General manager", False, [("*.*.view", "all"), ("*.report.*", "all"),
                                                  ("approvals.request.decide", "all")]),
    "accountant": ("会计", "Accountant", False, [("finance.*", "all"), ("masterdata.*.view", "all"),
                                               ("settings.*.view", "all"), ("inventory.*.view", "all"),
                                               ("purchasing.invoice.*", "all"), ("purchasing.*.view", "all"),
                                               ("costing.*", "all")]),
    "sales": ("销售员", "Salesperson", False, [("sales.*", "own"), ("crm.*", "own"),
                                              ("masterdata.customer.*", "department"),
                                              ("masterdata.product.view", "all"), ("settings.tax.view", "all")]),
    # CRM team lead (销售主管): the team's leads, customers and opportunities (issue #15 row scope)
    "sales_lead": ("销售主管", "Sales team lead", False, [("sales.*", "department"), ("crm.*", "department"),
                                                       ("masterdata.customer.*", "department"),
                                                       ("masterdata.product.view", "all"),
                                                       ("settings.tax.view", "all")]),
    "purchaser": ("采购员", "Purchaser", False, [("purchasing.*", "department"),
                                                 ("masterdata.supplier.*", "department"),
                                                 ("masterdata.product.view", "all"), ("settings.tax.view", "all")]),
    "warehouse": ("仓管员", "Warehouse keeper", False, [("inventory.*", "all"), ("masterdata.product.view", "all"),
                                                      ("masterdata.warehouse.*", "all"), ("settings.unit.view", "all"),
                                                      ("purchasing.receipt.*", "all"), ("purchasing.return.*", "all"),
                                                      ("purchasing.choice.view", "all")]),
    # the staff records and the organisation they belong to (hr.* for the HR module's own use cases as they come)
    "hr": ("人事专员", "HR officer", False, [("hr.*", "all"), ("masterdata.employee.*", "all"),
                                            ("masterdata.department.view", "all"),
                                            ("masterdata.department.create", "all"),
                                            ("masterdata.department.edit", "all"),
                                            ("masterdata.department.export", "all"),
                                            ("masterdata.project.view", "all")]),
    "viewer": ("只读用户", "Read-only user", False, [("*.*.view", "department")]),
}
# Everyone sees their own payslips (工资条, the employee file linked to their user); the manager the HR dashboard.
for _code, (_zh, _en, _admin, _patterns) in DEFAULT_ROLES.items():
    if not _admin:
        _patterns.append(("hr.payslip.own", "own"))
        _patterns.extend((("hr.appraisal.self", "own"), ("hr.appraisal.own", "own")))  # 绩效 self review
DEFAULT_ROLES["manager"][3].append(("hr.dashboard.read", "all"))
# Billing (issue #13): the accountant issues sales invoices and keeps the fapiao register; receipts are finance.*
DEFAULT_ROLES["accountant"][3].extend([("sales.invoice.*", "all"), ("sales.fapiao.*", "all"), ("sales.*.view", "all")])
# the warehouse ships and takes back sales goods (销售出库 / 销售退货) against the salespeople's orders
DEFAULT_ROLES["warehouse"][3].extend([("sales.delivery.*", "all"), ("sales.return.*", "all"),
                                      ("sales.choice.view", "all")])


def seed_roles(session: Session, company_id: int) -> dict[str, Role]:
    catalog = load_all()
    roles: dict[str, Role] = {}
    for code, (zh, en, is_admin, patterns) in DEFAULT_ROLES.items():
        role = Role(company_id=company_id, code=code, name_zh=zh, name_en=en, is_admin=is_admin)
        session.add(role)
        session.flush()
        granted: dict[str, str] = {}
        for perm in catalog:
            for pattern, scope in patterns:
                # admin.* only through is_admin; account./security./system.* are never granted by a role
                # (role_services.NOT_GRANTABLE_MODULES)
                if fnmatch(perm, pattern) and not perm.startswith(("admin.", "system.", "account.", "security.")):
                    granted.setdefault(perm, scope)
        session.add_all(RolePermission(role_id=role.id, permission=p, scope=s) for p, s in granted.items())
        roles[code] = role
    session.flush()
    return roles
