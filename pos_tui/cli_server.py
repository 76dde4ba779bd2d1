"""The command line's store-server side: ``pos-tui server init | add-lane | status``, and the
store-wide forms of ``products``, ``users`` and ``report`` that cli.py hands over when ``[server]
url`` is set. Parse, call ``services.store_server``, print; errors are one line (exit 1)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from pos_tui.cli import _as_options
from pos_tui.config import Config


def _need_server(config: Config) -> None:
    if not config.server.url:
        raise click.UsageError("no store server in the config: set [server] url (and credentials)")


def _ask_pin(as_name: str | None, pin_stdin: bool) -> Callable[[], str]:
    """How the PIN of ``--as`` is read when the server asks for it: the first line of stdin, or the tty."""
    def ask() -> str:
        import sys

        from pos_tui.i18n import _

        if pin_stdin:
            pin = sys.stdin.readline().rstrip("\r\n")
            if not pin:
                raise click.ClickException(_("no PIN on stdin (expected one line)"))
            return pin
        return click.prompt(_("PIN of {name}").format(name=as_name), hide_input=True, err=True)

    return ask


@contextlib.contextmanager
def _refusals_as_messages() -> Iterator[None]:
    from pos_tui.services.errors import AdminError
    from pos_tui.services.store_server import OperatorNeeded

    try:
        yield
    except OperatorNeeded as exc:
        raise click.UsageError(str(exc)) from None
    except AdminError as exc:
        raise click.ClickException(str(exc)) from None


# ---------------------------------------------------------------- pos-tui server ...


@click.group("server")
def server_group() -> None:
    """The PostgreSQL store server: set it up, add lanes, see how each lane's sync stands."""


def _config(ctx: click.Context) -> Config:
    from pos_tui.cli import _config as load

    config = load(ctx)
    _need_server(config)
    return config


@server_group.command("init")
@click.option("--store", "store", default="main", show_default=True, help="The store's code (a-z, 0-9, _).")
@click.option("--admin", "admin", required=True, help="Name of the first admin user.")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from one line of stdin instead of asking twice.")
@click.pass_context
def server_init(ctx: click.Context, store: str, admin: str, pin_stdin: bool) -> None:
    """Create (or migrate) the schema, the lanes' group role and the first admin."""
    from pos_tui.cli import _actor, _read_pin
    from pos_tui.services import store_server
    from pos_tui.services.store_admin import make_key_file

    config = _config(ctx)
    if make_key_file(config):
        click.echo(f"new store key file {config.key_path} (0600): copy it to every lane of the store, "
                   f"and keep a copy away from the server and its backups", err=True)
    with _refusals_as_messages():
        code, version = store_server.init_store(config, store=store, admin=admin,
                                                read_pin=lambda: _read_pin(pin_stdin), actor=_actor())
    click.echo(f"store server ready: store {code}, schema version {version}")


@server_group.command("add-lane")
@click.argument("lane", type=click.IntRange(1, 99))
@click.option("--credentials", "credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the lane's credentials file (0600). Default: ./lane-NN.pgpass")
@click.pass_context
def server_add_lane(ctx: click.Context, lane: int, credentials: Path | None) -> None:
    """Create lane N's role (it may write only its own documents) and its credentials file."""
    from pos_tui.cli import _actor
    from pos_tui.services import store_server

    config = _config(ctx)
    target = credentials or Path(f"lane-{lane:02d}.pgpass")
    with _refusals_as_messages():
        made = store_server.new_lane(config, lane, target, actor=_actor())
    click.echo(f"lane {lane:02d}: role {made.role}, credentials in {made.credentials} (mode 0600)")
    click.echo("copy the file to the lane and put in its config.toml:")
    click.echo(f'[server]\nurl = "postgresql://{made.role}@HOST/DATABASE?sslmode=verify-full"\n'
               f'credentials = "/etc/pos-tui/{made.credentials.name}"')


