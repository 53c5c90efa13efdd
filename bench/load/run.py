"""Load benchmark: N simulated users, each with its own login, rerunning a page of the ERP over Streamlit's
websocket protocol, against a trivial baseline page served with the same .streamlit/config.toml, in one run.

    python bench/load/prepare.py --dir /tmp/erp-load --users 100          # once: database, users, logins
    python bench/load/run.py --dir /tmp/erp-load --scenarios 25:0,100:2 --duration 30 --cycles 1000 [--write]

For each scenario ``sessions:think_seconds`` the baseline is measured, then the ERP page (one after the other, both
servers up): every session connects, runs the page once (the "first run", reported apart: it includes the
session's login check and, for the very first session, the first analytics sync), then reruns it with the given
think time between reruns until ``--duration`` seconds have passed. Latency = rerun request to script_finished.
Think times vary around the given mean (uniformly within +/- ``--think-spread``, 50 % by default, as load tools
such as Locust's ``between`` draw them): with one fixed think time every session waits exactly as long, so after
any pause (a garbage collection, the clock's minute turning on every dashboard) all sessions rerun in the same
instant ever after, in lock-step, which no group of people does. ``--think-spread 0`` gives the fixed time.
Memory: the server's RSS (VmRSS) before the sessions connect and once all have run the page (growth per
session), and over ``--cycles`` connect / run / disconnect cycles (sampled along the way; Streamlit keeps a
disconnected session for server.disconnectedSessionTTL = 120 s, so ``--settle`` seconds after the cycles another
sample is taken). ``--processes 2`` starts two app processes (ports next to each other) over the same database and
spreads the sessions over them (each session sticks to one, as behind a proxy with sticky sessions).
``--write`` appends the results to bench/RESULTS.md as ratios against the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import Session  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (/proc/PID/stat fields 14 and 15, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Server:
    """One `streamlit run` process started from the project root (so it reads the project's .streamlit/)."""

    def __init__(self, script: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        exe = str(Path(sys.executable).with_name("streamlit"))
        self.proc = subprocess.Popen([exe, "run", script, "--server.port", str(self.port),
                                      "--server.address", "127.0.0.1", "--server.headless", "true"],
                                     cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log}")
            try:
                urllib.request.urlopen(self.url + "/_stcore/health", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"server not healthy in {timeout} s; see {self.log}")

    def rss(self) -> int:
        return rss_kib(self.proc.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


async def scenario(servers: list[Server], page: str, cookies: list[str | None], sessions: int, think: float,
                   duration: float, spread: float = 0.5) -> dict:
    """``sessions`` sessions rerunning ``page`` for ``duration`` seconds with ``think`` seconds between reruns."""
    before = [s.rss() for s in servers]
    clients = [Session(servers[i % len(servers)].url, page, cookie=cookies[i % len(cookies)])
               for i in range(sessions)]
    first_runs, latencies, errors = [], [], []
    await asyncio.gather(*(c.connect() for c in clients))

    async def first(c):
        r = await c.rerun()
        first_runs.append(r.latency_s)
        if r.error:
            errors.append(("first", r.error))

    await asyncio.gather(*(first(c) for c in clients))
    connected = [s.rss() for s in servers]
    deadline = time.perf_counter() + duration
    cpu_start = sum(s.cpu() for s in servers)

    async def loop(c, offset, draw):
        await asyncio.sleep(offset)  # spread the sessions' reruns over one think time
        while time.perf_counter() < deadline:
            r = await c.rerun()
            latencies.append(r.latency_s)
            if r.error:
                errors.append(("rerun", r.error))
            if think:
                await asyncio.sleep(think * (1 + spread * (2 * draw.random() - 1)))

    await asyncio.gather(*(loop(c, think * i / sessions, random.Random(i)) for i, c in enumerate(clients)))
    cpu_used = sum(s.cpu() for s in servers) - cpu_start
    await asyncio.gather(*(c.close() for c in clients))
    after = [s.rss() for s in servers]
    return {"sessions": sessions, "think": think, "runs": len(latencies),
            "errors": sum(1 for k, _ in errors if k == "rerun"),
            "error_samples": sorted({e for _, e in errors})[:5],
            "first_errors": sum(1 for k, _ in errors if k == "first"),
            "p50": pct(latencies, 50), "p95": pct(latencies, 95), "max": max(latencies, default=float("nan")),
            "first_p50": pct(first_runs, 50), "first_max": max(first_runs, default=float("nan")),
            "rss_before_kib": sum(before), "rss_connected_kib": sum(connected), "rss_after_kib": sum(after),
            "per_session_kib": (sum(connected) - sum(before)) / sessions,
            "throughput": len(latencies) / duration,
            # the server's own CPU per rerun: what a rerun costs, whatever else the machine is doing
            "cpu_ms_per_rerun": cpu_used / len(latencies) * 1000 if latencies else float("nan")}


async def cycles(servers: list[Server], page: str, cookies: list[str | None], n: int, parallel: int) -> dict:
    """``n`` connect / run once / disconnect cycles, ``parallel`` at a time; RSS sampled along the way."""
    samples = [(0, sum(s.rss() for s in servers))]
    done = 0
    errors = 0
    marks = sorted({max(1, n // 10), n // 4, n // 2, 3 * n // 4, n})
    lock = asyncio.Lock()

    async def worker(w):
        nonlocal done, errors
        i = w
        while True:
            async with lock:
                if done >= n:
                    return
                done += 1
                k = done
            c = Session(servers[i % len(servers)].url, page, cookie=cookies[i % len(cookies)])
            i += parallel
            try:
                await c.connect()
                r = await c.rerun()
                errors += bool(r.error)
            except Exception:  # noqa: BLE001 - counted
                errors += 1
            finally:
                await c.close()
            if k in marks:
                samples.append((k, sum(s.rss() for s in servers)))

    await asyncio.gather(*(worker(w) for w in range(parallel)))
    return {"cycles": n, "errors": errors, "samples": sorted(samples)}


def machine() -> str:
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                   if ln.startswith("model name"))
    except StopIteration:
        cpu = platform.processor()
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores {cpu}; Linux {platform.release()}; Python {platform.python_version()}; "
            f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True, type=Path, help="the folder bench/load/prepare.py made")
    ap.add_argument("--page", default="dashboards",
                    help="URL paths of the ERP pages to load, comma separated; 'dashboards' (default): every page "
                         "of the navigation whose file is a dashboard (pages/**/*dashboard*.py), so a module's "
                         "dashboard joins the benchmark when its menu lists it")
    ap.add_argument("--scenarios", default="25:0,100:2", help="sessions:think_seconds, comma separated")
    ap.add_argument("--think-spread", type=float, default=0.5,
                    help="think times drawn uniformly within +/- this fraction of the mean (0: fixed)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per scenario and target")
    ap.add_argument("--cycles", type=int, default=1000, help="connect/disconnect cycles (0: skip)")
    ap.add_argument("--cycle-parallel", type=int, default=10)
    ap.add_argument("--settle", type=float, default=0.0, help="seconds to wait after the cycles, then sample RSS")
    ap.add_argument("--processes", type=int, default=1, help="ERP app processes over the same database")
    ap.add_argument("--write", action="store_true", help="append the results to bench/RESULTS.md")
    ap.add_argument("--note", default="", help="a line for the results section (conditions)")
    args = ap.parse_args()

    pages = dashboards() if args.page == "dashboards" else args.page.split(",")
    work = args.dir.resolve()
    info = json.loads((work / "sessions.json").read_text(encoding="utf-8"))
    cookies = [f"{info['cookie_name']}={s['cookie']}" for s in info["sessions"]]
    env = dict(os.environ, ERP_CONFIG=str(work / "config.toml"),
               ERP_COOKIE_KEY=(work / "cookie.key").read_text(encoding="utf-8").strip())
    env.pop("ERP_DATABASE_URL", None)
    specs = [(int(a), float(b)) for a, b in (x.split(":") for x in args.scenarios.split(","))]
    if max(n for n, _ in specs) > len(cookies):
        sys.exit(f"{max(n for n, _ in specs)} sessions need as many users; prepare made {len(cookies)}")
    started = dt.datetime.now(dt.UTC)
    conditions = machine()
    print(conditions, flush=True)
    base = Server("bench/load/baseline.py", env, work / "baseline.log")
    apps = [Server("app.py", env, work / f"app{i}.log") for i in range(args.processes)]
    results = []
    try:
        for s in (base, *apps):
            s.wait()
        # warm both: imports, the first analytics sync (a first run per app process)
        asyncio.run(scenario([base], "", [None], 1, 0, 1))
        for a in apps:
            for page in pages:
                asyncio.run(scenario([a], page, cookies, 1, 0, 1))
        for n, think in specs:
            b = asyncio.run(scenario([base], "", [None], n, think, args.duration, args.think_spread))
            print("baseline", json.dumps(b), flush=True)
            for page in pages:
                a = asyncio.run(scenario(apps, page, cookies, n, think, args.duration, args.think_spread))
                a["page"] = page
                print(f"{page:8s}", json.dumps(a), flush=True)
                results.append((b, a))
        cyc = None
        if args.cycles:
            cyc = asyncio.run(cycles(apps, pages[0], cookies, args.cycles, args.cycle_parallel))
            if args.settle:
                time.sleep(args.settle)
                cyc["samples"].append(("settled", sum(a.rss() for a in apps)))
            print("cycles  ", json.dumps(cyc), flush=True)
    finally:
        for s in (base, *apps):
            s.stop()
    report = render(results, cyc, args, conditions, started, work, pages)
    print(report)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write("\n" + report)


def dashboards() -> list[str]:
    """URL paths of every dashboard page in the navigation (ui/menus)."""
    sys.path.insert(0, str(ROOT))
    from ui.nav import all_pages
    from ui.pages import page_url_path

    found = [page_url_path(p) for p in all_pages() if "dashboard" in Path(p.file).name]
    if not found:
        sys.exit("no dashboard page in the navigation")
    return found


def render(results, cyc, args, conditions, started, work, pages) -> str:
    cfg = (work / "config.toml").read_text(encoding="utf-8")
    backend = "PostgreSQL" if "postgresql" in cfg else "MariaDB" if "mysql" in cfg else "SQLite"
    lines = [f"## Load: {', '.join(pages)} vs baseline, {backend}, {args.processes} app process(es) — "
             f"{started:%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {conditions}. bench/load/run.py --scenarios {args.scenarios} --duration {args.duration:g} "
             f"--cycles {args.cycles} --processes {args.processes} --think-spread {args.think_spread:g}; one login per "
             "simulated user "
             "(bench/load/prepare.py); the load client runs on the same machine. "
             "Latency = rerun request to script_finished over Streamlit's websocket protocol." +
             (f" {args.note}" if args.note else ""), "",
             "| sessions | think | page | reruns | errors | p50 | p95 | max | p95 / baseline p95 | "
             "server CPU per rerun (ratio) | first run p50 / max (errors) | RSS growth per session |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    shown = set()
    for b, a in results:
        for name, r in (("baseline", b), (a["page"], a)):
            if name == "baseline" and id(b) in shown:
                continue
            shown.add(id(b))
            ratio = f"{a['p95'] / b['p95']:.2f}x" if name != "baseline" and b["p95"] else ""
            cpu = f"{r['cpu_ms_per_rerun']:.1f} ms"
            if name != "baseline" and b["cpu_ms_per_rerun"]:
                cpu += f" ({a['cpu_ms_per_rerun'] / b['cpu_ms_per_rerun']:.2f}x)"
            lines.append(f"| {r['sessions']} | {r['think']:g} s | {name} | {r['runs']} | {r['errors']} | "
                         f"{r['p50'] * 1000:.0f} ms | {r['p95'] * 1000:.0f} ms | {r['max'] * 1000:.0f} ms | "
                         f"{ratio} | {cpu} | {r['first_p50'] * 1000:.0f} / {r['first_max'] * 1000:.0f} ms "
                         f"({r['first_errors']}) | {r['per_session_kib'] / 1024:.2f} MiB |")
    errs = {e for b, a in results for e in a["error_samples"] + b["error_samples"]}
    if errs:
        lines += ["", "Errors seen (first few): " + "; ".join(sorted(errs))]
    if cyc:
        pts = ", ".join(f"{k}: {v / 1024:.0f} MiB" for k, v in cyc["samples"])
        lines += ["", f"Connect / run {pages[0]} / disconnect cycles ({cyc['cycles']}, {args.cycle_parallel} at a time, "
                      f"{cyc['errors']} errors), server RSS after N cycles: {pts}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
