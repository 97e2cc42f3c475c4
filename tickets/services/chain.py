"""Rows that refer to each other, inserted in one statement: one round trip instead of one per row.

Filing writes a requester, a ticket, its first message, its `created` event and the email that tells the
requester, each row needing the id of an earlier one. Chained as PostgreSQL data-modifying CTEs they are
one statement. Each row is prepared as `Model.save()` prepares an INSERT (the fields' `pre_save` and
`get_db_prep_save`: defaults, `auto_now`, JSON and timezone columns alike), and every instance comes
back saved: its primary key set, its foreign keys pointing at the instances they were given.

The statement's text depends only on the chain's shape, so it is built once per shape, and with
server-side binding PostgreSQL plans it once per connection (a prepared statement).

No `pre_save`/`post_save` signals are sent; nothing in the project listens to them (STYLE.md), and a
model whose `save()` derives fields must have them derived before it is chained.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connections, models


@dataclass
class Link:
    """One row of the chain. `refs`: foreign key name -> the name of an earlier link it points to.

    `on_conflict`: SQL after VALUES (an upsert's `ON CONFLICT ... DO UPDATE`, which must return the row);
    `returning`: fields read back into the instance (what an upsert may have kept from the stored row)."""

    obj: models.Model
    refs: dict[str, str] = field(default_factory=dict)
    on_conflict: str = ""
    returning: tuple[str, ...] = ()


@lru_cache(maxsize=32)
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The columns an INSERT writes: every concrete field but the auto-incremented key."""
    meta = model._meta
    return tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)


# A link's shape: (name, model, refs as sorted pairs, on_conflict, returning, fields written as DEFAULT)
Shape = tuple[str, type[models.Model], tuple[tuple[str, str], ...], str, tuple[str, ...], frozenset[str]]


@lru_cache(maxsize=32)
def _statement(shapes: tuple[Shape, ...], alias: str) -> str:
    quote = connections[alias].ops.quote_name
    parts, selected = [], []
    for name, model, refs, on_conflict, returning, defaults in shapes:
        meta, refs = model._meta, dict(refs)
        columns, values = [], []
        for f in _fields(model):
            columns.append(quote(f.column))
            if f.name in refs:  # the key the earlier link returned
                values.append(f"(SELECT {quote(f.target_field.column)} FROM {quote(refs[f.name])})")  # noqa: S608
            else:
                values.append("DEFAULT" if f.name in defaults else "%s")
        read = [meta.get_field(n).column for n in (meta.pk.name, *returning)]
        # Identifiers only, quoted; every value is a parameter.
        parts.append(
            f"{quote(name)} AS (INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join(values)}) {on_conflict} RETURNING {', '.join(quote(c) for c in read)})"
        )
        selected += [f"{quote(name)}.{quote(c)}" for c in read]
    names = ", ".join(quote(name) for name, *_ in shapes)
    return f"WITH {', '.join(parts)} SELECT {', '.join(selected)} FROM {names}"  # noqa: S608


def insert_chain(links: dict[str, Link], *, using: str = "default") -> None:
    """Insert every link's row in one statement, in order; a link refers to earlier ones by name.

    On a database without data-modifying CTEs (SQLite, `make run` without DATABASE_URL) the same rows
    are inserted one statement each, in order, with the same upserts."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        _insert_one_by_one(links, connection)
        return
    shapes, params = [], []
    for name, link in links.items():
        missing = set(link.refs.values()) - set(links)
        if missing:
            raise ValueError(f"{name} refers to {missing}, not in the chain")
        defaults = set()
        for f in _fields(type(link.obj)):
            if f.name in link.refs:
                continue
            value = f.pre_save(link.obj, add=True)
            if isinstance(value, models.expressions.DatabaseDefault):
                defaults.add(f.name)
            else:
                params.append(f.get_db_prep_save(value, connection=connection))
        shapes.append(
            (
                name,
                type(link.obj),
                tuple(sorted(link.refs.items())),
                link.on_conflict,
                link.returning,
                frozenset(defaults),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(_statement(tuple(shapes), using), params)
        row = list(cursor.fetchone())
    for link in links.values():
        obj, meta = link.obj, link.obj._meta
        for n in (meta.pk.name, *link.returning):
            f = meta.get_field(n)
            value = row.pop(0)
            for converter in f.get_db_converters(connection):
                value = converter(value, f, connection)
            setattr(obj, f.attname, value)
        obj._state.adding, obj._state.db = False, using
    for link in links.values():  # the instances given, now with their ids (and cached as they were)
        for fk, target in link.refs.items():
            setattr(link.obj, fk, links[target].obj)


def _insert_one_by_one(links: dict[str, Link], connection) -> None:
    quote = connection.ops.quote_name
    for name, link in links.items():
        missing = set(link.refs.values()) - set(links)
        if missing:
            raise ValueError(f"{name} refers to {missing}, not in the chain")
        obj, meta = link.obj, link.obj._meta
        for fk, target in link.refs.items():
            setattr(obj, fk, links[target].obj)
        columns, params = [], []
        for f in _fields(type(obj)):
            value = f.pre_save(obj, add=True)
            if isinstance(value, models.expressions.DatabaseDefault):
                continue  # left out: the column's default applies
            columns.append(quote(f.column))
            params.append(f.get_db_prep_save(value, connection=connection))
        read = [meta.get_field(n) for n in (meta.pk.name, *link.returning)]
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(params))}) {link.on_conflict} "
            f"RETURNING {', '.join(quote(f.column) for f in read)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = list(cursor.fetchone())
        for f, value in zip(read, row, strict=True):
            for converter in f.get_db_converters(connection):
                value = converter(value, f, connection)
            setattr(obj, f.attname, value)
        obj._state.adding, obj._state.db = False, connection.alias