@server_group.command("status")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def server_status(ctx: click.Context, fmt: str) -> None:
    """Per lane: last seen, documents waiting, lag in seconds, parked documents, gaps; then every
    card or wallet payment (or refund) whose outcome is unknown on any lane."""
    from pos_tui.domain.money import format_amount
    from pos_tui.i18n import _
    from pos_tui.services import store_server

    config = _config(ctx)
    with _refusals_as_messages():
        found = store_server.status(config)
    store, lanes, parked, unknown = found.store, found.lanes, found.parked, found.unknown
    if fmt == "json":
        click.echo(json.dumps({"store": store, "lanes": [asdict(s) for s in lanes],
                               "parked": [asdict(p) for p in parked],
                               "unknown_payments": [asdict(u) for u in unknown]}, default=str, indent=2))
        return
    click.echo(f"store {store}")
    click.echo(f"{'lane':<5} {'last seen':<20} {'waiting':>7} {'lag s':>7} {'docs':>8} {'parked':>6}  problems")
    for s in lanes:
        seen = f"{s.last_seen.astimezone():%Y-%m-%d %H:%M:%S}" if s.last_seen else "never"
        problems = []
        if s.gap:
            problems.append(f"gap {s.gap[0]}-{s.gap[1]}")
        if s.chain_break:
            problems.append(s.chain_break)
        click.echo(f"{s.lane:<5} {seen:<20} {s.waiting:>7} {s.lag_seconds:>7.1f} {s.documents:>8} {s.parked:>6}  "
                   f"{'; '.join(problems) or 'none'}")
    for p in parked:
        click.echo(f"parked: lane {p.lane} document {p.lane_seq} ({p.kind}): {p.reason}")
    for u in unknown:
        line = (_("unknown payment: lane {lane} {method} {amount} reference {reference} since {time} ({actor}); "
                  "resolve it on lane {lane}") if u.status == "unknown" else
                _("pending payment: lane {lane} {method} {amount} reference {reference} since {time} ({actor}); "
                  "resolve it on lane {lane}"))
        if u.kind == "refund":
            line = (_("unknown refund: lane {lane} {method} {amount} reference {reference} since {time} ({actor}); "
                      "resolve it on lane {lane}") if u.status == "unknown" else
                    _("pending refund: lane {lane} {method} {amount} reference {reference} since {time} ({actor}); "
                      "resolve it on lane {lane}"))
        click.echo(line.format(lane=u.lane, method=u.method, amount=format_amount(u.amount, config.currency,
                                                                                  symbol=True),
                               reference=u.reference, time=u.attempted_at[:19].replace("T", " "),
                               actor=u.actor or "-") + (f" - {u.reason}" if u.reason else ""))


# ---------------------------------------------------------------- store-wide products, users, reports


def products_import(config: Config, file: Path, as_name: str | None, pin_stdin: bool) -> None:
    from pos_tui.cli import _actor
    from pos_tui.domain.money import currency
    from pos_tui.services import store_server
    from pos_tui.services.catalog_admin import ImportRejected, read_products

    try:
        products, warnings = read_products(file, cur=currency(config.store.currency),
                                           tax_codes=config.tax.rates.keys(), default_tax=config.tax.default)
    except ImportRejected as exc:
        for error in sorted(exc.errors):
            click.echo(str(error), err=True)
        raise click.ClickException(str(exc)) from None
    with _refusals_as_messages():
        created, updated = store_server.import_products(config, products, source=file.name, as_name=as_name,
                                                        ask_pin=_ask_pin(as_name, pin_stdin), os_user=_actor())
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported {len(products)} products from {file} to the store server "
               f"({created} new, {updated} updated); every lane gets them")


def promotions_import(config: Config, file: Path, as_name: str | None, pin_stdin: bool) -> Any:
    from pos_tui.cli import _actor
    from pos_tui.services import store_server

    with _refusals_as_messages():
        return store_server.import_promotions(config, file, as_name=as_name, ask_pin=_ask_pin(as_name, pin_stdin),
                                              os_user=_actor())


def promotions_list(config: Config) -> list[Any]:
    from pos_tui.services import store_server

    with _refusals_as_messages():
        return store_server.promotions(config)


def promotions_set_active(config: Config, code: str, active: bool, as_name: str | None, pin_stdin: bool) -> Any:
    from pos_tui.cli import _actor
    from pos_tui.services import store_server

    with _refusals_as_messages():
        return store_server.set_promotion_active(config, code, active, as_name=as_name,
                                                 ask_pin=_ask_pin(as_name, pin_stdin), os_user=_actor())


def products_edit(config: Config, sku: str, price: str | None, active: bool | None, as_name: str | None,
                  pin_stdin: bool) -> None:
    from pos_tui.cli import _actor
    from pos_tui.domain.money import format_amount, parse_amount
    from pos_tui.services import store_server

    if price is None and active is None:
        raise click.UsageError("nothing to change: give --price and/or --active/--inactive")
    new_price = parse_amount(price, config.currency) if price is not None else None
    with _refusals_as_messages():
        product = store_server.edit_product(config, sku, price=new_price, active=active, as_name=as_name,
                                            ask_pin=_ask_pin(as_name, pin_stdin), os_user=_actor())
    click.echo(f"{product.sku} {product.name}: {format_amount(product.price, config.currency, symbol=True)}"
               f"{'' if product.active else ' (inactive)'}")


