"""Import (导入): pick a record kind -> download a template -> upload CSV/XLSX -> see how columns map -> dry run
listing every problem -> commit all or nothing, with progress. The kinds come from erp_core's import registry
(erp_core/io/registry.py): a kind registered there appears here for the users holding its permission."""

import datetime as dt

import pandas as pd
import streamlit as st

from erp_core.i18n import has
from erp_core.io.export import to_csv_bytes
from erp_core.io.importer import read_table
from erp_core.io.parsers import visible
from erp_core.io.reading import ENCODINGS
from erp_core.io.registry import import_kinds
from erp_core.kernel.errors import DomainError
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.safe import error_md, md, md_escape

actor = require_actor()
st.title(tr("nav.masterdata.import"))
specs = {name: spec for name, spec in import_kinds().items() if actor.may(spec.permission)}
if not specs:
    st.info(tr("masterdata.import.none"))
    st.stop()

kind = st.selectbox(tr("masterdata.import.kind"), list(specs), format_func=lambda k: tr(specs[k].label))
spec = specs[kind]

c1, c2 = st.columns(2)
extra = {}
for param in spec.params:
    if param.type == "date":
        extra[param.name] = st.date_input(tr(param.label), key=param.name)
    elif param.type == "flag":
        extra[param.name] = st.checkbox(tr(param.label), key=f"{kind}_{param.name}")
    elif param.type == "period":
        extra[param.name] = st.text_input(tr(param.label), value=dt.date.today().strftime("%Y-%m"),
                                          placeholder="YYYY-MM", key=f"{kind}_{param.name}").strip()
for col, fmt in ((c1, "xlsx"), (c2, "csv")):
    template = run_action(spec.template, fmt=fmt, locale=locale())
    if template is not None:
        col.download_button(md("masterdata.import.template", fmt=fmt.upper()), template.data,
                            file_name=template.filename, mime=template.mime, key=f"tpl_{kind}_{fmt}")

upload = st.file_uploader(tr("masterdata.import.file"), type=["csv", "xlsx"], key=f"upload_{kind}")
if upload is None:
    st.stop()
encoding = None
if upload.name.lower().endswith(".csv"):
    encoding = st.selectbox(tr("masterdata.import.encoding"), [None, *ENCODINGS], key="import_encoding",
                            format_func=lambda e: tr("import.encoding.auto") if e is None else e.upper(),
                            help=tr("masterdata.import.encoding_help"))
try:
    table = read_table(upload.getvalue(), upload.name, encoding=encoding)
except DomainError as err:

    st.error(error_md(err, locale()))
    st.stop()

report = run_action(spec.dry_run, table, **extra)
if report is None:
    st.stop()

st.subheader(tr("masterdata.import.mapping"))
st.dataframe(pd.DataFrame([{tr("masterdata.import.header"): h,
                            tr("masterdata.import.target"): (tr(f) if f and has(f) else f) or "—"}
                           for h, f in report.columns]), hide_index=True, width="stretch")

loc = locale()
if report.warnings:
    st.warning("\n".join("• " + md_escape(w.render(loc)) for w in report.warnings))
if report.problems:
    st.error(tr("import.dry_run_failed", count=len(report.problems)))
    problems = pd.DataFrame([{tr("masterdata.import.row"): p.row or "",
                              tr("masterdata.import.column"): p.column,
                              tr("masterdata.import.value"): visible(p.value),
                              tr("masterdata.import.reason"): p.reason(loc)} for p in report.problems])
    st.dataframe(problems, hide_index=True, width="stretch")
    st.download_button(tr("masterdata.import.problems_csv"),
                       to_csv_bytes(list(problems.columns), problems.itertuples(index=False, name=None)),
                       file_name="import_problems.csv", mime="text/csv")
    st.stop()

st.success(md("import.dry_run_ok", created=report.created, updated=report.updated))
has_duplicates = any(w.message_id == "import.warning.duplicate" for w in report.warnings)
confirm = st.checkbox(tr("masterdata.confirm_duplicates")) if has_duplicates else False
if st.button(tr("masterdata.import.commit"), type="primary", disabled=has_duplicates and not confirm):
    bar = st.progress(0.0, text=tr("masterdata.import.progress"))

    def progress(phase: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar.progress(min(1.0, 0.5 * share + (0.5 if phase == "write" else 0.0)),
                     text=tr("masterdata.import.progress"))

    if spec.confirms_duplicates:
        extra["confirm_duplicates"] = confirm
    result = run_action(spec.commit, table, progress, **extra)
    if result is not None:
        bar.progress(1.0)
        st.success(md("import.done", created=result.created, updated=result.updated))
