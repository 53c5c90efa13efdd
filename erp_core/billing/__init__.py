"""Billing and receivables (应收): sales invoices (销售发票) with their fapiao register, receipts (收款单) with
settlement (核销) against invoices, advance receipts (预收) and their application, 应收冲应付, and the
receivables reports (aging, statement, overdue) and sales analysis. Built on erp_core/settlement's open items."""
