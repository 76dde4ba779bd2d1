"""The operator's commands (everything but the lane's own run and demo, which cli.py holds): the
store, catalog, promotions, members, users, backups, checks, reports, simulators and the back office.
Imported by cli.PosGroup the first time one of them is asked for; parse, call the services, print.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pos_tui.cli import (
    ConfigProblem,
    _accept_config_everywhere,
    _actor,
    _as_options,
    _config,
    _log_to_file,
    _on_server,
    _open_store,
    _operator,
    _read_pin,
    main,
)
from pos_tui.domain.money import currency, format_amount
from pos_tui.i18n import N_, _, ngettext

ROLES = ("cashier", "supervisor", "admin")
PROGRESS_THRESHOLD = 1000


@main.command()
@click.option("--admin", "admin", required=True, help="Name of the first admin user.")
@click.option("--pin-stdin", is_flag=True, help="Read the PIN from one line of stdin instead of asking twice.")
@click.pass_context
def init(ctx: click.Context, admin: str, pin_stdin: bool) -> None:
    """Create the database and the first admin user."""
    from pos_tui.services import staff

    key_was_there = _config(ctx).key_path.exists()
    config = _open_store(ctx, create_key=True)
    if staff.has_users():
        if not key_was_there:
            click.echo(_("key file {path} created for the existing store; its journal is signed with it").format(
                path=config.key_path))
            return
        raise click.ClickException(_("the database already has users; add more with `pos-tui users add`"))
    pin = _read_pin(pin_stdin)
    user = staff.add_user(config, admin, "admin", pin, actor=_actor())
    click.echo(_("database ready at {url}; admin {name} created").format(url=config.database.url, name=user.name))


# --- products -------------------------------------------------------------------------------


@main.group()
def products() -> None:
    """The catalog: import, export, show."""


class _ProgressBar:
    """A click progress bar on stderr, shown only for imports of PROGRESS_THRESHOLD rows or more."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_THRESHOLD:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=_("Importing"), file=sys.stderr)
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()


@products.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_as_options()
@click.pass_context
def products_import(ctx: click.Context, file: Path, as_name: str | None, pin_stdin: bool) -> None:
    """Import a catalog CSV (all or nothing; existing SKUs are updated). Needs --as an admin."""
    from pos_tui.services.catalog_admin import ImportRejected, import_catalog

    if server := _on_server(ctx):
        from pos_tui.cli_server import products_import as on_server

        return on_server(server, file, as_name, pin_stdin)

    config = _open_store(ctx)
    actor = _operator(config, "catalog", as_name, pin_stdin)
    progress = _ProgressBar()
    try:
        result = import_catalog(config, file, actor=actor, progress=progress)
    except ImportRejected as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise
    finally:
        progress.close()
    for warning in result.warnings:
        click.echo(_("warning: {warning}").format(warning=warning), err=True)
    click.echo(ngettext("imported {rows} product from {file} ({created} new, {updated} updated)",
                        "imported {rows} products from {file} ({created} new, {updated} updated)", result.rows).format(
        rows=result.rows, file=file, created=result.created, updated=result.updated))


@products.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def products_export(ctx: click.Context, file: Path) -> None:
    """Write the catalog to a CSV in the import format."""
    from pos_tui.services.catalog_admin import export_catalog

    config = _open_store(ctx)
    count = export_catalog(config, file)
    click.echo(ngettext("exported {count} product to {file}", "exported {count} products to {file}", count).format(
        count=count, file=file))


@products.command("show")
@click.argument("code")
@click.pass_context
def products_show(ctx: click.Context, code: str) -> None:
    """Show the product with this barcode or SKU."""
    from pos_tui.domain.display_width import pad_cells
    from pos_tui.domain.text import neutralise
    from pos_tui.services.catalog_admin import find_product, format_stock

    config = _open_store(ctx)
    product = find_product(code)
    if product is None:
        raise click.ClickException(_("no product with barcode or SKU {code}").format(code=repr(code)))
    cur = currency(config.store.currency)
    per = _(" per kg") if product.unit == "kg" else ""
    rate = config.tax.rates.get(product.tax)
    unit_suffix = " " + _("kg") if product.unit == "kg" else ""
    rows = [
        (_("SKU"), product.sku),
        (_("Name"), product.name),
        (_("Price"), format_amount(product.price, cur, symbol=True) + per),
        (_("Tax rate"), f"{product.tax} ({rate})" if rate is not None
         else _("{code} (not configured)").format(code=product.tax)),
        (_("Unit"), _("kg") if product.unit == "kg" else _("each")),
        (_("Stock"), format_stock(product.stock) + unit_suffix if product.stock is not None else _("not tracked")),
        (_("Barcodes"), ", ".join(product.barcodes) or _("none")),
        (_("Active"), _("yes") if product.active else _("no")),
    ]
    for label, value in rows:
        click.echo(f"{pad_cells(label, 9)} {neutralise(value)}")


