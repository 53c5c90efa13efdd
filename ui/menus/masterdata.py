"""Master records in the navigation (engineer E2's pages)."""

from erp_core.io.registry import import_kinds
from ui.nav import PageSpec

G = "nav.group.masterdata"

PAGES = [
    PageSpec(file="pages/masterdata/customers.py", title="nav.masterdata.customers", group=G,
             any_of=("masterdata.customer.view",), icon=":material/handshake:", order=10),
    PageSpec(file="pages/masterdata/suppliers.py", title="nav.masterdata.suppliers", group=G,
             any_of=("masterdata.supplier.view",), icon=":material/local_shipping:", order=20),
    PageSpec(file="pages/masterdata/products.py", title="nav.masterdata.products", group=G,
             any_of=("masterdata.product.view",), icon=":material/inventory_2:", order=30),
    PageSpec(file="pages/masterdata/categories.py", title="nav.masterdata.categories", group=G,
             any_of=("masterdata.category.view",), icon=":material/account_tree:", order=40),
    PageSpec(file="pages/masterdata/employees.py", title="nav.masterdata.employees", group=G,
             any_of=("masterdata.employee.view",), icon=":material/badge:", order=50),
    PageSpec(file="pages/masterdata/import.py", title="nav.masterdata.import", group=G,
             any_of=tuple(k.permission for k in import_kinds().values()),  # every registered import kind
             icon=":material/upload_file:", order=80),
    PageSpec(file="pages/masterdata/custom_fields.py", title="nav.masterdata.custom_fields", group=G,
             any_of=("masterdata.custom_field.view",), icon=":material/tune:", order=90),
]
