"""run_action: call an erp_core use case from a page and turn any DomainError into a localized st.error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from erp_core.kernel.errors import DomainError, NotAuthenticated
from ui.context import database, locale, require_actor
from ui.i18n import tr
from ui.safe import error_md

R = TypeVar("R")
_FAILED = object()


def run_action(fn: Callable[..., R], /, *args: Any, success: str | None = None, **kwargs: Any) -> R | None:
    """Run ``fn(db, actor, *args, **kwargs)``. On success show the ``success`` message (a catalog key) and
    return the result; on a DomainError show it in the user's language and return None. Nothing else is
    caught: a bug still surfaces as a bug."""
    try:
        result = fn(database(), require_actor(), *args, **kwargs)
    except NotAuthenticated as err:
        # The session ended (signed out elsewhere, disabled, timed out) between the page load and this action:
        # nothing was done; back to the login page, which says why.
        from ui.auth import clear_session

        clear_session(err.params.get("reason") or "other")
        st.rerun()
    except DomainError as err:
        st.error(error_md(err, locale()))
        return None
    if success:
        st.success(tr(success))
    return result
