"""An engineer's changes to an incident: acknowledge, resolve (optionally with its tickets), impact and
its window, customers, commander, public updates, and linking tickets. Each writes a timeline event.

- Acknowledging an incident acknowledges every open page of its tickets and cancels its commander's
  pages that have not gone out (an alert's `acknowledge` does the same).
- A public update is a public reply on every linked ticket that is not closed (the requester is
  emailed as for any reply; the first one is the ticket's first response) and one email to each
  incident contact of each affected customer, carried by that customer's incident ticket.
- Resolving may resolve the linked tickets too, after one final update.
- The impact window (`started_at`, `impact_ended_at`) is what the availability report counts: a
  manager edits it with a reason, and the event keeps the old and new values.
"""

from datetime import datetime

from django.db import transaction

from escalation import enqueue
from escalation.paging.services.acknowledgements import (
    escalations_acknowledge_for_tickets,
    incident_pages_cancel,
)
from tickets.models import CustomerContact, EventType, RequesterNotification, Status, Ticket
from tickets.notifications import contacts_notification_record
from tickets.services import ticket_assign, ticket_change_status, ticket_reply
from tickets.sla_writes import ticket_events_record
from tickets.states import InvalidTransition

from ..models import (
    Incident,
    IncidentCustomer,
    IncidentEventType,
    IncidentStatus,
    IncidentTicket,
    IncidentUpdate,
)
from .response import desk_address, incident_commander_page, incident_event

UNSET = object()
UPDATE_MAX_LENGTH = 10_000


