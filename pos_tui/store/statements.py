"""Statements a scan or a payment runs, their SQL text built once per kind of database.

peewee builds a query's SQL text anew on every call; for the statements every scan and every
payment runs (the line's insert, the journal's last row and its insert, the payment, the paid sale's
numbering, stock and outbox document) that building cost more CPU than SQLite spends running them.
Here the text is built once and each call passes only its parameters, converted by the model's own
fields as peewee would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import peewee

from pos_tui.store.db import current_database

_sql: dict[tuple, str] = {}
_insert_fields: dict[type[peewee.Model], tuple[peewee.Field, ...]] = {}
_statements: list[Statement] = []


class Statement:
    """One query's SQL text, built from the query ``build`` makes (with any values: each call passes
    its own parameters) once per kind of database: at its first use, or ahead by ``prepare_all``."""

    def __init__(self, build: Callable[[], peewee.Query]) -> None:
        self._build = build
        self._sql: dict[type, str] = {}
        _statements.append(self)

    def sql(self) -> str:
        kind = type(current_database())
        text = self._sql.get(kind)
        if text is None:
            text = self._sql[kind] = self._build().sql()[0]
        return text


def prepare_all() -> None:
    """Build the SQL text of every statement of the modules loaded so far, for the open database: the
    lane does it as it opens, so that its first scan and first payment find them built."""
    for statement in tuple(_statements):
        statement.sql()


def fetch_one(statement: Statement, params: Sequence[Any]) -> tuple | None:
    """The first row of ``statement`` run with ``params`` (in the order its query takes them), as stored."""
    return current_database().execute_sql(statement.sql(), params).fetchone()


def insert(model: type[peewee.Model], **values: Any) -> int:
    """One row into ``model``'s table; every column not given takes its field's default, as
    ``Model.create`` would. Returns the new row's id."""
    fields = _insert_fields.get(model)
    if fields is None:
        fields = _insert_fields[model] = tuple(f for f in model._meta.sorted_fields if not f.primary_key)
    unknown = set(values) - {f.name for f in fields}
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    db = current_database()
    key = (type(db), model)
    sql = _sql.get(key)
    if sql is None:
        columns = ", ".join(_quoted(db, f.column_name) for f in fields)
        sql = _sql[key] = (f"INSERT INTO {_quoted(db, model._meta.table_name)} ({columns}) "
                           f"VALUES ({', '.join([db.param] * len(fields))})")
    params = [f.db_value(values[f.name] if f.name in values else _default(f)) for f in fields]
    return db.execute_sql(sql, params).lastrowid


def _default(field: peewee.Field) -> Any:
    return field.default() if callable(field.default) else field.default


def _quoted(db: peewee.Database, name: str) -> str:
    opening, closing = db.quote
    return f"{opening}{name}{closing}"


def fetch_all(statement: Statement, params: Sequence[Any]) -> list[tuple]:
    """Every row of ``statement`` run with ``params``, as stored."""
    return current_database().execute_sql(statement.sql(), params).fetchall()


def execute(statement: Statement, params: Sequence[Any]) -> int:
    """Run ``statement`` (an UPDATE or DELETE) with ``params``; the rows it changed."""
    return current_database().execute_sql(statement.sql(), params).rowcount


def update_by_id(model: type[peewee.Model], row_id: int, **values: Any) -> int:
    """Set ``values`` (field names) on the row ``row_id`` of ``model``, each converted by its field as
    peewee would; the rows changed (0 or 1)."""
    fields = tuple(model._meta.fields[name] for name in values)
    db = current_database()
    key = (type(db), model, "update", tuple(values))
    sql = _sql.get(key)
    if sql is None:
        sets = ", ".join(f"{_quoted(db, f.column_name)} = {db.param}" for f in fields)
        sql = _sql[key] = (f"UPDATE {_quoted(db, model._meta.table_name)} SET {sets} "
                           f"WHERE {_quoted(db, model._meta.primary_key.column_name)} = {db.param}")
    params = [f.db_value(values[f.name]) for f in fields] + [row_id]
    return db.execute_sql(sql, params).rowcount


def fetch_model(model: type[peewee.Model], statement: Statement, params: Sequence[Any]) -> peewee.Model | None:
    """The first row of ``statement`` (a ``model.select()`` of all its fields) as a model instance, its
    values converted by the fields as peewee converts them; None when there is none."""
    row = fetch_one(statement, params)
    return None if row is None else _instance(model, row)


def fetch_models(model: type[peewee.Model], statement: Statement, params: Sequence[Any]) -> list[peewee.Model]:
    """Every row of ``statement`` (a ``model.select()`` of all its fields) as model instances."""
    return [_instance(model, row) for row in fetch_all(statement, params)]


def _instance(model: type[peewee.Model], row: Sequence[Any]) -> peewee.Model:
    instance = model(__no_default__=1, **{f.name: f.python_value(value)
                                          for f, value in zip(model._meta.sorted_fields, row)})
    instance._dirty.clear()
    return instance
