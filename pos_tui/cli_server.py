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


def _ask_pin(as_name: str, pin_stdin: bool) -> str:
    import sys

    from pos_tui.i18n import _

    if pin_stdin:
        pin = sys.stdin.readline().rstrip("\r\n")
        if not pin:
            raise click.ClickException(_("no PIN on stdin (expected one line)"))
        return pin
    return click.prompt(_("PIN of {name}").format(name=as_name), hide_input=True, err=True)


def operator(config: Config, conn: Any, action: str, as_name: str | None, pin_stdin: bool) -> str:
    """The actor of a store-wide change: the server's staff member named by ``--as`` whose PIN (tty, or
    the first line of stdin) is right and whose role allows ``action``, with the OS user beside it."""
    import datetime as dt

    from pos_tui.cli import _actor
    from pos_tui.i18n import _
    from pos_tui.server.staff import authenticate, store_pepper

    if not as_name:
        raise click.UsageError(_("this command needs --as NAME: a staff member whose role allows it, and their PIN"))
    pepper = store_pepper(conn, config.key_path, required=False)
    pin = _ask_pin(as_name, pin_stdin)
    sec = config.security
    return authenticate(conn, as_name.strip(), pin, action, pepper=pepper, os_user=_actor(), now=dt.datetime.now(),
                        max_attempts=sec.max_attempts, lockout_minutes=sec.lockout_minutes,
                        extra_supervisor_actions=tuple(sec.supervisor_required_for)).actor


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
    from pos_tui.server.schema import migrate
    from pos_tui.server.staff import store_pepper
    from pos_tui.services.store_admin import make_key_file

    config = _config(ctx)
    if make_key_file(config):
        click.echo(f"new store key file {config.key_path} (0600): copy it to every lane of the store, "
                   f"and keep a copy away from the server and its backups", err=True)
    with admin_connection(config) as conn:
        migrate(conn)
        pepper = store_pepper(conn, config.key_path, required=True)
        pin = _read_pin(pin_stdin)
        check_pin_format(pin, config.security.pin_min_length)
        version = init_server(conn, store=store, admin=admin, pin_hash=hash_pin(pin, pepper), actor=_actor())
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
    """Per lane: last seen, documents waiting, lag in seconds, parked documents, gaps; then every
    card or wallet payment (or refund) whose outcome is unknown on any lane."""
    from pos_tui.domain.money import format_amount
    from pos_tui.i18n import _
    from pos_tui.server.payments import unknown_payments
    from pos_tui.server.status import lane_status, parked_documents

    config = _config(ctx)
    with admin_connection(config) as conn:
        store = _store(conn)
        lanes = lane_status(conn, store)
        parked = parked_documents(conn, store)
        unknown = unknown_payments(conn, store)
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
        actor = operator(config, conn, "catalog", as_name, pin_stdin)
        created, updated = upsert_products(conn, products, actor=actor, source=file.name)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"imported {len(products)} products from {file} to the store server "
               f"({created} new, {updated} updated); every lane gets them")


def products_edit(config: Config, sku: str, price: str | None, active: bool | None, as_name: str | None,
                  pin_stdin: bool) -> None:
    from pos_tui.domain.money import format_amount, parse_amount
    from pos_tui.server import catalog

    if price is None and active is None:
        raise click.UsageError("nothing to change: give --price and/or --active/--inactive")
    new_price = parse_amount(price, config.currency) if price is not None else None
    with admin_connection(config) as conn:
        catalog.product(conn, sku)  # an unknown SKU is told before a PIN is asked
        actor = operator(config, conn, "catalog", as_name, pin_stdin)
        if new_price is not None:
            product = catalog.set_price(conn, sku, new_price, actor=actor)
        if active is not None:
            product = catalog.set_active(conn, sku, active, actor=actor)
    click.echo(f"{product.sku} {product.name}: {format_amount(product.price, config.currency, symbol=True)}"
               f"{'' if product.active else ' (inactive)'}")


