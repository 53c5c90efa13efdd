"""First-login preferences (首次登录设置): language, landing page, time zone. Shown once per user, and later from
the account menu."""

from __future__ import annotations

import zoneinfo

import streamlit as st

from erp_core.i18n import LANGUAGE_NAMES, LOCALES
from erp_core.security.account_services import my_profile, save_preferences
from ui.actions import run_action
from ui.context import LOCALE_KEY, require_actor
from ui.i18n import tr
from ui.nav import pages_for
from ui.pages import page_exists, page_url_path
from ui.safe import md

actor = require_actor()
profile = run_action(my_profile)
if profile is None:
    st.stop()
first = not profile.first_login_done
st.title(tr("account.preferences.first_title" if first else "account.preferences.title"))
if first:
    st.info(md("account.preferences.first_intro", name=profile.display_name), icon=":material/waving_hand:")

# Landing page: one of the pages this user may open (the form offers nothing else).
landing: dict[str, str] = {}
for specs in pages_for(actor).values():
    for spec in specs:
        if spec.file.startswith("pages/auth/") or not page_exists(spec):
            continue
        landing[page_url_path(spec)] = tr(spec.title)
zones = sorted(zoneinfo.available_timezones())
landing_keys = list(landing)
current_landing = profile.landing_page if profile.landing_page in landing else "home"

with st.form("erp_preferences"):
    language = st.selectbox(tr("field.locale"), LOCALES, index=LOCALES.index(profile.locale),
                            format_func=lambda code: LANGUAGE_NAMES[code], key="pref_locale")
    page = st.selectbox(tr("field.account.landing_page"), landing_keys,
                        index=landing_keys.index(current_landing) if current_landing in landing_keys else 0,
                        format_func=lambda key: landing[key], key="pref_landing")
    zone = st.selectbox(tr("field.account.time_zone"), zones,
                        index=zones.index(profile.time_zone) if profile.time_zone in zones else 0,
                        help=tr("account.preferences.time_zone_help"), key="pref_zone")
    submitted = st.form_submit_button(tr("account.preferences.submit"), type="primary", key="pref_submit")

if submitted:
    saved = run_action(save_preferences, locale=language, time_zone=zone, landing_page=page,
                       expected_version=profile.version)
    if saved is not None:
        st.session_state[LOCALE_KEY] = language
        st.session_state["erp_flash"] = tr("account.preferences.saved")
        st.rerun()

flash = st.session_state.pop("erp_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")