# --- promotions -----------------------------------------------------------------------------


@main.group()
def promotions() -> None:
    """The store's promotions: import a file (TOML or CSV, docs/promotions.md), list them."""


@promotions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_as_options()
@click.pass_context
def promotions_import(ctx: click.Context, file: Path, as_name: str | None, pin_stdin: bool) -> None:
    """Make FILE's promotions the store's (all or nothing; those not in it stop). Needs --as an admin."""
    from pos_tui.domain.promotion_file import PromotionFileError
    from pos_tui.services.promotions import import_promotions

    try:
        if server := _on_server(ctx):
            from pos_tui.cli_server import promotions_import as on_server

            imported = on_server(server, file, as_name, pin_stdin)
        else:
            config = _open_store(ctx)
            actor = _operator(config, "catalog", as_name, pin_stdin)
            imported = import_promotions(file, config.currency, actor=actor)
    except PromotionFileError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(_("{file}: no promotion was taken").format(file=file)) from None
    for promo_id, product in imported.unknown:
        click.echo(_("warning: {id}: {product} is not in the catalog").format(id=promo_id, product=product), err=True)
    r = imported.result
    click.echo(_("promotions from {file}: {added} new, {changed} changed, {unchanged} unchanged, {retired} stopped")
               .format(file=file, added=r.added, changed=r.changed, unchanged=r.unchanged, retired=r.retired))


@promotions.command("list")
@click.pass_context
def promotions_list(ctx: click.Context) -> None:
    """List the store's promotions: the running ones, then those stopped."""
    from pos_tui.domain.text import neutralise
    from pos_tui.services.promotions import list_promotions, window_text

    if server := _on_server(ctx):
        from pos_tui.cli_server import promotions_list as on_server

        found = on_server(server)
    else:
        _open_store(ctx)
        found = list_promotions()
    for promo in found:
        state = _("running") if promo.active else _("stopped")
        click.echo(f"{promo.code}\t{promo.kind}\t{state}\t{neutralise(promo.name)}\t{window_text(promo.fields)}")


def _promotion_active(ctx: click.Context, code: str, active: bool, as_name: str | None, pin_stdin: bool) -> None:
    from pos_tui.services.promotions import list_promotions, set_promotion_active

    if server := _on_server(ctx):
        from pos_tui.cli_server import promotions_set_active as on_server

        promo = on_server(server, code, active, as_name, pin_stdin)
    else:
        config = _open_store(ctx)
        if code not in {p.code for p in list_promotions()}:  # an unknown code is told before a PIN is asked
            raise click.ClickException(_("no promotion {code}").format(code=repr(code)))
        actor = _operator(config, "catalog", as_name, pin_stdin)
        promo = set_promotion_active(code, active, actor=actor)
    click.echo((_("promotion {code} runs") if promo.active else _("promotion {code} stopped")).format(code=promo.code))


@promotions.command("disable")
@click.argument("code")
@_as_options()
@click.pass_context
def promotions_disable(ctx: click.Context, code: str, as_name: str | None, pin_stdin: bool) -> None:
    """Stop the promotion CODE (kept; enable runs it again). Needs --as an admin."""
    _promotion_active(ctx, code, False, as_name, pin_stdin)


@promotions.command("enable")
@click.argument("code")
@_as_options()
@click.pass_context
def promotions_enable(ctx: click.Context, code: str, as_name: str | None, pin_stdin: bool) -> None:
    """Run the stopped promotion CODE again. Needs --as an admin."""
    _promotion_active(ctx, code, True, as_name, pin_stdin)


# --- members --------------------------------------------------------------------------------


@main.group()
def members() -> None:
    """The member register and points: add, list, show, import a CSV (docs/members.md), edit,
    disable, adjust. Changes need --as an admin (the action `catalog`)."""


