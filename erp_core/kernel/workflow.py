"""State machines as data: a Workflow lists its transitions; applying one that is not listed raises.

Each transition is a use case of its own (one permission), and the caller records who and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from erp_core.kernel.errors import InvalidTransition


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


class Workflow:
    def __init__(self, name: str, states: Iterable[str], transitions: Iterable[tuple[str, Iterable[str] | str, str]]):
        self.name = name
        self.states = frozenset(states)
        self._by_action: dict[str, Transition] = {}
        for action, sources, target in transitions:
            srcs = frozenset([sources] if isinstance(sources, str) else sources)
            unknown = (srcs | {target}) - self.states
            if unknown:
                raise ValueError(f"workflow {name}: unknown states {sorted(unknown)}")
            if action in self._by_action:
                raise ValueError(f"workflow {name}: duplicate action {action}")
            self._by_action[action] = Transition(action, srcs, target)

    def target(self, state: str, action: str) -> str:
        """The state ``action`` leads to from ``state``; raises InvalidTransition if not allowed."""
        t = self._by_action.get(action)
        if t is None or state not in t.sources:
            raise InvalidTransition(workflow=self.name, state=state, action=action)
        return t.target

    def allowed(self, state: str) -> list[str]:
        """Actions available in ``state`` (for buttons)."""
        return [a for a, t in self._by_action.items() if state in t.sources]

    def apply(self, obj: object, action: str, attr: str = "status") -> str:
        """Move ``obj.<attr>`` along ``action`` and return the new state."""
        new = self.target(getattr(obj, attr), action)
        setattr(obj, attr, new)
        return new
