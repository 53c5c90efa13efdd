"""Entrypoint: page config -> language -> setup wizard (new install) or login gate -> the pages this actor may
open (st.navigation). Run with `erp serve` (or ./start.sh). No business rules here: erp_core decides."""

from __future__ import annotations

import logging

import streamlit as st

from erp_core.health.logs import configure_from_settings
from erp_core.i18n import LANGUAGE_NAMES, LOCALES
from erp_core.kernel.errors import Busy, ConfigError, DomainError, NotAuthenticated
from erp_core.security.account_services import my_profile, set_language
from erp_core.security.registration_services import registration_is_open
from erp_core.setup.services import needs_setup
from ui import auth
from ui.context import ACTOR_KEY, DATE_FORMAT_KEY, LOCALE_KEY, database, locale, settings
from ui.denied import denied_pages
from ui.gc_tuning import freeze_loaded_modules
from ui.i18n import tr
from ui.nav import PageSpec, kept_page, pages_for, shared_navigation
from ui.operations_notices import maintenance_notice
from ui.pages import ACCOUNT_PAGES, AUTH_PAGES, page_exists, page_url_path
from ui.safe import error_md, md_escape
from ui.widgets import keep_choices_across_language_switch, localize_streamlit_defaults

_AFTER_FORCED = "erp_after_forced_steps"
_NAV_KEY = "erp_nav_pages"  # (what the navigation is made of, its pages by group, the landing page)
_SET_UP = "erp_set_up"  # this browser session has seen the installation set up
_LANDED = "erp_landed"  # this browser session's first signed-in run has been routed (landing page)
_PROFILE_KEY = "erp_profile"  # (the Actor it was read for, my_profile of that actor)

st.set_page_config(page_title=tr("app.title"), page_icon=":material/storefront:", layout="wide",
                   initial_sidebar_state="auto")
localize_streamlit_defaults()  # Streamlit's own "Choose an option" / "None" in the reader's language
freeze_loaded_modules()  # once per process: the loaded modules leave the garbage collector's walks (issue #17)


def _page(spec: PageSpec, *, default: bool = False) -> st.Page:
    return kept_page(spec.file, title=tr(spec.title), icon=spec.icon, url_path=page_url_path(spec),
                     default=default)


def _language_picker(key: str, on_change) -> None:
    current = locale()
    st.sidebar.selectbox(tr("ui.language"), LOCALES, index=LOCALES.index(current), key=key,
                         format_func=lambda code: LANGUAGE_NAMES[code], on_change=on_change)


def _pick_anonymous_language() -> None:
    keep_choices_across_language_switch()
    st.session_state[LOCALE_KEY] = st.session_state["erp_lang_anon"]


def _pick_user_language() -> None:
    keep_choices_across_language_switch()
    chosen = st.session_state["erp_lang_user"]
    st.session_state[LOCALE_KEY] = chosen
    actor = st.session_state.get(ACTOR_KEY)
    if actor is not None and chosen != actor.locale:
        try:
            set_language(database(), actor, locale=chosen)
        except DomainError:  # an ended session: this very run sends the user to the login page
            pass


def _wizard() -> None:  # the wizard page has its own language field
    st.navigation([_page(AUTH_PAGES["wizard"], default=True)], position="hidden").run()


def _anonymous(authenticator: auth.ErpAuthenticate) -> None:
    auth.cookie_reader()  # first in the main area, on every signed-out run (see its docstring)
    _language_picker("erp_lang_anon", _pick_anonymous_language)
    pages = [_page(AUTH_PAGES["login"], default=True), _page(AUTH_PAGES["reset"])]
    if registration_is_open(database()):
        pages.insert(1, _page(AUTH_PAGES["register"]))
    # No hidden pages here: registering them in the signed-out navigation made the sign-in form's first refusal
    # vanish in the browser (tests/e2e/test_phone_login_and_menu.py); a bookmark opened before signing in shows
    # Streamlit's "page not found" notice over the sign-in form (see the closing note of 2026-12-06).
    current = st.navigation(pages)
    # what is sent on some runs only goes last in the sidebar, so no other element changes place between runs
    authenticator.flush_cookie()
    _fold_sidebar_on_phones()
    auth.hide_cookie_rows()
    current.run()


