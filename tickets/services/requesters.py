"""Who files a ticket: requesters by their email address, and the customer their domain belongs to."""

from dataclasses import dataclass

from django.db import connections

from ..models import (
    BlockedSender,
    ContactLanguage,
    Customer,
    CustomerContact,
    CustomerDomain,
    Requester,
)
from .chain import Link


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class Standing:
    """What the desk knows of an address before it files a ticket: the customer its domain names (the
    most specific domain wins), whether the address is one of that customer's contacts, and whether it
    was confirmed (by its emailed link or by an engineer), and whether it is a blocked sender."""

    customer: Customer | None
    contact: bool
    confirmed: bool
    blocked: bool = False

    @property
    def trusted(self) -> bool:
        return self.contact or self.confirmed


def requester_standing(email: str) -> Standing:
    """The `Standing` of `email`, in one query read without the ORM's query building (it runs for every
    ticket filed): the candidates are the address's domain and its parents, the longest one matching."""
    email = normalize_email(email)
    labels = email.rsplit("@", 1)[-1].split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [""]  # "" names no customer
    connection = connections[Customer.objects.db]
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(candidates))  # a few shapes: domains have a few labels
        cursor.execute(_STANDING.format(placeholders=placeholders), [email, email, email, *candidates])
        *row, contact, confirmed, blocked = cursor.fetchone()
    if row[_CUSTOMER_ID] is None:  # no domain matched
        return Standing(customer=None, contact=False, confirmed=confirmed, blocked=blocked)
    values = []
    for f, value in zip(_CUSTOMER_FIELDS, row, strict=True):
        for converter in f.get_db_converters(connection):  # a zone name becomes its ZoneInfo
            value = converter(value, f, connection)
        values.append(value)
    customer = Customer.from_db(connection.alias, [f.attname for f in _CUSTOMER_FIELDS], values)
    return Standing(customer=customer, contact=contact, confirmed=confirmed, blocked=blocked)


def customer_for_email(email: str) -> Customer | None:
    """The customer whose email domains include the requester's domain (or a parent domain of it)."""
    return requester_standing(email).customer


_CUSTOMER_FIELDS = Customer._meta.concrete_fields
_CUSTOMER_ID = [f.attname for f in _CUSTOMER_FIELDS].index("id")
_STANDING = (  # noqa: S608 (table and column names only: the candidates and the address are parameters)
    "SELECT {columns}, "
    "(c.id IS NOT NULL AND EXISTS "
    '(SELECT 1 FROM "{contacts}" k WHERE k.customer_id = c.id AND k.email = %s)), '
    'EXISTS (SELECT 1 FROM "{requesters}" r WHERE r.email = %s AND r.confirmed_at IS NOT NULL), '
    'EXISTS (SELECT 1 FROM "{blocked}" b WHERE b.address = %s) '
    'FROM (SELECT 1) AS one LEFT JOIN "{customers}" c ON c.id = ('  # SQL that SQLite runs too
    'SELECT d.customer_id FROM "{domains}" d '
    "WHERE d.domain IN ({{placeholders}}) ORDER BY length(d.domain) DESC LIMIT 1)"
).format(
    columns=", ".join(f'c."{f.column}"' for f in _CUSTOMER_FIELDS),
    contacts=CustomerContact._meta.db_table,
    requesters=Requester._meta.db_table,
    blocked=BlockedSender._meta.db_table,
    customers=Customer._meta.db_table,
    domains=CustomerDomain._meta.db_table,
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


def requester_link(*, email: str, name: str = "", language: str = "") -> Link:
    """The requester with this email as a link of an insert chain (`requester_get_or_create` in the
    statement that files the ticket): inserted when new; a name given replaces the one on record, none
    keeps it; so does a language chosen (`language`, one of settings.LANGUAGES' codes, or blank). The
    instance comes back with the stored name and language."""
    email, name = normalize_email(email), name.strip()
    table = Requester._meta.db_table
    kept = "EXCLUDED.name" if name else f'"{table}".name'
    kept_language = "EXCLUDED.language" if language else f'"{table}".language'
    return Link(
        Requester(email=email, name=name, language=language),
        on_conflict=f"ON CONFLICT (email) DO UPDATE SET name = {kept}, language = {kept_language}",
        returning=("name", "language"),
    )


def requester_language_set(*, requester: Requester, language: str) -> Requester:
    """Remember the language the requester chose (the customer pages' switcher): their pages and the
    emails the worker sends from now on speak it. `language` must be one of settings.LANGUAGES' codes."""
    if language not in ContactLanguage.values:
        raise ValueError(f"{language!r} is not one of the desk's languages")
    if requester.language != language:
        Requester.objects.filter(pk=requester.pk).update(language=language)
        requester.language = language
    return requester
