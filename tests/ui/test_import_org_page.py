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


def test_import_page_offers_locations_and_any_registered_kind(admin_app, monkeypatch):
    """The page reads erp_core's import registry: a kind registered there (here a stand-in, as the inventory's
    opening stock registers itself) appears with its template and its parameters, without editing the page."""
    from erp_core.io import registry
    from erp_core.io.tabular import SheetFile

    calls = []

    def template(_db, _actor, *, fmt, locale=None):
        calls.append((fmt, locale))
        return SheetFile(b"code\r\n", f"stand_in_template.{fmt}", "text/csv", 0)

    kinds = dict(registry.import_kinds())
    monkeypatch.setattr(registry, "_REGISTRY", kinds)
    registry.register(registry.ImportKind(
        name="stand-in", label="nav.masterdata.import", permission="masterdata.warehouse.import",
        dry_run=lambda *a, **k: None, commit=lambda *a, **k: None, template=template,
        params=(registry.DATE_PARAM,), order=999))
    at = admin_app
    at.switch_page("pages/masterdata/import.py").run()
    assert not at.exception, at.exception
    box = at.selectbox[0]
    assert t("import_kinds.kind.location", "zh_CN") in box.options
    assert box.options[-1] == t("nav.masterdata.import", "zh_CN")  # the stand-in, last by its order
    at = box.select("locations").run()
    assert not at.exception, at.exception
    assert at.selectbox[0].value == "locations", (at.selectbox[0].value, at.selectbox[0].options)
    assert not at.date_input  # locations take no parameter
    at = at.selectbox[0].select("stand-in").run()
    assert not at.exception, at.exception
    assert at.selectbox[0].value == "stand-in"
    assert [d.label for d in at.date_input] == [t("field.ledgerimport.opening_date", "zh_CN")]
    assert ("xlsx", "zh_CN") in calls and ("csv", "zh_CN") in calls


def test_warehouse_keeper_sees_warehouses_and_locations_only(login_as):
    at = login_as("chen.cangguan")
    at.switch_page("pages/masterdata/import.py").run()
    assert not at.exception, at.exception
    box = at.selectbox[0]
    at = box.select("locations").run()
    assert not at.exception and at.selectbox[0].value == "locations"
    # warehouses and storage locations (masterdata.warehouse.*), never customers or accounts
    assert {t("import_org.kind.warehouse", "zh_CN"), t("import_kinds.kind.location", "zh_CN")} <= set(box.options)
    assert not {t("masterdata.import.customers", "zh_CN"), t("masterdata.import.accounts", "zh_CN")} \
        & set(box.options), box.options