def users_command(config: Config, action: str, name: str | None, *, role: str | None = None,
                  as_name: str | None = None, pin_stdin: bool = False) -> None:
    """``users list|add|passwd|disable|enable|unlock`` on the store server. All but ``list`` need
    ``--as`` an admin; ``add`` and ``passwd`` then read the new PIN (the next stdin line)."""
    from pos_tui.cli import _read_pin
    from pos_tui.domain.permissions import Role
    from pos_tui.domain.pins import check_pin_format, hash_pin, verify_pin
    from pos_tui.i18n import _
    from pos_tui.server import catalog
    from pos_tui.server.connect import ServerError
    from pos_tui.server.staff import store_pepper

    with admin_connection(config) as conn:
        if action == "list":
            for user in catalog.users(conn):
                status = "disabled" if user.disabled else (
                    f"locked until {user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until and
                    user.locked_until > dt.datetime.now() else "active")
                click.echo(f"{user.name:<20} {user.role:<10} {status}")
            return
        if action != "add":
            catalog.user(conn, name)  # an unknown name is told before a PIN is asked
        actor = operator(config, conn, "users", as_name, pin_stdin)
        if action == "add":
            pepper = store_pepper(conn, config.key_path, required=True)
            pin = _read_pin(pin_stdin)
            check_pin_format(pin, config.security.pin_min_length)
            catalog.add_user(conn, name, Role.parse(role).label, hash_pin(pin, pepper), actor=actor)
            click.echo(f"added {role} {name} on the store server")
        elif action == "passwd":
            pepper = store_pepper(conn, config.key_path, required=True)
            pin = _read_pin(pin_stdin)
            check_pin_format(pin, config.security.pin_min_length)
            old = catalog.pin_hash(conn, name)
            if (pepper or not old.startswith("pepper$")) and verify_pin(pin, old, pepper):
                raise ServerError(_("the new PIN must differ from the old one"))
            # As on a lane: a lockout ends, a disabled user stays disabled.
            catalog.update_user(conn, name, actor=actor, kind="pin_changed", pin_hash=hash_pin(pin, pepper),
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


def members_command(config: Config, action: str, number: str | None = None, *, as_name: str | None = None,
                    pin_stdin: bool = False, **values: Any) -> None:
    """``members list|show|add|edit|disable|adjust|import`` on the store server's register (every
    lane gets it with the catalog). All but ``list`` and ``show`` need ``--as`` an admin."""
    from pos_tui.cli import _member_line
    from pos_tui.server import members
    from pos_tui.services.members import MemberImportError, check_numbers, parse_member_csv

    with admin_connection(config) as conn:
        if action == "list":
            for member in members.members(conn):
                click.echo(_member_line(member))
            return
        if action == "show":
            member = members.find(conn, number)
            click.echo(_member_line(member))
            for e in members.entries(conn, member.code):
                where = f"lane {e.lane}" if e.lane is not None else "server"
                click.echo(f"{e.at.astimezone():%Y-%m-%d %H:%M}\t{e.kind}\t{e.points:+d}\t{e.business_day}\t"
                           f"{'offline' if e.offline else '-'}\t{where}\t{e.reason or '-'}")
            return
        store = _store(conn)
        if action == "add":
            card, phone = check_numbers(values["card"], values["phone"])
            actor = operator(config, conn, "catalog", as_name, pin_stdin)
            member = members.add_member(conn, store, card, phone, values["name"], values["points"], actor=actor)
            click.echo(f"added member {member.code} ({member.balance} points) on the store server")
            return
        if action == "import":
            try:
                rows = parse_member_csv(values["file"].read_text(encoding="utf-8-sig"))
            except MemberImportError as exc:
                for line, problem in exc.problems:
                    click.echo(f"line {line}: {problem}", err=True)
                raise click.ClickException(f"{values['file']}: no member was taken") from None
            actor = operator(config, conn, "catalog", as_name, pin_stdin)
            added, updated = members.import_members(conn, store, rows, actor=actor, source=values["file"].name)
            click.echo(f"members from {values['file']}: {added} new, {updated} updated on the store server")
            return
        code = members.find(conn, number).code  # an unknown number is told before a PIN is asked
        if action == "edit":
            card, phone = values["card"], values["phone"]
            card = check_numbers(card, "")[0] if card else card
            phone = check_numbers("", phone)[1] if phone else phone
            actor = operator(config, conn, "catalog", as_name, pin_stdin)
            member = members.edit_member(conn, code, card=card, phone=phone, name=values["name"], actor=actor)
        elif action == "disable":
            actor = operator(config, conn, "catalog", as_name, pin_stdin)
            member = members.set_disabled(conn, code, values["disabled"], actor=actor)
        else:
            actor = operator(config, conn, "catalog", as_name, pin_stdin)
            member = members.adjust_points(conn, store, code, values["points"], values["reason"], actor=actor)
        click.echo(_member_line(member))


def report(config: Config, kind: str, *, lane: int | None, day: dt.date | None, as_name: str | None = None,
           pin_stdin: bool = False) -> Any:
    """``report x|z --store`` or ``--lane N`` on the server; returns the Report to print. Only taking
    the store's Z writes (it needs ``--as`` a role allowed the Z report); the others only read."""
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
        actor = operator(config, conn, "z_report", as_name, pin_stdin)
        return reports.take_store_z(conn, store, ctx, dt.date.today(), actor=actor)


@click.command("edit")
@click.argument("sku")
@click.option("--price", help="New price in major units (\"12.50\").")
@click.option("--active/--inactive", default=None, help="Sell it again / stop selling it.")
@click.option("--as", "as_name", metavar="NAME",
              help="The staff member doing this (their PIN is asked; with --pin-stdin, the first line).")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN of --as from one line of stdin.")
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
