"""Products and services (商品/服务)."""

from erp_core.io.export_queries import export_products
from erp_core.masterdata import items_queries, items_services
from erp_core.masterdata.custom_fields_services import product_fields
from erp_core.masterdata.records import PRODUCT
from ui.masterdata_views import RecordScreen, render

render(RecordScreen(
    kind=PRODUCT, title="nav.masterdata.products", id_param="product_id",
    list_q=items_queries.list_products, get_q=items_queries.get_product,
    create=items_services.create_product, edit=items_services.edit_product,
    set_active=items_services.set_product_active, export_q=export_products, fields_q=product_fields,
    category_tree_q=items_queries.category_tree,
    default_columns=("code", "name", "specification", "unit", "category", "tax_rate", "kind", "active"),
))
