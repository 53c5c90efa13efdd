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