def _member_line(member: Any) -> str:
    from pos_tui.domain.text import neutralise

    state = _("disabled") if member.disabled else _("active")
    return "\t".join((member.code, member.card or "-", member.phone or "-", neutralise(member.name) or "-",
                      str(member.balance), state))


@members.command("add")
@click.option("--card", default="", help="The member card's number (6-20 digits).")
@click.option("--phone", default="", help="The member's phone number.")
@click.option("--name", default="", help="The member's name.")
@click.option("--points", type=click.IntRange(0), default=0, help="An opening balance of points.")
@_as_options()
@click.pass_context
def members_add(ctx: click.Context, card: str, phone: str, name: str, points: int, as_name: str | None,
                pin_stdin: bool) -> None:
    """Add a member known by card and/or phone. Needs --as an admin."""
    from pos_tui.services import members as member_service

    if server := _on_server(ctx):
        from pos_tui.cli_server import members_command

        return members_command(server, "add", as_name=as_name, pin_stdin=pin_stdin, card=card, phone=phone, name=name, points=points)

    config = _open_store(ctx)
    member_service.check_numbers(card, phone)  # a bad number is told before a PIN is asked
    actor = _operator(config, "catalog", as_name, pin_stdin)
    member = member_service.add_member(config, card=card, phone=phone, name=name, points=points, actor=actor)
    click.echo(_("added member {code} ({points} points)").format(code=member.code, points=member.balance))


@members.command("list")
@click.pass_context
def members_list(ctx: click.Context) -> None:
    """List the members: code, card, phone, name, points, state."""
    from pos_tui.services import members as member_service

    if server := _on_server(ctx):
        from pos_tui.cli_server import members_command

        return members_command(server, "list")

    _open_store(ctx)
    for member in member_service.list_members():
        click.echo(_member_line(member))


@members.command("show")
@click.argument("number")
@click.pass_context
def members_show(ctx: click.Context, number: str) -> None:
    """One member (by card, phone or code) and their newest points changes."""
    from pos_tui.domain.text import neutralise
    from pos_tui.services import members as member_service

    if server := _on_server(ctx):
        from pos_tui.cli_server import members_command

        return members_command(server, "show", number)

    _open_store(ctx)
    member = member_service.find_member(number)
    click.echo(_member_line(member))
    for entry in member_service.member_entries(member.code):
        click.echo(f"{entry.at:%Y-%m-%d %H:%M}\t{entry.kind}\t{entry.points:+d}\t{entry.business_day}\t"
                   f"{_('offline') if entry.offline else '-'}\t{neutralise(entry.reason) or '-'}")


@members.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_as_options()
@click.pass_context
def members_import(ctx: click.Context, file: Path, as_name: str | None, pin_stdin: bool) -> None:
    """Take the members of a CSV file (card,phone,name,points; all or nothing). Needs --as an admin."""
    from pos_tui.services import members as member_service

    if server := _on_server(ctx):
        from pos_tui.cli_server import members_command

        return members_command(server, "import", as_name=as_name, pin_stdin=pin_stdin, file=file)

    config = _open_store(ctx)
    actor = _operator(config, "catalog", as_name, pin_stdin)
    try:
        added, updated = member_service.import_members(config, file, actor=actor)
    except member_service.MemberImportError as exc:
        for line, problem in exc.problems:
            click.echo(_("line {line}: {problem}").format(line=line, problem=problem), err=True)
        raise click.ClickException(_("{file}: no member was taken").format(file=file)) from None
    click.echo(_("members from {file}: {added} new, {updated} updated").format(file=file, added=added,
                                                                                updated=updated))


@members.command("edit")
@click.argument("number")
@click.option("--card", default=None, help="A new card number (\"\" removes it).")
@click.option("--phone", default=None, help="A new phone number (\"\" removes it).")
@click.option("--name", default=None, help="A new name.")
@_as_options()
@click.pass_context
def members_edit(ctx: click.Context, number: str, card: str | None, phone: str | None, name: str | None,
                 as_name: str | None, pin_stdin: bool) -> None:
    """Change a member's card, phone or name. Needs --as an admin."""
    from pos_tui.services import members as member_service

    if server := _on_server(ctx):
        from pos_tui.cli_server import members_command

        return members_command(server, "edit", number, as_name=as_name, pin_stdin=pin_stdin, card=card, phone=phone,
                               name=name)

    config = _open_store(ctx)
    member_service.find_member(number)
    actor = _operator(config, "catalog", as_name, pin_stdin)
    member = member_service.edit_member(config, number, card=card, phone=phone, name=name, actor=actor)
    click.echo(_member_line(member))


