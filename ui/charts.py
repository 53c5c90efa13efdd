"""plotly figure builders for dashboards. Amounts arrive as exact Decimal and are turned into floats here only
for drawing (exports and tables keep the exact values).

Axes speak no English: plotly reads a "2026-01" period as a date and labels it "Jan 2026", and abbreviates
amounts with SI suffixes ("200k", "0.5M"). Every figure shows periods as written (a category axis) and amounts as
whole numbers with thousands separators ("200,000"), in tick labels and hover text alike."""

from __future__ import annotations

import functools
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go


def _floats(values) -> list[float]:
    return [float(v) if isinstance(v, Decimal) else float(v or 0) for v in values]


AMOUNT_FORMAT = ",.0f"  # 1,234,567 (d3 format): never "1.2M"
AMOUNT_HOVER = ",.2f"


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=40, b=10), height=320,
                      legend=dict(orientation="h", y=-0.2), hovermode="x unified", separators=".,")
    fig.update_xaxes(type="category")  # "2026-01" stays "2026-01"; partners stay names
    fig.update_yaxes(tickformat=AMOUNT_FORMAT, hoverformat=AMOUNT_HOVER, exponentformat="none")
    return fig


class KeptFigure(go.Figure):
    """A chart drawn once and shown on many reruns (a dashboard's figures kept in its browser session while nothing
    new is posted). It keeps only what st.plotly_chart reads of a figure: plotly's JSON of it, written once, and
    the layout's width and height (Streamlit sizes the element from the figure's dict). Not the figure: a plotly
    Figure is ~400 Python objects (traces, layout, template), and the garbage collector walks every one of them
    on each full collection, for every chart kept in every open browser session — with 100 sessions on the
    dashboards ~250,000 objects and pauses of the whole server of 0.2-0.6 s (issue #17). st.plotly_chart turns a
    figure into a dict through ``to_dict()`` (a deep copy of every trace and of the template, ~2.5 ms per chart
    per rerun) and writes that dict as JSON (~0.3 ms): both are made once here. Made by :func:`kept` only."""

    def __init__(self, spec: _KeptDict) -> None:  # not go.Figure.__init__: nothing of a figure is kept
        self.__dict__["_erp_kept_dict"] = spec

    def to_dict(self):
        return self.__dict__["_erp_kept_dict"]

    @property
    def json(self) -> str:
        """The figure as plotly writes it (what the browser receives)."""
        return self.__dict__["_erp_kept_dict"].json

    def __eq__(self, other):
        return isinstance(other, KeptFigure) and other.json == self.json

    __hash__ = None

    def __repr__(self) -> str:
        return f"KeptFigure({len(self.json)} characters of JSON)"


class _KeptDict(dict):
    """A kept chart's dict for st.plotly_chart: only the layout's size (what Streamlit reads of the dict), and the
    figure's JSON, which plotly.io.to_json hands back for it (see _keep_plotly_json)."""

    json: str | None = None


def _keep_plotly_json() -> None:
    """st.plotly_chart writes the figure's dict with ``plotly.io.to_json(fig_dict, validate=False)`` on every run.
    For a kept chart's dict that is the JSON plotly wrote once, when the chart was kept (the same text:
    tests/ui/test_charts.py); any other call goes to plotly unchanged. Installed once per process."""
    import plotly.io as pio

    original = pio.to_json
    if getattr(original, "_erp_keeps_json", False):
        return

    @functools.wraps(original)
    def to_json(fig, *args, **kwargs):
        if type(fig) is not _KeptDict or args or kwargs != {"validate": False}:
            return original(fig, *args, **kwargs)
        return fig.json

    to_json._erp_keeps_json = True
    to_json._erp_original = original
    pio.to_json = to_json


_keep_plotly_json()


def kept(fig: go.Figure) -> KeptFigure:
    """The chart of ``fig`` to keep across reruns (see KeptFigure): plotly's JSON of the figure, written once
    now, exactly as st.plotly_chart would write it from the figure on every run. ``fig`` itself is not kept."""
    if isinstance(fig, KeptFigure):
        return fig
    if not isinstance(fig, go.Figure):
        raise TypeError(f"not a plotly Figure: {type(fig).__name__}")
    import plotly.io as pio

    full = fig.to_dict()
    layout = full.get("layout") or {}
    spec = _KeptDict({"layout": {k: layout[k] for k in ("width", "height") if k in layout}})
    spec.json = getattr(pio.to_json, "_erp_original", pio.to_json)(full, validate=False)
    return KeptFigure(spec)


