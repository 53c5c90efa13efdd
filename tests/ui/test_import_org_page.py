"""The import page offers departments, projects and warehouses, with their template download."""

from erp_core.i18n import t


def test_import_page_offers_org_kinds(admin_app):
    at = admin_app
    at.switch_page("pages/masterdata/import.py").run()
    assert not at.exception, at.exception
    box = at.selectbox[0]
    labels = {t(f"import_org.kind.{k}", loc) for k in ("department", "project", "warehouse")
              for loc in ("zh_CN", "en")}
    assert len(labels & set(box.options)) == 3, box.options
    at = box.select("warehouses").run()
    assert not at.exception, at.exception
    assert at.selectbox[0].value == "warehouses"
