""".streamlit/config.toml stays tuned and hardened (STACK-NOTES.md; docs/operations.md "Streamlit settings")."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


@pytest.fixture(scope="module")
def cfg() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("section", "key", "expected"), [
    ("runner", "postScriptGC", False),  # a full gc after every rerun: p95 2.3 s at 25 sessions
    ("server", "fileWatcherType", "none"),
    ("server", "runOnSave", False),
    ("server", "headless", True),
    ("server", "enableXsrfProtection", True),
    ("server", "enableCORS", True),
    ("client", "showErrorDetails", "none"),  # tracebacks never reach the browser
    ("browser", "gatherUsageStats", False),
])
def test_setting(cfg, section, key, expected):
    assert cfg.get(section, {}).get(key) == expected, f"[{section}] {key} must be {expected!r}"


def test_uploads_are_limited(cfg):
    assert 0 < cfg["server"]["maxUploadSize"] <= 100  # MB; the default 200 is far more than a spreadsheet


def test_listens_on_loopback_by_default(cfg):
    assert cfg["server"].get("address", "127.0.0.1") == "127.0.0.1"


def test_every_key_is_a_streamlit_option(cfg):
    """A misspelt option is silently ignored by Streamlit; catch it here."""
    from streamlit import config as st_config

    known = set(st_config._config_options_template)  # noqa: SLF001 - Streamlit's own option registry
    unknown = [f"{section}.{key}" for section, values in cfg.items() for key in values
               if f"{section}.{key}" not in known]
    assert not unknown, f"unknown Streamlit options: {unknown}"
