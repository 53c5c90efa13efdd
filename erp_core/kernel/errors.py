"""DomainError family: every user-facing failure carries a message id and parameters.

The UI and CLI render the id in the user's locale (erp_core.i18n.render_error); code never builds
user-facing sentences itself. Parameters named ``field`` hold a catalog key (``field.*``) and are
translated too, so a message can name the field in the reader's language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected, user-facing error. ``message_id`` is a key of the i18n catalogs."""

    default_id = "error.domain"

    def __init__(self, message_id: str | None = None, /, **params: Any) -> None:
        self.message_id = message_id or self.default_id
        self.params = params
        super().__init__(f"{self.message_id} {params}" if params else self.message_id)


class ValidationError(DomainError):
    """Bad input. ``field`` names the offending field (a ``field.*`` catalog key)."""

    default_id = "error.validation"

    def __init__(self, message_id: str | None = None, /, *, field: str | None = None, **params: Any) -> None:
        if field is not None:
            params["field"] = field
        super().__init__(message_id, **params)
        self.field = field


class ValidationErrors(DomainError):
    """Several validation problems found at once (forms and imports report all of them)."""

    default_id = "error.validation.many"

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__(self.default_id, count=len(errors))
        self.errors = errors


def raise_if(problems: list[ValidationError]) -> None:
    """Raise what ``problems`` holds: nothing when empty, the one problem itself, or all as ValidationErrors."""
    if problems:
        raise problems[0] if len(problems) == 1 else ValidationErrors(problems)


class PermissionDenied(DomainError):
    default_id = "error.permission_denied"


class NotAuthenticated(DomainError):
    default_id = "error.not_authenticated"


class NotFound(DomainError):
    default_id = "error.not_found"


class ConcurrencyError(DomainError):
    """Someone else changed the record since it was read; nothing was overwritten."""

    default_id = "error.concurrent_edit"


class InvalidTransition(DomainError):
    default_id = "error.invalid_transition"


class Conflict(DomainError):
    """The request contradicts stored state (duplicate code, already done, idempotency mismatch...)."""

    default_id = "error.conflict"


class ConfigError(DomainError):
    default_id = "error.config"


class Busy(DomainError):
    """No database connection became free within the pool timeout (erp_core.db.engine): try again shortly.
    Nothing was written."""

    default_id = "error.busy"
