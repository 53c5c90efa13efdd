"""General ledger (总账): posting (the ONLY writer of gl_line), accounting periods, invariants."""
