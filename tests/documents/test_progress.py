"""derive_progress (pure): the header's progress from line quantities, against a plain reference rule written
independently, over random lines (hypothesis), plus worked examples."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from erp_core.documents.models import LineQty, derive_progress

D = Decimal
qty = st.integers(min_value=0, max_value=6).map(D)


def reference(lines, tracks):
    """Walk the lines once, counting: a line is 'due' when something is ordered; it is received when what stayed
    (received minus returned, if returns are tracked) covers the order; invoiced when the invoice covers what
    stayed."""
    due = received = invoiced = touched = invoiced_any = 0
    for ln in lines:
        if ln.ordered <= 0:
            continue
        due += 1
        kept = ln.received - (ln.returned if "returned" in tracks else 0)
        inv = ln.invoiced if "invoiced" in tracks else 0
        received += kept >= ln.ordered
        invoiced += inv >= kept
        touched += kept > 0 or inv > 0
        invoiced_any += inv > 0
    if due == 0 or touched == 0:
        return "open"
    if received < due:
        return "partly_received"
    if "invoiced" not in tracks:
        return "completed"
    if invoiced_any == 0:
        return "received"
    return "completed" if invoiced == due else "to_invoice"


@given(st.lists(st.builds(LineQty, qty, qty, qty, qty), max_size=5),
       st.sampled_from([("received", "invoiced", "returned"), ("received", "invoiced"), ("received",), ()]))
def test_derived_progress_matches_the_reference_rule(lines, tracks):
    assert derive_progress(lines, tracks) == reference(lines, tracks)


def test_worked_examples():
    full = ("received", "invoiced", "returned")
    assert derive_progress([], full) == "open"
    assert derive_progress([LineQty(D(10))], full) == "open"
    assert derive_progress([LineQty(D(10), D(4)), LineQty(D(5))], full) == "partly_received"
    assert derive_progress([LineQty(D(10), D(10)), LineQty(D(5), D(6))], full) == "received"
    assert derive_progress([LineQty(D(10), D(10), D(10)), LineQty(D(5), D(5))], full) == "to_invoice"
    assert derive_progress([LineQty(D(10), D(10), D(10)), LineQty(D(5), D(5), D(5))], full) == "completed"
    # a return reopens the receipt side
    assert derive_progress([LineQty(D(10), D(10), D(10), D(2))], full) == "partly_received"
    # invoiced ahead of the goods: still waiting for them
    assert derive_progress([LineQty(D(10), D(0), D(10))], full) == "partly_received"
    # a type that does not invoice is complete once received
    assert derive_progress([LineQty(D(10), D(10))], ("received",)) == "completed"
