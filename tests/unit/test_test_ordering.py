"""The suite's own scheduling aid (tests/support/ordering.py): long tests first, modules with shared fixtures kept
together, everything else in pytest's order, and the recorded durations merged as documented."""

from __future__ import annotations

import json
from types import SimpleNamespace

from tests.support import ordering


def _item(nodeid: str, scope: str = "function"):
    defs = {"f": [SimpleNamespace(scope=scope)]}
    return SimpleNamespace(nodeid=nodeid, _fixtureinfo=SimpleNamespace(name2fixturedefs=defs))


def _ids(items):
    return [i.nodeid for i in items]


def test_long_tests_go_first_longest_first_and_the_rest_keeps_its_order():
    items = [_item(n) for n in ("a.py::t1", "a.py::t2", "b.py::t1", "b.py::t2", "c.py::t1")]
    durations = {"a.py::t2": 5.0, "c.py::t1": 40.0, "b.py::t1": 1.0}
    assert _ids(ordering.longest_first(items, durations)) == [
        "c.py::t1", "a.py::t2", "a.py::t1", "b.py::t1", "b.py::t2"]


def test_a_module_sharing_a_wider_fixture_moves_whole_and_in_its_order():
    items = [_item("x.py::t0"), _item("m.py::t1", "module"), _item("m.py::t2", "module"),
             _item("m.py::t3", "module"), _item("y.py::t0")]
    durations = {"m.py::t3": 30.0, "y.py::t0": 10.0}
    assert _ids(ordering.longest_first(items, durations)) == [
        "m.py::t1", "m.py::t2", "m.py::t3", "y.py::t0", "x.py::t0"]


def test_session_scoped_fixtures_do_not_group_a_module():
    items = [_item("m.py::t1", "session"), _item("m.py::t2", "session")]
    assert _ids(ordering.longest_first(items, {"m.py::t2": 9.0})) == ["m.py::t2", "m.py::t1"]


def test_nothing_moves_without_recorded_durations():
    items = [_item(f"a.py::t{n}") for n in range(5)]
    assert ordering.longest_first(items, {}) == items


def test_the_recorder_merges_keeps_long_tests_and_forgets_ones_that_became_short(tmp_path, monkeypatch):
    path = tmp_path / "durations.json"
    path.write_text(json.dumps({"old.py::kept": 7.0, "a.py::now_fast": 9.0}), encoding="utf-8")
    monkeypatch.setattr(ordering, "FILE", path)
    recorder = ordering.Recorder()
    for nodeid, when, seconds in (("a.py::now_fast", "call", 0.5), ("b.py::slow", "setup", 1.5),
                                  ("b.py::slow", "call", 2.0), ("b.py::slow", "teardown", 0.2),
                                  ("c.py::short", "call", 1.0)):
        recorder.pytest_runtest_logreport(SimpleNamespace(nodeid=nodeid, when=when, duration=seconds))
    recorder.pytest_sessionfinish(None)
    assert json.loads(path.read_text(encoding="utf-8")) == {"b.py::slow": 3.7, "old.py::kept": 7.0}
