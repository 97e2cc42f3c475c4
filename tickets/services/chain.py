"""Rows that refer to each other, inserted in one statement: one round trip instead of one per row.

Filing writes a requester, a ticket, its first message, its `created` event and the email that tells the
requester, each row needing the id of an earlier one. Chained as PostgreSQL data-modifying CTEs they are
one statement. Each row is prepared as `Model.save()` prepares an INSERT (the fields' `pre_save` and
`get_db_prep_save`: defaults, `auto_now`, JSON and timezone columns alike), and every instance comes
back saved: its primary key set, its foreign keys pointing at the instances they were given.

A link may also be a list of rows of one model (a ticket's alarms): inserted in the same statement from
one array parameter per column (`UNNEST`), so the statement is the same for any number of rows; each
row refers to the same earlier links, and nothing is read back into them (their primary keys stay
unset), so nothing may refer to them.

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
    """One row of the chain, or a list of rows of one model. `refs`: foreign key name -> the name of an
    earlier link it points to.

    `on_conflict`: SQL after VALUES (an upsert's `ON CONFLICT ... DO UPDATE`, which must return the row);
    `returning`: fields read back into the instance (what an upsert may have kept from the stored row)."""

    obj: models.Model | list[models.Model]
    refs: dict[str, str] = field(default_factory=dict)
    on_conflict: str = ""
    returning: tuple[str, ...] = ()

    @property
    def rows(self) -> list[models.Model]:
        return self.obj if isinstance(self.obj, list) else [self.obj]


@lru_cache(maxsize=32)
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The columns an INSERT writes: every concrete field but the auto-incremented key."""
    meta = model._meta
    return tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)


# A link's shape: (name, model, refs as sorted pairs, on_conflict, returning, fields written as a literal
# (DEFAULT or NULL) rather than a parameter, many: a list of rows, unnested from one array per column,
# none read back)
Shape = tuple[
    str,
    type[models.Model],
    tuple[tuple[str, str], ...],
    str,
    tuple[str, ...],
    frozenset[tuple[str, str]],
    bool,
]


@lru_cache(maxsize=32)
def _statement(shapes: tuple[Shape, ...], alias: str) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    parts, selected, read_back = [], [], []
    for name, model, refs, on_conflict, returning, literals, many in shapes:
        meta, refs, literals = model._meta, dict(refs), dict(literals)
        columns, values, arrays = [], [], []
        for f in _fields(model):
            if many and literals.get(f.name) == "DEFAULT":
                continue  # left out of a SELECT's columns, the column's default applies
            columns.append(quote(f.column))
            if f.name in refs:  # the key the earlier link returned
                values.append(f"(SELECT {quote(f.target_field.column)} FROM {quote(refs[f.name])})")  # noqa: S608
            elif f.name in literals:
                values.append(literals[f.name])
            elif many:  # one array parameter per column, unnested into rows
                values.append(f"u.c{len(arrays)}")
                arrays.append(f"%s::{f.db_type(connection)}[]")
            else:
                values.append("%s")
        if many:
            aliases = ", ".join(f"c{i}" for i in range(len(arrays)))
            source = f"SELECT {', '.join(values)} FROM UNNEST({', '.join(arrays)}) AS u({aliases})"  # noqa: S608
            read = [meta.pk.column]  # run to completion though the SELECT below never reads it
        else:
            source = f"VALUES ({', '.join(values)})"
            read = [meta.get_field(n).column for n in (meta.pk.name, *returning)]
            selected += [f"{quote(name)}.{quote(c)}" for c in read]
            read_back.append(name)
        # Identifiers and column types only, quoted; every value is a parameter.
        parts.append(
            f"{quote(name)} AS (INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
            f"{source} {on_conflict} RETURNING {', '.join(quote(c) for c in read)})"
        )
    names = ", ".join(quote(name) for name in read_back)
    return f"WITH {', '.join(parts)} SELECT {', '.join(selected)} FROM {names}"  # noqa: S608


_DEFAULT = object()  # a field left to the column's default in the database


def _prepared(f: models.Field, obj: models.Model, connection):
    """The value an INSERT writes for `f` of `obj`, prepared as `save()` prepares it, or _DEFAULT."""
    value = f.pre_save(obj, add=True)
    if isinstance(value, models.expressions.DatabaseDefault):
        return _DEFAULT
    return f.get_db_prep_save(value, connection=connection)


def _check(name: str, link: Link, links: dict[str, Link]) -> None:
    missing = set(link.refs.values()) - set(links)
    if missing:
        raise ValueError(f"{name} refers to {missing}, not in the chain")
    if any(isinstance(links[target].obj, list) for target in link.refs.values()):
        raise ValueError(f"{name} refers to a list of rows, whose keys are not read back")


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
        _check(name, link, links)
        rows = link.rows
        if not rows:
            continue
        model = type(rows[0])
        fields = [f for f in _fields(model) if f.name not in link.refs]
        values = [[_prepared(f, obj, connection) for f in fields] for obj in rows]
        # A column that is NULL in every row, or the database's default, is written as such, not as a
        # parameter: a filing leaves many columns empty, and fewer parameters keep the statement within
        # what psycopg caches the parsing of (50).
        literals = {}
        for i, f in enumerate(fields):
            column = [row[i] for row in values]
            if all(v is _DEFAULT for v in column):
                literals[f.name] = "DEFAULT"
            elif all(v is None for v in column):
                literals[f.name] = "NULL"
            elif any(v is _DEFAULT for v in column):
                raise ValueError(f"{name}: {f.name} is a database default in some rows only")
        if isinstance(link.obj, list):  # one array per column
            params += [[row[i] for row in values] for i, f in enumerate(fields) if f.name not in literals]
        else:
            params += [v for f, v in zip(fields, values[0], strict=True) if f.name not in literals]
        shapes.append(
            (
                name,
                model,
                tuple(sorted(link.refs.items())),
                link.on_conflict,
                link.returning,
                frozenset(literals.items()),
                isinstance(link.obj, list),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(_statement(tuple(shapes), using), params)
        row = list(cursor.fetchone())
    single = [link for link in links.values() if not isinstance(link.obj, list)]
    for link in single:
        obj, meta = link.obj, link.obj._meta
        for n in (meta.pk.name, *link.returning):
            f = meta.get_field(n)
            value = row.pop(0)
            for converter in f.get_db_converters(connection):
                value = converter(value, f, connection)
            setattr(obj, f.attname, value)
        obj._state.adding, obj._state.db = False, using
    for link in links.values():  # the instances given, now with their ids (and cached as they were)
        for obj in link.rows:
            for fk, target in link.refs.items():
                setattr(obj, fk, links[target].obj)


def _insert_one_by_one(links: dict[str, Link], connection) -> None:
    quote = connection.ops.quote_name
    for name, link in links.items():
        _check(name, link, links)
        if isinstance(link.obj, list):
            for obj in link.obj:
                for fk, target in link.refs.items():
                    setattr(obj, fk, links[target].obj)
            if link.obj:
                type(link.obj[0]).objects.using(connection.alias).bulk_create(link.obj)
            continue
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
