"""An engineer's changes to an incident: acknowledge, resolve, impact, commander."""

from datetime import datetime

from django.db import transaction

from ..models import Incident, IncidentStatus

UNSET = object()


class IncidentChangeRefused(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def incident_update(
    *, incident_id: int, now: datetime, status=UNSET, impact=UNSET, commander=UNSET
) -> Incident:
    """Acknowledge (from triggered) or resolve (from triggered or acknowledged; the impact ends then
    if no alert ended it); set the impact or the commander. A resolved incident is reopened only by
    an alert (a trigger within the reopen window)."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident_id)
        if status is not UNSET and status != incident.status:
            if incident.status == IncidentStatus.RESOLVED:
                raise IncidentChangeRefused("status", "The incident is resolved; a new alert reopens it.")
            if status == IncidentStatus.ACKNOWLEDGED:
                incident.status = IncidentStatus.ACKNOWLEDGED
                incident.acknowledged_at = now
            elif status == IncidentStatus.RESOLVED:
                incident.status = IncidentStatus.RESOLVED
                incident.resolved_at = now
                incident.acknowledged_at = incident.acknowledged_at or now
                incident.impact_ended_at = incident.impact_ended_at or now
            else:
                raise IncidentChangeRefused(
                    "status", f"An incident can be acknowledged or resolved, not set to {status}."
                )
        if impact is not UNSET:
            incident.impact = impact
        if commander is not UNSET:
            incident.commander = commander
        incident.updated_at = now
        incident.save()
    return incident
