"""The business-document kernel (DESIGN.md "Business documents"): header + lines built from shared mixins,
numbering per type and period, progress derived from line quantities, links both ways, step history, and the
posting contract (stock moves + one voucher, idempotent, reversed by a red copy). See docs/documents.md."""