def income_expense(df: pd.DataFrame, *, title: str, income: str, expense: str, profit: str) -> go.Figure:
    """Bars of monthly income and expense with the profit as a line."""
    fig = go.Figure()
    fig.add_bar(x=df["period"], y=_floats(df["income"]), name=income, marker_color="#2e7d32")
    fig.add_bar(x=df["period"], y=_floats(df["expense"]), name=expense, marker_color="#c62828")
    fig.add_scatter(x=df["period"], y=_floats(df["profit"]), name=profit, mode="lines+markers",
                    line=dict(color="#1565c0"))
    fig.update_layout(barmode="group")
    return _layout(fig, title)


def balance_line(df: pd.DataFrame, *, title: str, name: str) -> go.Figure:
    """A month-end balance as an area line."""
    fig = go.Figure()
    fig.add_scatter(x=df["period"], y=_floats(df["balance"]), name=name, mode="lines+markers", fill="tozeroy",
                    line=dict(color="#00838f"))
    return _layout(fig, title)


def aging_bars(df: pd.DataFrame, buckets: list[str], *, title: str) -> go.Figure:
    """Stacked aging buckets per partner."""
    fig = go.Figure()
    labels = [f"{c} {n}".strip() for c, n in zip(df["dimension_code"], df["dimension_name"], strict=True)]
    for b in buckets:
        fig.add_bar(x=labels, y=_floats(df[b]), name=b)
    fig.update_layout(barmode="stack")
    return _layout(fig, title)


def sales_margin(df: pd.DataFrame, *, title: str, revenue: str, margin: str) -> go.Figure:
    """Bars of monthly sales (net revenue) with the gross margin as a line (the sales dashboard)."""
    fig = go.Figure()
    fig.add_bar(x=df["period"], y=_floats(df["revenue"]), name=revenue, marker_color="#1565c0")
    fig.add_scatter(x=df["period"], y=_floats(df["margin"]), name=margin, mode="lines+markers",
                    line=dict(color="#2e7d32"))
    return _layout(fig, title)


def top_bars(labels: list[str], values: list, *, title: str, name: str) -> go.Figure:
    """Horizontal bars of the largest items (top customers, top products), largest on top."""
    fig = go.Figure()
    fig.add_bar(x=_floats(values)[::-1], y=labels[::-1], name=name, orientation="h", marker_color="#00838f")
    fig = _layout(fig, title)
    fig.update_xaxes(type="linear", tickformat=AMOUNT_FORMAT, hoverformat=AMOUNT_HOVER, exponentformat="none")
    fig.update_yaxes(type="category", tickformat="")
    fig.update_layout(hovermode="closest")
    return fig


def _small(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=40, b=10), height=320, separators=".,",
                      legend=dict(orientation="h", y=-0.2))
    return fig


def funnel(labels: list[str], values: list[int], *, title: str) -> go.Figure:
    """A funnel of counts per stage (graph_objects: plotly express costs ~30 ms per figure to build)."""
    return _small(go.Figure(go.Funnel(y=labels, x=values)), title)


def pie(labels: list[str], values: list[int], *, title: str) -> go.Figure:
    """Shares of a whole (counts)."""
    return _small(go.Figure(go.Pie(labels=labels, values=values, sort=False)), title)


def bars(x: list[str], series: dict[str, list], *, title: str, amounts: bool = False) -> go.Figure:
    """Grouped bars, one trace per series (name -> values); ``amounts``: Decimal money on the y axis."""
    fig = go.Figure([go.Bar(name=name, x=x, y=_floats(values)) for name, values in series.items()])
    fig.update_layout(barmode="group", showlegend=len(series) > 1)
    fig = _small(fig, title)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=AMOUNT_FORMAT if amounts else ",d", exponentformat="none")
    return fig


def line(x: list[str], values: list, *, title: str, name: str = "") -> go.Figure:
    """One series of amounts over periods (lines and markers)."""
    fig = go.Figure(go.Scatter(x=x, y=_floats(values), name=name, mode="lines+markers"))
    fig = _small(fig, title)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=AMOUNT_FORMAT, hoverformat=AMOUNT_HOVER, exponentformat="none")
    return fig
