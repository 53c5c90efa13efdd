"""Product categories (商品分类): a tree."""

import streamlit as st

from erp_core.io.export_queries import export_categories
from erp_core.masterdata import items_queries, items_services
from erp_core.masterdata.records import CATEGORY
from ui.actions import run_action
from ui.i18n import tr
from ui.masterdata_views import RecordScreen, render
from ui.safe import md_escape

render(RecordScreen(
    kind=CATEGORY, title="nav.masterdata.categories", id_param="category_id",
    list_q=items_queries.list_categories, get_q=items_queries.get_category,
    create=items_services.create_category, edit=items_services.edit_category,
    set_active=items_services.set_category_active, export_q=export_categories,
    category_tree_q=items_queries.category_tree,
))

with st.expander(tr("masterdata.tree")):
    for node in run_action(items_queries.category_tree) or []:
        st.markdown("&emsp;" * node["depth"] + f"• **{md_escape(node['code'])}** {md_escape(node['name'])}"
                    + ("" if node["active"] else " ✗"))
