"""Longest tests first, from the durations a previous run recorded (tests/durations.json).

Why: ``--dist worksteal`` hands each worker a contiguous half of the collected tests and, when one runs dry, moves
the *tail* of the other's queue to it; a test cannot be split and the last two of a queue are never stolen. A
30-40 s test (a browser flow, the access matrix on MariaDB) collected late can therefore run while the other
worker sits idle at the end. Started first, the long tests overlap with everything else and the run ends on short
ones (longest-processing-time-first scheduling).

What moves: a test whose recorded duration (set-up + call + tear-down) is at least ``THRESHOLD`` seconds goes to
the front, longest first. A test that uses a module- or class-scoped fixture (a shared browser-test server, a
module's read-only data) moves with its whole module, in the module's order, so that fixture is still set up once.
Everything else keeps pytest's order. Without the file, or for tests it does not list, nothing changes.

Recording: ``ERP_TEST_DURATIONS=record ./test.sh ...`` merges the durations of the tests that ran into the file
(tests at least ``KEEP`` seconds long; a listed test that now runs faster is removed). The figures are only
compared with each other, so a busy machine does not make the order wrong, only the numbers larger.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FILE = Path(__file__).resolve().parents[1] / "durations.json"
THRESHOLD = 3.0  # s: what moves to the front
KEEP = 2.0  # s: what the file keeps (a margin under THRESHOLD, so a test near it does not flap in and out)
ENV = "ERP_TEST_DURATIONS"


def load(path: Path | None = None) -> dict[str, float]:
    try:
        text = (path or FILE).read_text(encoding="utf-8")
        return {k: float(v) for k, v in json.loads(text).items()}
    except FileNotFoundError:
        return {}


def _shares_wider_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for defs in info.name2fixturedefs.values():
        if defs and defs[-1].scope in ("module", "class", "package"):
            return True
    return False


def longest_first(items: list[pytest.Item], durations: dict[str, float],
                  threshold: float = THRESHOLD) -> list[pytest.Item]:
    """``items`` reordered: the long tests (or their modules, see the module docstring) first, longest first;
    the rest in their order. Stable: equal weights keep their relative order."""
    units: list[tuple[float, int, list[pytest.Item]]] = []  # (weight, first position, items)
    by_module: dict[str, list[pytest.Item]] = {}
    grouped: set[str] = set()
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        by_module.setdefault(module, []).append(item)
        if durations.get(item.nodeid, 0.0) >= threshold and _shares_wider_fixture(item):
            grouped.add(module)
    moved: set[int] = set()
    for pos, item in enumerate(items):
        module = item.nodeid.split("::", 1)[0]
        if module in grouped:
            if id(by_module[module][0]) != id(item):
                continue
            members = by_module[module]
            weight = max(durations.get(i.nodeid, 0.0) for i in members)
        else:
            members = [item]
            weight = durations.get(item.nodeid, 0.0)
        if weight >= threshold:
            units.append((weight, pos, members))
            moved.update(id(i) for i in members)
    units.sort(key=lambda u: (-u[0], u[1]))
    front = [i for _, _, members in units for i in members]
    return front + [i for i in items if id(i) not in moved]


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by their higher-scoped fixtures
def pytest_collection_modifyitems(session, config, items):
    if os.environ.get(ENV) == "off":
        return
    durations = load()
    if durations:
        items[:] = longest_first(items, durations)


class Recorder:
    """In the process that reports (the xdist controller, or pytest without -n): the duration of every test that
    ran, its set-up, call and tear-down added up, merged into FILE when the run ends."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}

    def pytest_runtest_logreport(self, report) -> None:
        self.seen[report.nodeid] = self.seen.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self, session) -> None:
        if not self.seen:
            return
        merged = load()
        for nodeid, seconds in self.seen.items():
            if seconds >= KEEP:
                merged[nodeid] = round(seconds, 1)
            else:
                merged.pop(nodeid, None)
        FILE.write_text(json.dumps(dict(sorted(merged.items())), indent=0, ensure_ascii=False) + "\n",
                        encoding="utf-8")


def configure(config) -> None:
    """pytest_configure: record when asked, in the reporting process only (not in an xdist worker)."""
    if os.environ.get(ENV) == "record" and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(), "erp-durations-recorder")