class IncidentChangeRefused(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _locked(incident_id: int) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("commander").get(pk=incident_id)


def _linked_ticket_ids(incident: Incident) -> list[int]:
    return list(IncidentTicket.objects.filter(incident=incident).values_list("ticket_id", flat=True))


def incident_pages_acknowledge(*, incident_id: int, user, via: str, now: datetime) -> int:
    """Acknowledge the open pages of the incident's tickets and cancel its unsent commander pages."""
    ticket_ids = list(
        IncidentTicket.objects.filter(incident_id=incident_id).values_list("ticket_id", flat=True)
    )
    acknowledged = escalations_acknowledge_for_tickets(ticket_ids=ticket_ids, user=user, via=via, now=now)
    incident_pages_cancel(incident_id=incident_id, now=now)
    return acknowledged


def incident_acknowledge_by_page(*, incident_id: int, user, via: str, now: datetime) -> bool:
    """The commander's page answered (ACK by SMS, 1 on the call): acknowledge the incident if it is
    still triggered. True when this acknowledged it (paging's acknowledger, see `escalation/apps.py`)."""
    if not Incident.objects.filter(pk=incident_id, status=IncidentStatus.TRIGGERED).exists():
        return False
    try:
        incident_update(incident_id=incident_id, status=IncidentStatus.ACKNOWLEDGED, actor=user, now=now)
    except IncidentChangeRefused:
        return False
    return True


def incident_update(
    *,
    incident_id: int,
    now: datetime,
    actor=None,
    status=UNSET,
    impact=UNSET,
    commander=UNSET,
    customers=UNSET,
    public_update: str = "",
    resolve_tickets: bool = False,
) -> Incident:
    """Acknowledge (from triggered) or resolve (from triggered or acknowledged; the impact ends then if
    no alert ended it); set the impact, the commander (paged at once) or the customers (each new one
    gets its ticket and notice, see `response.py`); post a public update (before a resolve, so it is
    the final word). `resolve_tickets` with a resolve resolves every linked ticket that can be.
    A resolved incident is reopened only by an alert (a trigger within the reopen window)."""
    with transaction.atomic():
        incident = _locked(incident_id)
        resolving = status is not UNSET and status != incident.status and status == IncidentStatus.RESOLVED
        if status is not UNSET and status != incident.status:
            if incident.status == IncidentStatus.RESOLVED:
                raise IncidentChangeRefused("status", "The incident is resolved; a new alert reopens it.")
            if status not in (IncidentStatus.ACKNOWLEDGED, IncidentStatus.RESOLVED):
                raise IncidentChangeRefused(
                    "status", f"An incident can be acknowledged or resolved, not set to {status}."
                )
        if resolve_tickets and not resolving:
            raise IncidentChangeRefused(
                "resolve_tickets", "Linked tickets are resolved with the incident only."
            )
        if public_update:
            _public_update(incident, body=public_update, author=actor, now=now)
        if status is not UNSET and status != incident.status:
            first_ack = incident.acknowledged_at is None
            incident.status = status
            incident.acknowledged_at = incident.acknowledged_at or now
            if status == IncidentStatus.RESOLVED:
                incident.resolved_at = now
                incident.impact_ended_at = incident.impact_ended_at or now
            incident_event(incident, status, now, actor)
            if first_ack:
                incident_pages_acknowledge(incident_id=incident.pk, user=actor, via="incident", now=now)
        if impact is not UNSET and impact != incident.impact:
            incident_event(
                incident,
                IncidentEventType.IMPACT_CHANGED,
                now,
                actor,
                **{"from": incident.impact, "to": impact},
            )
            incident.impact = impact
        page_commander = False
        if commander is not UNSET and commander != incident.commander:
            incident_event(
                incident,
                IncidentEventType.COMMANDER_ASSIGNED,
                now,
                actor,
                commander=commander.get_username() if commander else None,
                previous=incident.commander.get_username() if incident.commander else None,
            )
            incident.commander = commander
            page_commander = commander is not None and incident.status != IncidentStatus.RESOLVED
        respond = False
        if customers is not UNSET:
            respond = _set_customers(incident, customers, actor, now)
        incident.updated_at = now
        incident.save()
        if page_commander:
            incident_commander_page(incident=incident, now=now)
            _assign_open_tickets(incident, now)
        if resolving and resolve_tickets:
            _resolve_tickets(incident, actor, now)
        if respond and incident.status != IncidentStatus.RESOLVED:
            transaction.on_commit(lambda: enqueue.respond_to_incidents([incident.pk]))
    return incident


def _set_customers(incident: Incident, customers, actor, now: datetime) -> bool:
    """Replace the affected customers; True when some were added (they get their tickets)."""
    before = set(IncidentCustomer.objects.filter(incident=incident).values_list("customer_id", flat=True))
    after = {c.pk for c in customers}
    if before == after:
        return False
    IncidentCustomer.objects.filter(incident=incident, customer_id__in=before - after).delete()
    IncidentCustomer.objects.bulk_create(
        [IncidentCustomer(incident=incident, customer_id=pk) for pk in sorted(after - before)],
        ignore_conflicts=True,
    )
    names = {c.pk: c.name for c in customers}
    incident_event(
        incident,
        IncidentEventType.CUSTOMERS_CHANGED,
        now,
        actor,
        added=sorted(names[pk] for pk in after - before),
        removed=sorted(before - after),
    )
    return bool(after - before)


def _assign_open_tickets(incident: Incident, now: datetime) -> None:
    """The incident's own tickets follow their commander."""
    opened = Ticket.objects.filter(
        incident_link__incident=incident, incident_link__opened_for_incident=True
    ).exclude(status=Status.CLOSED)
    for ticket in opened:
        ticket_assign(
            ticket=ticket, assignee=incident.commander, actor=None, now=now, reason="incident commander"
        )


def _public_update(incident: Incident, *, body: str, author, now: datetime) -> IncidentUpdate:
    if author is None:
        raise IncidentChangeRefused("public_update", "A public update needs an author.")
    body = body.strip()
    if not body:
        raise IncidentChangeRefused("public_update", "Write the update's text.")
    if len(body) > UPDATE_MAX_LENGTH:
        raise IncidentChangeRefused("public_update", f"Keep an update under {UPDATE_MAX_LENGTH} characters.")
    update = IncidentUpdate.objects.create(incident=incident, body=body, author=author, created_at=now)
    links = list(
        IncidentTicket.objects.filter(incident=incident)
        .exclude(ticket__status=Status.CLOSED)
        .select_related("ticket__requester")
        .order_by("-opened_for_incident", "linked_at", "id")
    )
    replied = []
    for link in links:
        ticket_reply(ticket=link.ticket, author=author, body=body, now=now)
        replied.append(link.ticket)
    told = _tell_contacts(incident, update, replied, now)
    incident_event(
        incident,
        IncidentEventType.PUBLIC_UPDATE,
        now,
        author,
        update=update.pk,
        tickets=[t.reference for t in replied],
        contacts_told=told,
    )
    return update


def _tell_contacts(incident: Incident, update: IncidentUpdate, tickets: list[Ticket], now: datetime) -> int:
    """Each affected customer's incident contacts, once per customer, on the customer's incident ticket
    (else its first linked ticket); a contact who is that ticket's requester already has the reply."""
    carrier: dict[int, Ticket] = {}
    for ticket in tickets:  # incident tickets first (the links' order)
        if ticket.customer_id is not None:
            carrier.setdefault(ticket.customer_id, ticket)
    contacts = CustomerContact.objects.filter(customer_id__in=list(carrier), notify_incidents=True).order_by(
        "customer_id", "id"
    )
    by_customer: dict[int, list[CustomerContact]] = {}
    for contact in contacts:
        by_customer.setdefault(contact.customer_id, []).append(contact)
    told = 0
    for customer_id, people in by_customer.items():
        ticket = carrier[customer_id]
        people = [p for p in people if p.email != ticket.requester.email and p.email != desk_address()]
        told += contacts_notification_record(
            ticket=ticket,
            kind=RequesterNotification.Kind.INCIDENT_UPDATE,
            recipients=[p.email for p in people],
            now=now,
            incident=incident.pk,
            update=update.pk,
        )
    return told


def _resolve_tickets(incident: Incident, actor, now: datetime) -> None:
    resolved, refused = [], {}
    tickets = Ticket.objects.filter(incident_link__incident=incident).exclude(
        status__in=(Status.RESOLVED, Status.CLOSED)
    )
    for ticket in tickets.order_by("pk"):
        try:
            ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=actor, now=now)
        except InvalidTransition as exc:
            refused[ticket.reference] = str(exc)
            continue
        resolved.append(ticket.reference)
    incident_event(
        incident, IncidentEventType.TICKETS_RESOLVED, now, actor, resolved=resolved, refused=refused
    )


