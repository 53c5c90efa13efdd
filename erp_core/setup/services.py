"""The setup wizard's use case. It runs for an anonymous visitor, and only while no company exists."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from erp_core.db.uow import Database
from erp_core.finance.charts import seed_chart_of_accounts
from erp_core.kernel.errors import Conflict, ValidationError, raise_if
from erp_core.masterdata.models import ACCOUNTING_STANDARDS, Company
from erp_core.masterdata.validators import is_valid_uscc
from erp_core.security.models import AuditChainHead, User, UserRole
from erp_core.security.passwords import hash_password, policy_problems
from erp_core.security.roles_seed import seed_roles
from erp_core.usecase import Context, use_case

SETUP_PERMISSION = "system.setup.run"
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
CURRENCIES = ("CNY",)


def needs_setup(db: Database) -> bool:
    """True while the installation has no company (the wizard is open exactly then)."""
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(Company)).scalar_one() == 0


@dataclass
class SetupResult:
    company_id: int
    admin_user_id: int
    demo_passwords: dict[str, str] = field(default_factory=dict)  # username -> generated password, shown once


def validate_username(username: str, field_key: str = "field.username") -> list[ValidationError]:
    if not USERNAME_RE.match(username or ""):
        return [ValidationError("error.username.format", field=field_key)]
    return []


@use_case(SETUP_PERMISSION, zh="初始化系统", en="Run first-time setup")
def run_setup(ctx: Context, *, company_name: str, tax_id: str, admin_username: str, admin_password: str,
              admin_display_name: str = "", base_currency: str = "CNY", time_zone: str = "Asia/Shanghai",
              accounting_standard: str = "small_business", locale: str = "zh_CN",
              load_demo: bool = False, admin_password_confirm: str | None = None,
              taxpayer_type: str = "general") -> SetupResult:
    s = ctx.session
    company_name, tax_id = (company_name or "").strip(), (tax_id or "").strip().upper()
    admin_username = (admin_username or "").strip()
    problems: list[ValidationError] = []
    if not company_name:
        problems.append(ValidationError("error.required", field="field.company.name"))
    elif len(company_name) > 200:
        problems.append(ValidationError("error.too_long", field="field.company.name", max=200))
    if not tax_id:
        problems.append(ValidationError("error.required", field="field.company.tax_id"))
    elif not is_valid_uscc(tax_id):
        problems.append(ValidationError("error.uscc.invalid", field="field.company.tax_id"))
    if base_currency not in CURRENCIES:
        problems.append(ValidationError("error.choice", field="field.company.base_currency"))
    try:
        zoneinfo.ZoneInfo(time_zone)
    except Exception:
        problems.append(ValidationError("error.choice", field="field.company.time_zone"))
    if accounting_standard not in ACCOUNTING_STANDARDS:
        problems.append(ValidationError("error.choice", field="field.company.accounting_standard"))
    from erp_core.finance.close_services import TAXPAYER_TYPES

    if taxpayer_type not in TAXPAYER_TYPES:  # 一般纳税人 / 小规模纳税人 (changeable later on the Periods page)
        problems.append(ValidationError("error.choice", field="field.finance.setting.taxpayer_type"))
    if locale not in ("zh_CN", "en"):
        problems.append(ValidationError("error.choice", field="field.locale"))
    problems += validate_username(admin_username, "field.admin.username")
    problems += policy_problems(admin_password or "", username=admin_username,
                                min_length=ctx.db.settings.security.password_min_length,
                                field="field.admin.password")
    # The wizard's second password field is checked here too, so one submit reports every problem at once.
    if admin_password_confirm is not None and admin_password_confirm != admin_password:
        problems.append(ValidationError("error.wizard.password_mismatch", field="field.wizard.password_confirm"))
    raise_if(problems)

    # Serialize concurrent wizards: the chain-head row lock is taken before the emptiness check.
    s.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(last_seq=AuditChainHead.last_seq))
    if s.execute(select(func.count()).select_from(Company)).scalar_one():
        raise Conflict("error.setup.already_done")

    company = Company(name=company_name, tax_id=tax_id, base_currency=base_currency, time_zone=time_zone,
                      accounting_standard=accounting_standard, default_locale=locale)
    s.add(company)
    s.flush()
    from erp_core.settings.seed import seed_company_settings  # tax rates, currencies, units

    seed_company_settings(s, company)
    roles = seed_roles(s, company.id)
    seed_chart_of_accounts(s, company.id, accounting_standard)  # 会计科目表 of the chosen standard
    from erp_core.finance.accounts import finance_setting

    finance_setting(s, company.id).taxpayer_type = taxpayer_type
    admin = User(company_id=company.id, username=admin_username,
                 display_name=(admin_display_name or admin_username).strip(),
                 password_hash=hash_password(admin_password), status="active", locale=locale,
                 time_zone=time_zone, must_change_password=False)
    s.add(admin)
    s.flush()
    s.add(UserRole(user_id=admin.id, role_id=roles["admin"].id))
    result = SetupResult(company.id, admin.id)
    if load_demo:
        from erp_core.setup.demo import populate

        result.demo_passwords = populate(s, company, roles)
    ctx.company_id = company.id
    ctx.audit("company", company.id, company_name=company_name, admin=admin_username, demo=load_demo,
              taxpayer_type=taxpayer_type)
    return result
