"""Chart-of-accounts use cases (会计科目): create, edit, freeze/unfreeze, delete.

Rules: codes are digits and unique per company; a child's code extends its parent's by the width the company's
code scheme gives its level; only leaf, active accounts take postings; an account that was ever used can be
frozen but never deleted; a child cannot be added under an account already used in vouchers (its balance
would stay on a non-leaf account): such an account is upgraded instead (科目升级, upgrade_account), its history
moving to its first sub-account."""

from __future__ import annotations

from sqlalchemy import exists, select

from erp_core.finance.accounts import finance_setting, is_used
from erp_core.finance.charts import level_of, parent_code
from erp_core.finance.models import ACCOUNT_CATEGORIES, AUX_DIMENSIONS, DIRECTIONS, Account
from erp_core.kernel.errors import Conflict, NotFound, ValidationError, raise_if
from erp_core.usecase import Context, use_case


def _clean_aux(aux: str | list[str] | tuple[str, ...] | None) -> tuple[str, list[ValidationError]]:
    items = aux.split(",") if isinstance(aux, str) else list(aux or [])
    items = [a.strip() for a in items if a and a.strip()]
    if any(a not in AUX_DIMENSIONS for a in items):
        return "", [ValidationError("error.choice", field="field.finance.account.aux")]
    return ",".join(dict.fromkeys(items)), []


def _check_names(name: str, name_en: str) -> list[ValidationError]:
    problems = []
    if not name:
        problems.append(ValidationError("error.required", field="field.finance.account.name"))
    elif len(name) > 100:
        problems.append(ValidationError("error.too_long", field="field.finance.account.name", max=100))
    if len(name_en) > 200:
        problems.append(ValidationError("error.too_long", field="field.finance.account.name_en", max=200))
    return problems


def _load(ctx: Context, account_id: int) -> Account:
    acc = ctx.session.get(Account, account_id)
    if acc is None or (not ctx.actor.is_system and acc.company_id != ctx.actor.company_id):
        raise NotFound(entity="account", id=account_id)
    return acc


@use_case("finance.account.create", zh="新增会计科目", en="Create account")
def create_account(ctx: Context, *, code: str, name: str, name_en: str = "", category: str | None = None,
                   direction: str | None = None, aux: str | list[str] = "") -> int:
    """Add an account. A lower-level account inherits its parent's category (and direction unless given)."""
    s, company_id = ctx.session, ctx.actor.company_id
    code, name, name_en = (code or "").strip(), (name or "").strip(), (name_en or "").strip()
    scheme = finance_setting(s, company_id).code_scheme
    problems = _check_names(name, name_en)
    aux_value, aux_problems = _clean_aux(aux)
    problems += aux_problems
    parent: Account | None = None
    if not code:
        problems.append(ValidationError("error.required", field="field.finance.account.code"))
    elif not code.isdigit() or not code.isascii() or level_of(code, scheme) is None:
        problems.append(ValidationError("error.finance.account.code_format", field="field.finance.account.code",
                                        scheme=scheme))
    else:
        if s.execute(select(exists().where(Account.company_id == company_id, Account.code == code))).scalar():
            problems.append(ValidationError("error.finance.account.code_taken", field="field.finance.account.code",
                                            code=code))
        pcode = parent_code(code, scheme)
        if pcode:
            parent = s.execute(select(Account).where(Account.company_id == company_id, Account.code == pcode)
                               ).scalar_one_or_none()
            if parent is None:
                problems.append(ValidationError("error.finance.account.no_parent", field="field.finance.account.code",
                                                parent=pcode))
            elif parent.is_leaf and is_used(s, parent.id):
                problems.append(ValidationError("error.finance.account.parent_used",
                                                field="field.finance.account.code", parent=pcode))
    if parent is not None:
        category = parent.category
        direction = direction or parent.direction
    if category not in ACCOUNT_CATEGORIES:
        problems.append(ValidationError("error.choice", field="field.finance.account.category"))
    if direction not in DIRECTIONS:
        problems.append(ValidationError("error.choice", field="field.finance.account.direction"))
    raise_if(problems)
    acc = Account(company_id=company_id, code=code, name=name, name_en=name_en,
                  parent_id=parent.id if parent else None, level=level_of(code, scheme), category=category,
                  direction=direction, is_leaf=True, aux=aux_value, status="active")
    if parent is not None and parent.is_leaf:
        parent.is_leaf = False
    s.add(acc)
    s.flush()
    ctx.audit("account", acc.id, code=code, name=name, parent=parent.code if parent else None)
    return acc.id


@use_case("finance.account.edit", zh="修改会计科目", en="Edit account")
def update_account(ctx: Context, *, account_id: int, version: int, name: str, name_en: str = "",
                   aux: str | list[str] = "", direction: str | None = None) -> int:
    """Rename an account or change its required dimensions (the code never changes). Returns the new version."""
    acc = _load(ctx, account_id)
    ctx.check_version(acc, version)
    name, name_en = (name or "").strip(), (name_en or "").strip()
    problems = _check_names(name, name_en)
    aux_value, aux_problems = _clean_aux(aux)
    problems += aux_problems
    direction = direction or acc.direction
    if direction not in DIRECTIONS:
        problems.append(ValidationError("error.choice", field="field.finance.account.direction"))
    raise_if(problems)
    ctx.diff(acc, name=name, name_en=name_en, aux=aux_value, direction=direction)
    ctx.audit("account", acc.id, code=acc.code)
    ctx.session.flush()
    return acc.version