def incident_impact_window_edit(
    *, incident_id: int, started_at=UNSET, impact_ended_at=UNSET, reason: str, actor, now: datetime
) -> Incident:
    """A manager corrects the outage window the availability report counts; the reason and the old and
    new values are an event. The end may not precede the start nor lie in the future; an open window
    (no end) is allowed while the incident is not resolved."""
    reason = (reason or "").strip()
    if not reason:
        raise IncidentChangeRefused("reason", "Say why the impact window changes.")
    with transaction.atomic():
        incident = _locked(incident_id)
        new_start = incident.started_at if started_at is UNSET else started_at
        new_end = incident.impact_ended_at if impact_ended_at is UNSET else impact_ended_at
        if new_start is None:
            raise IncidentChangeRefused("started_at", "The impact has a start.")
        if new_start > now:
            raise IncidentChangeRefused("started_at", "The impact cannot start in the future.")
        if new_end is not None and new_end > now:
            raise IncidentChangeRefused("impact_ended_at", "The impact cannot end in the future.")
        if new_end is not None and new_end < new_start:
            raise IncidentChangeRefused("impact_ended_at", "The impact cannot end before it starts.")
        if new_end is None and incident.status == IncidentStatus.RESOLVED:
            raise IncidentChangeRefused("impact_ended_at", "A resolved incident's impact has an end.")
        if (new_start, new_end) == (incident.started_at, incident.impact_ended_at):
            return incident
        incident_event(
            incident,
            IncidentEventType.IMPACT_WINDOW_EDITED,
            now,
            actor,
            reason=reason,
            started_at={"from": incident.started_at.isoformat(), "to": new_start.isoformat()},
            impact_ended_at={
                "from": incident.impact_ended_at.isoformat() if incident.impact_ended_at else None,
                "to": new_end.isoformat() if new_end else None,
            },
        )
        incident.started_at, incident.impact_ended_at, incident.updated_at = new_start, new_end, now
        incident.save(update_fields=["started_at", "impact_ended_at", "updated_at"])
    return incident


def ticket_incident_link(*, ticket: Ticket, incident_id: int | None, actor, now: datetime) -> Ticket:
    """Link a customer's own ticket to an incident (it gets the incident's public updates from now on),
    move it to another, or unlink it (`incident_id=None`). A ticket the incident opened stays its own."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        link = IncidentTicket.objects.select_for_update().filter(ticket=ticket).first()
        if link is not None and link.opened_for_incident:
            raise IncidentChangeRefused(
                "incident", "This ticket was opened for its incident; it stays linked."
            )
        if link is not None and link.incident_id == incident_id:
            return ticket
        if incident_id is not None:
            incident = Incident.objects.filter(pk=incident_id).first()
            if incident is None:
                raise IncidentChangeRefused("incident", f"There is no incident {incident_id}.")
            if incident.status == IncidentStatus.RESOLVED:
                raise IncidentChangeRefused(
                    "incident", "The incident is resolved; link tickets to an open one."
                )
        if link is not None:
            previous = link.incident
            link.delete()
            ticket_events_record(
                ticket_id=ticket.pk,
                types=[EventType.INCIDENT_UNLINKED],
                at=now,
                actor=actor,
                data={"incident": previous.pk},
            )
            incident_event(previous, IncidentEventType.TICKET_UNLINKED, now, actor, ticket=ticket.reference)
        if incident_id is not None:
            IncidentTicket.objects.create(incident=incident, ticket=ticket, linked_at=now, linked_by=actor)
            ticket_events_record(
                ticket_id=ticket.pk,
                types=[EventType.INCIDENT_LINKED],
                at=now,
                actor=actor,
                data={"incident": incident.pk},
            )
            incident_event(incident, IncidentEventType.TICKET_LINKED, now, actor, ticket=ticket.reference)
    return ticket
