"""Access examples for the self-service account use cases (erp_core.security.account_services): each runs as a
real user of the company holding only the permission under test."""

from __future__ import annotations

from types import MappingProxyType

from erp_core.kernel.actor import Actor, Scope
from erp_core.security import account_services, user_services
from tests.access.examples import example

S = "erp_core.security.account_services."
PASSWORD = "Acc0unt-Own-Pass!"
PERMISSIONS = {
    S + "my_profile": account_services.PROFILE_VIEW,
    S + "change_password": account_services.PASSWORD_CHANGE,
    S + "save_preferences": account_services.PREFERENCES_EDIT,
    S + "set_language": account_services.PREFERENCES_EDIT,
}


def _self(env, name: str) -> Actor:
    """A fresh user of the company, acting on their own account with only ``name``'s permission."""
    username = env.unique("self.")
    user_id = env.call(user_services.create_user, username=username, display_name="自助", password=PASSWORD)
    return Actor(user_id=user_id, username=username, company_id=env.company_id,
                 grants=MappingProxyType({PERMISSIONS[name]: Scope.ALL}))


@example(S + "my_profile")
def _(env):
    return {"__actor__": _self(env, S + "my_profile")}


@example(S + "change_password")
def _(env):
    return {"__actor__": _self(env, S + "change_password"), "current_password": PASSWORD,
            "new_password": "Changed-0wn-Pass!", "confirm_password": "Changed-0wn-Pass!"}


@example(S + "save_preferences")
def _(env):
    return {"__actor__": _self(env, S + "save_preferences"), "locale": "en", "time_zone": "Asia/Shanghai",
            "landing_page": "home"}


@example(S + "set_language")
def _(env):
    return {"__actor__": _self(env, S + "set_language"), "locale": "en"}
