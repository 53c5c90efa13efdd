"""Approval of major changes (重大变更审批, issue #16 item 7): supplier bank accounts, customer credit limits, role
permissions and reopening a closed period take effect only after a second person approved them."""
