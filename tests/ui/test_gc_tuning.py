"""Issue #17: the app server's loaded modules are frozen out of the garbage collector's walks once per process
(a full collection over them paused every session's rerun: the slowest answers under load); the collection
thresholds stay Python's."""

from __future__ import annotations

import gc

from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from ui import gc_tuning


def test_the_first_app_run_freezes_the_loaded_modules_once(monkeypatch):
    calls = []
    monkeypatch.setattr(gc_tuning, "_frozen", [False])
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    assert gc_tuning.freeze_loaded_modules() is True
    assert gc_tuning.freeze_loaded_modules() is False  # once per process
    assert calls == ["freeze"]


def test_app_py_freezes_before_the_first_page_runs(admin_app):  # noqa: F811

    try:
        admin_app.run()
        assert not admin_app.exception
        assert gc_tuning._frozen[0] and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc_tuning._frozen[0] = False
