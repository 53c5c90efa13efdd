"""Costing (存货核算) and accounts as data (科目设置).

- rules: the account rules table that documents.accounts.account_for reads (most specific rule wins);
- engine: pure functions that value the outbound moves of one product in one warehouse per costing method
  (moving weighted average 移动加权平均, month-end weighted average 月末一次加权平均, FIFO 先进先出);
- recompute: writes the differences as 'revaluation' stock moves + a voucher (the costing run of a period and
  the recomputation after a backdated stock posting);
- run_services / run_queries: the month-end costing run (成本计算) and its records.
"""