@members.command("disable")
@click.argument("number")
@click.option("--enable", is_flag=True, help="Bring a disabled member back instead.")
@_as_options()
@click.pass_context
def members_disable(ctx: click.Context, number: str, enable: bool, as_name: str | None, pin_stdin: bool) -> None:
    """Stop a member card or phone from being taken at the lanes. Needs --as an admin."""
    from pos_tui.services import members as member_service

    if server := _on_server(ctx):
        from pos_tui.cli_server import members_command

        return members_command(server, "disable", number, as_name=as_name, pin_stdin=pin_stdin, disabled=not enable)

    config = _open_store(ctx)
    member_service.find_member(number)
    actor = _operator(config, "catalog", as_name, pin_stdin)
    member = member_service.set_disabled(config, number, not enable, actor=actor)
    click.echo(_member_line(member))


@members.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("number")
@click.argument("points", type=int)
@click.option("--reason", required=True, help="Why the points change (journaled).")
@_as_options()
@click.pass_context
def members_adjust(ctx: click.Context, number: str, points: int, reason: str, as_name: str | None,
                   pin_stdin: bool) -> None:
    """Add POINTS to a member's balance (negative: take them). Needs --as an admin."""
    from pos_tui.services import members as member_service

    if server := _on_server(ctx):
        from pos_tui.cli_server import members_command

        return members_command(server, "adjust", number, as_name=as_name, pin_stdin=pin_stdin, points=points,
                               reason=reason)

    config = _open_store(ctx)
    member_service.find_member(number)
    actor = _operator(config, "catalog", as_name, pin_stdin)
    member = member_service.adjust_points(config, number, points, reason, actor=actor)
    click.echo(_member_line(member))


# --- users ----------------------------------------------------------------------------------


@main.group()
def users() -> None:
    """Staff: add, list, change PIN, disable, unlock."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@_as_options(pin_help="Read the PINs from stdin: the PIN of --as, then the new user's PIN (one line each).")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, as_name: str | None, pin_stdin: bool) -> None:
    """Add a user. Needs --as an admin."""
    from pos_tui.domain.permissions import role_name
    from pos_tui.services import staff

    if server := _on_server(ctx):
        from pos_tui.cli_server import users_command

        return users_command(server, "add", name, role=role, as_name=as_name, pin_stdin=pin_stdin)

    config = _open_store(ctx)
    actor = _operator(config, "users", as_name, pin_stdin)
    pin = _read_pin(pin_stdin)
    user = staff.add_user(config, name, role, pin, actor=actor)
    click.echo(_("added {role} {name}").format(role=role_name(user.role), name=user.name))


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List users with their role and status."""
    import datetime as dt

    if server := _on_server(ctx):
        from pos_tui.cli_server import users_command

        return users_command(server, "list", None)

    from pos_tui.domain.display_width import cell_width, pad_cells
    from pos_tui.domain.permissions import role_name
    from pos_tui.services import staff

    _open_store(ctx)
    now = dt.datetime.now()
    everyone = staff.list_users()
    width = max([cell_width(u.name) for u in everyone] + [cell_width(_("name")), 4])
    click.echo(f"{pad_cells(_('name'), width)}  {pad_cells(_('role'), 10)}  {_('status')}")
    for user in everyone:
        if user.disabled:
            status = _("disabled")
        elif user.locked_until is not None and user.locked_until > now:
            status = _("locked until {time}").format(time=f"{user.locked_until:%Y-%m-%d %H:%M}")
        else:
            status = _("active")
        if user.failed_attempts and not user.disabled:
            status += " " + _("({count} failed attempts)").format(count=user.failed_attempts)
        click.echo(f"{pad_cells(user.name, width)}  {pad_cells(role_name(user.role), 10)}  {status}")


