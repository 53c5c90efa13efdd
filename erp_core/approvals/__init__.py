"""Approvals (审批): rules as data, one engine every module asks. See docs/documents.md."""
