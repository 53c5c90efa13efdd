"""The login gate: streamlit-authenticator's form and cookie, with erp_core deciding everything.

streamlit-authenticator 0.4.2 keeps users, a never-expiring failure counter and a JWT {username, exp} that
logout cannot revoke. Here a thin adapter keeps its form and cookie but:

- the credential check is ``erp_core.security.auth.login`` (bcrypt, lockout, per-address throttling, audit);
- the cookie carries the erp session token, and every run asks ``sessions.actor_for_token`` whether that
  session is still live (logout, idle timeout, password change, disabled user, sign-out-everywhere);
- its forgot-password / forgot-username / register widgets are never used.

The cookie component is rendered at a stable place of app.py (``flush_cookie``) instead of inside the login
form's run, so the rerun after a successful login cannot cancel it.
"""

from __future__ import annotations

import datetime as dt

import jwt
import streamlit as st
from extra_streamlit_components import CookieManager
from extra_streamlit_components.CookieManager import _component_func as _cookie_component
from streamlit_authenticator import Authenticate
from streamlit_authenticator.controllers import AuthenticationController, CookieController
from streamlit_authenticator.models import CookieModel
from streamlit_authenticator.utilities import Encryptor

from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import DomainError, NotAuthenticated, ValidationError, ValidationErrors
from erp_core.security import auth as erp_auth
from erp_core.security.sessions import ActorCache, actor_for_token
from ui.context import ACTOR_KEY, client_ip, database, settings

TOKEN_KEY = "erp_session_token"  # the erp session token of this browser session (never the password)
REASON_KEY = "erp_logout_reason"  # why the last session ended (idle, revoked...), shown on the login page
LOGIN_ERROR_KEY = "erp_login_error"  # the DomainError of the last failed login attempt
FAILURES_KEY = "erp_login_failures"  # {typed username: refused attempts in this browser session} (the hint)
_LAST_TYPED_KEY = "erp_login_last_username"
_PENDING_COOKIE_KEY = "erp_pending_cookie"  # ("set", value, expires) | ("delete",)
_ACTOR_CACHE_KEY = "erp_actor_cache"  # sessions.ActorCache: the Actor this browser session built, and for what
_AUTH_KEY = "erp_authenticator"  # this run's Authenticate (rebuilt every run; never reused across runs)
_LIB_KEYS = ("name", "username", "authentication_status", "email", "roles")


