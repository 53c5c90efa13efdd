"""The `erp` command: every command answers --help, the foundation commands work on a fresh SQLite file,
errors are localized and mapped to the documented exit codes (erp_core/cli/base.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from erp_core.cli import main
from erp_core.cli.base import EXIT_CONFIG, EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_VIOLATIONS
from erp_core.db.append_only import drop_ddl

ROOT = Path(__file__).resolve().parents[2]
DEMO_LINE = re.compile(r"^\s{2}(\S+)\s+(\S+)\s*$")


@pytest.fixture
def install(tmp_path):
    """A fresh installation: a config file pointing at a SQLite file that does not exist yet."""
    conf = tmp_path / "config.toml"
    conf.write_text('[database]\nurl = "sqlite:///erp.db"\n[app]\ndata_dir = "data"\ndefault_locale = "en"\n',
                    encoding="utf-8")
    return conf


def _env(conf: Path | None) -> dict[str, str | None]:
    # Nothing from the developer's shell may leak in (a CI ERP_DATABASE_URL would redirect the test).
    return {"ERP_CONFIG": str(conf) if conf else None, "ERP_DATABASE_URL": None, "ERP_LANG": None,
            "ERP_PORT": None, "ERP_ADDRESS": None}


def erp(conf: Path | None, *args: str, input: str | None = None):
    result = CliRunner().invoke(main, list(args), env=_env(conf), input=input, catch_exceptions=False)
    return result


def _output(result) -> str:
    """Everything the user saw (click's runner mixes stdout and stderr into ``output``)."""
    return result.output


def _demo_passwords(output: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for line in output.splitlines() if (m := DEMO_LINE.match(line))}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [(), *_commands(main)], ids=lambda p: " ".join(p) or "erp")
def test_every_command_has_help(path):
    result = erp(None, *path, "--help")
    assert result.exit_code == EXIT_OK, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) >= 3


def test_migrate_creates_the_database_and_is_idempotent(install):
    result = erp(install, "migrate")
    assert result.exit_code == EXIT_OK, _output(result)
    assert (install.parent / "erp.db").exists()  # relative to the config file, not the working directory
    assert "upgraded" in result.output
    again = erp(install, "init")
    assert again.exit_code == EXIT_OK and "up to date" in again.output


def test_version_prints_code_and_database_schema(install):
    from erp_core.db.migrate import head_revision

    before = erp(install, "version")
    assert before.exit_code == EXIT_OK
    assert f"schema (code): {head_revision()}" in before.output and "schema (database): -" in before.output
    erp(install, "migrate")
    after = erp(install, "version")
    assert f"schema (database): {head_revision()}" in after.output


def test_version_works_without_a_reachable_database(tmp_path):
    conf = tmp_path / "config.toml"
    conf.write_text('[database]\nurl = "postgresql://nobody@127.0.0.1:1/none"\n', encoding="utf-8")
    result = erp(conf, "version")
    assert result.exit_code == EXIT_OK and "schema (database): ?" in result.output


def test_demo_into_an_empty_database_prints_generated_passwords(tmp_path):
    runs = []
    for n in (1, 2):
        folder = tmp_path / f"install{n}"
        folder.mkdir()
        conf = folder / "config.toml"
        conf.write_text('[database]\nurl = "sqlite:///erp.db"\n', encoding="utf-8")
        # the first run as a user types it (the demo company and its year of business); the second without the
        # year (--no-activity: 10-20 s less on the busy CI machine), enough to show the passwords are new
        result = erp(conf, "--lang", "en", "demo", *(() if n == 1 else ("--no-activity",)))
        assert result.exit_code == EXIT_OK, _output(result)
        runs.append(_demo_passwords(result.output))
    first, second = runs
    assert "admin" in first and len(first) >= 6
    assert set(first) == set(second)  # the same demo users...
    assert all(first[u] != second[u] for u in first)  # ...with passwords generated afresh each time
    assert len(set(first.values())) == len(first)
    assert all(len(pw) >= 10 for pw in first.values())


def test_demo_passwords_log_in(install):
    from erp_core.config import load_settings
    from erp_core.db.uow import open_database
    from erp_core.security.auth import login

    result = erp(install, "demo", "--no-activity")  # the year of business adds nothing to the logins
    pws = _demo_passwords(result.output)
    db = open_database(load_settings(install, env={}))
    try:
        session = login(db, "admin", pws["admin"], client_ip="127.0.0.1")
        assert session.user_id
    finally:
        db.dispose()


def test_demo_refuses_a_database_that_has_a_company(install):
    assert erp(install, "demo", "--no-activity").exit_code == EXIT_OK  # a company, without the year of business
    again = erp(install, "demo")
    assert again.exit_code == EXIT_REFUSED
    assert "already has a company" in _output(again)


def test_create_admin_into_an_empty_database_is_refused_with_a_clear_message(install):
    """There is no company to administer yet: the message points to the setup wizard / `erp demo`."""
    erp(install, "migrate")
    result = erp(install, "create-admin", "--username", "boss")
    assert result.exit_code == EXIT_REFUSED
    assert "Traceback" not in _output(result)
    assert "erp demo" in _output(result)