@users.command("passwd")
@click.argument("name")
@_as_options(pin_help="Read the PINs from stdin: the PIN of --as, then the new PIN (one line each).")
@click.pass_context
def users_passwd(ctx: click.Context, name: str, as_name: str | None, pin_stdin: bool) -> None:
    """Set a new PIN for a user (also ends a lockout). Needs --as an admin."""
    from pos_tui.services import staff

    if server := _on_server(ctx):
        from pos_tui.cli_server import users_command

        return users_command(server, "passwd", name, as_name=as_name, pin_stdin=pin_stdin)

    config = _open_store(ctx)
    actor = _operator(config, "users", as_name, pin_stdin)
    staff.get_user(name)
    pin = _read_pin(pin_stdin)
    user = staff.change_pin(config, name, pin, actor=actor)
    click.echo(_("PIN changed for {name}").format(name=name))
    if user.disabled:  # a new PIN does not bring a disabled user back: that is `users enable`, journaled apart
        click.echo(_("{name} is still disabled: `pos-tui users enable {name}` lets them sign in").format(name=name))


def _change_user(ctx: click.Context, action: str, name: str, as_name: str | None, pin_stdin: bool,
                 change: Callable[..., object], done: str) -> None:
    """``users disable|enable|unlock``: on the store server's staff when one is set, else here;
    ``done`` (marked with ``N_``) is said in the store's language once it is open."""
    if server := _on_server(ctx):
        from pos_tui.cli_server import users_command

        users_command(server, action, name, as_name=as_name, pin_stdin=pin_stdin)
        return
    actor = _operator(_open_store(ctx), "users", as_name, pin_stdin)
    change(name, actor=actor)
    click.echo(_(done).format(name=name))


@users.command("disable")
@click.argument("name")
@_as_options()
@click.pass_context
def users_disable(ctx: click.Context, name: str, as_name: str | None, pin_stdin: bool) -> None:
    """Stop a user from signing in. Needs --as an admin."""
    from pos_tui.services import staff

    _change_user(ctx, "disable", name, as_name, pin_stdin, staff.disable_user, N_("disabled {name}"))


@users.command("enable")
@click.argument("name")
@_as_options()
@click.pass_context
def users_enable(ctx: click.Context, name: str, as_name: str | None, pin_stdin: bool) -> None:
    """Let a disabled user sign in again. Needs --as an admin."""
    from pos_tui.services import staff

    _change_user(ctx, "enable", name, as_name, pin_stdin, staff.enable_user, N_("enabled {name}"))


@users.command("unlock")
@click.argument("name")
@_as_options()
@click.pass_context
def users_unlock(ctx: click.Context, name: str, as_name: str | None, pin_stdin: bool) -> None:
    """End a user's lockout after too many wrong PINs. Needs --as an admin."""
    from pos_tui.services import staff

    _change_user(ctx, "unlock", name, as_name, pin_stdin, staff.unlock_user, N_("unlocked {name}"))


# --- backup, restore, checks ----------------------------------------------------------------


@main.command()
@click.argument("dest", required=False, type=click.Path(path_type=Path))
@click.option("--daily", is_flag=True,
              help="The daily timer's run: nothing when [backup] daily is off or a copy was made today.")
@_as_options()
@click.pass_context
def backup(ctx: click.Context, dest: Path | None, daily: bool, as_name: str | None, pin_stdin: bool) -> None:
    """Copy the database online to DEST (a file or folder; default: the backup folder, keeping the
    newest `[backup] keep` copies there). Needs --as an admin, except the daily timer's --daily run
    (into the configured folder only)."""
    import datetime as dt

    from pos_tui.services.backup import backed_up_on, backup_now, backup_to

    config = _open_store(ctx)
    if daily and dest is not None:
        raise click.UsageError(_("--daily writes to the backup folder: leave DEST out"))
    if daily and not config.backup.daily:
        click.echo(_("daily backups are off ([backup] daily = false): nothing to do"))
        return
    if daily and backed_up_on(config, dt.date.today()):
        click.echo(_("already backed up today in {folder}: nothing to do").format(folder=config.backup_dir))
        return
    actor = f"{_actor()} (daily)" if daily else _operator(config, "backup", as_name, pin_stdin)
    if dest is None:
        written = backup_now(config, actor=actor)
    else:
        written = backup_to(dest, actor=actor)
    click.echo(_("backup written to {path} (integrity check ok)").format(path=written))


@main.command()
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--older-than-last-z", "older", is_flag=True,
              help="Restore a copy older than the last Z report (confirmed by the --as admin, journaled).")
