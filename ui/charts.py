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
    """A figure drawn once and shown on many reruns (a dashboard's figures kept in its browser session while
    nothing new is posted): st.plotly_chart serializes a figure through ``to_dict()``, a deep copy of every trace
    and of the layout's template (~2.5 ms per chart per rerun, issue #17), then writes that dict as JSON (plotly's
    encoder, ~0.3 ms per chart); this one makes both once. Do not change a kept figure (make a new one)."""

    def to_dict(self):
        kept = self.__dict__.get("_erp_kept_dict")
        if kept is None:
            kept = _KeptDict(super().to_dict())
            self.__dict__["_erp_kept_dict"] = kept
        return kept


class _KeptDict(dict):
    """A kept figure's dict, carrying its JSON once plotly has written it (see _keep_plotly_json)."""

    json: str | None = None


def _keep_plotly_json() -> None:
    """st.plotly_chart writes the figure's dict with ``plotly.io.to_json(fig_dict, validate=False)`` on every run.
    For a kept figure's dict the JSON is written once, by plotly itself, and handed back after (the same text:
    tests/ui/test_charts.py); any other call goes to plotly unchanged. Installed once per process."""
    import plotly.io as pio

    original = pio.to_json
    if getattr(original, "_erp_keeps_json", False):
        return

    @functools.wraps(original)
    def to_json(fig, *args, **kwargs):
        if type(fig) is not _KeptDict or args or kwargs != {"validate": False}:
            return original(fig, *args, **kwargs)
        if fig.json is None:
            fig.json = original(fig, validate=False)
        return fig.json

    to_json._erp_keeps_json = True
    pio.to_json = to_json


_keep_plotly_json()


def kept(fig: go.Figure) -> KeptFigure:
    """``fig`` itself, now a KeptFigure (same object, traces and layout). Not ``KeptFigure(fig)``: building a figure
    from a figure copies and validates every trace and the template again, ~20 ms per chart of a dashboard's first
    run (issue #17). ``fig`` must be a plain go.Figure that nobody changes afterwards."""
    if type(fig) is go.Figure:
        fig.__class__ = KeptFigure  # KeptFigure adds no state, only the kept to_dict
    elif not isinstance(fig, KeptFigure):
        raise TypeError(f"not a plotly Figure: {type(fig).__name__}")
    return fig


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
