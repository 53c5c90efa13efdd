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



def test_a_kept_chart_holds_plotlys_json_of_the_figure_and_not_the_figure():
    """charts.kept keeps what st.plotly_chart reads of a figure — plotly's JSON, and the layout's size — not the
    figure's ~400 objects (the garbage collector walks every kept object on each full collection, issue #17)."""
    import gc

    import plotly.io as pio
    from plotly.io import _json

    fig = charts.pie(["a", "b"], [1, 2], title="t")
    expected = _json.to_json(fig, validate=False)
    kept = charts.kept(fig)
    assert isinstance(kept, charts.KeptFigure) and kept is not fig and charts.kept(kept) is kept
    assert kept.json == expected and pio.to_json(kept.to_dict(), validate=False) == expected
    assert kept.to_dict() == {"layout": {"height": 320}} and kept.to_dict() is kept.to_dict()
    assert len(gc.get_referents(*gc.get_referents(kept))) < 10  # its dict, the spec, the JSON: no figure
    assert kept == charts.kept(charts.pie(["a", "b"], [1, 2], title="t"))


def test_a_kept_chart_is_written_as_json_once_and_the_same_as_plotly_writes_it(monkeypatch):
    """st.plotly_chart writes a figure's JSON on every rerun (issue #17): a kept chart's is written once, by
    plotly, and is exactly what plotly writes for the same figure not kept; other figures are untouched."""
    import json

    import plotly.io as pio
    from plotly.io import _json

    fig = charts.income_expense(_ie(), title="收支", income="收入", expense="支出", profit="利润")
    expected = _json.to_json(fig, validate=False)
    writes = []
    real = _json.to_json_plotly
    monkeypatch.setattr(_json, "to_json_plotly", lambda *a, **k: writes.append(1) or real(*a, **k))
    kept = charts.kept(fig)
    # what st.plotly_chart does on each run: the figure's dict, then plotly.io.to_json(dict, validate=False)
    first = pio.to_json(kept.to_dict(), validate=False)
    again = pio.to_json(kept.to_dict(), validate=False)
    assert first == again == expected and len(writes) == 1
    assert json.loads(first)["data"][0]["name"] == "收入"
    plain = charts.pie(["a"], [1], title="t")
    assert pio.to_json(plain.to_dict(), validate=False) == _json.to_json(plain, validate=False)
    assert len(writes) == 3  # not kept: written every time


def test_st_plotly_chart_sends_the_kept_json():
    """The spec the browser receives for a kept figure is plotly's JSON of that figure."""
    from streamlit.testing.v1 import AppTest

    def script():
        from decimal import Decimal

        import pandas as pd
        import streamlit as st

        from ui import charts
        df = pd.DataFrame({"period": ["2026-01"], "balance": [Decimal("5")]})
        if "fig" not in st.session_state:
            st.session_state.fig = charts.kept(charts.balance_line(df, title="t", name="n"))
        st.plotly_chart(st.session_state.fig)

    import plotly.io as pio
    from plotly.io import _json

    at = AppTest.from_function(script).run()
    fig = at.session_state.fig
    at.run()
    specs = [el.proto.spec for el in at.get("plotly_chart")]
    assert specs == [pio.to_json(fig.to_dict(), validate=False)] == [fig.json]
    df = pd.DataFrame({"period": ["2026-01"], "balance": [Decimal("5")]})
    assert specs[0] == _json.to_json(charts.balance_line(df, title="t", name="n"), validate=False)
