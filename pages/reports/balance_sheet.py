"""Balance sheet (资产负债表) in the statutory layout of the company's accounting standard."""

from __future__ import annotations

from erp_core.analytics import queries
from ui.context import require_actor
from ui.report_kit import statement_page

require_actor()
statement_page(statement="balance_sheet", report=queries.balance_sheet,
               columns=["line_no", "item", "closing_amount", "opening_amount"], prefix="bs")