@_as_options()
@click.pass_context
def restore(ctx: click.Context, src: Path, older: bool, as_name: str | None, pin_stdin: bool) -> None:
    """Replace the database with a checked backup; the current one is kept as .before-restore.
    Needs --as an admin; refused while a lane or the back office has the store open."""
    from pos_tui.services.backup import restore_backup
    from pos_tui.services.store_admin import store_alone

    config = _open_store(ctx)
    with store_alone(config):
        actor = _operator(config, "backup", as_name, pin_stdin)
        kept = restore_backup(src, actor=actor, older=older)
    click.echo(_("restored from {path}; the previous database is kept at {copy}").format(path=src, copy=kept))


@main.group()
def db() -> None:
    """Database maintenance."""


_HEAD_HELP = "A journal head SEQ:HASH as printed on an X or Z report; the journal must still hold that row."


@db.command("check")
@click.option("--head", "heads", multiple=True, metavar="SEQ:HASH", help=_HEAD_HELP)
@click.pass_context
def db_check(ctx: click.Context, heads: tuple[str, ...]) -> None:
    """Run SQLite's integrity check, verify the journal's hash chain (against each --head: printed
    on a report, or written beside a backup as <copy>.head) and compare the sales with the journal."""
    from pos_tui.services.store_admin import check_database

    _open_store(ctx)
    result = check_database(heads)
    click.echo(_("integrity: {result}").format(result=result.integrity))
    if not result.journal.ok:
        raise click.ClickException(result.journal.describe())
    click.echo(result.journal.describe())
    for problem in result.disagreements:
        click.echo(problem, err=True)
    _warn_clock_jumps(result.journal)
    if not result.ok:
        raise click.ClickException(_("database check failed"))


@main.group()
def journal() -> None:
    """The electronic journal."""


@journal.command("verify")
@click.option("--head", "heads", multiple=True, metavar="SEQ:HASH", help=_HEAD_HELP)
@click.pass_context
def journal_verify(ctx: click.Context, heads: tuple[str, ...]) -> None:
    """Walk the hash chain; name the first row that breaks it (exit 1). With --head, the journal
    must still hold the row a report printed (rows cut off the end are found that way)."""
    from pos_tui.services.store_admin import verify_journal

    _open_store(ctx)
    result, current = verify_journal(heads)
    if not result.ok:
        raise click.ClickException(result.describe())
    click.echo(result.describe())
    if current is not None:
        click.echo(_("journal head {head}").format(head=current))
    _warn_clock_jumps(result)


def _warn_clock_jumps(result: Any) -> None:
    """Each time the journal's clock went back: a warning, not a broken chain (exit code 0)."""
    for jump in result.clock_jumps:
        before, after = jump.local_times()
        click.echo(_("warning: the clock went back at row {seq}: {after} came after {before}").format(
            seq=jump.seq, after=after, before=before), err=True)


@main.command()
@click.argument("kind", type=click.Choice(["x", "z"], case_sensitive=False))
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="A business day ([store] day_starts_at). X: every shift of that day. Z: show the Z report "
                   "that closed it.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@click.option("--width", type=click.IntRange(32, 200), default=80, show_default=True, help="Text width in cells.")
@click.option("--lane", "lane", type=click.IntRange(1, 99), help="From the store server: this lane's figures.")
@click.option("--store", "whole_store", is_flag=True, help="From the store server: every lane (Z: once a day).")
@_as_options()
@click.pass_context
def report(ctx: click.Context, kind: str, day: Any, fmt: str, width: int, lane: int | None,
           whole_store: bool, as_name: str | None, pin_stdin: bool) -> None:
    """Shift (X) and day (Z) reports of this lane. `report z` without --date closes the oldest business
    day not closed yet (after midnight too; needs --as an admin), refused while a shift of that day is
    open; with --date it shows a Z already taken. With --store or --lane N, the store server's figures
    of the business day."""
    import datetime as dt

    from pos_tui.domain.report import render_csv, render_json, render_text
    from pos_tui.services import reports

    if lane is not None or whole_store:
        from pos_tui.cli_server import report as on_server

        result = on_server(_config(ctx), kind.lower(), lane=lane, day=day.date() if day else None, as_name=as_name,
                           pin_stdin=pin_stdin)
        click.echo(render_json(result) if fmt == "json" else render_csv(result) if fmt == "csv"
                   else render_text(result, width), nl=fmt == "json")
        return
    config = _open_store(ctx)
    now = dt.datetime.now()
    if kind.lower() == "x":
        result = reports.x_report(config, now, day=day.date() if day else None, actor=_actor())
    elif day is not None:
        result = reports.stored_z_report(config, day.date())
    else:
        actor = _operator(config, "z_report", as_name, pin_stdin)
        result = reports.take_z_report(config, now, actor=actor)
    if fmt == "json":
        click.echo(render_json(result))
    elif fmt == "csv":
        click.echo(render_csv(result), nl=False)
    else:
        click.echo(render_text(result, width), nl=False)
    if kind.lower() == "z" and day is None and config.backup.after_z_report:
        from pos_tui.services.backup import backup_now

        # Like the lane and the back office: a checked copy once the day is closed (told on stderr,
        # so a --format json or csv on stdout stays one document).
        written = backup_now(config, actor=actor)
        click.echo(_("backup written to {path} (integrity check ok)").format(path=written), err=True)


