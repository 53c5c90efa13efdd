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

# Not changed: the collection thresholds. Young collections every 20,000 allocations instead of 700 cut the p95
# further (308 -> 225-248 ms) but the server's memory then kept growing over 1,000 connect/disconnect cycles
# (299 -> 452 MiB, not given back; probably cyclic garbage living longer — not investigated) (bench/RESULTS.md).
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
        _frozen[0] = True
        return True
