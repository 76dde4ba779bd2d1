"""The operator's command line: parse, call the services, print. No business rules live here.
This module holds the command group and the lane's own commands; cli_operator holds the others.

Services are imported inside the commands that need them so ``pos-tui --help`` stays fast.
Errors: one line on stderr; exit 2 for usage and config problems, 1 for everything else.
"""

from __future__ import annotations

import sys

from pos_tui import lane_signals

# Before anything heavy is imported: Ctrl+C or Ctrl+\ while the lane starts must not stop it.
lane_signals.shield_if_lane(sys.argv)

from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from pos_tui import __version__  # noqa: E402
from pos_tui.config import Config, ConfigError, load_config  # noqa: E402
from pos_tui.domain.errors import DomainError  # noqa: E402
from pos_tui.domain.money import MoneyError  # noqa: E402
from pos_tui.i18n import _, set_language  # noqa: E402


class ConfigProblem(click.ClickException):
    exit_code = 2


class PosGroup(click.Group):
    """A click group that turns the project's typed errors into one-line messages and exit codes.

    Only the lane's own commands (run, demo) are defined here; the rest are in cli_operator, imported
    the first time a command that is not here is asked for (or the list of all), so a lane starts
    without building the forty-odd commands and groups (and their options) it never uses."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            _load_operator_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_operator_commands()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise ConfigProblem(str(exc)) from None
        except (DomainError, MoneyError) as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            from pos_tui.services.store_admin import is_store_refusal, is_store_url_error

            if is_store_url_error(exc):
                raise ConfigProblem(str(exc)) from None
            if is_store_refusal(exc):
                raise click.ClickException(str(exc)) from None
            raise


def _load_operator_commands() -> None:
    import pos_tui.cli_operator  # noqa: F401  (its decorators add its commands to main)


@dataclass
class _State:
    config_path: Path | None
    config: Config | None = None


def _config(ctx: click.Context) -> Config:
    state: _State = ctx.find_object(_State)
    if state.config is None:
        state.config = load_config(state.config_path)
        set_language(state.config.store.language)  # before any message of the command is built
    return state.config


def _open_store(ctx: click.Context, *, create_key: bool = False) -> Config:
    """Load the config and open its database (migrated) with the store key; closed when the command ends."""
    from pos_tui.services.store_admin import close_store, open_store

    config = _config(ctx)
    path = config.database_path
    # A file standing where a folder of the path should be is the database's own error, said below.
    blocked = path is not None and any(parent.exists() and not parent.is_dir() for parent in path.parents)
    if not create_key and path is not None and not path.exists() and not blocked:
        raise click.ClickException(_("no store at {path}: run `pos-tui init --admin NAME` first").format(path=path))
    open_store(config, create_key=create_key)
    ctx.call_on_close(close_store)
    return config


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _on_server(ctx: click.Context) -> Config | None:
    """The config when ``[server] url`` is set: the catalog, staff and reports are the store server's."""
    config = _config(ctx)
    return config if config.server.url else None


def _read_pin(pin_stdin: bool) -> str:
    if pin_stdin:
        pin = sys.stdin.readline().rstrip("\r\n")
        if not pin:
            raise click.ClickException(_("no PIN on stdin (expected one line)"))
        return pin
    return click.prompt(_("PIN"), hide_input=True, confirmation_prompt=_("Repeat PIN"))


PIN_OF_AS_HELP = "Read the PIN of --as from one line of stdin."


def _as_options(pin_help: str = PIN_OF_AS_HELP) -> Callable[[Any], Any]:
    """``--as NAME`` and ``--pin-stdin``: who does this, and where their PIN comes from."""
    def add(command: Any) -> Any:
        command = click.option("--pin-stdin", is_flag=True, help=pin_help)(command)
        return click.option("--as", "as_name", metavar="NAME",
                            help="The staff member doing this (their PIN is asked; with --pin-stdin, the first line).")(command)

    return add


