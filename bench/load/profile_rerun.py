"""CPU per rerun, in-process: the ERP page (through app.py, logged in as one prepared user) and the baseline page,
each rerun N times under Streamlit's AppTest, timed with process CPU time and optionally profiled with cProfile.

    python bench/load/prepare.py --dir /tmp/erp-load --users 1          # once
    python bench/load/profile_rerun.py --dir /tmp/erp-load --reruns 50 [--profile 30]

AppTest runs the script in this process (no websocket, no browser) but builds the same delta messages (protobuf,
plotly JSON, Arrow tables) as a server; both pages pay the same AppTest overhead, so the ratio is the figure.
``--profile N`` prints the N most expensive functions (cumulative and own time) of the ERP page's reruns.
``--counts`` also prints, per rerun, what a rerun costs that does not depend on the machine: the messages sent to
the browser (deltas, and the bytes of their payload), the SQL statements and transactions on the operational store.
``--first-runs N``: a session's first run (new browser session with a login cookie: the full session check, the
Actor, the profile, the navigation, the page's figures) instead of reruns, against the baseline's first run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _profile_script_thread(profiler: cProfile.Profile) -> None:
    """AppTest runs the script in a thread of its own: profile inside it (cProfile sees one thread)."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original = ScriptRunner._run_script

    def run_script(self, *args, **kwargs):
        if not getattr(profiler, "erp_on", False):
            return original(self, *args, **kwargs)
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()

    ScriptRunner._run_script = run_script


class Counts:
    """Messages to the browser, SQL statements and transactions while ``on`` (all sessions of this process)."""

    def __init__(self) -> None:
        self.on = False
        self.deltas = self.delta_bytes = self.statements = self.transactions = 0
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

        original = ScriptRunContext.enqueue
        counts = self

        def enqueue(ctx, msg):
            if counts.on and msg.WhichOneof("type") == "delta":
                counts.deltas += 1
                counts.delta_bytes += msg.ByteSize()
            return original(ctx, msg)

        ScriptRunContext.enqueue = enqueue
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "begin", self._begin)

    def _statement(self, *args) -> None:
        self.statements += self.on

    def _begin(self, *args) -> None:
        self.transactions += self.on

    def report(self, runs: int) -> str:
        return (f"per run: {self.deltas / runs:.1f} deltas ({self.delta_bytes / runs / 1024:.1f} KiB), "
                f"{self.statements / runs:.2f} SQL statements, {self.transactions / runs:.2f} transactions")


def _cpu_per_run(at, reruns: int, profiler: cProfile.Profile | None = None, counts: Counts | None = None) -> float:
    at.run()  # warm
    start = time.process_time()
    if profiler:
        profiler.erp_on = True
    if counts:
        counts.on = True
    for _ in range(reruns):
        at.run()
    if counts:
        counts.on = False
    if profiler:
        profiler.erp_on = False
    return (time.process_time() - start) / reruns * 1000


