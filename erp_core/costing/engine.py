"""The costing engine: pure functions over the moves of ONE product in ONE warehouse, in ledger order
(move_date, move_seq). No database: the costing run, the recomputation after a backdated posting,
inventory.valuation and the tests all call these, so there is one definition of each method.

A move's ``amount`` is its EFFECTIVE amount: what the stock ledger holds for it plus the costing corrections
already written for it (cost_correction); the correction moves themselves are passed with ``correction=True``
and skipped (their value is in their target's amount). Outbound = quantity < 0 (issue, transfer_out, a negative
adjustment). A ``fixed`` move (a red copy of a posted document) keeps the value it was given.

Rounding (the stock ledger's one rule, inventory.posting.move_amount): a unit cost is rounded to 6 decimals
ROUND_HALF_UP, an amount is quantity x unit cost rounded to the fen.

- moving weighted average (移动加权平均): at each outbound move, unit = value on hand / quantity on hand (never
  below 0); with nothing on hand, the unit cost of the last inbound move (opening/receipt/transfer_in), else 0.
  Exactly what inventory.valuation.issue_unit_cost answers when the move is posted.
- month-end weighted average (月末一次加权平均), for one period [start, end]: unit = (value before the period +
  value that came in during it) / (quantity before + quantity in), every outbound move of the period at that
  unit; when the period ends with nothing on hand, the period's last outbound move takes the rest of the value
  (no value is left on zero quantity).
- FIFO (先进先出): inbound moves make layers (quantity, value); an outbound move takes from the oldest layers,
  a whole layer at its value, part of one at value x part / quantity rounded to the fen; beyond the layers
  (negative stock) at the last inbound unit cost. A revaluation that is not a correction goes to the newest
  layer. The layers' values always sum to the ledger's value.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

FEN = Decimal("0.01")
UNIT = Decimal("0.000001")
INBOUND = ("opening", "receipt", "transfer_in")
METHODS = ("moving_average", "monthly_average", "fifo")
ZERO = Decimal(0)


@dataclass
class Mv:
    id: int
    seq: int
    date: dt.date
    move_type: str
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal  # effective amount (own + corrections)
    fixed: bool = False
    correction: bool = False
    ref: Any = None  # what the caller needs back (the loader: posting key, posting id, source type, source id)

    @property
    def outbound(self) -> bool:
        return self.quantity < 0 and self.move_type != "revaluation"


def amount_of(quantity: Decimal, unit: Decimal) -> Decimal:
    return (quantity * unit).quantize(FEN, rounding=ROUND_HALF_UP)


def unit_of(value: Decimal, quantity: Decimal) -> Decimal:
    return max(value / quantity, ZERO).quantize(UNIT, rounding=ROUND_HALF_UP)


@dataclass
class AvgState:
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    last_in: Decimal = ZERO  # unit cost of the last inbound move

    def unit(self) -> Decimal:
        return unit_of(self.value, self.quantity) if self.quantity > 0 else self.last_in.quantize(UNIT)

    def add(self, m: Mv, amount: Decimal) -> None:
        self.quantity += m.quantity
        self.value += amount
        if m.move_type in INBOUND:
            self.last_in = m.unit_cost


def moving_average(moves: list[Mv], *, recompute_from: dt.date | None = None) -> tuple[dict[int, Decimal], AvgState]:
    """The amounts of the outbound moves dated ``recompute_from`` or later (all when None), and the state after
    the last move. Earlier outbound moves count at their effective amounts."""
    st = AvgState()
    out: dict[int, Decimal] = {}
    for m in moves:
        if m.correction:
            continue
        amount = m.amount
        if m.outbound and not m.fixed and (recompute_from is None or m.date >= recompute_from):
            amount = amount_of(m.quantity, st.unit())
            out[m.id] = amount
        st.add(m, amount)
    return out, st


def monthly_average(moves: list[Mv], *, start: dt.date, end: dt.date) -> tuple[dict[int, Decimal], Decimal]:
    """The amounts of the outbound moves dated in [start, end] at the period's weighted average, and that unit
    cost. Moves after ``end`` are ignored."""
    before = AvgState()
    q_in, v_in = ZERO, ZERO
    last_in = ZERO
    period_out: list[Mv] = []
    for m in moves:
        if m.correction or m.date > end:
            continue
        if m.date < start:
            before.add(m, m.amount)
            continue
        if m.move_type in INBOUND:
            last_in = m.unit_cost
        if m.outbound and not m.fixed:
            period_out.append(m)
        else:  # inbound, a fixed outbound (red copy) and a revaluation all change the base of the average
            q_in += m.quantity
            v_in += m.amount
    quantity, value = before.quantity + q_in, before.value + v_in
    if quantity > 0:
        unit = unit_of(value, quantity)
    else:
        unit = (last_in or before.last_in).quantize(UNIT)
    out = {m.id: amount_of(m.quantity, unit) for m in period_out}
    if period_out and quantity + sum((m.quantity for m in period_out), ZERO) == 0:
        last = period_out[-1]
        out[last.id] = -(value + sum((out[m.id] for m in period_out[:-1]), ZERO))
    return out, unit


class Layers:
    """FIFO layers [quantity, value]; their values sum to the ledger value."""

    def __init__(self) -> None:
        self.layers: deque[list[Decimal]] = deque()
        self.loose = ZERO  # value with no layer to sit on (a revaluation with nothing on hand)
        self.last_in = ZERO

    def receive(self, quantity: Decimal, value: Decimal) -> None:
        value += self.loose
        self.loose = ZERO
        if self.layers and self.layers[-1][0] < 0:  # fill the shortfall of negative stock first
            q, v = self.layers.pop()
            quantity, value = quantity + q, value + v
            if quantity == 0:
                self.loose += value
                return
        self.layers.append([quantity, value])

    def revalue(self, value: Decimal) -> None:
        if self.layers:
            self.layers[-1][1] += value
        else:
            self.loose += value

    def take(self, quantity: Decimal) -> Decimal:
        """Take ``quantity`` (> 0) from the oldest layers; returns the value taken (> 0 normally)."""
        need, taken = quantity, ZERO
        while need > 0 and self.layers and self.layers[0][0] > 0:
            q, v = self.layers[0]
            if q <= need:
                self.layers.popleft()
                need -= q
                taken += v
            else:
                part = (v * need / q).quantize(FEN, rounding=ROUND_HALF_UP)
                self.layers[0][0] -= need
                self.layers[0][1] -= part
                taken += part
                need = ZERO
        if need > 0:  # negative stock: at the last inbound cost, remembered as a negative layer
            part = amount_of(need, self.last_in)
            taken += part
            if self.layers and self.layers[-1][0] < 0:
                self.layers[-1][0] -= need
                self.layers[-1][1] -= part
            else:
                self.layers.append([-need, -part])
        if self.loose:
            taken += self.loose
            self.loose = ZERO
        return taken

    def peek(self, quantity: Decimal) -> Decimal:
        """The value ``take(quantity)`` would return, without taking."""
        saved = (deque([list(x) for x in self.layers]), self.loose)
        try:
            return self.take(quantity)
        finally:
            self.layers, self.loose = saved

    @property
    def value(self) -> Decimal:
        return sum((v for _, v in self.layers), ZERO) + self.loose


def fifo(moves: list[Mv], *, recompute_from: dt.date | None = None) -> tuple[dict[int, Decimal], Layers]:
    """The FIFO amounts of the outbound moves dated ``recompute_from`` or later, and the layers after the last
    move. An earlier (or fixed) outbound move takes its layers; any difference between its own amount and the
    layers' value stays in the newest layer, so the layers keep the ledger's value."""
    lay = Layers()
    out: dict[int, Decimal] = {}
    for m in moves:
        if m.correction:
            continue
        if m.move_type == "revaluation":
            lay.revalue(m.amount)
        elif m.quantity > 0:
            lay.receive(m.quantity, m.amount)
            if m.move_type in INBOUND:
                lay.last_in = m.unit_cost
        elif m.quantity < 0:
            taken = lay.take(-m.quantity)
            if not m.fixed and (recompute_from is None or m.date >= recompute_from):
                out[m.id] = -taken
            elif m.amount != -taken:
                lay.revalue(m.amount + taken)
    return out, lay


def corrections(method: str, moves: list[Mv], *, recompute_from: dt.date | None = None,
                start: dt.date | None = None, end: dt.date | None = None) -> dict[int, Decimal]:
    """{move id: change of its effective amount} for the outbound moves whose amount the method gives
    differently (zero changes left out). moving_average / fifo recompute from ``recompute_from`` (or ``start``);
    monthly_average needs the period [start, end]."""
    if method == "monthly_average":
        if start is None or end is None:
            raise ValueError("monthly_average needs the period")
        target, _ = monthly_average(moves, start=start, end=end)
    elif method == "fifo":
        target, _ = fifo(moves, recompute_from=recompute_from or start)
    else:
        target, _ = moving_average(moves, recompute_from=recompute_from or start)
    if end is not None:
        target = {k: v for k, v in target.items()}
    by_id = {m.id: m for m in moves}
    return {k: v - by_id[k].amount for k, v in target.items()
            if v != by_id[k].amount and (end is None or by_id[k].date <= end)}
