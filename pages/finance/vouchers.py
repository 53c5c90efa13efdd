"""Voucher list (凭证管理): filters; bulk review and bulk post with confirmation; reverse with confirmation;
detail; gap report (断号报告) and renumbering (断号整理)."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import streamlit as st

from erp_core.finance.import_services import import_vouchers
from erp_core.finance.queries import (
    finance_settings,
    get_voucher,
    list_vouchers,
    voucher_gaps,
    voucher_type_choices,
)
from erp_core.finance.voucher_services import (
    delete_voucher,
    renumber_vouchers,
    review_voucher,
    unreview_voucher,
)
from erp_core.io.importer import ImportFailed, read_table
from erp_core.kernel.errors import DomainError
from erp_core.ledger.posting import post_voucher, reverse_voucher
from ui.actions import run_action
from ui.context import database, locale, require_actor
from ui.finance_kit import (
    EDIT_KEY,
    VIEW_KEY,
    budget_warnings,
    done,
    flash,
    money_text,
    show_flash,
    status_label,
)
from ui.help import help_link
from ui.i18n import tr
from ui.safe import error_md, md, md_escape
from ui.sections import section

STATUSES = ("draft", "reviewed", "posted")
actor = require_actor()
loc = locale()
st.title(tr("nav.finance.vouchers"))
help_link("finance", "s3")  # "?" to this page's part of the help centre
show_flash()

types = run_action(voucher_type_choices) or ("记",)
today = dt.datetime.now(ZoneInfo(actor.time_zone)).date()
f1, f2, f3, f4, f5 = st.columns([1, 1, 1, 1, 2])
period = f1.text_input(tr("finance.period"), value=f"{today.year:04d}-{today.month:02d}", key="vl_period",
                       help=tr("finance.period_help"))
vtype = f2.selectbox(tr("field.finance.voucher.type"), ["", "记", "收", "付", "转"], key="vl_type",
                     format_func=lambda t: t or tr("finance.all"))
status = f3.selectbox(tr("finance.status"), ["", *STATUSES], key="vl_status",
                      format_func=lambda s: status_label(s) if s else tr("finance.all"))
account = f4.text_input(tr("finance.account_code_filter"), key="vl_account")
text = f5.text_input(tr("finance.text_filter"), key="vl_text")

rows = run_action(list_vouchers, period=period.strip() or None, voucher_type=vtype or None, status=status or None,
                  account_code=account.strip() or None, text=text.strip() or None)
if rows is None:
    st.stop()

# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
codes = ("list", "gaps", "import") if actor.may("finance.voucher.import") else ("list", "gaps")
chosen = section("vl_section", codes, "j_tabs.vouchers.", tr("nav.finance.vouchers"))

if chosen == "list":
    table = [{tr("finance.voucher_no"): r.display_no, tr("finance.period"): r.period,
              tr("field.finance.voucher.date"): r.voucher_date.isoformat(), tr("finance.summary"): r.summary,
              tr("finance.amount"): money_text(r.total), tr("finance.status"): status_label(r.status),
              tr("finance.preparer"): r.created_by_name, tr("finance.reviewer"): r.reviewed_by_name or "",
              tr("finance.poster"): r.posted_by_name or "",
              tr("finance.note"): (tr("finance.list.reverses") if r.reverses_id else "")
              + (tr("finance.list.reversed") if r.reversed_by_id else "")} for r in rows]
    st.caption(tr("finance.count", count=len(rows)))
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="multi-row", key="vl_table")
    # a selection kept from before a rerun may point past a list that got shorter (e.g. after posting)
    picked = [rows[i] for i in (event.selection.rows if event and event.selection else []) if i < len(rows)]
    st.caption(tr("finance.list.selected", count=len(picked)))

    def _over_budget(posted: list[tuple[int, str]]) -> list[str]:
        """Warnings of 'warn' budgets the posted vouchers went past, read after the posting returned."""
        return [tr("finance.budget_warning.posted", number=number, text=text)
                for vid, number in posted for text in budget_warnings(vid)]

    def _bulk(fn, items, action_key: str) -> None:
        """One use case per voucher (each its own transaction); report what went through and what did not, and
        after posting, the budgets the posted vouchers are over (a 'block' budget refuses: its error is listed)."""
        ok, failed, posted = 0, [], []
        for r in items:
            try:
                fn(database(), actor, voucher_id=r.id)
                ok += 1
                posted.append((r.id, r.display_no))
            except DomainError as err:
                failed.append(f"{md_escape(r.display_no)}: {error_md(err, loc)}")
        flash(md("finance.list.bulk_done", action=tr(action_key), ok=ok, failed=len(failed)))
        st.session_state["vl_failures"] = failed
        st.session_state["vl_budget_warnings"] = _over_budget(posted) if fn is post_voucher else []
        st.rerun()

    for msg in st.session_state.pop("vl_failures", []):
        st.error(msg)
    for msg in st.session_state.pop("vl_budget_warnings", []):
        st.warning(msg, icon=":material/warning:")

    c1, c2, c3 = st.columns(3)
    drafts = [r for r in picked if r.status == "draft"]
    reviewed = [r for r in picked if r.status == "reviewed"]
    if actor.may("finance.voucher.review"):
        with c1.popover(tr("finance.list.review_n", count=len(drafts)), disabled=not drafts,
                        icon=":material/fact_check:"):
            st.write(tr("finance.list.confirm_review", count=len(drafts)))
            if st.button(tr("finance.confirm"), key="vl_review_go", type="primary"):
                _bulk(review_voucher, drafts, "finance.action.review")
    if actor.may("finance.voucher.post"):
        with c2.popover(tr("finance.list.post_n", count=len(reviewed)), disabled=not reviewed,
                        icon=":material/task_alt:"):
            st.write(tr("finance.list.confirm_post", count=len(reviewed)))
            if st.button(tr("finance.confirm"), key="vl_post_go", type="primary"):
                _bulk(post_voucher, reviewed, "finance.action.post")
    if actor.may("finance.voucher.unreview"):
        with c3.popover(tr("finance.list.unreview_n", count=len(reviewed)), disabled=not reviewed,
                        icon=":material/undo:"):
            st.write(tr("finance.list.confirm_unreview", count=len(reviewed)))
            if st.button(tr("finance.confirm"), key="vl_unreview_go"):
                _bulk(unreview_voucher, reviewed, "finance.action.unreview")

    if len(picked) == 1:
        one = picked[0]
        detail = run_action(get_voucher, voucher_id=one.id)
        if detail:
            st.subheader(md("finance.detail.title", number=detail.display_no))
            st.dataframe([{tr("field.finance.line.summary"): ln.summary,
                           tr("field.finance.line.account"): f"{ln.account_code} {ln.account_name}",
                           tr("field.finance.line.debit"): money_text(ln.debit),
                           tr("field.finance.line.credit"): money_text(ln.credit)} for ln in detail.lines],
                         hide_index=True, width="stretch")
            if detail.status == "posted":
                for text in budget_warnings(detail.id):
                    st.warning(md("finance.detail.budget_over", text=text), icon=":material/warning:")
            d1, d2, d3, d4 = st.columns(4)
            if d1.button(tr("finance.detail.print"), icon=":material/print:"):
                st.session_state[VIEW_KEY] = detail.id
                st.switch_page("pages/finance/voucher_print.py")
            if detail.status == "draft" and actor.may("finance.voucher.edit"):
                if d2.button(tr("finance.detail.edit"), icon=":material/edit:"):
                    st.session_state[EDIT_KEY] = detail.id
                    st.switch_page("pages/finance/voucher_entry.py")
            if detail.status == "reviewed" and actor.may("finance.voucher.post"):
                with d2.popover(tr("finance.detail.post"), icon=":material/task_alt:"):
                    st.write(md("finance.detail.confirm_post", number=detail.display_no))
                    if st.button(tr("finance.confirm"), key="vl_post_one", type="primary"):
                        if done(post_voucher, voucher_id=detail.id):
                            flash(md("finance.detail.posted", number=detail.display_no))
                            st.session_state["vl_budget_warnings"] = _over_budget([(detail.id, detail.display_no)])
                            st.rerun()
            if detail.status == "draft" and actor.may("finance.voucher.delete"):
                with d3.popover(tr("finance.delete"), icon=":material/delete:"):
                    st.write(md("finance.confirm_delete", what=detail.display_no))
                    if st.button(tr("finance.confirm"), key="vl_del_go", type="primary"):
                        if done(delete_voucher, voucher_id=detail.id, version=detail.version):
                            flash(md("finance.deleted"))
                            st.rerun()
            if detail.status == "posted" and not detail.reversed_by_id and not detail.reverses_id \
                    and actor.may("finance.voucher.reverse"):
                with d4.popover(tr("finance.detail.reverse"), icon=":material/undo:"):
                    st.write(md("finance.detail.confirm_reverse_draft", number=detail.display_no))
                    rdate = st.date_input(tr("field.finance.voucher.date"), value=today, key="vl_rev_date")
                    if st.button(tr("finance.confirm"), key="vl_rev_go", type="primary"):
                        new_id = done(reverse_voucher, voucher_id=detail.id, voucher_date=rdate)
                        if new_id:
                            flash(md("finance.reversal.drafted", number=detail.display_no))
                            st.rerun()

if chosen == "gaps":
    gaps = run_action(voucher_gaps, period=period.strip() or None) or []
    st.dataframe([{tr("finance.period"): g.period, tr("field.finance.voucher.type"): g.voucher_type,
                   tr("finance.gaps.count"): g.count, tr("finance.gaps.max"): g.max_number,
                   tr("finance.gaps.missing"): "、".join(map(str, g.missing)) or tr("finance.gaps.none"),
                   tr("finance.gaps.unposted"): g.unposted} for g in gaps], hide_index=True,
                 width="stretch")
    fixable = [g for g in gaps if g.missing and g.unposted]
    if fixable and actor.may("finance.voucher.renumber"):
        choice = st.selectbox(tr("finance.gaps.series"), range(len(fixable)),
                              format_func=lambda i: f"{fixable[i].period} {fixable[i].voucher_type}")
        g = fixable[choice]
        st.caption(tr("finance.gaps.hint"))
        with st.popover(tr("finance.gaps.renumber"), icon=":material/format_list_numbered:"):
            st.write(md("finance.gaps.confirm", period=g.period, type=g.voucher_type))
            if st.button(tr("finance.confirm"), key="vg_go", type="primary"):
                moved = done(renumber_vouchers, period=g.period, voucher_type=g.voucher_type)
                if moved is not None:
                    flash(md("finance.gaps.done", count=len(moved) if isinstance(moved, dict) else 0))
                    st.rerun()

if chosen == "import":
    st.caption(tr("finance.import.hint"))
    upload = st.file_uploader(tr("finance.import.file"), type=["csv", "xlsx"], key="vi_file")
    fin = run_action(finance_settings)
    # posting on import skips the second reviewer: offered only where an administrator allowed it
    post_too = bool(fin and fin.import_posting_allowed and actor.may("finance.voucher.post")) and st.checkbox(
        tr("finance.import.post"), key="vi_post")
    again = st.checkbox(tr("finance.import.allow_reimport"), key="vi_again",
                        help=tr("finance.import.allow_reimport_help"))
    if upload is not None:
        digest = hashlib.sha256(upload.getvalue()).hexdigest() + (":again" if again else "")
        if st.session_state.get("vi_done") == digest:
            st.info(tr("finance.import.already"))
            st.stop()
        try:
            table_in = read_table(upload.getvalue(), upload.name)
        except DomainError as err:
            st.error(error_md(err, loc))
            st.stop()
        cached = st.session_state.get("vi_check")
        if not cached or cached[0] != digest:  # check each file once, not on every rerun
            checked = run_action(import_vouchers, table_in, dry_run=True, allow_reimport=again)
            if checked is None:
                st.stop()
            st.session_state["vi_check"] = cached = (digest, checked)
        report = cached[1]
        if report.problems:
            st.error(tr("finance.import.problems", count=len(report.problems)))
            st.dataframe([{tr("finance.import.row"): p.row or "", tr("finance.import.column"): p.column,
                           tr("finance.import.value"): "" if p.value is None else str(p.value),
                           tr("finance.import.reason"): p.reason(loc)} for p in report.problems],
                         hide_index=True, width="stretch")
        else:
            st.success(md("finance.import.checked", vouchers=report.vouchers, lines=report.lines))
            if st.button(tr("finance.import.go"), type="primary", key="vi_go"):
                try:
                    done_report = import_vouchers(database(), actor, table_in, post=post_too,
                                                  allow_reimport=again)
                except ImportFailed as exc:
                    st.error(tr("finance.import.problems", count=len(exc.report.problems)))
                except DomainError as err:
                    st.error(error_md(err, loc))
                else:
                    st.session_state["vi_done"] = digest
                    key = "finance.import.posted" if post_too else "finance.import.done"
                    flash(md(key, vouchers=done_report.vouchers, lines=done_report.lines))
                    st.rerun()
