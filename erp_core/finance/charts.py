"""Charts of accounts as data (db/seed/charts/<standard>.toml) and the account-code scheme.

The code scheme lists the digits each level adds, e.g. "4-2-2": 1002 (level 1) -> 100201 (level 2) ->
10020101 (level 3). A child's code extends its parent's code; the parent is found by prefix.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from erp_core.config import PROJECT_ROOT
from erp_core.finance.models import Account, FinanceSetting

CHARTS_DIR = PROJECT_ROOT / "db" / "seed" / "charts"
DEFAULT_SCHEME = "4-2-2"


@dataclass(frozen=True)
class ChartRow:
    code: str
    name: str
    name_en: str
    category: str
    direction: str
    aux: str


def parse_scheme(scheme: str) -> list[int]:
    """'4-2-2' -> [4, 6, 8]: the code length of each level."""
    widths = [int(p) for p in scheme.split("-") if p.strip()]
    if not widths or any(w <= 0 for w in widths):
        raise ValueError(f"bad code scheme {scheme!r}")
    out, total = [], 0
    for w in widths:
        total += w
        out.append(total)
    return out


def level_of(code: str, scheme: str) -> int | None:
    """The level of ``code`` under ``scheme`` (1-based), or None when its length fits no level."""
    lengths = parse_scheme(scheme)
    return lengths.index(len(code)) + 1 if len(code) in lengths else None


def parent_code(code: str, scheme: str) -> str | None:
    """The code of the parent account (None for a first-level code or a code that fits no level)."""
    level = level_of(code, scheme)
    if level is None or level == 1:
        return None
    return code[: parse_scheme(scheme)[level - 2]]


def load_chart(standard: str) -> tuple[str, list[ChartRow]]:
    """The code scheme and rows of a standard's chart ('small_business' 小企业会计准则, 'enterprise' 企业会计准则).
    ``standard`` names a file: only the known standards pass (a ValidationError naming the field otherwise)."""
    from erp_core.kernel.errors import ValidationError
    from erp_core.masterdata.models import ACCOUNTING_STANDARDS

    if not isinstance(standard, str) or standard not in ACCOUNTING_STANDARDS:
        raise ValidationError("error.choice", field="field.company.accounting_standard")
    data = tomllib.loads((CHARTS_DIR / f"{standard}.toml").read_text(encoding="utf-8"))
    rows = [ChartRow(*r) for r in data["accounts"]]
    return data.get("code_scheme", DEFAULT_SCHEME), rows


def seed_chart_of_accounts(session: Session, company_id: int, standard: str) -> int:
    """Create the company's finance settings and its chart of accounts inside the caller's transaction
    (called by company setup). Returns the number of accounts created."""
    scheme, rows = load_chart(standard)
    session.add(FinanceSetting(company_id=company_id, voucher_type_mode="single", code_scheme=scheme))
    by_code: dict[str, Account] = {}
    codes = {r.code for r in rows}
    for row in sorted(rows, key=lambda r: (len(r.code), r.code)):
        level = level_of(row.code, scheme)
        if level is None:
            raise ValueError(f"chart {standard}: code {row.code} does not fit scheme {scheme}")
        pcode = parent_code(row.code, scheme)
        parent = by_code.get(pcode) if pcode else None
        if pcode and parent is None:
            raise ValueError(f"chart {standard}: {row.code} has no parent {pcode}")
        has_children = any(c != row.code and c.startswith(row.code) for c in codes)
        acc = Account(company_id=company_id, code=row.code, name=row.name, name_en=row.name_en,
                      parent_id=parent.id if parent else None, level=level, category=row.category,
                      direction=row.direction, is_leaf=not has_children, aux=row.aux, status="active")
        session.add(acc)
        session.flush()
        by_code[row.code] = acc
    return len(by_code)
