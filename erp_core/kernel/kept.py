"""Figures kept once per process with single-flight (issue #17): the first caller of a key computes, concurrent
callers of the same key wait on a threading event (holding no pooled connection: the caller must not be inside a
unit of work) and then read the kept result; later callers read it at once. Bounded (least recently used goes
first). Every caller gets a deep copy, so nobody can change what the others will read.

Only for figures that are the same for everyone who may ask with that key: the caller checks permission and
scope BEFORE ``get`` and puts everything the figures depend on (database, company, inputs, change stamp) in the
key. A computation that fails is not kept; the waiters then try again themselves (one of them computes).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class _Flight:
    __slots__ = ("done", "ok", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None


class KeptFigures:
    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self.computed = 0  # how many computations ran (tests and the benchmark read it)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return copy.deepcopy(self._items[key])
                flight = self._flights.get(key)
                leader = flight is None
                if leader:
                    flight = self._flights[key] = _Flight()
            if leader:
                return self._compute(key, flight, compute)
            flight.done.wait()
            if flight.ok:
                return copy.deepcopy(flight.value)
            # the leader failed: loop, and one of the waiters computes

    def _compute(self, key: Hashable, flight: _Flight, compute: Callable[[], Any]) -> Any:
        try:
            value = compute()
            flight.value, flight.ok = value, True
            return copy.deepcopy(value)
        finally:
            with self._lock:
                self.computed += 1
                self._flights.pop(key, None)
                if flight.ok:
                    self._items[key] = flight.value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            flight.done.set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
