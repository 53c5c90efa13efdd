"""Finance: chart of accounts (会计科目), vouchers (记账凭证) and their print view. Posting to the general ledger
lives in erp_core.ledger (the only writer of gl_line)."""
