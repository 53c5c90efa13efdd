"""Opportunities (商机): the pipeline as a kanban (one Streamlit column per open stage), the list with Excel
export, the weighted forecast by month and salesperson, won/lost analysis; new opportunity; move a stage."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.crm.leads import import_services as io_
from erp_core.crm.opportunities import queries as oq
from erp_core.crm.opportunities import services as os_
from erp_core.crm.pools import queries as pq
from erp_core.masterdata import partners_queries
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import money, tr
from ui.safe import md_escape
from ui.sales_kit import OPEN_KEY
from ui.sections import section
from ui.settings_kit import show_flash, succeed, table

LINK_PAGES = {"sales_quotation": "pages/sales/quotations.py", "sales_order": "pages/sales/orders.py"}

actor = require_actor()
st.title(tr("nav.crm.opportunities"))
help_link("crm", "opportunities")  # "?" to this page's part of the help centre
show_flash()
people = (run_action(pq.crm_people) if actor.may("crm.lead.view") else {}) or {}
view = section("crm_opp_view", ["pipeline", "list", "forecast", "won_lost"], "crm.opp_view.",
               tr("nav.crm.opportunities"))

if view == "pipeline":
    cols = run_action(oq.pipeline) or []
    if cols:
        for col, box in zip(cols, st.columns(len(cols)), strict=True):
            box.markdown("**" + md_escape(f"{col['stage']} ({col['probability']}%)") + "**")
            box.caption(md_escape(f"{col['count']} · {money(col['amount'])} · {money(col['weighted'])}"))
            for item in col["items"][:30]:
                box.container(border=True).markdown(
                    md_escape(f"{item['name']}\n{money(item['amount'])} · {item['close_date']:%m-%d}"))
elif view == "list":
    rows = run_action(oq.list_opportunities) or []
    if rows:
        table(rows, [("id", "crm.col.id"), ("name", "crm.col.name"), ("stage", "crm.col.stage"),
                     ("amount", "crm.col.amount"), ("weighted", "crm.col.weighted"),
                     ("close_date", "crm.col.close_date"), ("status", "crm.col.status"),
                     ("owner_id", "crm.col.owner_id")],
              formatters={"amount": money, "weighted": money, "status": lambda s: tr(f"crm.opp_status.{s}"),
                          "owner_id": lambda u: people.get(u, u or "")})
        if actor.may("crm.opportunity.export"):
            f = run_action(io_.export_opportunities_file, fmt="xlsx")
            if f is not None:
                st.download_button(tr("crm.export"), f.data, file_name=f.filename, mime=f.mime,
                                   key="crm_opp_xlsx", icon=":material/download:")
    else:
        st.info(tr("crm.empty"))
    if rows and actor.may("crm.opportunity.edit"):
        stages = run_action(oq.list_stages) or []
        by_id = {r["id"]: r for r in rows}
        with st.form("crm_move_stage"):
            m1, m2, m3 = st.columns(3)
            opp = m1.selectbox(tr("field.crm.opportunity_name"), list(by_id), format_func=lambda i: by_id[i]["name"])
            stage = m2.selectbox(tr("crm.move_stage"), [s["code"] for s in stages],
                                 format_func=lambda c: next(s["name_zh"] if actor.locale.startswith("zh")
                                                            else s["name_en"] for s in stages if s["code"] == c))
            reason = m3.text_input(tr("field.crm.lost_reason"))
            if st.form_submit_button(tr("crm.move_stage")):
                if run_action(os_.move_opportunity_stage, opportunity_id=opp, version=by_id[opp]["version"],
                              stage=stage, lost_reason=reason or None) is not None:
                    succeed("crm.saved")
    # one opportunity: the quotations and orders made from it (each opens its page), and 生成报价单 (the
    # quotation page's form, customer and opportunity set) while it is open and has a customer
    if rows:
        by_id = {r["id"]: r for r in rows}
        q1, q2 = st.columns([3, 1], vertical_alignment="bottom")
        pick = q1.selectbox(tr("crm3.opportunity"), list(by_id), key="crm_opp_quote_pick",
                            format_func=lambda i: by_id[i]["name"])
        chosen = by_id[pick]
        if chosen["status"] == "open" and chosen["customer_id"] and actor.may("sales.quotation.create") and \
                q2.button(tr("timeline.make_quotation"), key="crm_opp_quote", icon=":material/request_quote:"):
            st.session_state["sales_sq_from_opportunity"] = (pick, chosen["customer_id"], chosen["name"])
            st.switch_page("pages/sales/quotations.py")
        detail = run_action(oq.get_opportunity, opportunity_id=pick)
        if detail is not None:
            st.markdown("**" + md_escape(tr("crm3.linked_documents")) + "**")
            if not detail["links"]:
                st.caption(tr("crm3.no_linked"))
            for link in detail["links"]:
                kind = tr(f"crm3.doc.{link['doc_type']}") if link["doc_type"] in LINK_PAGES else link["doc_type"]
                label = f"{kind} {link.get('number') or '#' + str(link['doc_id'])}"
                if link.get("number"):
                    label += f" · {money(link['total'])} · {tr('sales.status.' + link['status'])}"
                if st.button(md_escape(label), key=f"crm_opp_link_{link['doc_type']}_{link['doc_id']}",
                             disabled=not link.get("number")) and link["doc_type"] in LINK_PAGES:
                    st.session_state[OPEN_KEY] = (link["doc_type"], link["doc_id"])
                    st.switch_page(LINK_PAGES[link["doc_type"]])
elif view == "forecast":
    rows = run_action(oq.forecast) or []
    table(rows, [("month", "crm.col.month"), ("owner_id", "crm.col.owner_id"), ("count", "crm.count"),
                 ("amount", "crm.col.amount"), ("weighted", "crm.col.weighted")],
          formatters={"amount": money, "weighted": money, "owner_id": lambda u: people.get(u, u or "")})
else:
    wl = run_action(oq.won_lost)
    if wl:
        c1, c2, c3 = st.columns(3)
        c1.metric(tr("crm.opp_status.won"), wl["won"], money(wl["won_amount"]))
        c2.metric(tr("crm.opp_status.lost"), wl["lost"], money(wl["lost_amount"]))
        c3.metric(tr("crm.win_rate"), "-" if wl["win_rate"] is None else f"{wl['win_rate']}%")
        table([{"reason": r, "count": n} for r, n in wl["reasons"]], [("reason", "crm.col.reason"),
                                                                      ("count", "crm.count")])

if actor.may("crm.opportunity.create") and actor.may("masterdata.customer.view"):
    with st.expander(tr("crm.new_opportunity")):
        page = run_action(partners_queries.list_customers, page_size=500)
        customers = {r["id"]: f"{r['code']} {r['name']}" for r in (page.rows if page else [])}
        with st.form("crm_new_opp"):
            n1, n2 = st.columns(2)
            cust = n1.selectbox(tr("field.crm.customer"), list(customers), format_func=customers.get)
            name = n2.text_input(tr("field.crm.opportunity_name"))
            amount = n1.text_input(tr("field.crm.amount"), value="0")
            close = n2.date_input(tr("field.crm.close_date"), value=dt.date.today() + dt.timedelta(days=30))
            if st.form_submit_button(tr("crm.save")) and cust is not None:
                if run_action(os_.create_opportunity, customer_id=cust, name=name, amount=amount,
                              close_date=close) is not None:
                    succeed("crm.saved")
