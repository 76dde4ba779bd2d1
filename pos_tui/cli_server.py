"""The command line's store-server side: ``pos-tui server init | add-lane | status``, and the
store-wide forms of ``products``, ``users`` and ``report`` that cli.py hands over when ``[server]
url`` is set. Parse, call ``pos_tui.server``, print; errors are one line (exit 1)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

import click

from pos_tui.config import Config


def _server_errors() -> tuple[type[Exception], ...]:
    from pos_tui.server.connect import SERVER_ERRORS  # loads psycopg: only when a server is in use

    return SERVER_ERRORS


@contextlib.contextmanager
def admin_connection(config: Config) -> Iterator[Any]:
    """The operator's connection to the store server (the role in ``[server] url``)."""
    from pos_tui.server.connect import connect, first_line

    try:
        conn = connect(config.server.url, config.server.credentials, application_name="pos-tui admin")
    except _server_errors() as exc:
        raise click.ClickException(first_line(exc)) from None
    try:
        yield conn
    except _server_errors() as exc:
        raise click.ClickException(first_line(exc)) from None
    finally:
        conn.close()


def _need_server(config: Config) -> None:
    if not config.server.url:
        raise click.UsageError("no store server in the config: set [server] url (and credentials)")


def _store(conn: Any) -> str:
    from pos_tui.server.admin import store_code

    return store_code(conn)


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
    from pos_tui.domain.pins import check_pin_format, hash_pin
    from pos_tui.server.admin import init_server

    config = _config(ctx)
    with admin_connection(config) as conn:
        pin = _read_pin(pin_stdin)
        check_pin_format(pin, config.security.pin_min_length)
        version = init_server(conn, store=store, admin=admin, pin_hash=hash_pin(pin), actor=_actor())
        click.echo(f"store server ready: store {_store(conn)}, schema version {version}")


@server_group.command("add-lane")
@click.argument("lane", type=click.IntRange(1, 99))
@click.option("--credentials", "credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the lane's credentials file (0600). Default: ./lane-NN.pgpass")
@click.pass_context
def server_add_lane(ctx: click.Context, lane: int, credentials: Path | None) -> None:
    """Create lane N's role (it may write only its own documents) and its credentials file."""
    from pos_tui.cli import _actor
    from pos_tui.server.admin import add_lane

    config = _config(ctx)
    target = credentials or Path(f"lane-{lane:02d}.pgpass")
    with admin_connection(config) as conn:
        made = add_lane(conn, lane, target, actor=_actor())
    click.echo(f"lane {lane:02d}: role {made.role}, credentials in {made.credentials} (mode 0600)")
    click.echo("copy the file to the lane and put in its config.toml:")
    click.echo(f'[server]\nurl = "postgresql://{made.role}@HOST/DATABASE?sslmode=verify-full"\n'
               f'credentials = "/etc/pos-tui/{made.credentials.name}"')


@server_group.command("status")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def server_status(ctx: click.Context, fmt: str) -> None:
    """Per lane: last seen, documents waiting, lag in seconds, parked documents, gaps."""
    from pos_tui.server.status import lane_status, parked_documents

    config = _config(ctx)
    with admin_connection(config) as conn:
        store = _store(conn)
        lanes = lane_status(conn, store)
        parked = parked_documents(conn, store)
    if fmt == "json":
        click.echo(json.dumps({"store": store, "lanes": [asdict(s) for s in lanes],
                               "parked": [asdict(p) for p in parked]}, default=str, indent=2))
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


# ---------------------------------------------------------------- store-wide products, users, reports


def products_import(config: Config, file: Path, actor: str) -> None:
    from pos_tui.domain.money import currency
    from pos_tui.server.catalog import upsert_products
    from pos_tui.services.catalog_admin import ImportRejected, read_products

    try:
        products, warnings = read_products(file, cur=currency(config.store.currency),
                                           tax_codes=config.tax.rates.keys(), default_tax=config.tax.default)
    except ImportRejected as exc:
        for error in sorted(exc.errors):
            click.echo(str(error), err=True)
        raise click.ClickException(str(exc)) from None
    with admin_connection(config) as conn:
        created, updated = upsert_products(conn, products, actor=actor, source=file.name)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported {len(products)} products from {file} to the store server "
               f"({created} new, {updated} updated); every lane gets them")


