"""Access examples: for every registered use case and query, how to call it successfully.

The access matrix (test_access_matrix.py) calls each use case twice: as an actor holding every permission
EXCEPT its own (must be refused, nothing written but one 'denied' audit row) and, using the example here, as an
actor holding ONLY its own permission (must succeed). A use case without an example fails the coverage test,
so nobody can add a use case without saying who may call it.

Each module registers its examples in its own file ``tests/access/examples_<module>.py`` (imported
automatically), keyed by the qualified name ``<module path>.<function name>`` as in erp_core.usecase.USE_CASES:

    from tests.access.examples import example

    @example("erp_core.sales.services.confirm_order")
    def _(env):
        order_id = env.call(create_order, customer_id=..., lines=[...])   # set-up as the administrator
        return {"order_id": order_id}                                    # kwargs of the call under test

``env`` (an Env) holds the database, the company id and its administrator actor. Use ``covered_elsewhere``
only for calls that cannot run in a shared company (e.g. first-time setup), naming the test that covers them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor


@dataclass
class Env:
    db: Database
    company_id: int
    admin: Actor
    cache: dict[str, Any] = field(default_factory=dict)
    _n: int = 0

    def call(self, fn, /, **kwargs):
        """Run a use case or query as the company administrator (set-up for an example)."""
        return fn(self.db, self.admin, **kwargs)

    def unique(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:04d}"


@dataclass(frozen=True)
class CoveredElsewhere:
    test: str


Builder = Callable[[Env], dict[str, Any]]
EXAMPLES: dict[str, Builder | CoveredElsewhere] = {}


def example(*names: str) -> Callable[[Builder], Builder]:
    """Register ``builder`` as the access example of each qualified use-case/query name."""
    def register(builder: Builder) -> Builder:
        for name in names:
            if name in EXAMPLES:
                raise ValueError(f"access example for {name} registered twice")
            EXAMPLES[name] = builder
        return builder
    return register


def covered_elsewhere(name: str, test: str) -> None:
    EXAMPLES[name] = CoveredElsewhere(test)


def load_examples() -> dict[str, Builder | CoveredElsewhere]:
    import tests.access

    for info in pkgutil.iter_modules(tests.access.__path__, "tests.access."):
        if info.name.rsplit(".", 1)[-1].startswith("examples_"):
            importlib.import_module(info.name)
    return EXAMPLES
