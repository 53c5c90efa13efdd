"""Inventory operations (库存业务): other receipts and issues (其他入库/出库), transfers (调拨), stocktakes (盘点) and
the write-off of their variances (盘点损溢处理), built on the document kernel; stock reports (收发存, 库存明细账,
低库存预警). The stock LEDGER itself (stock_move, post_stock_moves, valuation) is erp_core/inventory."""
