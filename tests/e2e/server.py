"""The one way the browser tests start the app: ``running_app`` starts it on a free port over a prepared database,
waits until Streamlit answers its health check, yields the base URL and stops every process it started.

It was the same ~25 lines in five modules (start.sh, health poll, teardown); one copy now, so a fix to the
waiting or the teardown reaches every browser test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180  # s: ./start.sh migrates, starts the scheduler and Streamlit; slow on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sh(port: int) -> list[str]:
    """./start.sh, as the README says (migrations, the scheduler beside the server, then the server)."""
    return [str(ROOT / "start.sh")]


def streamlit_only(port: int) -> list[str]:
    """Streamlit alone on app.py (no migration step, no scheduler): for a database that is already migrated."""
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
            "--server.address=127.0.0.1", f"--server.port={port}", "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none"]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    """Until /_stcore/health answers 200; fails with the end of the server's log if the process ends first or
    the time runs out. (It waits for the server, never for a fixed time.)"""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"server did not start (exit {proc.poll()}):\n" + log.read_text()[-3000:])
        time.sleep(0.25)


@contextmanager
def running_app(folder: Path, database_url: str, cookie_key: str,
                command: Callable[[int], list[str]] = start_sh, **env: str) -> Iterator[str]:
    """The app over ``database_url`` (its log in ``folder``/server.log); yields its base URL. ``command`` builds
    the command line for a port (start_sh or streamlit_only); ``env`` adds environment variables. The process
    group is stopped afterwards (SIGTERM, then SIGKILL after 15 s), the scheduler of start.sh with it."""
    port = free_port()
    environ = dict(os.environ, ERP_DATABASE_URL=database_url, ERP_PORT=str(port), ERP_ADDRESS="127.0.0.1",
                   ERP_COOKIE_KEY=cookie_key, **env)
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(command(port), cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, proc, log_path)
            yield url
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def running_streamlit(folder: Path, database_url: str, cookie_key: str, **env: str):
    """``running_app`` with Streamlit alone, for a database the test has already migrated and filled: ./start.sh's
    migration check, scheduler and `erp serve` step are three more Python processes importing erp_core, ~20 s of
    a browser test's set-up on the busy 2-core CI machine (measured: 30 s -> 5 s), and none of these flows tests
    them. tests/e2e/test_browser_smoke.py starts the app the README's way, from an empty database."""
    return running_app(folder, database_url, cookie_key, streamlit_only, PYTHONPATH=str(ROOT), **env)
