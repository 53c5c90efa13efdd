"""Backups at scale (issue #16 item 9), on the generated SQLite store (bench/generate.py):

    .venv/bin/python bench/bench_backup.py --vouchers 1000000      # 10 M ledger lines (1.65 GiB), once
    .venv/bin/python bench/bench_backup.py --vouchers 100000       # 1 M lines, for development

1. baseline: ``sqlite3 STORE ".backup COPY"`` (the CLI's online backup) — the copy is the "live" database below;
2. full backup of the live database (snapshot, figures, chunks) — target <= 1.5x the baseline — twice: the
   first in an empty backup folder (the figures summed over the ledgers' covering indexes), then the weekly
   case (a new chain; the figures are the previous backup's plus the ledger rows added since);
3. 1 % of the ledger's rows changed — appended, as an append-only ledger changes: copies of existing lines with
   new ids and posting sequence numbers — then an incremental backup — target < 10 % of the full's time and
   of the bytes it wrote (against the weekly full); then the baseline once more (the machine is shared);
4. restore + verification of the incremental (scratch database, `erp check`, figures compared), timed.

Wall-clock seconds, and CPU seconds (this process's threads, and the sqlite3 child's for the baseline: less
sensitive to other work on a shared machine); run it when it is quiet and report the load with the numbers."""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _append_one_percent(path: Path) -> int:
    from erp_core.db.engine import WAL_AUTOCHECKPOINT_PAGES

    con = sqlite3.connect(path)
    con.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")  # as the app's connections
    try:
        total, max_id = con.execute("SELECT COUNT(*), MAX(id) FROM gl_line").fetchone()
        n = max(1, total // 100)
        cols = [r[1] for r in con.execute("PRAGMA table_info(gl_line)")]
        # the newest n lines again, numbered on from the newest: ids and posting sequence stay gap-free
        select = ", ".join(f"id + {n}" if c == "id" else f"posting_seq + {n}" if c == "posting_seq"
                           else c for c in cols)
        con.execute(f"INSERT INTO gl_line ({', '.join(cols)}) SELECT {select} FROM gl_line "
                    f"WHERE id > {max_id - n}")
        con.commit()
        return n
    finally:
        con.close()


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vouchers", type=int, default=1_000_000)
    ap.add_argument("--lines", type=int, default=10)
    ap.add_argument("--work", default="", help="folder for the copy and the backups (default: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--skip-verify", action="store_true", help="leave out step 4 (at 10 M lines it runs erp check "
                    "over the whole restored ledger)")
    ap.add_argument("--level", type=int, default=None,
                    help="compression level (default: the product's, SQLite pages stored as they are)")
    args = ap.parse_args()

    from bench.generate import ensure
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from erp_core.operations import backup as bk
    from erp_core.operations import restore as rs

    store = ensure(args.vouchers, args.lines)
    work = Path(args.work or tempfile.mkdtemp(prefix="erp-bench-backup-"))
    work.mkdir(parents=True, exist_ok=True)
    live = work / "live.db"
    try:
        def cpu(children: bool = False) -> float:
            t = os.times()
            return t.children_user + t.children_system if children else t.user + t.system

        t, c = time.perf_counter(), cpu(True)
        subprocess.run(["sqlite3", str(store), f".backup '{live}'"], check=True)
        t_sqlite, c_sqlite = time.perf_counter() - t, cpu(True) - c
        size = live.stat().st_size
        print(f"store: {store.name} {size / 2**30:.2f} GiB; sqlite3 .backup {t_sqlite:.2f} s")

        url = f"sqlite:///{live}"
        db = Database(make_engine(url), Settings(database_url=url, data_dir=work / "data"))
        opts = bk.Options(root=work / "backups", data_dir=work / "data", level=args.level)

        cpus: dict[str, float] = {}
        # a connection held open for the whole run, as a running app's pool holds its connections: when the last
        # connection to a WAL database closes, SQLite checkpoints and deletes the log, and the next incremental
        # then compares the whole file (operations/waltrack.py)
        app = sqlite3.connect(live)
        app.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()

        def backup(kind: str) -> tuple[dict, float]:
            t, c = time.perf_counter(), cpu()
            m = bk.make_backup(db, kind=kind, opts=opts)
            cpus[m["id"]] = cpu() - c
            return m, time.perf_counter() - t

        first, t_first = backup("full")
        print(f"full backup, first in the folder (figures summed over the ledgers' covering indexes): {t_first:.2f} s "
              f"({t_first / t_sqlite:.2f}x sqlite3 .backup; target <= 1.5x), {first['stored'] / 2**20:.1f} MiB "
              f"written ({first['stored'] / size:.0%} of the database), snapshot {first.get('snapshot')}")
        full, t_full = backup("full")
        print(f"full backup, weekly (a new chain; figures = the previous backup's + the ledger rows since): "
              f"{t_full:.2f} s ({t_full / t_sqlite:.2f}x sqlite3 .backup; target <= 1.5x), "
              f"{full['stored'] / 2**20:.1f} MiB written")

        n = _append_one_percent(live)
        log = Path(f"{live}-wal")
        print(f"the log after the 1 %: {log.stat().st_size / 2**20:.1f} MiB" if log.exists() else "no log")
        inc, t_inc = backup("incremental")
        print(f"incremental after {n:,} new lines (1 %): {t_inc:.2f} s ({t_inc / t_full:.1%} of the weekly full, "
              f"{t_inc / t_first:.1%} of the first; target < 10 %), {inc['stored'] / 2**20:.2f} MiB written "
              f"({inc['stored'] / full['stored']:.1%} of the full; target < 10 %); changed pages taken from "
              f"the {inc.get('changes_from')}")

        # the same again after someone else checkpointed and reset the log: the whole file is compared
        _append_one_percent(live)
        other = sqlite3.connect(live)
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        other.close()
        cmp_inc, t_cmp = backup("incremental")
        c_cmp = cpus[cmp_inc["id"]]
        print(f"incremental after 1 % more and a foreign checkpoint (changed pages from the "
              f"{cmp_inc.get('changes_from')}): {t_cmp:.2f} s ({t_cmp / t_full:.1%} of the weekly full), "
              f"CPU {c_cmp:.2f} s ({c_cmp / cpus[full['id']]:.1%}); log-tracked / compared: time "
              f"{t_inc / t_cmp:.2f}x, CPU {cpus[inc['id']] / max(c_cmp, 1e-9):.2f}x")

        c_first, c_full, c_inc = cpus[first["id"]], cpus[full["id"]], cpus[inc["id"]]
        print(f"CPU: sqlite3 .backup {c_sqlite:.2f} s; first full {c_first:.2f} s ({c_first / c_sqlite:.2f}x); "
              f"weekly full {c_full:.2f} s ({c_full / c_sqlite:.2f}x); incremental {c_inc:.2f} s "
              f"({c_inc / c_full:.1%} of the weekly full)")
        t = time.perf_counter()
        subprocess.run(["sqlite3", str(live), f".backup '{work / 'again.db'}'"], check=True)
        t_again = time.perf_counter() - t
        (work / "again.db").unlink()
        print(f"sqlite3 .backup again (after the 1 %): {t_again:.2f} s; full / mean baseline "
              f"{t_full / ((t_sqlite + t_again) / 2):.2f}x, first full / mean baseline "
              f"{t_first / ((t_sqlite + t_again) / 2):.2f}x")

        if not args.skip_verify:
            t = time.perf_counter()
            result = rs.verify(db, inc["id"], opts=opts)  # the log-tracked incremental
            t_verify = time.perf_counter() - t
            figures_differ = [p for p in result.problems if p.startswith(("rows ", "trial_balance", "stock_on_hand"))]
            print(f"restore + verification of the incremental: {t_verify:.2f} s; figures "
                  f"{'DIFFER: ' + '; '.join(figures_differ[:3]) if figures_differ else 'equal the recorded ones'}; "
                  f"{len(result.problems) - len(figures_differ)} problem(s) from the integrity checks"
                  + (f" (first: {result.problems[len(figures_differ)]})" if len(result.problems) > len(figures_differ)
                     else ""))
        app.close()
        db.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