# ---------------------------------------------------------------- wallets


@main.group()
def wallets() -> None:
    """Wallet acquirers (Alipay, WeChat Pay, Shouqianba)."""


@wallets.command("reconcile")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The day whose bills to fetch (YYYY-MM-DD).")
@click.pass_context
def wallets_reconcile(ctx: click.Context, day: Any) -> None:
    """Each acquirer's bill of the day against the database; exit 1 on any difference."""
    from pos_tui.services.errors import AdminError
    from pos_tui.services.wallet_reconcile import reconcile

    config = _open_store(ctx)
    try:
        result = reconcile(config, day.date())
    except AdminError as exc:
        raise click.ClickException(str(exc)) from None
    money = lambda amount: "-" if amount is None else format_amount(amount, config.currency, symbol=True)  # noqa: E731
    for gateway in result.skipped:
        click.echo(_("{gateway}: no bill to fetch; not reconciled").format(gateway=gateway))
    if not result.checked and not result.skipped:
        click.echo(_("no wallet gateway is set up in the config"))
    for diff in result.differences:
        click.echo(_("{gateway}  {kind}  {number}  {problem}  bill {bill}  database {database}").format(
            gateway=diff.gateway, kind=_(diff.kind), number=diff.number, problem=_(diff.problem),
            bill=money(diff.bill_amount), database=money(diff.database_amount)))
    if result.differences:
        ctx.exit(1)
    if result.checked:
        click.echo(_("{gateways}: the bills of {day} match the database").format(
            gateways=", ".join(result.checked), day=result.day.isoformat()))


# ---------------------------------------------------------------- the lane and its simulators


@main.group()
def sim() -> None:
    """Simulated devices on new pseudo-terminals, for trying the lane without hardware."""


@sim.command("printer")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Append each receipt's text here.")
@click.option("--width", type=click.Choice(["32", "42", "48"]), default="42", show_default=True)
@click.option("--state", type=click.Choice(["online", "near-end", "paper-out", "cover-open", "offline"]),
              default="online", show_default=True, help="What the printer answers to status queries.")
def sim_printer(out: Path | None, width: str, state: str) -> None:
    """A virtual ESC/POS printer: prints its pty path, then each receipt as text (Ctrl+C stops)."""
    from pos_tui.services.simulators import run_printer

    run_printer(out, state, width=int(width))


@sim.command("terminal")
@click.option("--script", default="", help="Outcomes in order, comma-separated: approve, decline, cancel, "
              "slow:S, never_answer, drop, bad_lrc, nak_first, wrong_private, wrong_amount, offline.")
@click.option("--think", type=float, default=1.0, show_default=True, help="Seconds the customer takes per payment.")
def sim_terminal(script: str, think: float) -> None:
    """A simulated Concert E+ card terminal: prints its pty path, then one line per transaction."""
    from pos_tui.services.simulators import SimulatorSettingError, check_terminal_script, run_terminal

    words = [word.strip() for word in script.split(",") if word.strip()]
    try:
        check_terminal_script(words)
    except SimulatorSettingError as exc:
        raise ConfigProblem(f"--script: {exc}") from None
    run_terminal(words, think_seconds=think)


_LINK_HELP = ("Also reach the device at this path (a symlink kept across unplug/replug): "
              "put it in the lane's config as the port.")


@sim.command("display")
@click.option("--protocol", type=click.Choice(["vfd", "led8"]), default="vfd", show_default=True)
@click.option("--baud", type=click.IntRange(300, 921600), default=9600, show_default=True,
              help="Read no faster than this line would carry.")
