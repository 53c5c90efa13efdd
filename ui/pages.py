"""Page specs of the shell itself (wizard, login, account) and the URL path of any page."""

from __future__ import annotations

import functools
from pathlib import Path

from erp_core.security.account_services import PASSWORD_CHANGE, PREFERENCES_EDIT, PROFILE_VIEW
from ui.nav import PageSpec


def page_url_path(spec: PageSpec) -> str:
    """A stable URL segment: the spec's own, else the file's path under pages/ ("finance/vouchers.py" ->
    "finance_vouchers"), so two modules' pages of the same file name never clash."""
    if spec.url_path:
        return spec.url_path
    path = spec.file.removeprefix("pages/").removesuffix(".py")
    return path.replace("/", "_")


HOME = PageSpec(file="pages/home.py", title="nav.home", group="nav.group.home", any_of=(PROFILE_VIEW,),
                icon=":material/home:", order=0, url_path="home")

AUTH_PAGES: dict[str, PageSpec] = {
    "wizard": PageSpec(file="pages/auth/wizard.py", title="nav.auth.wizard", group="nav.group.auth", any_of=(),
                       icon=":material/rocket_launch:", url_path="setup"),
    "login": PageSpec(file="pages/auth/login.py", title="nav.auth.login", group="nav.group.auth", any_of=(),
                      icon=":material/login:", url_path="login"),
    "register": PageSpec(file="pages/auth/register.py", title="nav.auth.register", group="nav.group.auth",
                         any_of=(), icon=":material/person_add:", url_path="register"),
    "reset": PageSpec(file="pages/auth/reset.py", title="nav.auth.reset", group="nav.group.auth", any_of=(),
                      icon=":material/key:", url_path="reset"),
}

ACCOUNT_PAGES: dict[str, PageSpec] = {
    "password": PageSpec(file="pages/auth/change_password.py", title="nav.account.password",
                         group="nav.group.account", any_of=(PASSWORD_CHANGE,), icon=":material/password:",
                         order=10, url_path="account_password"),
    "preferences": PageSpec(file="pages/auth/preferences.py", title="nav.account.preferences",
                            group="nav.group.account", any_of=(PREFERENCES_EDIT,), icon=":material/tune:",
                            order=20, url_path="account_preferences"),
}


@functools.cache
def _page_files() -> frozenset[str]:
    """The page files the program ships ("pages/finance/vouchers.py", ...), read once per process: app.py asks
    about every menu entry on every rerun (~60 path look-ups, ~6 ms of CPU per rerun, issue #17). A page file
    added while the server runs shows after a restart, as with any other change to the program."""
    root = Path(__file__).resolve().parent.parent
    return frozenset(p.relative_to(root).as_posix() for p in (root / "pages").rglob("*.py") if p.is_file())


def page_exists(spec: PageSpec) -> bool:
    """A menu may list a page before its file is written; such a page is left out instead of failing."""
    return Path(spec.file).as_posix() in _page_files()
