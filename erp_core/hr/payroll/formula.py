"""Salary items computed by a formula over other items (从其他项目按公式计算), e.g. 绩效工资 =
``base_salary * 0.2``, 全勤奖 = ``max(0, 300 + absence_deduction)``.

A formula is plain arithmetic over Decimal: item codes (the employee's amount of that item this month, 0 when
they have none), numbers, ``+ - * /``, parentheses, ``min(...)``, ``max(...)``. It is parsed with Python's ``ast``
and walked here (never ``eval``); anything else is refused when the item is saved. Formula items may use other
formula items; a cycle is refused when saved. The result is rounded to the fen, half up."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

from erp_core.kernel.money import FEN

ZERO = Decimal(0)
_FUNCS = {"min": min, "max": max}


class FormulaError(ValueError):
    """A formula that cannot be parsed, names something that is not an item, or divides by zero."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


def parse(text: str) -> ast.Expression:
    """The checked syntax tree of ``text``; FormulaError("syntax") for anything but the allowed arithmetic."""
    src = (text or "").strip()
    if not src or len(src) > 500:
        raise FormulaError("syntax", src[:40])
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as e:
        raise FormulaError("syntax", src[:40]) from e
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Load | ast.Add | ast.Sub | ast.Mult | ast.Div | ast.USub
                      | ast.UAdd | ast.Name):
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS
                and node.args and not node.keywords):
            continue
        raise FormulaError("syntax", ast.get_source_segment(src, node) or type(node).__name__)
    return tree


def names(text: str) -> set[str]:
    """The item codes a formula reads."""
    tree = parse(text)
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in funcs}


def _value(node: ast.AST, values: Mapping[str, Decimal]) -> Decimal:
    if isinstance(node, ast.Expression):
        return _value(node.body, values)
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))  # 0.1 stays exactly 0.1
    if isinstance(node, ast.Name):
        return Decimal(values.get(node.id, ZERO))
    if isinstance(node, ast.UnaryOp):
        v = _value(node.operand, values)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        a, b = _value(node.left, values), _value(node.right, values)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if b == 0:
            raise FormulaError("zero_division")
        return a / b
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return _FUNCS[node.func.id](_value(a, values) for a in node.args)
    raise FormulaError("syntax", type(node).__name__)  # parse() let nothing else through


def evaluate(text: str, values: Mapping[str, Decimal]) -> Decimal:
    """The formula's value over ``values`` (item code -> amount; a missing item is 0), to the fen half up."""
    try:
        return _value(parse(text), values).quantize(FEN, rounding=ROUND_HALF_UP)
    except (DivisionByZero, InvalidOperation) as e:
        raise FormulaError("zero_division") from e


def order(formulas: Mapping[str, str]) -> list[str]:
    """The formula items in an order where each comes after the formula items it reads; FormulaError("cycle")
    naming an item of the cycle."""
    deps = {code: names(f) & set(formulas) for code, f in formulas.items()}
    out: list[str] = []
    state: dict[str, int] = {}

    def visit(code: str) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise FormulaError("cycle", code)
        state[code] = 1
        for d in sorted(deps[code]):
            visit(d)
        state[code] = 2
        out.append(code)

    for code in sorted(formulas):
        visit(code)
    return out


def apply(formulas: Mapping[str, str], amounts: dict[str, Decimal], *, sequence: list[str] | None = None,
          keep: set[str] = frozenset()) -> dict[str, Decimal]:
    """``amounts`` with each formula item computed (in ``sequence``, else ``order(formulas)``), except the codes
    in ``keep`` (an amount entered for the month overrides the formula)."""
    out = dict(amounts)
    for code in sequence if sequence is not None else order(formulas):
        if code in keep:
            continue
        out[code] = evaluate(formulas[code], out)
    return out
