"""The audit log: append-only on every backend, tamper-evident (edit / delete / insert in the middle are each
named as the first broken link, by the query and by `erp audit verify`), archived without breaking the chain,
and searchable / exportable with filters and row scope."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from erp_core.db.append_only import drop_ddl
from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import DomainError, ValidationError
from erp_core.security.archive import verify_archive_file
from erp_core.security.audit import entry_hash
from erp_core.security.audit_services import (
    AuditFilter,
    archive_audit,
    export_audit,
    list_audit_archives,
    search_audit,
    verify_audit_chain,
)
from erp_core.security.auth import login
from tests.security.helpers import audit_entries, new_user, setup_company
from tests.support.factories import actor


def _populate(db, n_users=4, company=None):
    _, admin = setup_company(db, company)
    for i in range(n_users):
        new_user(db, admin, f"user{i}")
    return admin


def _drop_guard(db):
    with db.engine.begin() as c:
        for stmt in drop_ddl(db.engine.dialect.name, "audit_log"):
            c.exec_driver_sql(stmt)


def _cli_verify(db_url):
    from erp_core.cli import main

    return CliRunner().invoke(main, ["--lang", "en", "audit", "verify"], env={"ERP_DATABASE_URL": db_url})


def test_intact_chain_verifies(db, db_url, company):
    admin = _populate(db, company=company)
    assert verify_audit_chain(db, admin) is None
    res = _cli_verify(db_url)
    assert res.exit_code == 0, res.output
    assert "intact" in res.output


def test_guard_refuses_update_and_delete_of_live_entries(db, company):
    _populate(db, 1, company=company)
    for stmt in ("UPDATE audit_log SET outcome = 'ok' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"):
        with pytest.raises(DBAPIError) as err, db.engine.begin() as c:
            c.execute(text(stmt))
        assert "append-only" in str(err.value.orig)


def test_edited_entry_is_named(db, db_url, company):
    admin = _populate(db, company=company)
    _drop_guard(db)
    with db.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET details = :d WHERE seq = 3"), {"d": '{"forged":true}'})
    brk = verify_audit_chain(db, admin)
    assert (brk.seq, brk.reason) == (3, "hash_mismatch")
    res = _cli_verify(db_url)
    assert res.exit_code == 1 and "sequence 3" in res.output and "hash_mismatch" in res.output


def test_deleted_entry_is_named(db, db_url, company):
    admin = _populate(db, company=company)
    _drop_guard(db)
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    brk = verify_audit_chain(db, admin)
    assert (brk.seq, brk.reason) == (4, "sequence_gap")
    res = _cli_verify(db_url)
    assert res.exit_code == 1 and "sequence 4" in res.output


def test_inserted_entry_is_named(db, db_url, company):
    """A forger shifts the later entries up and inserts a perfectly hashed entry at seq 3: the first entry
    after it no longer links to its predecessor."""
    admin = _populate(db, company=company)
    last = audit_entries(db)[-1].seq
    _drop_guard(db)
    prev = {e.seq: e for e in audit_entries(db)}[2]
    with db.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET seq = -seq WHERE seq >= 3"))
        c.execute(text("UPDATE audit_log SET seq = 1 - seq WHERE seq < 0"))
        forged = {"seq": 3, "at_utc": prev.at_utc, "company_id": prev.company_id, "user_id": None,
                  "username": "ghost", "client_ip": None, "action": "admin.user.create", "outcome": "ok",
                  "entity": "user", "entity_id": "1", "details": "{}", "prev_hash": prev.hash}
        forged["hash"] = entry_hash(forged)
        c.execute(text("INSERT INTO audit_log (seq, at_utc, company_id, user_id, username, client_ip, action, "
                       "outcome, entity, entity_id, details, prev_hash, hash) VALUES (:seq, :at_utc, :company_id, "
                       ":user_id, :username, :client_ip, :action, :outcome, :entity, :entity_id, :details, "
                       ":prev_hash, :hash)"), forged)
        c.execute(text("UPDATE audit_chain_head SET last_seq = :n"), {"n": last + 1})
    brk = verify_audit_chain(db, admin)
    assert (brk.seq, brk.reason) == (4, "link_mismatch")
    res = _cli_verify(db_url)
    assert res.exit_code == 1 and "sequence 4" in res.output and "link_mismatch" in res.output


def test_truncated_tail_is_detected(db, company):
    admin = _populate(db, company=company)
    last = audit_entries(db)[-1].seq
    _drop_guard(db)
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
    assert verify_audit_chain(db, admin).reason == "head_mismatch"


def test_archive_moves_old_entries_and_the_chain_still_verifies(db, db_url, tmp_path, moving_clock, company):
    admin = _populate(db, 3, company=company)
    old = audit_entries(db)
    moving_clock.advance(days=400)
    new_user(db, admin, "later")
    out = tmp_path / "audit-2025.jsonl.gz"
    res = archive_audit(db, admin, before=naive_utcnow() - dt.timedelta(days=365), out_path=str(out))
    assert (res.from_seq, res.to_seq, res.entry_count) == (1, old[-1].seq, len(old))
    remaining = audit_entries(db)
    assert remaining[0].seq == old[-1].seq + 1
    assert remaining[-1].action == "admin.audit.archive"  # the archiving itself is audited
    assert verify_audit_chain(db, admin) is None
    assert _cli_verify(db_url).exit_code == 0
    check = verify_archive_file(out)
    assert check.ok and check.count == len(old) and check.last_hash == old[-1].hash
    with gzip.open(out, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert json.loads(lines[1])["hash"] == old[0].hash
    assert [a.to_seq for a in list_audit_archives(db, admin)] == [old[-1].seq]
    # the live entries stay guarded, and the archive record itself is append-only
    for stmt in (f"DELETE FROM audit_log WHERE seq = {remaining[0].seq}", "DELETE FROM audit_archive"):
        with pytest.raises(DBAPIError), db.engine.begin() as c:
            c.execute(text(stmt))


def test_archive_file_tampering_is_detected(db, tmp_path, moving_clock, company):
    admin = _populate(db, 2, company=company)
    moving_clock.advance(days=200)
    out = tmp_path / "a.jsonl.gz"
    archive_audit(db, admin, before=naive_utcnow() - dt.timedelta(days=190), out_path=str(out))
    with gzip.open(out, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    row = json.loads(lines[2])
    row["username"] = "someone-else"
    lines[2] = json.dumps(row)
    with gzip.open(out, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    check = verify_archive_file(out)
    assert not check.ok and check.broken_seq == row["seq"] and check.reason == "hash_mismatch"


def test_archive_is_refused_on_a_broken_chain_and_when_nothing_is_old(db, tmp_path, moving_clock, company):
    admin = _populate(db, 1, company=company)
    with pytest.raises(DomainError) as err:
        archive_audit(db, admin, before=dt.date(2000, 1, 1), out_path=str(tmp_path / "x.jsonl.gz"))
    assert err.value.message_id == "error.audit.nothing_to_archive"
    with pytest.raises(ValidationError):
        archive_audit(db, admin, before=naive_utcnow() + dt.timedelta(days=1))
    moving_clock.advance(days=200)
    _drop_guard(db)
    with db.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET username = 'x' WHERE seq = 2"))
    with pytest.raises(DomainError) as err:
        archive_audit(db, admin, before=naive_utcnow() - dt.timedelta(days=190), out_path=str(tmp_path / "y.jsonl.gz"))
    assert err.value.message_id == "error.audit.chain_broken"
    assert not (tmp_path / "y.jsonl.gz").exists()


def test_cli_archive(db, db_url, tmp_path, moving_clock, company):
    from erp_core.cli import main

    _populate(db, 1, company=company)
    moving_clock.advance(days=200)
    out = tmp_path / "cli.jsonl.gz"
    before = (naive_utcnow() - dt.timedelta(days=190)).date().isoformat()
    res = CliRunner().invoke(main, ["--lang", "en", "audit", "archive", "--before", before, "--out", str(out)],
                             env={"ERP_DATABASE_URL": db_url})
    assert res.exit_code == 0, res.output
    assert "Archived" in res.output and out.exists()
    assert _cli_verify(db_url).exit_code == 0
    res = CliRunner().invoke(main, ["--lang", "en", "audit", "verify-archive", str(out)])
    assert res.exit_code == 0 and "verifies" in res.output


def test_viewer_filters_paging_and_export(db, company):
    admin = _populate(db, 3, company=company)
    with pytest.raises(DomainError):
        login(db, "user1", "Wrong-Passw0rd!", client_ip="203.0.113.50")
    page = search_audit(db, admin, filters=AuditFilter(module="admin"), page=1, page_size=2)
    assert page.total == 3 and len(page.rows) == 2 and page.pages == 2
    assert page.rows[0].seq > page.rows[1].seq  # newest first
    failed = search_audit(db, admin, filters=AuditFilter(outcome="failed"))
    assert [(r.username, r.client_ip) for r in failed.rows] == [("user1", "203.0.113.50")]
    assert search_audit(db, admin, filters=AuditFilter(entity="company")).total == 1
    assert search_audit(db, admin, filters=AuditFilter(username="USER2")).total == 0  # created by admin
    assert search_audit(db, admin, filters=AuditFilter(since=naive_utcnow() + dt.timedelta(hours=1))).total == 0
    with pytest.raises(ValidationError):
        search_audit(db, admin, filters=AuditFilter(outcome="maybe"))
    csv_bytes = export_audit(db, admin, filters=AuditFilter(module="admin"), fmt="csv")
    text_ = csv_bytes.decode("utf-8-sig")
    assert text_.splitlines()[0].startswith("序号") and text_.count("admin.user.create") == 3
    wb = load_workbook(io.BytesIO(export_audit(db, admin, fmt="xlsx")))
    assert wb.active.max_row == search_audit(db, admin).total + 1


def test_viewer_applies_row_scope(db, company):
    admin = _populate(db, 1, company=company)
    own = actor(admin.company_id, {"admin.audit.view": "own"}, user_id=admin.user_id)
    other = actor(admin.company_id, {"admin.audit.view": "own"}, user_id=424242)
    everything = search_audit(db, admin).total
    mine = search_audit(db, own)
    assert 0 < mine.total < everything and all(r.user_id == admin.user_id for r in mine.rows)
    assert search_audit(db, other).total == 0
    foreign = actor(admin.company_id + 1000, {"admin.audit.view": "all"})
    assert all(r.user_id is None for r in search_audit(db, foreign).rows)  # only installation-level entries


def test_system_actor_sees_everything(db, company):
    _populate(db, 1, company=company)
    assert search_audit(db, Actor.system()).total == len(audit_entries(db))


def test_redact_hides_secrets_at_any_depth():
    from erp_core.security.audit import redact

    params = {"username": "li", "password": "p1", "smtp": {"host": "mail", "Password": "p2", "nested": {"token": "t"}},
              "rows": [{"name": "a", "reset_code": "123456"}, ("x", {"api_secret": "s"})], "tags": ("a", "b"),
              "count": 3}
    assert redact(params) == {
        "username": "li", "password": "***", "smtp": {"host": "mail", "Password": "***", "nested": {"token": "***"}},
        "rows": [{"name": "a", "reset_code": "***"}, ["x", {"api_secret": "***"}]], "tags": ("a", "b"), "count": 3}
    assert params["smtp"]["Password"] == "p2"  # the caller's values are left as they were
