"""What an incident calls for, done once however often it is asked: a commander, paged once, and for
each affected customer one ticket whose contacts are told at once.

`incident_respond` runs after every ingestion that opened or reopened an incident, raised its
severity or added customers (a task, after commit), and from a sweep every minute (a lost task). Under
the incident's row lock it does what is missing, so running it twice does nothing the second time; the
database has the last word (`incident_ticket_per_customer_once`, `incident_page_once`,
`requester_notification_once_each`).

- The commander is the engineer the follow-the-sun routing would give a new ticket (on shift, least
  loaded), else the on-call engineer; nobody at all leaves the incident without one until the sweep
  finds somebody. Paged once: SMS (and a call for a major incident), never grouped.
- An info-only incident (no severity) or a resolved one calls for nothing.
- Each customer's ticket: the incident's severity, the customer's plan, its clock started when the
  alert says the problem started (so the promise counts from the outage, not from our noticing), in
  the name of the customer's first incident contact (or the desk's own address when it has none:
  mail to it is never sent), assigned to the commander. No "received" email: instead each contact
  with `notify_incidents` gets the proactive notice (what, since when in their time, the ticket's
  private link), worded by the web layer's requester mail in their language.
"""

from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q

from escalation.paging.models import Notification
from escalation.paging.services.notifications import incident_page_create
from escalation.roster import routing
from escalation.roster.services.roster import Roster
from tickets.models import Customer, CustomerContact, EventType, RequesterNotification, Ticket
from tickets.notifications import contacts_notification_record
from tickets.services import ticket_assign, ticket_file
from tickets.sla_writes import ticket_events_record

from ..models import (
    Incident,
    IncidentCustomer,
    IncidentEvent,
    IncidentEventType,
    IncidentStatus,
    IncidentTicket,
)


@dataclass(frozen=True)
class Responded:
    commander_assigned: bool = False
    commander_paged: int = 0
    tickets_opened: tuple[str, ...] = ()
    notices: int = 0


def desk_address() -> str:
    """The desk's own address (DEFAULT_FROM_EMAIL's), the requester of a ticket opened for a customer
    with no contacts. The requester mail never writes to it."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()


def incident_event(incident: Incident, type: str, now: datetime, actor=None, **data) -> IncidentEvent:
    return IncidentEvent.objects.create(incident=incident, type=type, at=now, actor=actor, data=data)


def _choose_commander(now: datetime):
    roster = Roster()
    choice = routing.choose_engineer(roster.with_load(), now)
    if choice is None:
        on_call = routing.on_call(roster.plain())
        choice = on_call[0] if on_call else None
    if choice is None:
        return None
    return get_user_model().objects.get(pk=choice.user_id)


def incident_commander_page(*, incident: Incident, now: datetime) -> int:
    """Page the incident's commander (once per channel: a replay is a no-op); the timeline says so."""
    if incident.commander is None or incident.severity is None:
        return 0
    pages = incident_page_create(
        incident_id=incident.pk,
        title=incident.title,
        severity=incident.severity,
        started_at=incident.started_at,
        customers=incident.customers.count(),
        user=incident.commander,
        now=now,
    )
    if pages:
        incident_event(
            incident,
            IncidentEventType.COMMANDER_PAGED,
            now,
            commander=incident.commander.get_username(),
            channels=[p.channel for p in pages],
            statuses=[p.status for p in pages],
        )
    return len(pages)


def _ticket_text(incident: Incident) -> tuple[str, str]:
    subject_max = Ticket._meta.get_field("subject").max_length
    subject = f"Incident: {incident.title}"[:subject_max]
    description = (
        f"Our monitoring detected a problem that affects your service: {incident.title}\n"
        f"It started at {incident.started_at:%Y-%m-%d %H:%M} UTC.\n\n"
        "The desk opened this ticket for you and is working on it; updates will be posted here "
        "until it is resolved. You can reply here at any time."
    )
    return subject, description


