"""Dashboard charts carry no English tick labels (issue 11 item 17): periods as written, amounts in full."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ui import charts


def _ie() -> pd.DataFrame:
    return pd.DataFrame({"period": ["2026-01", "2026-02", "2026-03"],
                         "income": [Decimal("200000"), Decimal("512345.67"), Decimal("0")],
                         "expense": [Decimal("150000"), Decimal("480000"), Decimal("1200")],
                         "profit": [Decimal("50000"), Decimal("32345.67"), Decimal("-1200")]})


def _assert_localized_axes(fig) -> None:
    layout = fig.layout
    assert layout.xaxis.type == "category"  # not a date axis: no "Jan 2026"
    assert layout.yaxis.tickformat == ",.0f"  # not SI: no "200k", "0.5M"
    assert layout.yaxis.hoverformat == ",.2f"
    assert layout.yaxis.exponentformat == "none"


def test_income_expense_axes():
    fig = charts.income_expense(_ie(), title="收支", income="收入", expense="支出", profit="利润")
    _assert_localized_axes(fig)
    assert list(fig.data[0].x) == ["2026-01", "2026-02", "2026-03"]


def test_balance_line_axes():
    fig = charts.balance_line(pd.DataFrame({"period": ["2026-01", "2026-02"],
                                            "balance": [Decimal("500000"), Decimal("750000")]}),
                              title="现金", name="余额")
    _assert_localized_axes(fig)


def test_aging_bars_axes():
    df = pd.DataFrame({"dimension_code": ["C1"], "dimension_name": ["客户甲"], "0-30": [Decimal("1000")]})
    _assert_localized_axes(charts.aging_bars(df, ["0-30"], title="账龄"))



def test_a_kept_figure_is_the_same_figure_and_serializes_once():
    """charts.kept turns the figure itself into a KeptFigure (no copy: a copy re-validates every trace, issue
    #17), whose dict is made once and is what plotly's JSON holds."""
    import plotly.io as pio

    from ui import charts

    fig = charts.pie(["a", "b"], [1, 2], title="t")
    plain = fig.to_dict()
    kept = charts.kept(fig)
    assert kept is fig and isinstance(kept, charts.KeptFigure)
    assert kept.to_dict() == plain and kept.to_dict() is kept.to_dict()
    assert pio.to_json(kept, validate=False) == pio.to_json(plain, validate=False)
    assert charts.kept(kept) is kept
