"""Income statement (利润表): the period and the year to date, in the statutory layout."""

from __future__ import annotations

from erp_core.analytics import queries
from ui.context import require_actor
from ui.report_kit import statement_page

require_actor()
statement_page(statement="income_statement", report=queries.income_statement,
               columns=["line_no", "item", "period_amount", "year_to_date_amount"], prefix="is")
