"""Who files a ticket: requesters by their email address, and the customer their domain belongs to."""

from django.db import connections

from ..models import (
    Customer,
    CustomerDomain,
    Requester,
)
from .chain import Link


def normalize_email(email: str) -> str:
    return email.strip().lower()


def customer_for_email(email: str) -> Customer | None:
    """The customer whose email domains include the requester's domain (or a parent domain of it).

    The most specific domain wins: the candidates are the domain and its parents, so the longest one
    matching. One query, read without the ORM's query building (it runs for every ticket filed)."""
    domain = normalize_email(email).rsplit("@", 1)[-1]
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates:
        return None
    connection = connections[Customer.objects.db]
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(candidates))  # a few shapes: domains have a few labels
        cursor.execute(_CUSTOMER_BY_DOMAIN.format(placeholders=placeholders), candidates)
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for f, value in zip(_CUSTOMER_FIELDS, row, strict=True):
        for converter in f.get_db_converters(connection):  # a zone name becomes its ZoneInfo
            value = converter(value, f, connection)
        values.append(value)
    return Customer.from_db(connection.alias, [f.attname for f in _CUSTOMER_FIELDS], values)


_CUSTOMER_FIELDS = Customer._meta.concrete_fields
_CUSTOMER_COLUMNS = ", ".join(f'c."{f.column}"' for f in _CUSTOMER_FIELDS)
_CUSTOMER_BY_DOMAIN = (  # names only: the candidates are a parameter
    f'SELECT {_CUSTOMER_COLUMNS} FROM "{Customer._meta.db_table}" c '  # noqa: S608
    f'JOIN "{CustomerDomain._meta.db_table}" d ON d.customer_id = c.id '
    "WHERE d.domain IN ({placeholders}) ORDER BY length(d.domain) DESC LIMIT 1"
)


def requester_get_or_create(*, email: str, name: str = "") -> Requester:
    """The requester with this email, created if new; a name given replaces the one on record."""
    email, name = normalize_email(email), name.strip()
    if not name:
        return Requester.objects.get_or_create(email=email, defaults={"name": ""})[0]
    # One INSERT ... ON CONFLICT (email) DO UPDATE, which also returns the row's id.
    requester = Requester(email=email, name=name)
    Requester.objects.bulk_create(
        [requester], update_conflicts=True, unique_fields=["email"], update_fields=["name"]
    )
    return requester


def requester_link(*, email: str, name: str = "") -> Link:
    """The requester with this email as a link of an insert chain (`requester_get_or_create` in the
    statement that files the ticket): inserted when new; a name given replaces the one on record, none
    keeps it. The instance comes back with the stored name."""
    email, name = normalize_email(email), name.strip()
    table = Requester._meta.db_table
    kept = "EXCLUDED.name" if name else f'"{table}".name'
    return Link(
        Requester(email=email, name=name),
        on_conflict=f"ON CONFLICT (email) DO UPDATE SET name = {kept}",
        returning=("name",),
    )
