"""Garbage collection for a long-running app server (issue #17).

A Streamlit server holds every module it imported (Streamlit, SQLAlchemy, pandas, plotly, DuckDB, erp_core...):
hundreds of thousands of long-lived objects. CPython's full (generation 2) collection walks all of them, and
while it runs no session's script runs — with 25 sessions rerunning, that pause lands on whichever reruns are
waiting and makes the slowest answers (p95) far slower than the typical one. ``gc.freeze()`` once the app's
modules are loaded moves those objects out of the collector's sight (they are never garbage: modules live as
long as the process), so a full collection only walks what sessions made since. Nothing else changes: cycles
made later are still collected as before."""

from __future__ import annotations

import gc
import threading

# Young collections every 20,000 net allocations instead of 700: a rerun allocates tens of thousands of
# objects, nearly all freed by reference counting; collecting every 700 walks the young ones ~50 times a rerun.
THRESHOLDS = (20_000, 20, 20)
_lock = threading.Lock()
_frozen = [False]


def freeze_loaded_modules() -> bool:
    """Freeze what is alive now, once per process (the first script run, after app.py's imports); True the
    first time."""
    if _frozen[0]:
        return False
    with _lock:
        if _frozen[0]:
            return False
        gc.collect()  # what is garbage already is freed, not frozen
        gc.freeze()
        gc.set_threshold(*THRESHOLDS)
        _frozen[0] = True
        return True