def test_create_admin_generates_a_one_time_password(install):
    from erp_core.config import load_settings
    from erp_core.db.uow import open_database
    from erp_core.security.auth import login

    erp(install, "demo", "--no-activity")  # a company to administer (its year of business is not needed)
    result = erp(install, "create-admin", "--username", "boss", "--display-name", "老板")
    assert result.exit_code == EXIT_OK, _output(result)
    match = re.search(r"at first login\): (\S+)", result.output)
    assert match, result.output
    db = open_database(load_settings(install, env={}))
    try:
        assert login(db, "boss", match.group(1), client_ip="127.0.0.1").must_change_password
    finally:
        db.dispose()
    dup = erp(install, "create-admin", "--username", "boss")
    assert dup.exit_code == EXIT_REFUSED


def test_create_admin_with_password_from_stdin(install):
    erp(install, "demo", "--no-activity")  # a company to administer (its year of business is not needed)
    weak = erp(install, "create-admin", "--username", "weakling", "--password-stdin", input="123\n")
    assert weak.exit_code == EXIT_REFUSED  # the password policy applies, and nothing is created
    ok = erp(install, "create-admin", "--username", "ops", "--password-stdin", input="Very-Long-Pass-2026!\n")
    assert ok.exit_code == EXIT_OK, _output(ok)
    assert "Very-Long-Pass-2026!" not in ok.output  # a chosen password is never echoed


def test_check_is_clean_then_finds_a_tampered_audit_log(install):
    assert erp(install, "demo").exit_code == EXIT_OK
    clean = erp(install, "check")
    assert clean.exit_code == EXIT_OK, clean.output
    assert "0 problem(s) found" in clean.output

    engine = create_engine(f"sqlite:///{install.parent / 'erp.db'}")
    try:
        with engine.begin() as conn:  # the trigger refuses the edit...
            with pytest.raises(Exception, match="append-only"):
                with conn.begin_nested():
                    conn.execute(text("UPDATE audit_log SET username = 'mallory' WHERE seq = 1"))
        with engine.begin() as conn:  # ...so a tamperer must drop it first; the hash chain still tells
            for stmt in drop_ddl("sqlite", "audit_log"):
                conn.execute(text(stmt))
            conn.execute(text("UPDATE audit_log SET username = 'mallory' WHERE seq = 1"))
    finally:
        engine.dispose()
    tampered = erp(install, "check")
    assert tampered.exit_code == EXIT_VIOLATIONS, tampered.output
    assert "[ERR]" in tampered.output and "sequence 1" in tampered.output


def test_check_reports_an_outdated_schema(install):
    from erp_core.config import load_settings
    from erp_core.db.engine import engine_from_settings
    from erp_core.db.migrate import upgrade

    engine = engine_from_settings(load_settings(install, env={}))
    upgrade(engine, "0001")
    engine.dispose()
    result = erp(install, "check")
    assert result.exit_code == EXIT_VIOLATIONS and "erp migrate" in result.output


def test_messages_follow_the_language_option(install):
    erp(install, "migrate")
    zh = erp(install, "--lang", "zh_CN", "create-admin", "--username", "boss")
    en = erp(install, "--lang", "en", "create-admin", "--username", "boss")
    assert zh.exit_code == en.exit_code == EXIT_REFUSED
    assert "错误" in _output(zh) and "Error" in _output(en)


# --- exit codes --------------------------------------------------------------------------------------------

def test_usage_error_exit_code():
    assert erp(None, "no-such-command").exit_code == EXIT_USAGE
    assert erp(None, "create-admin").exit_code == EXIT_USAGE  # --username is required


@pytest.mark.parametrize(("content", "message"), [
    (None, "config"),  # the named file does not exist
    ("[database\n", "config"),  # syntax error
    ('[database]\nurl = "oracle://x@y/z"\n', "oracle"),
    ('[app]\nport = 99999\n', "app.port"),
])
def test_bad_config_exits_with_the_config_code(tmp_path, content, message):
    conf = tmp_path / "config.toml"
    if content is not None:
        conf.write_text(content, encoding="utf-8")
    for command in (["migrate"], ["check"], ["create-admin", "--username", "x"]):
        result = erp(conf, "--lang", "en", *command)
        assert result.exit_code == EXIT_CONFIG, (command, _output(result))
        assert message in _output(result).lower() or message in _output(result)
        assert "Traceback" not in _output(result)


def test_unreachable_database_exits_with_the_database_code(tmp_path):
    conf = tmp_path / "config.toml"
    conf.write_text('[database]\nurl = "postgresql://erp:secret@127.0.0.1:1/erp"\n', encoding="utf-8")
    result = erp(conf, "--lang", "en", "migrate")
    assert result.exit_code == EXIT_DATABASE, _output(result)
    out = _output(result)
    assert "Cannot reach the database" in out and "secret" not in out


# --- the installed console script -------------------------------------------------------------------------

def _erp_executable() -> list[str]:
    script = Path(sys.executable).parent / "erp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "erp_core.cli"]


def test_real_erp_process(install):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    env["ERP_CONFIG"] = str(install)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*_erp_executable(), *args], env=env, cwd="/", capture_output=True, text=True,
                              timeout=120)

    helped = run("--help")
    assert helped.returncode == 0 and "migrate" in helped.stdout
    migrated = run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    checked = run("--lang", "en", "check")
    assert checked.returncode == 0 and "0 problem(s) found" in checked.stdout, checked.stdout + checked.stderr
    bad = run("--config", str(install.parent / "missing.toml"), "migrate")
    assert bad.returncode == EXIT_CONFIG and "Traceback" not in bad.stderr