@use_case("finance.account.freeze", zh="冻结/解冻会计科目", en="Freeze or unfreeze account")
def set_account_frozen(ctx: Context, *, account_id: int, frozen: bool) -> None:
    """A frozen account keeps its history but takes no new postings."""
    acc = _load(ctx, account_id)
    ctx.diff(acc, status="frozen" if frozen else "active")
    ctx.audit("account", acc.id, code=acc.code)


@use_case("finance.account.delete", zh="删除会计科目", en="Delete account")
def delete_account(ctx: Context, *, account_id: int) -> None:
    """Delete an account never used and without children; an account with postings can only be frozen."""
    s = ctx.session
    acc = _load(ctx, account_id)
    if is_used(s, acc.id):
        raise Conflict("error.finance.account.delete_used", code=acc.code)
    if s.execute(select(exists().where(Account.parent_id == acc.id))).scalar():
        raise Conflict("error.finance.account.delete_parent", code=acc.code)
    parent = s.get(Account, acc.parent_id) if acc.parent_id else None
    ctx.audit("account", acc.id, deleted=acc.code)
    s.delete(acc)
    s.flush()
    if parent is not None and not s.execute(select(exists().where(Account.parent_id == parent.id))).scalar():
        parent.is_leaf = True


@use_case("finance.account.upgrade", zh="科目升级", en="Upgrade account (move its history to a first sub-account)")
def upgrade_account(ctx: Context, *, account_id: int, child_code: str, child_name: str, child_name_en: str = "",
                    version: int | None = None) -> int:
    """科目升级: give a used leaf account its first sub-account, the account's history moving to the child.

    The ledger is append-only, so no ledger line is touched: the EXISTING account row, which every voucher line,
    ledger line, opening balance and bank statement references by id, becomes the child (it takes ``child_code``
    and ``child_name`` and keeps its auxiliary dimensions and status), and a new row takes over the old code and
    name as its non-leaf parent. Reports read codes through the account rows, so the trial balance shows the same
    history under the child and, rolled up, under the parent. Budgets set on the account move to the parent (they
    were set on the code and cover its sub-accounts); a company bank account posting to the code now posts to
    the child. One transaction, audited. Returns the id of the new parent account."""
    from erp_core.finance.models_budget import Budget
    from erp_core.masterdata.models import CompanyBankAccount

    s = ctx.session
    acc = _load(ctx, account_id)
    ctx.check_version(acc, version)
    scheme = finance_setting(s, acc.company_id).code_scheme
    child_code, child_name, child_name_en = ((child_code or "").strip(), (child_name or "").strip(),
                                             (child_name_en or "").strip())
    problems = _check_names(child_name, child_name_en)
    if not child_code:
        problems.append(ValidationError("error.required", field="field.finance.account.code"))
    elif not child_code.isdigit() or not child_code.isascii() or level_of(child_code, scheme) is None \
            or parent_code(child_code, scheme) != acc.code:
        problems.append(ValidationError("error.finance.account.upgrade_code", field="field.finance.account.code",
                                        parent=acc.code, scheme=scheme))
    elif s.execute(select(exists().where(Account.company_id == acc.company_id, Account.code == child_code))
                   ).scalar():
        problems.append(ValidationError("error.finance.account.code_taken", field="field.finance.account.code",
                                        code=child_code))
    raise_if(problems)
    if not acc.is_leaf:
        raise Conflict("error.finance.account.upgrade_not_leaf", code=acc.code)
    if not is_used(s, acc.id):
        raise Conflict("error.finance.account.upgrade_unused", code=acc.code)
    old = {"code": acc.code, "name": acc.name, "name_en": acc.name_en, "parent_id": acc.parent_id,
           "level": acc.level}
    # the code is unique per company: the existing row gives it up first, then the new parent takes it
    ctx.diff(acc, code=child_code, name=child_name, name_en=child_name_en, level=old["level"] + 1)
    s.flush()
    parent = Account(company_id=acc.company_id, code=old["code"], name=old["name"], name_en=old["name_en"],
                     parent_id=old["parent_id"], level=old["level"], category=acc.category,
                     direction=acc.direction, is_leaf=False, aux="", status="active")
    s.add(parent)
    s.flush()
    ctx.diff(acc, parent_id=parent.id)
    moved_budgets = []
    for b in s.execute(select(Budget).where(Budget.account_id == acc.id)).scalars().all():
        b.account_id = parent.id
        moved_budgets.append(b.id)
    banks = s.execute(select(CompanyBankAccount).where(CompanyBankAccount.company_id == acc.company_id,
                                                       CompanyBankAccount.account_code == old["code"])).scalars()
    moved_banks = []
    for bank in banks:
        bank.account_code = child_code
        moved_banks.append(bank.id)
    s.flush()
    ctx.audit("account", acc.id, upgrade={"code": [old["code"], child_code], "name": [old["name"], child_name],
                                          "new_parent_id": parent.id},
              budgets_to_parent=moved_budgets, bank_accounts_to_child=moved_banks)
    return parent.id
