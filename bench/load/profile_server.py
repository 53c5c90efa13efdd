"""Where a real server's CPU per rerun goes: `streamlit run` of the ERP (or the baseline page) with cProfile in
every script run (ScriptRunner threads) and in the event-loop thread (websocket, message queue, protobuf), driven
by N load-client sessions rerunning a page with no think time (bench/load/client.py).

    python bench/load/profile_server.py --dir /tmp/erp-load --page reports_dashboard --sessions 5 --duration 10

profile_rerun.py measures under AppTest, whose mocked runtime makes some calls (request headers, client address)
far dearer than on a server; this one profiles the server itself. Profiling inflates every Python call, so read
the split (script vs event loop, by package) and the call counts per rerun, not the absolute times; the process's
CPU per rerun is printed too (with the profiler on: compare two runs of this script, never with run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import Session  # noqa: E402
from profile_rerun import package_times  # noqa: E402
from run import cpu_seconds, free_port  # noqa: E402

# Runs inside the server process (python -c): one cProfile per script run (a Profile is per thread; runs of
# several sessions overlap), merged on exit; one for the main (event-loop) thread.
_HOOK = r"""
import atexit, cProfile, marshal, os, signal, sys, threading, pstats, time
out = os.environ["ERP_PROFILE_OUT"]
# --cpu-clock: each thread's own CPU time, so a C call that releases the GIL (a socket send, a big hash update)
# no longer counts the wait to get it back, which another thread's work filled
clock = (time.thread_time,) if os.environ.get("ERP_PROFILE_CLOCK") == "thread" else ()
lock = threading.Lock()
runs = []
loop_prof = cProfile.Profile(*clock)
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
original = ScriptRunner._run_script
def run_script(self, *a, **k):
    p = cProfile.Profile(*clock)
    p.enable()
    try:
        return original(self, *a, **k)
    finally:
        p.disable()
        with lock:
            runs.append(p)
ScriptRunner._run_script = run_script
def dump(*_):
    loop_prof.disable()
    with lock:
        if runs:
            s = pstats.Stats(runs[0])
            for p in runs[1:]:
                s.add(p)
            s.dump_stats(out + ".script")
    pstats.Stats(loop_prof).dump_stats(out + ".loop")
    with open(out + ".runs", "w") as f:
        f.write(str(len(runs)))
    os._exit(0)
def start(*_):
    with lock:
        runs.clear()  # the first runs so far are not reruns
    loop_prof.enable()
signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, dump)
from streamlit.web.cli import main
sys.argv = ["streamlit"] + sys.argv[1:]
main()
"""


def _by_package(stats, runs: int) -> list[str]:
    groups = package_times(stats)
    return [f"{tt / runs * 1000:7.2f} ms  {name}" for name, tt in sorted(groups.items(), key=lambda kv: -kv[1])[:20]]


def main() -> None:
    import pstats

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--page", default="reports_dashboard", help="URL path; 'baseline' for the baseline page")
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--callers", help="print who calls the functions matching this pattern")
    ap.add_argument("--dump", type=Path, help="also write the script runs' merged profile to this file")
    ap.add_argument("--cpu-clock", action="store_true",
                    help="time each thread's own CPU (time.thread_time) instead of the wall clock: waits for the "
                         "GIL and for I/O drop out")
    args = ap.parse_args()
    work = args.dir.resolve()
    info = json.loads((work / "sessions.json").read_text(encoding="utf-8"))
    baseline = args.page == "baseline"
    cookies = [None] if baseline else [f"{info['cookie_name']}={s['cookie']}" for s in info["sessions"][1:]]  # the first user is profile_rerun.py's (it logs in again)
    out = tempfile.mktemp(prefix="erp-prof-")
    env = dict(os.environ, ERP_CONFIG=str(work / "config.toml"), ERP_PROFILE_OUT=out, ERP_PROFILE_CLOCK="thread" if args.cpu_clock else "wall",
               ERP_COOKIE_KEY=(work / "cookie.key").read_text(encoding="utf-8").strip())
    env.pop("ERP_DATABASE_URL", None)
    port = free_port()
    script = "bench/load/baseline.py" if baseline else "app.py"
    log = (work / "profile_server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", _HOOK, "run", script, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        page = "" if baseline else args.page
        clients = [Session(url, page, cookie=cookies[i % len(cookies)]) for i in range(args.sessions)]

        async def drive() -> tuple[int, int, float]:
            # A fresh server's very first run answers "page not found" before it shows the page (seen with plain
            # `streamlit run` too): one warm-up session takes it, as in run.py.
            warm = Session(url, page, cookie=cookies[-1])
            await warm.connect()
            await warm.rerun()
            await warm.close()
            await asyncio.gather(*(c.connect() for c in clients))
            first = await asyncio.gather(*(c.rerun() for c in clients))  # first runs, not counted
            if any(r.error for r in first):
                raise SystemExit(f"first runs failed: {[r.error for r in first]}")
            proc.send_signal(10)  # SIGUSR1: profile the event loop from here on
            await asyncio.sleep(0.2)
            cpu0 = cpu_seconds(proc.pid)
            reruns = errors = 0
            deadline = time.perf_counter() + args.duration

            async def loop(c):
                nonlocal reruns, errors
                while time.perf_counter() < deadline:
                    r = await c.rerun()
                    reruns += 1
                    errors += bool(r.error)

            await asyncio.gather(*(loop(c) for c in clients))
            used = cpu_seconds(proc.pid) - cpu0
            await asyncio.gather(*(c.close() for c in clients))
            return reruns, errors, used

        reruns, errors, used = asyncio.run(drive())
        proc.send_signal(12)  # SIGUSR2: dump and exit
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    runs = int(Path(out + ".runs").read_text())
    print(f"{args.page}: {reruns} reruns ({errors} errors), {args.sessions} sessions, process CPU "
          f"{used / reruns * 1000:.1f} ms per rerun with the profiler on; {runs} script runs profiled "
          f"; load average {os.getloadavg()[0]:.1f}")
    for part in ("script", "loop"):
        stats = pstats.Stats(out + "." + part)
        if args.dump and part == "script":
            stats.dump_stats(args.dump)
        total = sum(v[2] for v in stats.stats.values())
        print(f"\n== {part}: {total / reruns * 1000:.2f} ms own time per rerun, "
              f"{sum(v[1] for v in stats.stats.values()) / reruns:.0f} calls per rerun")
        print("\n".join(_by_package(stats, reruns)))
        stats.sort_stats("cumulative").print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
