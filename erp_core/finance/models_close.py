"""Period close keeps no table of its own (it writes accounting_period and generated vouchers). The close rule
for postings (nothing may be posted into a period earlier than a closed one) is built into posting itself:
erp_core/ledger/hooks.py (no rule registered by an import side effect)."""

from __future__ import annotations

from erp_core.ledger.hooks import refuse_before_closed

__all__ = ["refuse_before_closed"]
