"""The shipped .streamlit/config.toml keeps the tuned and hardened settings (STACK-NOTES.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_performance_settings():
    assert CONFIG["runner"]["postScriptGC"] is False
    assert CONFIG["server"]["fileWatcherType"] == "none"
    assert CONFIG["server"]["runOnSave"] is False


def test_security_settings():
    server = CONFIG["server"]
    assert CONFIG["client"]["showErrorDetails"] in ("none", False)
    assert 0 < server["maxUploadSize"] <= 50
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    assert server["headless"] is True
    assert CONFIG["client"]["toolbarMode"] == "minimal"
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_listens_on_loopback_by_default():
    assert CONFIG["server"]["address"] == "127.0.0.1"
    assert CONFIG["server"]["port"] == 8501


def test_streamlit_accepts_every_option():
    """A misspelt option is ignored silently by Streamlit; make sure each one is a real option."""
    import streamlit.config as st_config

    known = set(st_config._config_options_template)
    for section, values in CONFIG.items():
        for name in values:
            assert f"{section}.{name}" in known, f"unknown Streamlit option {section}.{name}"


def test_erp_serve_passes_address_and_port_from_settings(monkeypatch):
    """`erp serve` hands ERP_ADDRESS / ERP_PORT (or config.toml) to Streamlit on the command line."""
    import os

    from click.testing import CliRunner

    from erp_core.cli import commands

    seen: dict = {}
    monkeypatch.setattr(os, "execv", lambda exe, args: seen.setdefault("args", args))
    monkeypatch.setattr(os, "chdir", lambda path: seen.setdefault("cwd", path))
    monkeypatch.setenv("ERP_ADDRESS", "0.0.0.0")
    monkeypatch.setenv("ERP_PORT", "8765")
    result = CliRunner().invoke(commands.main, ["serve"])
    assert result.exit_code == 0, result.output
    assert "--server.address=0.0.0.0" in seen["args"] and "--server.port=8765" in seen["args"]
    assert str(seen["args"][4]).endswith("app.py") and Path(seen["cwd"]) == ROOT
