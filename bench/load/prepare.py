"""Prepare a load-test installation: a fresh database with the demo company and its year of business, N users of
their own (role ``manager``: the finance dashboard), each logged in once through erp_core's login use case.

    python bench/load/prepare.py --dir /tmp/erp-load --users 100 [--database-url postgresql://.../erp_load]

Writes ``<dir>/config.toml`` (the installation's settings; data folder ``<dir>/data``) and ``<dir>/sessions.json``:
per user the login cookie the app would have set after that login (streamlit-authenticator's JWT
``{username, erp_token, exp_date}``, HS256 with the installation's cookie key). The load client presents it in the
websocket handshake, exactly as a browser that logged in earlier sends its cookie; the server then checks the
erp session with ``actor_for_token`` on every run, as for any user. The login form itself is not driven (each
login is the real use case: password verified, its own server-side session and audit record).

Passwords are hashed with bcrypt cost 4 here (the cost is stored in each hash; the app verifies any cost):
creating and logging in 100 users at cost 12 would take minutes and measures nothing of interest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PASSWORD = "Load-test-pass-2026"
ROLE = "manager"
LANDING = "reports_dashboard"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--database-url", default=None, help="default: SQLite <dir>/data/erp.db")
    ap.add_argument("--cookie-key", default=None, help="default: a random key written to <dir>/cookie.key")
    args = ap.parse_args()

    work: Path = args.dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    url = args.database_url or "sqlite:///data/erp.db"
    (work / "config.toml").write_text(f'[database]\nurl = "{url}"\n\n[app]\ndata_dir = "data"\n', encoding="utf-8")
    key = args.cookie_key or secrets.token_urlsafe(48)
    (work / "cookie.key").write_text(key, encoding="utf-8")
    os.environ["ERP_COOKIE_KEY"] = key
    os.environ.pop("ERP_DATABASE_URL", None)

    import jwt
    from sqlalchemy import select

    from erp_core.config import load_settings
    from erp_core.db.migrate import upgrade
    from erp_core.db.uow import open_database
    from erp_core.kernel.actor import Actor
    from erp_core.security import passwords
    from erp_core.security.account_services import my_profile, save_preferences
    from erp_core.security.auth import login
    from erp_core.security.models import Role, User
    from erp_core.security.sessions import actor_for_token, build_actor
    from erp_core.security.user_services import create_user
    from erp_core.setup.demo import DEMO_COMPANY
    from erp_core.setup.demo_year import build_demo_year
    from erp_core.setup.services import SETUP_PERMISSION, needs_setup, run_setup

    passwords.BCRYPT_ROUNDS = 4
    settings = load_settings(work / "config.toml", env={"ERP_COOKIE_KEY": key})
    db = open_database(settings)
    upgrade(db.engine)
    if not needs_setup(db):
        sys.exit(f"{settings.database_url}: not empty (prepare needs a fresh database)")
    result = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), **DEMO_COMPANY,
                       admin_username="admin", admin_password=PASSWORD, admin_display_name="系统管理员",
                       locale="zh_CN", load_demo=True)
    year = build_demo_year(db, company_id=result.company_id, admin_user_id=result.admin_user_id)
    print(f"demo company: {year.posted} vouchers posted, periods {year.periods[0]}..{year.periods[-1]}")
    with db.uow(readonly=True) as uow:
        admin = build_actor(uow.session, uow.session.get(User, result.admin_user_id), session_id=None,
                            client_ip="127.0.0.1")
        role_id = uow.session.execute(select(Role.id).where(Role.company_id == result.company_id,
                                                            Role.code == ROLE)).scalar_one()
    sessions = []
    expires = (dt.datetime.now() + dt.timedelta(days=1)).timestamp()
    for i in range(1, args.users + 1):
        username = f"load{i:03d}"
        create_user(db, admin, username=username, display_name=f"压测用户{i}", password=PASSWORD,
                    role_ids=[role_id], must_change_password=False)
        first = login(db, username, PASSWORD, client_ip="127.0.0.1", user_agent="bench/load prepare")
        me = actor_for_token(db, first.token, client_ip="127.0.0.1")
        profile = my_profile(db, me)
        save_preferences(db, me, locale="zh_CN", time_zone=profile.time_zone, landing_page=LANDING,
                         expected_version=profile.version)
        cookie = jwt.encode({"username": username, "erp_token": first.token, "exp_date": expires}, key,
                            algorithm="HS256")
        sessions.append({"username": username, "cookie": cookie})
    (work / "sessions.json").write_text(json.dumps({"cookie_name": settings.security.cookie_name,
                                                   "sessions": sessions}, indent=1), encoding="utf-8")
    db.dispose()
    print(f"{len(sessions)} users logged in; {work / 'sessions.json'}")


if __name__ == "__main__":
    main()
