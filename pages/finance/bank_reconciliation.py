"""Bank reconciliation (银行对账): import a statement, match it to the books (suggested with a score, or by hand),
undo matches, and the reconciliation statement (余额调节表) with downloads."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.finance.bankrec_queries import bank_accounts, list_matches, match_suggestions, reconciliation
from erp_core.finance.bankrec_services import (
    MAPPING_KEYS,
    auto_match,
    confirm_matches,
    guess_mapping,
    import_bank_statement,
    statement_headers,
    undo_match,
)
from ui.actions import run_action
from ui.context import require_actor
from ui.finance_kit import csv_xlsx_downloads, done, flash, money_text, show_flash
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.sections import section

actor = require_actor()
st.title(tr("nav.finance_close.bankrec"))
help_link("finance", "s9")  # "?" to this page's part of the help centre
st.caption(tr("finance_bankrec.intro"))
show_flash()

accounts = run_action(bank_accounts)
if accounts is None:
    st.stop()
if not accounts:
    st.info(tr("finance_bankrec.no_accounts"))
    st.stop()
labels = dict(accounts)
code = st.selectbox(tr("field.finance_bankrec.account"), list(labels), format_func=labels.get, key="br_account")


def amount(v) -> str:
    return money_text(v) or "0.00"


# A keyed section control, not st.tabs: the chosen section survives a changed date or a saved match.
chosen = section("br_section", ("import", "match", "statement"), "finance_bankrec.tab.",
                 tr("nav.finance_close.bankrec"))

if chosen == "import":
    if not actor.may("finance.bankrec.import"):
        st.info(tr("finance_bankrec.no_import"))
    else:
        upload = st.file_uploader(tr("field.finance_bankrec.file"), type=["csv", "xlsx"], key="br_file")
        if upload is not None:
            content = upload.getvalue()
            headers = run_action(lambda db, who: statement_headers(content, upload.name))
            if headers:
                guess = guess_mapping(headers)
                mode = st.radio(tr("finance_bankrec.amount_mode"), ("split", "signed"),
                                index=0 if "amount" not in guess else 1, horizontal=True,
                                format_func=lambda m: tr(f"finance_bankrec.mode.{m}"))
                wanted = [k for k in MAPPING_KEYS
                          if not (mode == "split" and k == "amount") and not (mode == "signed" and k in
                                                                               ("inflow", "outflow"))]
                options = ["", *headers]
                mapping = {}
                cols = st.columns(3)
                for i, key in enumerate(wanted):
                    mapping[key] = cols[i % 3].selectbox(
                        tr(f"field.finance_bankrec.{key}"), options, key=f"br_map_{key}",
                        index=options.index(guess[key]) if guess.get(key) in options else 0)
                if st.button(tr("finance_bankrec.import"), type="primary"):
                    result = done(import_bank_statement, account_code=code, filename=upload.name, content=content,
                                  mapping={k: v for k, v in mapping.items() if v})
                    if result:
                        flash(md("finance_bankrec.imported", n=result.line_count, skipped=result.skipped))
                        st.rerun()

if chosen == "match":
    window = st.number_input(tr("field.finance_bankrec.window"), min_value=0, max_value=60, value=3, step=1,
                             key="br_window")
    suggestions = run_action(match_suggestions, account_code=code, window_days=int(window)) or []
    st.subheader(tr("finance_bankrec.suggestions"))
    if suggestions:
        st.dataframe([{tr("finance_bankrec.col.amount"): amount(s.amount),
                       tr("finance_bankrec.col.bank_date"): s.statement_date.isoformat(),
                       tr("finance_bankrec.col.book_date"): s.book_date.isoformat(),
                       tr("field.finance_bankrec.reference"): s.reference,
                       tr("finance_bankrec.col.summary"): s.summary, tr("finance_bankrec.col.voucher"): s.voucher_no,
                       tr("finance_bankrec.col.score"): s.score} for s in suggestions],
                     hide_index=True, width="stretch")
    else:
        st.info(tr("finance_bankrec.no_suggestions"))
    can_match = actor.may("finance.bankrec.match")
    if can_match and suggestions:
        min_score = st.slider(tr("finance_bankrec.min_score"), 50, 100, 70, key="br_min")
        n = sum(1 for s in suggestions if s.score >= min_score)
        if st.button(md("finance_bankrec.auto", n=n), type="primary", disabled=n == 0):
            ids = done(auto_match, account_code=code, window_days=int(window), min_score=min_score)
            if ids is not None:
                flash(md("finance_bankrec.matched", n=0 if ids is True else len(ids)))
                st.rerun()

    rec = run_action(reconciliation, account_code=code, as_of=dt.date.today() + dt.timedelta(days=3660))
    if can_match and rec and rec.bank_unmatched and rec.book_unmatched:
        st.subheader(tr("finance_bankrec.manual"))
        bank = {i.id: f"{i.day} {amount(i.amount)} {i.text} {i.reference}".strip() for i in rec.bank_unmatched}
        book = {i.id: f"{i.day} {amount(i.amount)} {i.reference} {i.text}".strip() for i in rec.book_unmatched}
        m1, m2 = st.columns(2)
        st_id = m1.selectbox(tr("finance_bankrec.bank_line"), list(bank), format_func=bank.get, key="br_st")
        gl_id = m2.selectbox(tr("finance_bankrec.book_line"), list(book), format_func=book.get, key="br_gl")
        if st.button(tr("finance_bankrec.match")) and done(confirm_matches, pairs=[(st_id, gl_id)]):
            flash(md("finance_bankrec.matched", n=1))
            st.rerun()

    matches = run_action(list_matches, account_code=code) or []
    st.subheader(tr("finance_bankrec.matches"))
    if matches:
        st.dataframe([{tr("finance_bankrec.col.amount"): amount(m.amount),
                       tr("finance_bankrec.col.bank_date"): m.statement_date.isoformat(),
                       tr("finance_bankrec.col.book_date"): m.book_date.isoformat(),
                       tr("field.finance_bankrec.description"): m.description,
                       tr("finance_bankrec.col.summary"): m.summary, tr("finance_bankrec.col.voucher"): m.voucher_no,
                       tr("finance_bankrec.col.score"): m.score, tr("finance_bankrec.col.by"): m.matched_by}
                      for m in matches], hide_index=True, width="stretch")
        if can_match:
            labels_m = {m.id: f"{m.statement_date} {amount(m.amount)} ↔ {m.voucher_no}" for m in matches}
            u1, u2 = st.columns([3, 1])
            mid = u1.selectbox(tr("finance_bankrec.undo_pick"), list(labels_m), format_func=labels_m.get,
                               key="br_undo")
            sure = u2.checkbox(tr("finance_bankrec.confirm_undo"), key="br_undo_ok")
            if u2.button(tr("finance_bankrec.undo"), disabled=not sure) and done(undo_match, match_id=mid):
                flash(md("finance_bankrec.undone"))
                st.rerun()
    else:
        st.info(tr("finance_bankrec.no_matches"))

if chosen == "statement":
    as_of = st.date_input(tr("finance_bankrec.as_of"), value=dt.date.today(), key="br_asof")
    rec = run_action(reconciliation, account_code=code, as_of=as_of)
    if rec is not None:
        left, right = st.columns(2)
        left.metric(tr("finance_bankrec.bank_balance"), amount(rec.bank_balance))
        right.metric(tr("finance_bankrec.book_balance"), amount(rec.book_balance))
        headers = [tr("finance_bankrec.col.item"), tr("finance_bankrec.col.amount")]
        table = [[tr("finance_bankrec.bank_balance"), rec.bank_balance],
                 [tr("finance_bankrec.deposits_in_transit"), rec.deposits_in_transit],
                 [tr("finance_bankrec.outstanding_payments"), -rec.outstanding_payments],
                 [tr("finance_bankrec.adjusted_bank"), rec.adjusted_bank],
                 [tr("finance_bankrec.book_balance"), rec.book_balance],
                 [tr("finance_bankrec.bank_credits"), rec.bank_credits_not_booked],
                 [tr("finance_bankrec.bank_charges"), -rec.bank_charges_not_booked],
                 [tr("finance_bankrec.adjusted_book"), rec.adjusted_book]]
        st.dataframe([{headers[0]: a, headers[1]: amount(b)} for a, b in table], hide_index=True,
                     width="stretch")
        if rec.balanced:
            st.success(tr("finance_bankrec.balanced"))
        else:
            st.error(md("finance_bankrec.unbalanced", diff=amount(rec.adjusted_bank - rec.adjusted_book)))
        b1, b2 = st.columns(2)
        with b1:
            st.caption(tr("finance_bankrec.book_unmatched"))
            st.dataframe([{tr("finance_bankrec.col.book_date"): i.day.isoformat(),
                           tr("finance_bankrec.col.amount"): amount(i.amount), tr("finance_bankrec.col.voucher"):
                           i.reference, tr("finance_bankrec.col.summary"): i.text} for i in rec.book_unmatched],
                         hide_index=True, width="stretch")
        with b2:
            st.caption(tr("finance_bankrec.bank_unmatched"))
            st.dataframe([{tr("finance_bankrec.col.bank_date"): i.day.isoformat(),
                           tr("finance_bankrec.col.amount"): amount(i.amount),
                           tr("field.finance_bankrec.reference"): i.reference,
                           tr("field.finance_bankrec.description"): i.text} for i in rec.bank_unmatched],
                         hide_index=True, width="stretch")
        detail = table + [[f"{tr('finance_bankrec.book_unmatched')} {i.day} {i.reference} {i.text}", i.amount]
                          for i in rec.book_unmatched] + [
            [f"{tr('finance_bankrec.bank_unmatched')} {i.day} {i.reference} {i.text}", i.amount]
            for i in rec.bank_unmatched]
        csv_xlsx_downloads(headers, detail, f"bank-reconciliation-{code}-{as_of}")