def products_edit(config: Config, sku: str, price: str | None, active: bool | None, actor: str) -> None:
    from pos_tui.domain.money import format_amount, parse_amount
    from pos_tui.server import catalog

    with admin_connection(config) as conn:
        product = catalog.product(conn, sku)
        if price is not None:
            product = catalog.set_price(conn, sku, parse_amount(price, config.currency), actor=actor)
        if active is not None:
            product = catalog.set_active(conn, sku, active, actor=actor)
    click.echo(f"{product.sku} {product.name}: {format_amount(product.price, config.currency, symbol=True)}"
               f"{'' if product.active else ' (inactive)'}")


def users_command(config: Config, action: str, name: str | None, *, role: str | None = None,
                  pin: str | None = None, actor: str) -> None:
    from pos_tui.domain.permissions import Role
    from pos_tui.domain.pins import check_pin_format, hash_pin
    from pos_tui.server import catalog

    with admin_connection(config) as conn:
        if action == "list":
            for user in catalog.users(conn):
                status = "disabled" if user.disabled else (
                    f"locked until {user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until and
                    user.locked_until > dt.datetime.now() else "active")
                click.echo(f"{user.name:<20} {user.role:<10} {status}")
            return
        if action == "add":
            check_pin_format(pin, config.security.pin_min_length)
            catalog.add_user(conn, name, Role.parse(role).label, hash_pin(pin), actor=actor)
            click.echo(f"added {role} {name} on the store server")
        elif action == "passwd":
            check_pin_format(pin, config.security.pin_min_length)
            catalog.update_user(conn, name, actor=actor, kind="pin_changed", pin_hash=hash_pin(pin),
                                pin_changed_at=dt.datetime.now().replace(microsecond=0), locked_until=None)
            click.echo(f"PIN changed for {name} on the store server")
        elif action == "disable":
            catalog.update_user(conn, name, actor=actor, kind="disabled", disabled=True)
            click.echo(f"disabled {name} on the store server")
        elif action == "enable":
            catalog.update_user(conn, name, actor=actor, kind="enabled", disabled=False)
            click.echo(f"enabled {name} on the store server")
        elif action == "unlock":
            catalog.update_user(conn, name, actor=actor, kind="unlocked", locked_until=None)
            click.echo(f"unlocked {name} on the store server")


def report(config: Config, kind: str, *, lane: int | None, day: dt.date | None, actor: str) -> Any:
    """``report x|z --store`` or ``--lane N`` on the server; returns the Report to print."""
    from pos_tui.server import reports
    from pos_tui.services.reports import context_of

    _need_server(config)
    ctx = context_of(config)
    with admin_connection(config) as conn:
        store = _store(conn)
        if kind == "x":
            return reports.x_report(conn, store, ctx, day or dt.date.today(), lane=lane)
        if lane is not None:
            return reports.lane_z(conn, store, lane, day or dt.date.today())
        if day is not None:
            return reports.stored_store_z(conn, store, day)
        return reports.take_store_z(conn, store, ctx, dt.date.today(), actor=actor)


@click.command("edit")
@click.argument("sku")
@click.option("--price", help="New price in major units (\"12.50\").")
@click.option("--active/--inactive", default=None, help="Sell it again / stop selling it.")
@click.pass_context
def products_edit_command(ctx: click.Context, sku: str, price: str | None, active: bool | None) -> None:
    """Change one product's price or active flag (on the store server when [server] url is set:
    every lane charges the new price from its next scan)."""
    from pos_tui.cli import _actor, _config, _open_store

    config = _config(ctx)
    if config.server.url:
        return products_edit(config, sku, price, active, _actor())
    from pos_tui.domain.money import format_amount, parse_amount
    from pos_tui.services import catalog_admin as catalog_edits

    _open_store(ctx)
    product = None
    if price is not None:
        product = catalog_edits.set_price(sku, parse_amount(price, config.currency), actor=_actor())
    if active is not None:
        product = catalog_edits.set_active(sku, active, actor=_actor())
    if product is None:
        raise click.UsageError("nothing to change: give --price and/or --active/--inactive")
    click.echo(f"{product.sku} {product.name}: {format_amount(product.price, config.currency, symbol=True)}"
               f"{'' if product.active else ' (inactive)'}")