def _operator(config: Config, action: str, as_name: str | None, pin_stdin: bool) -> str:
    """The journal's actor for a privileged command: the staff member named by ``--as`` whose PIN
    (from the tty, or the first line of stdin with ``--pin-stdin``) is right and whose role allows
    ``action``, with the OS user beside it ("boss (cli:root)"). A wrong PIN counts as at sign-in."""
    from pos_tui.services.staff import operator_for

    if not as_name:
        raise click.UsageError(_("this command needs --as NAME: a staff member whose role allows it, and their PIN"))
    if pin_stdin:
        pin = sys.stdin.readline().rstrip("\r\n")
        if not pin:
            raise click.ClickException(_("no PIN on stdin (expected one line)"))
    else:
        pin = click.prompt(_("PIN of {name}").format(name=as_name), hide_input=True, err=True)
    return f"{operator_for(config, as_name, pin, action)} ({_actor()})"


@click.group(cls=PosGroup)
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: $POS_TUI_CONFIG, then ./config.toml, then built-in defaults).",
)
@click.version_option(version=__version__, prog_name="pos-tui")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """pos-tui: a keyboard-only checkout lane for the terminal."""
    ctx.obj = _State(config_path)


def _log_to_file(config: Config) -> Path:
    """The lane logs to a file under the data dir: Textual draws on the terminal, stderr included."""
    import logging

    from pos_tui.private_files import private_file, private_folder

    log_file = config.data_dir / "pos-tui.log"
    private_folder(log_file.parent)
    private_file(log_file)
    logging.basicConfig(filename=log_file, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return log_file


@main.command()
@click.option("--kiosk", is_flag=True, help="Lock the lane: no quit without a supervisor PIN, no command palette.")
@click.pass_context
def run(ctx: click.Context, kiosk: bool) -> None:
    """Open the lane with the configured store and devices."""
    lane_signals.ignore_stop_signals()  # (done already when started as `pos-tui run`)
    ctx.call_on_close(lane_signals.restore)
    from pos_tui.services.opening import opened_lane
    from pos_tui.tui.app import run_lane

    config = _config(ctx)
    _log_to_file(config)
    failure = run_lane(config, opened_lane(config), kiosk=kiosk or config.kiosk.enabled)
    if failure:
        raise click.ClickException(failure)


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the demo store in this folder (reopened if it is there) instead of a temporary one.")
@click.option("--language", type=click.Choice(["en", "zh_CN"]),
              help="The language of the demo's screens and receipts (default: English, or the --config file's).")
@click.pass_context
def demo(ctx: click.Context, data_dir: Path | None, language: str | None) -> None:
    """Open the lane on a demo store: users cashier/1234 and super/9999, simulated printer and terminal.
    With --config, that file's settings are laid over the demo's."""
    lane_signals.ignore_stop_signals()  # (done already when started as `pos-tui demo`)
    ctx.call_on_close(lane_signals.restore)
    import tempfile

    from pos_tui.config import read_config_table
    from pos_tui.demo import DEMO_CODES, demo_settings, open_demo_store
    from pos_tui.services.opening import opened_lane
    from pos_tui.services.store_admin import close_store
    from pos_tui.tui.app import run_lane

    state: _State = ctx.find_object(_State)
    overrides = read_config_table(state.config_path) if state.config_path is not None else None
    folder = data_dir or Path(tempfile.mkdtemp(prefix="pos-tui-demo-"))
    config = open_demo_store(folder, demo_settings(overrides, language))
    close_store()  # the lane opens it again, with its devices, once its first frame is drawn
    set_language(config.store.language)
    _log_to_file(config)
    receipts = folder / "receipts.txt"
    failure = run_lane(config, opened_lane(config, simulate_printer_to=receipts), kiosk=False)
    if failure:
        raise click.ClickException(failure)
    click.echo(_("Demo store: {folder}").format(folder=folder))
    click.echo(_("Receipts the simulated printer received: {path}").format(path=receipts))
    codes = "; ".join(f"{code} ({what})" for code, what in DEMO_CODES.items())
    click.echo(_("Codes to try: {codes}").format(codes=codes))


def _take_config_after_the_command(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.find_object(_State).config_path = value


def _accept_config_everywhere(group: click.Group) -> None:
    """`pos-tui run --config X` as well as `pos-tui --config X run`: every command takes --config too."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _accept_config_everywhere(command)
        elif not any(param.name == "config_after" for param in command.params):
            command.params.append(click.Option(
                ["--config", "config_after"], type=click.Path(dir_okay=False, path_type=Path), expose_value=False,
                callback=_take_config_after_the_command, help="Config file (as the same option before the command)."))


_accept_config_everywhere(main)
