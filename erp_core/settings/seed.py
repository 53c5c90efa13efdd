"""Reference data a new company starts with (db/seed/*.toml): tax rates, currencies, units and conversions.
Called by the setup use case inside its unit of work, right after the company row exists."""

from __future__ import annotations

import functools
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from erp_core.config import PROJECT_ROOT
from erp_core.masterdata.models import Company
from erp_core.settings.models import Currency, TaxRate, Unit, UnitConversion

SEED_DIR = PROJECT_ROOT / "db" / "seed"


@functools.cache
def _load(name: str) -> dict[str, Any]:
    return tomllib.loads((Path(SEED_DIR) / name).read_text(encoding="utf-8"))


def seed_company_settings(session: Session, company: Company) -> None:
    """Add the default tax rates, currencies (CNY first) and units of measure to ``company``."""
    for r in _load("tax_rates.toml")["rate"]:
        session.add(TaxRate(company_id=company.id, code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"],
                            kind=r["kind"], rate=Decimal(r["rate"]), valid_from=r["valid_from"],
                            valid_to=r.get("valid_to")))
    for c in _load("currencies.toml")["currency"]:
        session.add(Currency(company_id=company.id, code=c["code"], name_zh=c["name_zh"], name_en=c["name_en"],
                             decimals=c["decimals"]))
    units_data = _load("units.toml")
    units: dict[str, Unit] = {}
    for u in units_data["unit"]:
        units[u["code"]] = Unit(company_id=company.id, code=u["code"], name_zh=u["name_zh"], name_en=u["name_en"])
        session.add(units[u["code"]])
    session.flush()
    for conv in units_data.get("conversion", []):
        session.add(UnitConversion(company_id=company.id, from_unit_id=units[conv["from"]].id,
                                   to_unit_id=units[conv["to"]].id, factor=Decimal(conv["factor"])))
    session.flush()
