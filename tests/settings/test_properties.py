"""Property tests (hypothesis) for the pure rules behind unit conversions and dated tax rates."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from erp_core.settings.tax_services import periods_overlap
from erp_core.settings.unit_services import derive_factor

factors = st.decimals(min_value="0.000001", max_value="100000", places=6).map(Fraction)


@st.composite
def forests(draw):
    """A random tree of conversions over n units: unit i>0 hangs on a random earlier unit."""
    n = draw(st.integers(min_value=2, max_value=12))
    edges = []
    for i in range(1, n):
        parent = draw(st.integers(min_value=0, max_value=i - 1))
        f = draw(factors)
        edges.append((i, parent, f) if draw(st.booleans()) else (parent, i, 1 / f))
    return n, edges


@given(forests(), st.data())
def test_derived_factors_are_exact_and_consistent(forest, data):
    n, edges = forest
    a = data.draw(st.integers(min_value=0, max_value=n - 1))
    b = data.draw(st.integers(min_value=0, max_value=n - 1))
    c = data.draw(st.integers(min_value=0, max_value=n - 1))
    ab, ba = derive_factor(edges, a, b), derive_factor(edges, b, a)
    assert ab is not None and ba is not None  # a tree connects every unit
    assert ab * ba == 1  # the inverse is exact
    assert derive_factor(edges, a, c) == ab * derive_factor(edges, b, c)  # chains compose


@given(forests())
def test_separate_trees_are_unrelated(forest):
    n, edges = forest
    shifted = [(x + n, y + n, f) for x, y, f in edges]
    assert derive_factor(edges + shifted, 0, n) is None


days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2000, 3, 31))


@given(days, st.one_of(st.none(), days), days, st.one_of(st.none(), days))
def test_overlap_means_a_shared_day(s1, e1, s2, e2):
    if (e1 is not None and e1 < s1) or (e2 is not None and e2 < s2):
        return
    end = dt.date(2000, 6, 30)
    span1 = {s1 + dt.timedelta(d) for d in range(((e1 or end) - s1).days + 1)}
    span2 = {s2 + dt.timedelta(d) for d in range(((e2 or end) - s2).days + 1)}
    assert periods_overlap(s1, e1, s2, e2) == bool(span1 & span2)
