"""The `erp` group, its shared options and the translation of errors into messages and exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass

import click
from sqlalchemy.exc import OperationalError

from erp_core.config import Settings, load_settings, redact_url
from erp_core.i18n import render_error, t
from erp_core.kernel.errors import ConfigError, DomainError

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_REFUSED, EXIT_CONFIG, EXIT_DATABASE = 0, 1, 2, 3, 4, 5


@dataclass
class CliState:
    config_path: str | None
    lang: str | None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def locale(self) -> str:
        if self.lang:
            return self.lang
        try:
            return self.settings.default_locale
        except ConfigError:
            return "zh_CN"

    def database(self):
        from erp_core.db.uow import open_database
        from erp_core.health.logs import configure_from_settings

        configure_from_settings(self.settings, "cli")  # the application log (erp_core/health/logs.py)
        return open_database(self.settings)


def fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def handles_errors(fn: Callable) -> Callable:
    """Render DomainErrors in the user's language and map failures to the documented exit codes."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        state: CliState = click.get_current_context().find_object(CliState)
        locale = state.locale if state else "zh_CN"
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            fail(t("cli.error", locale) + render_error(exc, locale), EXIT_CONFIG)
        except DomainError as exc:
            fail(t("cli.error", locale) + render_error(exc, locale), EXIT_REFUSED)
        except OperationalError as exc:
            url = redact_url(state.settings.database_url) if state else "?"
            fail(t("cli.database_unreachable", locale, url=url, detail=str(exc.orig).strip()), EXIT_DATABASE)

    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="ERP_CONFIG", type=click.Path(dir_okay=False),
              help="Config file (default: config.toml beside the code; env ERP_CONFIG).")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), envvar="ERP_LANG",
              help="Language of messages (default: the config's default_locale; env ERP_LANG).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, lang: str | None) -> None:
    """ERP command line: database migrations, administrators, demo data, integrity checks and the web server."""
    ctx.obj = CliState(config_path, lang)


pass_state = click.make_pass_decorator(CliState)
