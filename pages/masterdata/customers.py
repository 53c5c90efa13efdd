"""Customers (客户): list with search, filters and paging; detail with contacts and addresses; create, edit,
deactivate, merge duplicates, export."""

from erp_core.io.export_queries import export_customers
from erp_core.masterdata import merge_services, partners_queries, partners_services
from erp_core.masterdata.custom_fields_services import customer_fields
from erp_core.masterdata.partners import CUSTOMER
from ui.masterdata_views import RecordScreen, render

render(RecordScreen(
    kind=CUSTOMER, title="nav.masterdata.customers", id_param="customer_id",
    list_q=partners_queries.list_customers, get_q=partners_queries.get_customer,
    create=partners_services.create_customer, edit=partners_services.edit_customer,
    set_active=partners_services.set_customer_active, export_q=export_customers, fields_q=customer_fields,
    duplicates_q=partners_queries.customer_duplicates, merge=merge_services.merge_customers,
    merge_preview_q=merge_services.merge_preview_customers, refs_q=partners_queries.customer_references,
    default_columns=("code", "name", "contact_name", "phone", "department", "owner", "credit_limit", "active"),
    children={"add_contact": partners_services.add_customer_contact,
              "remove_contact": partners_services.remove_customer_contact,
              "add_address": partners_services.add_customer_address,
              "remove_address": partners_services.remove_customer_address},
))
