"""Who files a ticket: requesters by their email address, and the customer their domain belongs to."""

from ..models import (
    Customer,
    CustomerDomain,
    Requester,
)
from .chain import Link


def normalize_email(email: str) -> str:
    return email.strip().lower()


def customer_for_email(email: str) -> Customer | None:
    """The customer whose email domains include the requester's domain (or a parent domain of it)."""
    domain = normalize_email(email).rsplit("@", 1)[-1]
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    matches = {
        d.domain: d.customer
        for d in CustomerDomain.objects.filter(domain__in=candidates).select_related("customer")
    }
    for candidate in candidates:  # the most specific domain wins
        if candidate in matches:
            return matches[candidate]
    return None


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
