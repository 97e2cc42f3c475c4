"""Rows that refer to each other, inserted in one statement: one round trip instead of one per row.

Filing writes a requester, a ticket, its first message, its `created` event and the email that tells the
requester, each row needing the id of an earlier one. Chained as PostgreSQL data-modifying CTEs they are
one statement. Each row is prepared as `Model.save()` prepares an INSERT (the fields' `pre_save` and
`get_db_prep_save`: defaults, `auto_now`, JSON and timezone columns alike), and every instance comes
back saved: its primary key set, its foreign keys pointing at the instances they were given.

No `pre_save`/`post_save` signals are sent; nothing in the project listens to them (STYLE.md), and a
model whose `save()` derives fields must have them derived before it is chained.
"""

from dataclasses import dataclass, field

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


def _insert(name: str, link: Link, connection, quote) -> tuple[str, list]:
    meta = link.obj._meta
    columns, values, params = [], [], []
    for f in meta.local_concrete_fields:
        if f is meta.auto_field:
            continue
        columns.append(quote(f.column))
        if f.name in link.refs:
            values.append(f"(SELECT {quote('id')} FROM {quote(link.refs[f.name])})")  # noqa: S608
            continue
        value = f.pre_save(link.obj, add=True)
        if isinstance(value, models.expressions.DatabaseDefault):
            values.append("DEFAULT")
            continue
        values.append("%s")
        params.append(f.get_db_prep_save(value, connection=connection))
    returning = ", ".join(quote(meta.get_field(n).column) for n in (meta.pk.name, *link.returning))
    # Identifiers only, quoted; every value is a parameter.
    sql = (
        f"{quote(name)} AS (INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(values)}) {link.on_conflict} RETURNING {returning})"
    )
    return sql, params


def insert_chain(links: dict[str, Link], *, using: str = "default") -> None:
    """Insert every link's row in one statement, in order; a link refers to earlier ones by name."""
    connection = connections[using]
    quote = connection.ops.quote_name
    parts, params, selected = [], [], []
    for name, link in links.items():
        missing = set(link.refs.values()) - set(links)
        if missing:
            raise ValueError(f"{name} refers to {missing}, not in the chain")
        sql, link_params = _insert(name, link, connection, quote)
        parts.append(sql)
        params += link_params
        meta = link.obj._meta
        for n in (meta.pk.name, *link.returning):
            selected.append(f"{quote(name)}.{quote(meta.get_field(n).column)}")
    names = ", ".join(quote(n) for n in links)
    sql = f"WITH {', '.join(parts)} SELECT {', '.join(selected)} FROM {names}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
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
