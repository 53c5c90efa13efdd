"""Suppliers (供应商): the same screen as customers."""

from erp_core.io.export_queries import export_suppliers
from erp_core.masterdata import merge_services, partners_queries, partners_services
from erp_core.masterdata.custom_fields_services import supplier_fields
from erp_core.masterdata.partners import SUPPLIER
from ui.masterdata_views import RecordScreen, render

render(RecordScreen(
    kind=SUPPLIER, title="nav.masterdata.suppliers", id_param="supplier_id",
    list_q=partners_queries.list_suppliers, get_q=partners_queries.get_supplier,
    create=partners_services.create_supplier, edit=partners_services.edit_supplier,
    set_active=partners_services.set_supplier_active, export_q=export_suppliers, fields_q=supplier_fields,
    duplicates_q=partners_queries.supplier_duplicates, merge=merge_services.merge_suppliers,
    merge_preview_q=merge_services.merge_preview_suppliers, refs_q=partners_queries.supplier_references,
    default_columns=("code", "name", "contact_name", "phone", "department", "owner", "credit_limit", "active"),
    children={"add_contact": partners_services.add_supplier_contact,
              "remove_contact": partners_services.remove_supplier_contact,
              "add_address": partners_services.add_supplier_address,
              "remove_address": partners_services.remove_supplier_address},
))