@click.option("--width", type=click.IntRange(16, 40), default=20, show_default=True)
@click.option("--encoding", default="cp437", show_default=True, help="The display's code page (gb18030: CJK).")
@click.option("--link", type=click.Path(dir_okay=False, path_type=Path), help=_LINK_HELP)
def sim_display(protocol: str, baud: int, width: int, encoding: str, link: Path | None) -> None:
    """A simulated customer display: prints its path, then each screen it shows. Type "unplug" or
    "replug" to pull its cable and plug it back in."""
    from pos_tui.services.simulators import run_display

    run_display(protocol=protocol, baudrate=baud, width=width, encoding=encoding, link=link)


@sim.command("scale")
@click.option("--protocol", type=click.Choice(["toledo8217", "continuous", "cas"]), default="toledo8217",
              show_default=True)
@click.option("--weight", default="0.000", show_default=True, help="What is on it, in kg.")
@click.option("--mode", type=click.Choice(["stable", "unstable", "zero", "negative", "overload", "garbage", "silence"]),
              default="stable", show_default=True)
@click.option("--link", type=click.Path(dir_okay=False, path_type=Path), help=_LINK_HELP)
def sim_scale(protocol: str, weight: str, mode: str, link: Path | None) -> None:
    """A simulated scale: prints its path, then takes a line at a time: a weight in kg (1.250), a
    mode (unstable, zero, negative, overload, garbage, silence, stable), unplug or replug."""
    from pos_tui.services.simulators import SimulatorSettingError, run_scale, scale_weight

    try:
        grams = scale_weight(weight)
    except SimulatorSettingError as exc:
        raise ConfigProblem(f"--weight: {exc}") from None
    run_scale(protocol=protocol, weight_milli=grams, mode=mode, link=link)


@sim.command("scanner")
@click.option("--suffix", type=click.Choice(["cr", "lf", "crlf", "none"]), default="cr", show_default=True)
@click.option("--link", type=click.Path(dir_okay=False, path_type=Path), help=_LINK_HELP)
def sim_scanner(suffix: str, link: Path | None) -> None:
    """A simulated serial scanner: prints its path, then sends each line typed as a scanned code
    (unplug and replug pull its cable and plug it back in)."""
    from pos_tui.services.simulators import run_scanner

    run_scanner(suffix=suffix, link=link)


# ---------------------------------------------------------------- devices


@main.group("devices")
def devices_group() -> None:
    """The lane's devices: printer, card terminal, scanner, display, scale."""


@devices_group.command("check")
@click.pass_context
def devices_check(ctx: click.Context) -> None:
    """Open each configured device and say how it is; exit 1 if any of them fails."""
    from pos_tui.domain.display_width import cell_width, pad_cells
    from pos_tui.services.devices import check_devices

    checked = check_devices(_config(ctx))
    width = max(cell_width(_(device.name)) for device in checked)
    for device in checked:
        if not device.configured:  # nothing to be ok or to fail: say so once, not "ok  not configured"
            click.echo(f"{pad_cells(_(device.name), width)}  {device.words}")
            continue
        state = _("ok") if device.ok else _("FAILED")
        click.echo(f"{pad_cells(_(device.name), width)}  {pad_cells(state, 6)}  {device.words}")
    failed = [device.name for device in checked if not device.ok]
    if failed:
        raise click.ClickException(_("{count} of the configured devices failed: {names}").format(
            count=len(failed), names=", ".join(failed)))


# ---------------------------------------------------------------- back office


@main.command()
@click.pass_context
def admin(ctx: click.Context) -> None:
    """The back office (supervisor or admin PIN): products, users, reports, held sales, unknown
    payments, devices and backup, on the same database as a running lane; with [server] url set,
    the whole store's on the store server."""
    from pos_tui.services.staff import has_users
    from pos_tui.services.store_admin import sharing_store
    from pos_tui.tui.admin.app import run_admin, run_store_admin

    if (config := _on_server(ctx)) is not None:  # the store server's staff, catalog and reports; no local store
        _log_to_file(config)
        return run_store_admin(config)
    config = _open_store(ctx)
    if not has_users():
        raise click.ClickException(_("no users yet: run `pos-tui init --admin NAME` first"))

    _log_to_file(config)
    with sharing_store(config):  # no restore under a running back office
        run_admin(config)


def _add_store_server_commands() -> None:
    from pos_tui.cli_server import products_edit_command, server_group

    main.add_command(server_group)
    products.add_command(products_edit_command)


_add_store_server_commands()
_accept_config_everywhere(main)  # the commands above take --config after their name too