def _open_ticket(incident: Incident, customer: Customer, now: datetime) -> tuple[Ticket, int]:
    contacts = [c for c in customer.contacts.all() if c.notify_incidents]
    first = contacts[0] if contacts else None
    subject, description = _ticket_text(incident)
    ticket = ticket_file(
        subject=subject,
        description=description,
        severity=incident.severity,
        email=first.email if first else desk_address(),
        name=first.name if first else "",
        now=incident.started_at,  # the clock counts from the outage
        requester_timezone=first.timezone if first else customer.timezone,
        customer=customer,
        acknowledge_receipt=False,
        opened_by=incident.commander,  # the desk wrote it, not the customer
    ).ticket
    IncidentTicket.objects.create(
        incident=incident, ticket=ticket, customer=customer, opened_for_incident=True, linked_at=now
    )
    ticket_events_record(
        ticket_id=ticket.pk,
        types=[EventType.INCIDENT_LINKED],
        at=now,
        data={"incident": incident.pk, "opened_for_incident": True},
    )
    if incident.commander is not None:
        ticket = ticket_assign(
            ticket=ticket, assignee=incident.commander, actor=None, now=now, reason="incident commander"
        )
    notices = contacts_notification_record(
        ticket=ticket,
        kind=RequesterNotification.Kind.INCIDENT_NOTICE,
        recipients=[c.email for c in contacts],
        now=now,
        incident=incident.pk,
    )
    incident_event(
        incident,
        IncidentEventType.TICKET_OPENED,
        now,
        ticket=ticket.reference,
        customer=customer.name,
        contacts_told=notices,
    )
    return ticket, notices


def incident_respond(*, incident_id: int, now: datetime) -> Responded:
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("commander")
            .filter(pk=incident_id)
            .first()
        )
        if incident is None or incident.status == IncidentStatus.RESOLVED or incident.severity is None:
            return Responded()
        assigned = False
        if incident.commander is None:
            incident.commander = _choose_commander(now)
            if incident.commander is not None:
                assigned = True
                incident.updated_at = now
                incident.save(update_fields=["commander", "updated_at"])
                incident_event(
                    incident,
                    IncidentEventType.COMMANDER_ASSIGNED,
                    now,
                    commander=incident.commander.get_username(),
                    by="follow-the-sun routing",
                )
        paged = 0
        if incident.commander is not None and not Notification.objects.filter(incident=incident).exists():
            paged = incident_commander_page(incident=incident, now=now)
        served = IncidentTicket.objects.filter(incident=incident, opened_for_incident=True).values(
            "customer_id"
        )
        waiting = (
            Customer.objects.filter(incidents=incident)
            .exclude(pk__in=served)
            .prefetch_related(Prefetch("contacts", queryset=CustomerContact.objects.order_by("id")))
            .order_by("id")
        )
        opened, notices = [], 0
        for customer in waiting:
            ticket, told = _open_ticket(incident, customer, now)
            opened.append(ticket.reference)
            notices += told
    return Responded(
        commander_assigned=assigned, commander_paged=paged, tickets_opened=tuple(opened), notices=notices
    )


def incidents_needing_response(*, limit: int = 100) -> list[int]:
    """Open incidents with a severity still missing a commander or a customer's ticket (the sweep's
    list; one query)."""
    unserved = IncidentCustomer.objects.filter(incident=OuterRef("pk")).exclude(
        Exists(
            IncidentTicket.objects.filter(
                incident=OuterRef("incident"), customer=OuterRef("customer"), opened_for_incident=True
            )
        )
    )
    return list(
        Incident.objects.exclude(status=IncidentStatus.RESOLVED)
        .filter(severity__isnull=False)
        .filter(Q(commander__isnull=True) | Exists(unserved))
        .order_by("started_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def incidents_respond_pending(*, now: datetime) -> int:
    """The sweep: respond to every incident still missing something. Returns how many it looked at."""
    pending = incidents_needing_response()
    for incident_id in pending:
        incident_respond(incident_id=incident_id, now=now)
    return len(pending)