def decode_cookie(raw: object, key: str, now: float | None = None) -> dict | None:
    """The contents of a login cookie signed with ``key`` (HS256 only), or None when it is missing, forged,
    expired or carries no erp session token. Even a valid cookie only names a session: actor_for_token decides."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        data = jwt.decode(raw, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("erp_token"), str) or not data["erp_token"]:
        return None
    exp = data.get("exp_date")
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    if exp <= (dt.datetime.now().timestamp() if now is None else now):
        return None
    return data


class _CookieWriter(CookieManager):
    """extra_streamlit_components' cookie manager without its "getAll" component. The library's constructor
    renders that component (a hidden iframe, first in the page) to read the browser's cookies back; the ERP never
    reads cookies through it (``ErpCookieModel.get_cookie`` reads the request's). Signed-in runs render none of
    it (one element less on every rerun of every page, issue #17); the set / delete components are rendered on
    the run that writes (``ErpCookieModel.flush``), and signed-out runs keep the reader (``cookie_reader``)."""

    def __init__(self) -> None:  # noqa: D107 - no super().__init__(): that renders the "getAll" component
        self.cookie_manager = _cookie_component
        self.cookies: dict[str, str] = {}


class ErpCookieModel(CookieModel):
    """The library's JWT cookie, carrying the erp session token; writes are deferred to ``flush``. Built on every
    run (caching the library's objects breaks logout) but renders nothing unless a write is pending."""

    def __init__(self, cookie_name: str, cookie_key: str, cookie_expiry_days: float) -> None:
        # Not CookieModel.__init__: it builds the library's cookie manager, whose constructor renders a component.
        self.cookie_name, self.cookie_key, self.cookie_expiry_days = cookie_name, cookie_key, cookie_expiry_days
        self.token = self.exp_date = None

    def _token_encode(self) -> str:
        return jwt.encode({"username": st.session_state.get("username"),
                           "erp_token": st.session_state.get(TOKEN_KEY),
                           "exp_date": self.exp_date}, self.cookie_key, algorithm="HS256")

    def set_cookie(self) -> None:
        if self.cookie_expiry_days and st.session_state.get(TOKEN_KEY):
            self.exp_date = self._set_exp_date()
            expires = dt.datetime.now() + dt.timedelta(days=self.cookie_expiry_days)
            st.session_state[_PENDING_COOKIE_KEY] = ("set", self._token_encode(), expires)

    def delete_cookie(self) -> None:
        st.session_state[_PENDING_COOKIE_KEY] = ("delete",)

    def get_cookie(self) -> dict | None:
        """The signed cookie of an earlier visit (read from the request), or None. The library's version
        prints decoding errors and trusts any dict; a malformed or foreign cookie is simply no cookie."""
        if st.session_state.get("logout"):
            return None
        try:
            raw = st.context.cookies.get(self.cookie_name)
        except Exception:
            return None
        return decode_cookie(raw, self.cookie_key)

    def flush(self) -> None:
        pending = st.session_state.pop(_PENDING_COOKIE_KEY, None)
        if pending is None:
            return
        writer = _CookieWriter()
        if pending[0] == "set":
            # Streamlit lets no script set an HttpOnly cookie (docs/security.md); Secure and SameSite=strict it can.
            writer.set(self.cookie_name, pending[1], key="erp_cookie_set", expires_at=pending[2],
                       secure=cookie_secure(_page_url()), same_site="strict")
        else:  # deleting a cookie the browser does not hold is harmless; keeping a dead one is untidy
            writer.cookies[self.cookie_name] = ""  # (the library's delete forgets it from this dict)
            writer.delete(self.cookie_name, key="erp_cookie_delete")


class ErpCookieController(CookieController):
    def __init__(self, cookie_name: str, cookie_key: str, cookie_expiry_days: float) -> None:
        self.cookie_model = ErpCookieModel(cookie_name, cookie_key, cookie_expiry_days)


class ErpAuthenticationController(AuthenticationController):
    """The library's controller with erp_core's login: no credentials dict, no local failure counter,
    and no stripping or lower-casing of what the user typed."""

    def login(self, username: str | None = None, password: str | None = None, max_concurrent_users=None,
              max_login_attempts=None, token: dict | None = None, single_session: bool = False,
              callback=None, captcha: bool = False, entered_captcha=None) -> bool | None:
        db = database()
        if username is not None or password is not None:  # the form was submitted
            st.session_state.pop(LOGIN_ERROR_KEY, None)
            st.session_state.pop(REASON_KEY, None)
            problems = []
            if not (username or "").strip():
                problems.append(ValidationError("error.required", field="field.username"))
            if not password:
                problems.append(ValidationError("error.required", field="field.password"))
            try:
                if problems:
                    raise problems[0] if len(problems) == 1 else ValidationErrors(problems)
                result = erp_auth.login(db, username or "", password or "", client_ip=client_ip(),
                                        user_agent=_user_agent())
            except DomainError as err:
                st.session_state[LOGIN_ERROR_KEY] = err
                st.session_state["authentication_status"] = False
                if isinstance(err, erp_auth.LoginFailed):
                    counts = st.session_state.setdefault(FAILURES_KEY, {})
                    typed = (username or "").strip()
                    counts[typed] = counts.get(typed, 0) + 1
                    st.session_state[_LAST_TYPED_KEY] = typed
                return False
            _establish(result.token, result.username, result.display_name)
            return True
        if token and token.get("erp_token"):  # a cookie from an earlier visit
            try:
                actor = actor_for_token(db, token["erp_token"], client_ip=client_ip())
            except NotAuthenticated as err:
                st.session_state[REASON_KEY] = err.params.get("reason", "unknown")
                st.session_state[_PENDING_COOKIE_KEY] = ("delete",)
                return None
            _establish(token["erp_token"], actor.username, token.get("username") or actor.username)
            st.session_state[ACTOR_KEY] = actor
        return None

    def logout(self, callback=None) -> None:
        current = st.session_state.get(ACTOR_KEY)
        if current is not None:
            try:
                erp_auth.logout(database(), current)
            except DomainError:
                pass  # already ended on the server: nothing left to revoke
        clear_session(reason=None)
        st.session_state["logout"] = True


# The cookie components are invisible iframes; without this rule each one leaves an empty row on the page. The rule
# is put into the document's head by a script sent on a browser session's first run only: the head outlives the
# element, so later reruns need not send it again (one element less on every rerun, issue #17); a reload of the
# page is a new browser session, which gets it again. Fixed text of ours, no user data.
# The element goes LAST in the sidebar (app.py calls hide_cookie_rows after the sidebar's own elements; no page
# writes to the sidebar): sent first in the main area, it shifted every element of the page by one place on the
# next run, so the browser rebuilt them all and, for that run, showed the old login form beside the new one.
_HIDE_COOKIE_ROWS = """<script>
(function () {
  if (document.getElementById("erp-hide-cookie-rows")) { return; }
  var style = document.createElement("style");
  style.id = "erp-hide-cookie-rows";
  style.textContent = "div[data-testid='stElementContainer']:has(iframe[height='0']){display:none}";
  document.head.appendChild(style);
})();
</script>"""
_HIDE_COOKIE_ROWS_SENT = "erp_hide_cookie_rows_sent"


def cookie_reader() -> None:
    """The cookie manager's "getAll" component, first in the main area, on signed-out runs only (as every run
    had it before issue #17): the browser then has the component's script loaded when the sign-in writes the
    cookie through it, so the write does not wait for a cold load of the component on a busy server (a reload
    right after signing in found no cookie: tests/e2e/test_language_and_addresses_browser.py)."""
    CookieManager()


def hide_cookie_rows() -> None:
    """Once per browser session, as the sidebar's last element (see above)."""
    if st.session_state.get(_HIDE_COOKIE_ROWS_SENT):
        return
    with st.sidebar:
        st.html(_HIDE_COOKIE_ROWS, unsafe_allow_javascript=True)
    st.session_state[_HIDE_COOKIE_ROWS_SENT] = True


class ErpAuthenticate(Authenticate):
    def __init__(self) -> None:
        sec = settings().security
        key = settings().cookie_key()
        # Authenticate.__init__ is not called: it would build a second cookie component and a credentials
        # store. These are the attributes its methods use.
        self.api_key, self.path, self.secret_key = None, None, key
        self.attrs = {"login_sleep_time": 0}  # it sleeps for its cookie component; ours reads request cookies
        self.encryptor = Encryptor(key)
        self.cookie_controller = ErpCookieController(sec.cookie_name, key, sec.cookie_expiry_days)
        self.authentication_controller = ErpAuthenticationController({"usernames": {}}, auto_hash=False,
                                                                     secret_key=key)

    # The library's self-service widgets bypass erp_core (forgot_password sets a random password for anyone
    # who knows a username). They are never available here.
    def forgot_password(self, *args, **kwargs):
        raise NotImplementedError("use erp_core's password reset")

    def forgot_username(self, *args, **kwargs):
        raise NotImplementedError("not offered")

    def register_user(self, *args, **kwargs):
        raise NotImplementedError("use erp_core's registration")

    def reset_password(self, *args, **kwargs):
        raise NotImplementedError("use the change-password page")

    def update_user_details(self, *args, **kwargs):
        raise NotImplementedError("not offered")

    def flush_cookie(self) -> None:
        """Writes or deletes the login cookie through its component, in the sidebar: an element sent in the main
        area on one run only shifted the page's elements on the next, and the browser showed the page twice while
        that run went on (the sign-in form after a logout)."""
        with st.sidebar:
            self.cookie_controller.cookie_model.flush()


def cookie_secure(page_url: str | None) -> bool:
    """The login cookie is marked Secure when the browser shows the app over HTTPS (then it never travels over
    plain HTTP); over plain HTTP a Secure cookie would not be stored at all."""
    return isinstance(page_url, str) and page_url.lower().startswith("https://")


def _page_url() -> str | None:
    try:
        url = st.context.url
    except Exception:
        return None
    return url if isinstance(url, str) else None


def _user_agent() -> str | None:
    try:
        agent = st.context.headers.get("User-Agent")
    except Exception:
        return None
    return agent if isinstance(agent, str) else None


def _establish(token: str, username: str, display_name: str) -> None:
    st.session_state[TOKEN_KEY] = token
    st.session_state["authentication_status"] = True
    st.session_state["username"] = username
    st.session_state["name"] = display_name
    st.session_state["logout"] = None
    st.session_state.pop(REASON_KEY, None)
    st.session_state.pop(LOGIN_ERROR_KEY, None)


def clear_session(reason: str | None) -> None:
    """Forget this browser session's login (and its cookie); ``reason`` is shown on the login page."""
    for key in (TOKEN_KEY, ACTOR_KEY, _ACTOR_CACHE_KEY):
        st.session_state.pop(key, None)
    for key in _LIB_KEYS:
        st.session_state[key] = None
    if reason:
        st.session_state[REASON_KEY] = reason
    st.session_state[_PENDING_COOKIE_KEY] = ("delete",)


def authenticator() -> ErpAuthenticate:
    """This run's authenticator. app.py builds it once per run (the library must not be cached across runs:
    that breaks logout); pages reuse the same object within the run."""
    return st.session_state[_AUTH_KEY]


def start_run() -> ErpAuthenticate:
    auth = ErpAuthenticate()
    st.session_state[_AUTH_KEY] = auth
    return auth


def current_actor(auth: ErpAuthenticate) -> Actor | None:
    """Decide who is logged in on this run: the session token (from this browser session, else the cookie)
    must name a live erp session. Sets st.session_state[ACTOR_KEY]; returns None when logged out."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        st.session_state.pop(ACTOR_KEY, None)
        if st.session_state.get("logout"):
            return None
        cookie = auth.cookie_controller.get_cookie()
        if cookie:
            auth.authentication_controller.login(token=cookie)
        return st.session_state.get(ACTOR_KEY)
    cache = st.session_state.get(_ACTOR_CACHE_KEY)
    if cache is None:
        cache = st.session_state[_ACTOR_CACHE_KEY] = ActorCache()
    try:
        actor = actor_for_token(database(), token, client_ip=client_ip(), cache=cache)
    except NotAuthenticated as err:
        clear_session(err.params.get("reason", "unknown"))
        return None
    st.session_state[ACTOR_KEY] = actor
    return actor


def logout(auth: ErpAuthenticate) -> None:
    """Revoke the server session, forget the login here and delete the cookie."""
    auth.authentication_controller.logout()
    auth.cookie_controller.delete_cookie()


def sign_out() -> None:
    """The user menu's "sign out" (a button callback, before this run's authenticator exists): revoke the
    server session, forget the login and have the next cookie flush delete the cookie."""
    current = st.session_state.get(ACTOR_KEY)
    if current is not None:
        try:
            erp_auth.logout(database(), current)
        except DomainError:
            pass  # already ended on the server
    clear_session(reason="logout")
    st.session_state["logout"] = True


def login_error() -> DomainError | None:
    return st.session_state.get(LOGIN_ERROR_KEY)


def attempts_left(username: str | None = None) -> int | None:
    """How many more refused attempts with ``username`` the lockout allows at most, counted per typed username
    in this browser session: the same whether or not such a user exists (a server-side count would tell
    which usernames are real). None before any refusal."""
    if username is None:
        username = st.session_state.get(_LAST_TYPED_KEY)
    count = st.session_state.get(FAILURES_KEY, {}).get((username or "").strip())
    if not count:
        return None
    return max(settings().security.lockout_threshold - count, 0)


def logout_reason() -> str | None:
    return st.session_state.get(REASON_KEY)
