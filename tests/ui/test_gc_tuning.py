"""Issue #17: the app server's loaded modules are frozen out of the garbage collector's walks once per process
(a full collection over them paused every session's rerun: the slowest answers under load), and young
collections run every 20,000 allocations, not 700."""

from __future__ import annotations

import gc

from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from ui import gc_tuning


def test_the_first_app_run_freezes_the_loaded_modules_once(monkeypatch):
    calls = []
    monkeypatch.setattr(gc_tuning, "_frozen", [False])
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "set_threshold", lambda *t: calls.append(t))
    assert gc_tuning.freeze_loaded_modules() is True
    assert gc_tuning.freeze_loaded_modules() is False  # once per process
    assert calls == ["freeze", gc_tuning.THRESHOLDS]


def test_app_py_freezes_before_the_first_page_runs(admin_app):  # noqa: F811

    before = gc.get_threshold()
    try:
        admin_app.run()
        assert not admin_app.exception
        assert gc_tuning._frozen[0] and gc.get_freeze_count() > 0
        assert gc.get_threshold() == gc_tuning.THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        gc_tuning._frozen[0] = False