def _cpu_per_first_run(make, runs: int, counts: Counts | None = None,
                       profiler: cProfile.Profile | None = None) -> float:
    """CPU of a new browser session's first run: ``make()`` returns an AppTest not yet run (made outside the
    timing: the login itself is not part of a first run, the cookie is)."""
    make().run()  # warm
    total = 0.0
    for _ in range(runs):
        at = make()
        start = time.process_time()
        if counts:
            counts.on = True
        if profiler:
            profiler.erp_on = True
        at.run()
        if profiler:
            profiler.erp_on = False
        if counts:
            counts.on = False
        total += time.process_time() - start
        assert not at.exception, at.exception
    return total / runs * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--page", default="pages/reports/dashboard.py")
    ap.add_argument("--reruns", type=int, default=50)
    ap.add_argument("--profile", type=int, default=0, help="print the N top functions of the ERP page's reruns")
    ap.add_argument("--callers", help="with --profile: print who calls the functions matching this pattern")
    ap.add_argument("--by-package", action="store_true", help="with --profile: own time per package, per rerun")
    ap.add_argument("--dump", type=Path, help="with --profile: also write the ERP page's profile to this file")
    ap.add_argument("--counts", action="store_true", help="deltas, SQL statements and transactions per run")
    ap.add_argument("--first-runs", type=int, default=0, help="measure N first runs of new sessions instead")
    args = ap.parse_args()
    work = args.dir.resolve()
    os.environ["ERP_CONFIG"] = str(work / "config.toml")
    os.environ["ERP_COOKIE_KEY"] = (work / "cookie.key").read_text(encoding="utf-8").strip()
    os.environ.pop("ERP_DATABASE_URL", None)
    os.chdir(ROOT)
    import logging

    logging.disable(logging.WARNING)  # AppTest's "no runtime" notices
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()  # a server compiles each script once (Runtime's ScriptCache); AppTest on every run
    local_script_runner.ScriptCache = app_test.ScriptCache = lambda: shared
    from streamlit.testing.v1 import AppTest

    from erp_core.config import load_settings
    from erp_core.db.uow import open_database
    from erp_core.security.auth import login
    from tests.ui import harness
    from ui.auth import TOKEN_KEY

    prepared = json.loads((work / "sessions.json").read_text(encoding="utf-8"))
    username = prepared["sessions"][0]["username"]
    db = open_database(load_settings())
    counts = Counts() if args.counts else None
    if args.first_runs:
        _first_runs(args, db, username, counts)
        db.dispose()
        return
    session = login(db, username, "Load-test-pass-2026", client_ip="127.0.0.1")
    at = harness.new_app(60)
    at.session_state[TOKEN_KEY] = session.token
    at.run()
    at.switch_page(args.page).run()
    assert not at.exception, at.exception
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        _profile_script_thread(profiler)
    erp = _cpu_per_run(at, args.reruns, profiler, counts)
    assert not at.exception and not at.error, (at.exception, at.error)
    erp_counts = counts.report(args.reruns) if counts else ""
    if counts:
        counts.deltas = counts.delta_bytes = counts.statements = counts.transactions = 0
    base_at = AppTest.from_file(str(ROOT / "bench/load/baseline.py"), default_timeout=60)
    base = _cpu_per_run(base_at, args.reruns, counts=counts)
    print(f"{args.page}: {erp:.1f} ms CPU per rerun; baseline: {base:.1f} ms; ratio {erp / base:.2f}x "
          f"({args.reruns} reruns each, load average {os.getloadavg()[0]:.1f})")
    if counts:
        print(f"  {args.page} {erp_counts}\n  baseline {counts.report(args.reruns)}")
    if profiler:
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.profile)
            print(out.getvalue())
        if args.by_package:
            _by_package(pstats.Stats(profiler), args.reruns)
        if args.dump:
            pstats.Stats(profiler).dump_stats(args.dump)
        if args.callers:
            pstats.Stats(profiler).sort_stats("cumulative").print_callers(args.callers)
    db.dispose()


def _first_runs(args, db, username: str, counts) -> None:
    """First runs of new sessions on the page (the address of ``args.page`` opened with a live login)."""
    from streamlit.testing.v1 import AppTest

    from erp_core.security.auth import login
    from tests.ui import harness
    from ui.auth import TOKEN_KEY

    def make():
        at = harness.new_app(60)
        at.session_state[TOKEN_KEY] = login(db, username, "Load-test-pass-2026", client_ip="127.0.0.1").token
        return at  # AppTest opens "/": the prepared users' landing page (the finance dashboard) is the page

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        _profile_script_thread(profiler)
    erp = _cpu_per_first_run(make, args.first_runs, counts, profiler)
    erp_counts = counts.report(args.first_runs) if counts else ""
    if counts:
        counts.deltas = counts.delta_bytes = counts.statements = counts.transactions = 0
    base = _cpu_per_first_run(lambda: AppTest.from_file(str(ROOT / "bench/load/baseline.py"), default_timeout=60),
                              args.first_runs, counts)
    print(f"first run (landing page): {erp:.1f} ms CPU; baseline: {base:.1f} ms; ratio {erp / base:.2f}x "
          f"({args.first_runs} first runs each, load average {os.getloadavg()[0]:.1f})")
    if counts:
        print(f"  ERP {erp_counts}\n  baseline {counts.report(args.first_runs)}")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())
        if args.by_package:
            _by_package(pstats.Stats(profiler), args.first_runs)


def package_times(stats: pstats.Stats) -> dict[str, float]:
    """Own (tottime) profile seconds per package (site-packages distribution, project folder, stdlib module or
    builtin type): where the CPU goes, by layer. Also used by profile_server.py."""
    groups: dict[str, float] = {}
    for (path, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in path:
            name = path.split("site-packages/", 1)[1].split("/", 1)[0]
        elif path.startswith(str(ROOT)):
            name = path[len(str(ROOT)) + 1:].split("/", 1)[0]
        elif path == "~":
            name = "builtin:" + (func.split(" ")[-1].split(".")[0].strip("{}<>'") or func)
        else:
            name = "stdlib:" + Path(path).stem
        groups[name] = groups.get(name, 0.0) + tt
    return groups


def _by_package(stats: pstats.Stats, reruns: int) -> None:
    """Own (tottime) profile time per package, per rerun: where a rerun's CPU goes, by layer."""
    groups = package_times(stats)
    total = sum(groups.values())
    for name, tt in sorted(groups.items(), key=lambda kv: -kv[1])[:25]:
        print(f"{tt / reruns * 1000:7.2f} ms  {tt / total:5.1%}  {name}")


if __name__ == "__main__":
    main()
