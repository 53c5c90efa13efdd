"""Settings pages (公司设置、税率、币种、计量单位) and the organisation master data pages (部门、项目、仓库)."""

from ui.nav import PageSpec

_S = "nav.group.settings"
_M = "nav.group.masterdata"  # after customers ... employees (50), before import (80)

PAGES = [
    PageSpec(file="pages/settings/company.py", title="nav.settings.company", group=_S,
             any_of=("settings.company.view",), icon=":material/domain:", order=10, url_path="settings_company"),
    PageSpec(file="pages/settings/tax_rates.py", title="nav.settings.tax_rates", group=_S,
             any_of=("settings.tax.view",), icon=":material/percent:", order=20, url_path="settings_tax_rates"),
    PageSpec(file="pages/settings/currencies.py", title="nav.settings.currencies", group=_S,
             any_of=("settings.currency.view",), icon=":material/currency_exchange:", order=30,
             url_path="settings_currencies"),
    PageSpec(file="pages/settings/units.py", title="nav.settings.units", group=_S,
             any_of=("settings.unit.view",), icon=":material/straighten:", order=40, url_path="settings_units"),
    PageSpec(file="pages/masterdata/departments.py", title="nav.settings.departments", group=_M,
             any_of=("masterdata.department.view",), icon=":material/account_tree:", order=55,
             url_path="masterdata_departments"),
    PageSpec(file="pages/masterdata/projects.py", title="nav.settings.projects", group=_M,
             any_of=("masterdata.project.view",), icon=":material/work:", order=60,
             url_path="masterdata_projects"),
    PageSpec(file="pages/masterdata/warehouses.py", title="nav.settings.warehouses", group=_M,
             any_of=("masterdata.warehouse.view",), icon=":material/warehouse:", order=65,
             url_path="masterdata_warehouses"),
]
