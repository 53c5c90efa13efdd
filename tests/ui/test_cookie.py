"""The login cookie: only a cookie signed with the installation's key, unexpired and naming an erp session
counts (and even then the server session decides)."""

import time

import jwt

from ui.auth import decode_cookie

KEY = "k" * 40


def _cookie(payload: dict, key: str = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def test_valid_cookie_is_decoded():
    data = decode_cookie(_cookie({"username": "li", "erp_token": "abc", "exp_date": time.time() + 60}), KEY)
    assert data["erp_token"] == "abc"


def test_cookie_signed_with_another_key_is_ignored():
    assert decode_cookie(_cookie({"username": "li", "erp_token": "abc", "exp_date": time.time() + 60},
                                 key="x" * 40), KEY) is None


def test_unsigned_cookie_is_ignored():
    token = jwt.encode({"username": "li", "erp_token": "abc", "exp_date": time.time() + 60}, None,
                       algorithm="none")
    assert decode_cookie(token, KEY) is None


def test_library_style_cookie_without_a_session_token_is_ignored():
    # streamlit-authenticator's own cookie names only a user: it must never log anyone in here
    assert decode_cookie(_cookie({"username": "admin", "exp_date": time.time() + 60}), KEY) is None


def test_expired_or_malformed_cookies_are_ignored():
    assert decode_cookie(_cookie({"erp_token": "abc", "exp_date": time.time() - 1}), KEY) is None
    assert decode_cookie(_cookie({"erp_token": "abc", "exp_date": "never"}), KEY) is None
    assert decode_cookie(_cookie({"erp_token": "abc"}), KEY) is None
    assert decode_cookie("not-a-jwt", KEY) is None
    assert decode_cookie(None, KEY) is None
    assert decode_cookie(b"bytes", KEY) is None


def test_cookie_is_secure_under_https_only():
    from ui.auth import cookie_secure

    assert cookie_secure("https://erp.example.cn/") and cookie_secure("HTTPS://erp.example.cn/ledger")
    assert not cookie_secure("http://127.0.0.1:8501/") and not cookie_secure(None)


def test_a_valid_signed_cookie_is_useless_once_its_server_session_ends(db):
    """The cookie cannot be HttpOnly (docs/security.md): a stolen one must not outlive its server session."""
    import pytest

    from erp_core.kernel.errors import NotAuthenticated
    from erp_core.security.account_services import change_password
    from erp_core.security.auth import login, logout
    from erp_core.security.sessions import actor_for_token
    from tests.security.helpers import PASSWORD, new_user, setup_company

    _, admin = setup_company(db)
    new_user(db, admin, "stolen")
    for end in ("logout", "password"):
        token = login(db, "stolen", PASSWORD if end == "logout" else "N3w-Passw0rd!x").token
        cookie = _cookie({"username": "stolen", "erp_token": token, "exp_date": time.time() + 3600})
        assert PASSWORD not in cookie
        data = decode_cookie(cookie, KEY)
        me = actor_for_token(db, data["erp_token"])
        if end == "logout":
            logout(db, me)
        else:  # a password change from another session ends this one too
            other = actor_for_token(db, login(db, "stolen", "N3w-Passw0rd!x").token)
            change_password(db, other, current_password="N3w-Passw0rd!x", new_password="Th1rd-Passw0rd!x",
                            confirm_password="Th1rd-Passw0rd!x")
        with pytest.raises(NotAuthenticated):
            actor_for_token(db, decode_cookie(cookie, KEY)["erp_token"])
        if end == "logout":
            change_password(db, actor_for_token(db, login(db, "stolen", PASSWORD).token), current_password=PASSWORD,
                            new_password="N3w-Passw0rd!x", confirm_password="N3w-Passw0rd!x")
