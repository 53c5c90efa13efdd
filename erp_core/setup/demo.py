"""Demo company content: 长沙 trading company, its departments, projects, and one user per role.

Passwords are generated here and returned once for display; there is no fixed, well-known password.
Modules add their year of activity here as they arrive.
"""

from __future__ import annotations

import secrets
import string
from random import Random

from sqlalchemy.orm import Session

from erp_core.masterdata.models import Company, Department, Project
from erp_core.security.models import Role, User, UserRole
from erp_core.security.passwords import hash_password

DEMO_COMPANY = {
    "company_name": "长沙湘江商贸有限公司",
    "tax_id": "91430100MA4L08K3QJ",  # valid check character (see demo_tax_id)
}

DEPARTMENTS = [  # code, zh name, parent code
    ("GM", "总经理办公室", None),
    ("FIN", "财务部", "GM"),
    ("SALES", "销售部", "GM"),
    ("SALES-N", "销售一部（长沙）", "SALES"),
    ("SALES-S", "销售二部（株洲湘潭）", "SALES"),
    ("PUR", "采购部", "GM"),
    ("WH", "仓储部", "GM"),
    ("HR", "人事行政部", "GM"),
]
PROJECTS = [("P2026-01", "湘江新区门店开业"), ("P2026-02", "年货节促销")]
# username, display name, role code, department code
USERS = [
    ("zhang.zong", "张总", "manager", "GM"),
    ("li.kuaiji", "李会计", "accountant", "FIN"),
    ("zhou.zhuguan", "周主管", "accountant", "FIN"),  # 会计主管: reviews and posts what 李会计 prepares
    ("wang.xiaoshou", "王销售", "sales", "SALES-N"),
    ("zhao.caigou", "赵采购", "purchaser", "PUR"),
    ("chen.cangguan", "陈仓管", "warehouse", "WH"),
    ("liu.renshi", "刘人事", "hr", "HR"),
    ("sun.chakan", "孙查看", "viewer", "SALES"),
]


def demo_tax_id(rng: Random | None = None, region: str = "430100") -> str:
    """A 统一社会信用代码 with a valid check character: the demo company's own without arguments, else a company
    registered in ``region`` (行政区划代码, e.g. 430100 长沙) with a body drawn from ``rng``."""
    from erp_core.masterdata.validators import USCC_CHARS, uscc_check_char

    if rng is None:
        body = "91430100MA4L0" + "".join(c if c in USCC_CHARS else "8" for c in "8K3Q")
    else:
        chars = [c for c in USCC_CHARS if c not in "IOSVZ"]
        body = "91" + region + "MA4" + "".join(rng.choice(chars) for _ in range(6))
    return body + uscc_check_char(body)


def generate_password(length: int = 14) -> str:
    """A random password that satisfies the default policy (all four character classes)."""
    alphabet = string.ascii_letters + string.digits + "!#%+-=?@"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in pw) and any(c.isupper() for c in pw) and any(c.isdigit() for c in pw)
                and any(not c.isalnum() for c in pw)):
            return pw


def populate(session: Session, company: Company, roles: dict[str, Role]) -> dict[str, str]:
    """Fill an empty company with demo content; returns username -> generated password."""
    deps: dict[str, Department] = {}
    for code, name, parent in DEPARTMENTS:
        d = Department(company_id=company.id, code=code, name=name,
                       parent_id=deps[parent].id if parent else None)
        session.add(d)
        session.flush()
        deps[code] = d
    for code, name in PROJECTS:
        session.add(Project(company_id=company.id, code=code, name=name, department_id=deps["SALES"].id))
    passwords: dict[str, str] = {}
    for username, display, role, dep in USERS:
        pw = generate_password()
        user = User(company_id=company.id, username=username, display_name=display,
                    department_id=deps[dep].id, password_hash=hash_password(pw), status="active",
                    must_change_password=True, locale=company.default_locale, time_zone=company.time_zone)
        session.add(user)
        session.flush()
        session.add(UserRole(user_id=user.id, role_id=roles[role].id))
        passwords[username] = pw
    session.flush()
    return passwords
