"""Reads: integrations (by key, for the alert endpoints) and incidents with what the list shows."""

from django.db.models import Count, Prefetch, QuerySet

from tickets.models import Customer

from .keys import key_hash, well_formed
from .models import Incident, Integration


def integration_get_by_key(key) -> Integration | None:
    """The integration `key` belongs to; a key that could not have been issued is refused without a query."""
    if not well_formed(key):
        return None
    return Integration.objects.filter(key_hash=key_hash(key)).first()


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related("default_customer").order_by("name", "id")


def integration_get(*, integration_id: int) -> Integration | None:
    return integration_list().filter(pk=integration_id).first()


def incident_list(*, status: str | None = None, customer_id: int | None = None) -> QuerySet[Incident]:
    """Newest first; integration and commander joined, customers prefetched (one more query)."""
    incidents = Incident.objects.select_related("integration", "commander").prefetch_related(
        Prefetch("customers", queryset=Customer.objects.only("id", "name").order_by("name"))
    )
    if status is not None:
        incidents = incidents.filter(status=status)
    if customer_id is not None:
        incidents = incidents.filter(incidentcustomer__customer_id=customer_id)
    return incidents.order_by("-started_at", "-id")


def incident_get(*, incident_id: int) -> Incident | None:
    return incident_list().filter(pk=incident_id).first()


def incident_list_for_admin() -> QuerySet[Incident]:
    """The admin's incident list: commander and integration joined, affected customers counted (one query)."""
    return Incident.objects.select_related("integration", "commander").annotate(
        customer_count=Count("incidentcustomer", distinct=True)
    )