# Streamlit folds the sidebar after a menu click only when the browser's user agent says "mobile" (ua-parser);
# a narrow window that does not say so (many Android browsers in desktop mode, tablets, an embedded webview)
# kept the open sidebar over the page. This folds it after any menu or page-link click while the window is
# narrower than Streamlit's own phone breakpoint (768 px). Fixed text of ours, no user data.
_FOLD_SIDEBAR_ON_PHONES = """<script>
(function () {
  if (window.__erpFoldSidebar) { return; }
  window.__erpFoldSidebar = true;
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest || window.innerWidth >= 768) { return; }
    if (!target.closest('[data-testid="stSidebar"] a')) { return; }
    // The page switch the click starts re-renders the sidebar; on a slow device the collapse button can be
    // missing for a moment: look for it for up to two seconds, click it once, stop if it is already folded.
    var tries = 0;
    function fold() {
      var button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (button && button.getAttribute("aria-expanded") === "true") { button.click(); return; }
      if (button && button.getAttribute("aria-expanded") === "false") { return; }
      if (++tries < 20) { setTimeout(fold, 100); }
    }
    setTimeout(fold, 60);  // after the link has handled the click
  }, true);
})();
</script>"""


_FOLD_SENT = "erp_fold_sidebar_sent"  # this browser session's page has the script (it installs a document listener)


def _fold_sidebar_on_phones() -> None:
    """Sent on a browser session's first run only: the listener it installs stays on the document when later
    reruns no longer carry the element (one element and ~600 bytes less on every rerun, issue #17); a reload of
    the page is a new browser session, which gets it again."""
    if st.session_state.get(_FOLD_SENT):
        return
    with st.sidebar:
        st.html(_FOLD_SIDEBAR_ON_PHONES, unsafe_allow_javascript=True)
    st.session_state[_FOLD_SENT] = True


def _sign_out() -> None:  # button callback: runs before the script, so this run already shows the login page
    auth.sign_out()


def _user_menu(display_name: str, *, account_links: bool, nav: dict[str, list[st.Page]] | None = None) -> None:
    """Sidebar: who is signed in, language, change password, sign out. ``nav``: this run's navigation, whose
    change-password page the link names directly (a link given a file path resolves it on the disk and looks
    through every registered page on each rerun, issue #17); the same link either way."""
    with st.sidebar:
        st.markdown(f"**{md_escape(display_name)}**")
        _language_picker("erp_lang_user", _pick_user_language)
        if account_links:
            password = ACCOUNT_PAGES["password"]
            target = _nav_page(nav, page_url_path(password)) or password.file
            st.page_link(target, label=tr("nav.account.password"), icon=password.icon)
        st.button(tr("ui.logout"), key="erp_logout_button", icon=":material/logout:", width="stretch",
                  on_click=_sign_out)


def _nav_page(nav: dict[str, list[st.Page]] | None, url_path: str) -> st.Page | None:
    for pages in (nav or {}).values():
        for page in pages:
            if page.url_path == url_path:
                return page
    return None


def _user_pages(groups: dict[str, list[PageSpec]], landing: str) -> tuple[dict[str, list[st.Page]], st.Page | None]:
    """The navigation of the pages in ``groups`` (titles in this run's language) and the landing page among them.
    Kept in this browser session while what it is made of stays the same (the actor's pages, the language, the
    landing page): an st.Page for each of the ~45 pages, visible or hidden, cost ~6 ms of CPU per rerun (issue
    #17). Its pages are built once per process for each such key (ui.nav.shared_navigation); this session gets
    copies of its own (st.navigation marks a page object for the run that shows it)."""
    key = (tuple((group, tuple(specs)) for group, specs in groups.items()), locale(), landing)
    kept = st.session_state.get(_NAV_KEY)
    if kept is not None and kept[0] == key:
        return kept[1], kept[2]
    nav, landing_page = shared_navigation(key, lambda: _build_navigation(groups, landing))
    st.session_state[_NAV_KEY] = (key, nav, landing_page)
    return nav, landing_page


