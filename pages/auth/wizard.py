"""Setup wizard (初始化向导): the first visit of a new installation creates the company and its administrator.
app.py routes here only while erp_core says setup is needed; run_setup itself refuses once a company exists."""

from __future__ import annotations

import zoneinfo

import streamlit as st

from erp_core.i18n import LANGUAGE_NAMES, LOCALES
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import DomainError, ValidationError, ValidationErrors
from erp_core.masterdata.models import ACCOUNTING_STANDARDS
from erp_core.setup.services import CURRENCIES, SETUP_PERMISSION, run_setup
from ui.context import LOCALE_KEY, client_ip, database, locale, settings
from ui.i18n import tr
from ui.safe import error_md, md

ERRORS_KEY = "erp_wizard_errors"  # field key -> rendered messages, from the last submit
DEMO_PASSWORDS_KEY = "erp_demo_passwords"  # shown once on the login page after setup with demo data
_ZONES = sorted(zoneinfo.available_timezones())
_FIELDS = ("field.company.name", "field.company.tax_id", "field.company.base_currency", "field.company.time_zone",
           "field.company.accounting_standard", "field.admin.username", "field.admin.display_name",
           "field.admin.password", "field.wizard.password_confirm", "field.locale",
           "field.finance.setting.taxpayer_type")


def _pick_language() -> None:
    st.session_state[LOCALE_KEY] = st.session_state["erp_wizard_locale"]
    st.session_state.pop(ERRORS_KEY, None)  # messages were rendered in the previous language


def _show_errors(field: str) -> None:
    for message in st.session_state.get(ERRORS_KEY, {}).get(field, []):
        st.error(message, icon=":material/error:")


def _collect(err: DomainError) -> dict[str, list[str]]:
    loc = locale()
    problems = err.errors if isinstance(err, ValidationErrors) else [err]
    out: dict[str, list[str]] = {}
    for p in problems:
        key = p.field if isinstance(p, ValidationError) and p.field in _FIELDS else "_form"
        out.setdefault(key, []).append(error_md(p, loc))
    return out


st.title(tr("wizard.title"))
st.caption(tr("wizard.intro"))

st.selectbox(tr("field.locale"), LOCALES, index=LOCALES.index(locale()), key="erp_wizard_locale",
             format_func=lambda code: LANGUAGE_NAMES[code], on_change=_pick_language)

for message in st.session_state.get(ERRORS_KEY, {}).get("_form", []):
    st.error(message)

with st.form("erp_wizard"):
    st.subheader(tr("wizard.company"))
    company_name = st.text_input(tr("field.company.name"), max_chars=200, key="wz_company_name")
    _show_errors("field.company.name")
    tax_id = st.text_input(tr("field.company.tax_id"), max_chars=18, help=tr("wizard.tax_id_help"), key="wz_tax_id")
    _show_errors("field.company.tax_id")
    col1, col2 = st.columns(2)
    currency = col1.selectbox(tr("field.company.base_currency"), CURRENCIES, key="wz_currency")
    time_zone = col2.selectbox(tr("field.company.time_zone"), _ZONES, index=_ZONES.index("Asia/Shanghai"),
                               key="wz_time_zone")
    _show_errors("field.company.base_currency")
    _show_errors("field.company.time_zone")
    standards = {tr(f"wizard.standard.{code}"): code for code in ACCOUNTING_STANDARDS}
    standard = standards[st.radio(tr("field.company.accounting_standard"), list(standards), horizontal=True,
                                  key=f"wz_standard_{locale()}")]
    _show_errors("field.company.accounting_standard")
    taxpayers = {tr(f"finance.settings.taxpayer.{code}"): code for code in ("general", "small")}
    taxpayer = taxpayers[st.radio(tr("field.finance.setting.taxpayer_type"), list(taxpayers), horizontal=True,
                                  help=tr("wizard.taxpayer_help"), key=f"wz_taxpayer_{locale()}")]
    _show_errors("field.finance.setting.taxpayer_type")

    st.subheader(tr("wizard.admin"))
    username = st.text_input(tr("field.admin.username"), max_chars=64, help=tr("wizard.username_help"),
                             key="wz_username")
    _show_errors("field.admin.username")
    display_name = st.text_input(tr("field.admin.display_name"), max_chars=100, key="wz_display_name")
    _show_errors("field.admin.display_name")
    st.info(md("ui.password_policy", min=settings().security.password_min_length), icon=":material/policy:")
    password = st.text_input(tr("field.admin.password"), type="password", key="wz_password")
    _show_errors("field.admin.password")
    confirm = st.text_input(tr("field.wizard.password_confirm"), type="password", key="wz_confirm")
    _show_errors("field.wizard.password_confirm")

    st.subheader(tr("wizard.options"))
    load_demo = st.checkbox(tr("wizard.load_demo"), help=tr("wizard.load_demo_help"), key="wz_demo")
    demo_year = st.checkbox(tr("demo.wizard.year"), help=tr("demo.wizard.year_help"), key="wz_demo_year")
    submitted = st.form_submit_button(tr("wizard.submit"), type="primary", icon=":material/check:", key="wz_submit")

if submitted:
    wizard = Actor.anonymous(client_ip=client_ip(), locale=locale(), permissions=(SETUP_PERMISSION,))
    try:
        result = run_setup(database(), wizard, company_name=company_name, tax_id=tax_id,
                           admin_username=username, admin_password=password, admin_display_name=display_name,
                           base_currency=currency, time_zone=time_zone, accounting_standard=standard,
                           locale=locale(), load_demo=load_demo, admin_password_confirm=confirm,
                           taxpayer_type=taxpayer)
    except DomainError as err:
        st.session_state[ERRORS_KEY] = _collect(err)
        st.rerun()
    else:
        st.session_state.pop(ERRORS_KEY, None)
        st.session_state[DEMO_PASSWORDS_KEY] = result.demo_passwords
        st.session_state["erp_setup_done"] = True
        if load_demo and demo_year:  # the demo's year of business, after the company is committed
            from erp_core.setup.demo_year import build_demo_year

            with st.spinner(tr("demo.cli.building")):
                try:
                    build_demo_year(database(), company_id=result.company_id, admin_user_id=result.admin_user_id)
                except DomainError as err:  # the company stands; the next run shows the login page
                    st.error(error_md(err, locale()), icon=":material/error:")
                    st.stop()
        st.rerun()
