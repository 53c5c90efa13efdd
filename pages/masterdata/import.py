"""Import (导入): pick a record kind -> download a template -> upload CSV/XLSX -> see how columns map -> dry run
listing every problem -> commit all or nothing, with progress."""

import pandas as pd
import streamlit as st

from erp_core.i18n import has
from erp_core.io import ledger_import_services as ledger
from erp_core.io.export import to_csv_bytes
from erp_core.io.export_queries import TEMPLATES
from erp_core.io.import_services import COMMITS, DRY_RUNS
from erp_core.io.importer import read_table
from erp_core.kernel.errors import DomainError
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr

KIND_PERMISSION = {"customers": "masterdata.customer.import", "suppliers": "masterdata.supplier.import",
                   "products": "masterdata.product.import", "employees": "masterdata.employee.import",
                   "categories": "masterdata.category.import", "accounts": "finance.account.import",
                   "opening-balances": "finance.opening_balance.import",
                   "departments": "masterdata.department.import", "projects": "masterdata.project.import",
                   "warehouses": "masterdata.warehouse.import"}
KIND_LABEL = {"departments": "import_org.kind.department", "projects": "import_org.kind.project",
              "warehouses": "import_org.kind.warehouse"}
LEDGER = {"accounts": (ledger.dry_run_accounts, ledger.import_accounts),
          "opening-balances": (ledger.dry_run_opening_balances, ledger.import_opening_balances)}

actor = require_actor()
st.title(tr("nav.masterdata.import"))
allowed = [k for k, p in KIND_PERMISSION.items() if actor.may(p)]
if not allowed:
    st.info(tr("masterdata.import.none"))
    st.stop()

kind = st.selectbox(tr("masterdata.import.kind"), allowed,
                    format_func=lambda k: tr(KIND_LABEL.get(k) or "masterdata.import." + k.replace("-", "_")))

c1, c2 = st.columns(2)
extra = {}
if kind == "opening-balances":
    extra["opening_date"] = st.date_input(tr("field.ledgerimport.opening_date"), key="opening_date")
for col, fmt in ((c1, "xlsx"), (c2, "csv")):
    template = ledger.template(kind, fmt, locale()) if kind in LEDGER else run_action(TEMPLATES[kind], fmt=fmt)
    if template is not None:
        col.download_button(tr("masterdata.import.template", fmt=fmt.upper()), template.data,
                            file_name=template.filename, mime=template.mime, key=f"tpl_{kind}_{fmt}")

upload = st.file_uploader(tr("masterdata.import.file"), type=["csv", "xlsx"], key=f"upload_{kind}")
if upload is None:
    st.stop()
try:
    table = read_table(upload.getvalue(), upload.name)
except DomainError as err:
    from erp_core.i18n import render_error

    st.error(render_error(err, locale()))
    st.stop()

dry_fn, commit_fn = LEDGER.get(kind) or (DRY_RUNS[kind], COMMITS[kind])
report = run_action(dry_fn, table, **extra)
if report is None:
    st.stop()

st.subheader(tr("masterdata.import.mapping"))
st.dataframe(pd.DataFrame([{tr("masterdata.import.header"): h,
                            tr("masterdata.import.target"): (tr(f) if f and has(f) else f) or "—"}
                           for h, f in report.columns]), hide_index=True, use_container_width=True)

loc = locale()
if report.warnings:
    st.warning("\n".join("• " + w.render(loc) for w in report.warnings))
if report.problems:
    st.error(tr("import.dry_run_failed", count=len(report.problems)))
    problems = pd.DataFrame([{tr("masterdata.import.row"): p.row or "",
                              tr("masterdata.import.column"): p.column,
                              tr("masterdata.import.value"): "" if p.value is None else str(p.value),
                              tr("masterdata.import.reason"): p.reason(loc)} for p in report.problems])
    st.dataframe(problems, hide_index=True, use_container_width=True)
    st.download_button(tr("masterdata.import.problems_csv"),
                       to_csv_bytes(list(problems.columns), problems.itertuples(index=False, name=None)),
                       file_name="import_problems.csv", mime="text/csv")
    st.stop()

st.success(tr("import.dry_run_ok", created=report.created, updated=report.updated))
has_duplicates = any(w.message_id == "import.warning.duplicate" for w in report.warnings)
confirm = st.checkbox(tr("masterdata.confirm_duplicates")) if has_duplicates else False
if st.button(tr("masterdata.import.commit"), type="primary", disabled=has_duplicates and not confirm):
    bar = st.progress(0.0, text=tr("masterdata.import.progress"))

    def progress(phase: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar.progress(min(1.0, 0.5 * share + (0.5 if phase == "write" else 0.0)),
                     text=tr("masterdata.import.progress"))

    if kind not in LEDGER:
        extra["confirm_duplicates"] = confirm
    result = run_action(commit_fn, table, progress, **extra)
    if result is not None:
        bar.progress(1.0)
        st.success(tr("import.done", created=result.created, updated=result.updated))