def _build_navigation(groups: dict[str, list[PageSpec]], landing: str
                      ) -> tuple[dict[str, list[st.Page]], st.Page | None]:
    specs = [s for group in groups.values() for s in group if page_exists(s)]
    if not any(page_url_path(s) == landing for s in specs):
        landing = "home"
    nav: dict[str, list[st.Page]] = {}
    landing_page = None
    for group, group_specs in groups.items():
        pages = []
        for spec in filter(page_exists, group_specs):  # a menu may list a page ahead of its file
            # Home is the default page (the address "/"); the landing page keeps its own address, so a bookmark
            # of it opens it (as the default it would answer only at "/": "page not found" at its address).
            pages.append(_page(spec, default=page_url_path(spec) == "home"))
            if page_url_path(spec) == landing:
                landing_page = pages[-1]
        if pages:
            nav[tr(group)] = pages
    # The pages this actor may not open answer at their address with a localized explanation (hidden entries).
    if nav:
        next(iter(nav.values())).extend(denied_pages({page_url_path(s) for s in specs}))
    return nav, landing_page


def _profile(db, actor):
    """The signed-in user's profile, kept with the Actor it was read for: the session check hands back the very
    same Actor object while nothing it is built from changed (sessions.ActorCache), and every change to the
    profile (preferences, password set by an administrator, company date format) moves the actor generation on,
    so a new Actor means reading it again. Saves a query per rerun (issue #17)."""
    kept = st.session_state.get(_PROFILE_KEY)
    if kept is not None and kept[0] is actor:
        return kept[1]
    profile = my_profile(db, actor)
    st.session_state[_PROFILE_KEY] = (actor, profile)
    return profile


def main() -> None:
    configure_from_settings(settings(), "app")  # the application log (once per process; erp_core/health/logs.py)
    db = database()
    # A company, once there, stays: this browser session asks the database only until it has seen one.
    if not st.session_state.get(_SET_UP):
        if needs_setup(db):
            _wizard()
            return
        st.session_state[_SET_UP] = True
    authenticator = auth.start_run()
    actor = auth.current_actor(authenticator)
    profile = None
    if actor is not None:
        try:
            profile = _profile(db, actor)
        except NotAuthenticated:  # the session ended between the two reads
            auth.clear_session("unknown")
            actor = None
    if actor is None or profile is None:
        _anonymous(authenticator)
        return
    st.session_state[LOCALE_KEY] = actor.locale
    st.session_state[DATE_FORMAT_KEY] = profile.date_format  # every page writes dates the company's way
    authenticator.flush_cookie()
    if profile.must_change_password or not profile.first_login_done:
        # Forced steps, in this order: a password of one's own, then the first-login preferences (once).
        forced = ACCOUNT_PAGES["password" if profile.must_change_password else "preferences"]
        st.session_state[_AFTER_FORCED] = True
        current = st.navigation([_page(forced, default=True)], position="hidden")
        _user_menu(profile.display_name, account_links=False)
        auth.hide_cookie_rows()
        current.run()
        return
    nav, landing_page = _user_pages(pages_for(actor), profile.landing_page)
    # Every page is listed: an administrator has ~45, and Streamlit's default folds all but ten behind "View N
    # more", which hid whole modules.
    current = st.navigation(nav, expanded=True)
    if not st.session_state.get(_LANDED):
        # A browser session that opens the site's address ("/", i.e. Home) starts on the user's landing page.
        st.session_state[_LANDED] = True
        if (landing_page is not None and current is not landing_page and current.url_path == ""
                and not st.session_state.get(_AFTER_FORCED)):
            st.switch_page(landing_page)
    if st.session_state.get(_AFTER_FORCED):
        # The browser still shows the forced page's address: open the landing page. The flag is cleared only
        # here, as the switch happens: a run interrupted earlier (the login cookie's component reruns the app
        # about when the first-login form is saved) must leave it for the next run, or the user stays put.
        st.session_state.pop(_AFTER_FORCED, None)
        if landing_page is not None and current is not landing_page:
            st.switch_page(landing_page)
    _user_menu(profile.display_name, account_links=actor.may(ACCOUNT_PAGES["password"].any_of[0]), nav=nav)
    _fold_sidebar_on_phones()
    auth.hide_cookie_rows()
    maintenance_notice()  # an upgrade is running: users see it on every page (erp_core/operations)
    current.run()


try:
    main()
except ConfigError as err:  # invalid settings stop the app with a message naming the setting
    st.error(error_md(err, locale()), icon=":material/settings_alert:")
except Busy as err:  # every pooled connection stayed in use (many users at once): "busy, try again", no traceback
    st.error(error_md(err, locale()), icon=":material/hourglass_top:")
except Exception:  # a bug: into the application log (the health page lists it), then Streamlit shows it as before
    logging.getLogger("erp.ui").exception("unhandled error in the web app")
    raise
