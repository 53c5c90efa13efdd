"""Streamlit helpers shared by the report pages (pages/reports/*): filter widgets, money tables with row
selection, CSV/XLSX downloads of exactly what is shown, and the as-of line. No business rules: erp_core decides."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import streamlit as st

from erp_core.analytics import stamps
from erp_core.i18n import format as fmt
from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
from ui.context import locale
from ui.i18n import date as fmt_date
from ui.i18n import datetime as fmt_datetime
from ui.i18n import tr
from ui.safe import md


def periods(back: int = 36, ahead: int = 2) -> list[str]:
    """Month options ('YYYY-MM'), newest first, around today."""
    today = dt.date.today()
    n = today.year * 12 + today.month - 1 + ahead
    return [f"{(n - i) // 12}-{(n - i) % 12 + 1:02d}" for i in range(back + ahead + 1)]


def this_period() -> str:
    return dt.date.today().strftime("%Y-%m")


def period_select(label_key: str, key: str, *, container=st, default: str | None = None) -> str:
    options = periods()
    default = default or this_period()
    return container.selectbox(tr(label_key), options, index=options.index(default) if default in options else 0,
                               key=key)


def account_select(accounts: Sequence[tuple[str, str]], key: str, *, container=st, label_key="field.reports.account",
                   allow_empty: bool = False) -> str | None:
    """An account picker searchable by code or name ("1122 应收账款")."""
    codes = [c for c, _ in accounts]
    names = dict(accounts)
    options = ([None] if allow_empty else []) + codes
    return container.selectbox(tr(label_key), options, key=key,
                               format_func=lambda c: tr("reports.any") if c is None else f"{c} {names.get(c, '')}")


def _cell(value, money: bool):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if money and isinstance(value, Decimal):
        return fmt.format_number(value, locale(), 2)
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        value = value.date()  # a DATE column read through pandas
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return fmt_date(value)  # the company's date format (settings)
    return str(value)  # one type per column (headings have no line number)


def table_view(df: pd.DataFrame, columns: Sequence[str], *, money: Sequence[str] = (),
               arrow: bool = False) -> pd.DataFrame | pa.Table:
    """What show_table displays: ``columns`` of ``df`` with translated headers (``reports.col.<name>``) and money
    formatted exactly in the current locale. A page that reruns often may keep it (per session, keyed by the
    data, the actor's scope and the locale) and pass it back to show_table instead of formatting again; with
    ``arrow`` as the Arrow table st.dataframe sends (what it would convert the DataFrame to on every run)."""
    view = pd.DataFrame({tr(f"reports.col.{c}"): [_cell(v, c in money) for v in df[c]] for c in columns})
    return pa.Table.from_pandas(view, preserve_index=False) if arrow else view


def show_table(df: pd.DataFrame | None, columns: Sequence[str], *, money: Sequence[str] = (), key: str,
               select: bool = False, view: pd.DataFrame | pa.Table | None = None) -> int | None:
    """Show ``columns`` of ``df`` with translated headers (``reports.col.<name>``) and money formatted exactly;
    with ``select`` the user may pick one row, whose position is returned. ``view``: a kept table_view."""
    if view is None:
        view = table_view(df, columns, money=money)
    if not select:
        st.dataframe(view, hide_index=True, width="stretch", key=key)
        return None
    event = st.dataframe(view, hide_index=True, width="stretch", key=key, on_select="rerun",
                         selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    return rows[0] if rows else None


def download_rows(df: pd.DataFrame, columns: Sequence[str]) -> list[list]:
    """The rows the CSV/XLSX downloads hold: raw values of ``columns`` (exact Decimal amounts, blanks for none)."""
    return [["" if v is None or (not isinstance(v, str) and pd.isna(v)) else
             (int(v) if c == "line_no" else v) for c, v in zip(columns, rec, strict=True)]
            for rec in df[list(columns)].itertuples(index=False)]


def downloads(df: pd.DataFrame | None, columns: Sequence[str], name: str, key: str, *,
              rows: list[list] | None = None) -> None:
    """CSV and XLSX of the report: raw column names and exact amounts (Decimal), formula-injection safe.
    ``rows``: kept download_rows of ``df`` (a page that reruns often need not rebuild them)."""
    if rows is None:
        rows = download_rows(df, columns)
    header = list(columns)
    c1, c2, _ = st.columns([1, 1, 4])
    # The files are built when the button is clicked (deferred data), not on every rerun of the page: the XLSX of
    # even a 12-row report cost ~10-20 ms of CPU per rerun, a fifth of the dashboard's time under load (#17).
    c1.download_button(tr("reports.export_csv"), lambda: to_csv_bytes(header, rows), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_csv", icon=":material/download:")
    c2.download_button(tr("reports.export_xlsx"), lambda: to_xlsx_bytes(header, rows, sheet=name),
                       file_name=f"{name}.xlsx", key=f"{key}_xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


_PHASE_KEY = "erp_refresh_phase"


def kept_until(seq: int) -> tuple[int, int]:
    """What a dashboard over operational tables keeps its figures by: the audit chain's number ``seq`` (the
    figures' own stamp, erp_core/analytics/stamps.py) and the clock's minute as this browser session turns it
    (a phase of its own, drawn once: see stamps.phased_bucket). Compare it with the value for the current stamp;
    different means the figures are made again."""
    phase = st.session_state.get(_PHASE_KEY)
    if phase is None:
        phase = st.session_state[_PHASE_KEY] = secrets.randbelow(stamps.BUCKET_SECONDS * 1000) / 1000
    return seq, stamps.phased_bucket(phase)


def metric_row(figures: Sequence[tuple[str, object]]) -> None:
    """A dashboard's row of headline figures (label, formatted value): one horizontal container holding the
    metrics, which wraps onto more rows on a phone. st.columns would send a block for the row and one per column
    on every rerun — 3-4 messages more per dashboard rerun, and each message costs the server a round through
    its event loop (issue #17)."""
    row = st.container(horizontal=True, gap="medium")
    for label, value in figures:
        row.metric(label, value, width="stretch")


def as_of(df: pd.DataFrame) -> None:
    """State the moment the data is as of (the last posting included and when it was synced)."""
    info = df.attrs.get("as_of")
    if info is not None:
        st.caption(md("reports.as_of", seq=info.watermark,
                      time=fmt_datetime(info.synced_at.replace(tzinfo=dt.UTC))))


TRIAL_BALANCE_COLUMNS = ["account_code", "account_name", "opening_debit", "opening_credit", "period_debit",
                         "period_credit", "closing_debit", "closing_credit"]


def statement_page(*, statement: str, report, columns: Sequence[str], prefix: str) -> None:
    """A statutory statement page (balance sheet, income statement): period form, the statement with as-of,
    downloads, and drill-down from a selected line to the accounts behind it."""
    from erp_core.analytics import queries  # the drill-down query shared by both statements
    from ui.actions import run_action

    st.title(tr(f"nav.reports.{statement}"))
    with st.form(f"{prefix}_filters"):
        c1, _ = st.columns([2, 6])
        period = period_select("field.reports.period", f"{prefix}_period", container=c1)
        st.form_submit_button(tr("reports.run"), type="primary", icon=":material/play_arrow:")
    df = run_action(report, period=period)
    if df is None:
        st.stop()
    as_of(df)
    picked = show_table(df, columns, money=columns[2:], key=f"{prefix}_table", select=True)
    downloads(df, columns, f"{statement}_{period}", f"{prefix}_export")
    line_no = df.iloc[picked]["line_no"] if picked is not None else None
    if line_no is None or str(line_no) == "<NA>":
        st.caption(tr("reports.statement_drill_hint"))
        return
    st.subheader(md("reports.statement_drill", line=int(line_no), item=df.iloc[picked]["item"].strip()))
    detail = run_action(queries.statement_line_accounts, statement=statement, period=period, line_no=int(line_no))
    if detail is not None:
        show_table(detail, TRIAL_BALANCE_COLUMNS, money=TRIAL_BALANCE_COLUMNS[2:], key=f"{prefix}_drill")
