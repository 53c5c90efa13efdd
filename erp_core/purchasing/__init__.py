"""Purchasing (采购): purchase orders, receipts (采购入库单), invoices (采购发票) and returns (采购退货) on the
business-document kernel (docs/documents.md)."""
