"""State machines are data (DESIGN.md rule 6): a transition not listed raises InvalidTransition."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from erp_core.kernel.errors import DomainError, InvalidTransition
from erp_core.kernel.workflow import Workflow

ORDER = Workflow(
    "sales_order",
    states=("draft", "confirmed", "shipped", "cancelled"),
    transitions=[
        ("confirm", "draft", "confirmed"),
        ("ship", "confirmed", "shipped"),
        ("cancel", ("draft", "confirmed"), "cancelled"),
    ],
)


def test_valid_transitions_move_the_state():
    order = SimpleNamespace(status="draft")
    assert ORDER.apply(order, "confirm") == "confirmed" and order.status == "confirmed"
    assert ORDER.apply(order, "ship") == "shipped" and order.status == "shipped"


@pytest.mark.parametrize(("state", "action"), [
    ("draft", "ship"), ("shipped", "cancel"), ("cancelled", "confirm"), ("shipped", "confirm"),
    ("draft", "no_such_action"), ("no_such_state", "confirm"),
])
def test_invalid_transition_raises_and_leaves_the_state(state, action):
    order = SimpleNamespace(status=state)
    with pytest.raises(InvalidTransition) as err:
        ORDER.apply(order, action)
    assert isinstance(err.value, DomainError)
    assert err.value.message_id == "error.invalid_transition"
    assert err.value.params == {"workflow": "sales_order", "state": state, "action": action}
    assert order.status == state


def test_allowed_actions_per_state_are_the_buttons():
    assert ORDER.allowed("draft") == ["confirm", "cancel"]
    assert ORDER.allowed("confirmed") == ["ship", "cancel"]
    assert ORDER.allowed("shipped") == []


def test_other_attribute_name():
    doc = SimpleNamespace(state="draft")
    ORDER.apply(doc, "cancel", attr="state")
    assert doc.state == "cancelled"


def test_definition_errors_are_caught_at_import_time():
    with pytest.raises(ValueError, match="unknown states"):
        Workflow("w", ("a", "b"), [("go", "a", "c")])
    with pytest.raises(ValueError, match="duplicate action"):
        Workflow("w", ("a", "b"), [("go", "a", "b"), ("go", "b", "a")])
