"""Command groups several modules add subcommands to (`erp import customers`, `erp import vouchers`, ...).

Each module puts its commands in its own ``erp_core/cli/cmd_<module>.py`` (imported automatically by
erp_core/cli/__init__.py) and attaches them to these groups, so no module edits another's file."""

from __future__ import annotations

import click

from erp_core.cli.base import main


@main.group("import")
def import_group() -> None:
    """Import records from CSV or XLSX (dry run, then all-or-nothing)."""


@main.group("report")
def report_group() -> None:
    """Compute a report and write it as CSV or XLSX."""


@main.group("audit")
def audit_group() -> None:
    """Inspect the tamper-evident audit log."""


__all__ = ["audit_group", "click", "import_group", "report_group"]
