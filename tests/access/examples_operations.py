"""Access examples for the operations module (scheduler, backups, restore, upgrades): administrators only."""

from __future__ import annotations

import tempfile

from erp_core.operations import scheduler
from erp_core.operations import services as ops
from tests.access.examples import covered_elsewhere, example

S = "erp_core.operations.services."
Q = "erp_core.operations.queries."


def _backup_folder(env) -> None:
    if "ops_folder" not in env.cache:
        env.cache["ops_folder"] = tempfile.mkdtemp(prefix="erp-access-backups-")
        env.call(ops.update_backup_settings, backup_dir=env.cache["ops_folder"])


@example(S + "update_backup_settings")
def _(env):
    return {"keep_full": "5"}


@example(S + "create_backup")
def _(env):
    _backup_folder(env)
    return {"kind": "full"}


@example(S + "verify_backup")
def _(env):
    _backup_folder(env)
    made = env.call(ops.create_backup, kind="full")
    return {"backup_id": made["id"]}


@example(S + "run_upgrade")
def _(env):
    _backup_folder(env)
    return {}  # the database is at the code's version: the upgrade logs "current"


@example(S + "set_maintenance")
def _(env):
    return {"on": False}  # (on: True would stop every later example's writes)


def _jobs(env) -> None:
    scheduler.load_jobs()
    scheduler.sync_jobs(env.db)


@example(S + "update_job")
def _(env):
    _jobs(env)
    return {"name": "system.check", "schedule": "daily 05:30", "enabled": True}


@example(S + "run_job_soon")
def _(env):
    _jobs(env)
    return {"name": "system.check"}


@example(Q + "list_backups", Q + "backup_settings", Q + "list_jobs", Q + "list_runs", Q + "upgrade_status")
def _(env):
    return {}


covered_elsewhere(S + "restore_backup",
                  "tests/operations/test_backup_restore.py::test_restore_refuses_the_live_database_without_confirmation")