def users_command(config: Config, action: str, name: str | None, *, role: str | None = None,
                  as_name: str | None = None, pin_stdin: bool = False) -> None:
    """``users list|add|passwd|disable|enable|unlock`` on the store server. All but ``list`` need
    ``--as`` an admin; ``add`` and ``passwd`` then read the new PIN (the next stdin line)."""
    from pos_tui.cli import _actor, _read_pin
    from pos_tui.services import store_server

    with _refusals_as_messages():
        if action == "list":
            for user in store_server.users(config):
                status = "disabled" if user.disabled else (
                    f"locked until {user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until and
                    user.locked_until > dt.datetime.now() else "active")
                click.echo(f"{user.name:<20} {user.role:<10} {status}")
            return
        store_server.change_user(config, action, name or "", role=role, as_name=as_name,
                                 ask_pin=_ask_pin(as_name, pin_stdin), read_new_pin=lambda: _read_pin(pin_stdin),
                                 os_user=_actor())
    done = {"add": f"added {role} {name} on the store server", "passwd": f"PIN changed for {name} on the store server",
            "disable": f"disabled {name} on the store server", "enable": f"enabled {name} on the store server",
            "unlock": f"unlocked {name} on the store server"}
    click.echo(done[action])


def members_command(config: Config, action: str, number: str | None = None, *, as_name: str | None = None,
                    pin_stdin: bool = False, **values: Any) -> None:
    """``members list|show|add|edit|disable|adjust|import`` on the store server's register (every
    lane gets it with the catalog). All but ``list`` and ``show`` need ``--as`` an admin."""
    from pos_tui.cli import _actor
    from pos_tui.cli_operator import _member_line
    from pos_tui.services import store_server
    from pos_tui.services.members import MemberImportError, parse_member_csv

    with _refusals_as_messages():
        if action == "list":
            for member in store_server.members(config):
                click.echo(_member_line(member))
            return
        if action == "show":
            member, entries = store_server.member_with_entries(config, number or "")
            click.echo(_member_line(member))
            for e in entries:
                where = f"lane {e.lane}" if e.lane is not None else "server"
                click.echo(f"{e.at.astimezone():%Y-%m-%d %H:%M}\t{e.kind}\t{e.points:+d}\t{e.business_day}\t"
                           f"{'offline' if e.offline else '-'}\t{where}\t{e.reason or '-'}")
            return
        ask = _ask_pin(as_name, pin_stdin)
        if action == "import":
            try:
                rows = parse_member_csv(values["file"].read_text(encoding="utf-8-sig"))
            except MemberImportError as exc:
                for line, problem in exc.problems:
                    click.echo(f"line {line}: {problem}", err=True)
                raise click.ClickException(f"{values['file']}: no member was taken") from None
            added, updated = store_server.change_member(config, "import", None, as_name=as_name, ask_pin=ask,
                                                        os_user=_actor(), rows=rows, source=values["file"].name)
            click.echo(f"members from {values['file']}: {added} new, {updated} updated on the store server")
            return
        member = store_server.change_member(config, action, number, as_name=as_name, ask_pin=ask, os_user=_actor(),
                                            **values)
    if action == "add":
        click.echo(f"added member {member.code} ({member.balance} points) on the store server")
        return
    click.echo(_member_line(member))


def report(config: Config, kind: str, *, lane: int | None, day: dt.date | None, as_name: str | None = None,
           pin_stdin: bool = False) -> Any:
    """``report x|z --store`` or ``--lane N`` on the server; returns the Report to print. Only taking
    the store's Z writes (it needs ``--as`` a role allowed the Z report); the others only read."""
    from pos_tui.cli import _actor
    from pos_tui.services import store_server

    _need_server(config)
    with _refusals_as_messages():
        return store_server.report(config, kind, lane=lane, day=day, as_name=as_name,
                                   ask_pin=_ask_pin(as_name, pin_stdin), os_user=_actor())


@click.command("edit")
@click.argument("sku")
@click.option("--price", help="New price in major units (\"12.50\").")
@click.option("--active/--inactive", default=None, help="Sell it again / stop selling it.")
@_as_options()
@click.pass_context
def products_edit_command(ctx: click.Context, sku: str, price: str | None, active: bool | None,
                          as_name: str | None, pin_stdin: bool) -> None:
    """Change one product's price or active flag (on the store server when [server] url is set:
    every lane charges the new price from its next scan). Needs --as an admin."""
    from pos_tui.cli import _config, _open_store, _operator

    config = _config(ctx)
    if config.server.url:
        return products_edit(config, sku, price, active, as_name, pin_stdin)
    from pos_tui.domain.money import format_amount, parse_amount
    from pos_tui.services import catalog_admin as catalog_edits

    if price is None and active is None:
        raise click.UsageError("nothing to change: give --price and/or --active/--inactive")
    _open_store(ctx)
    actor = _operator(config, "catalog", as_name, pin_stdin)
    if price is not None:
        product = catalog_edits.set_price(sku, parse_amount(price, config.currency), actor=actor)
    if active is not None:
        product = catalog_edits.set_active(sku, active, actor=actor)
    click.echo(f"{product.sku} {product.name}: {format_amount(product.price, config.currency, symbol=True)}"
               f"{'' if product.active else ' (inactive)'}")
