"""Ticket lifecycle services: every write to a ticket goes through one of these.

Each takes keyword arguments and `now` (read once at the edge), locks the ticket row, validates,
writes an event, and tells the SLA clock what happened.

The lifecycle: filing, status changes, replies, assignment and severity, and closing stale tickets."""

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .. import signals
from ..assignment import AssigneeOffShift, shift_book
from ..models import (
    Customer,
    Event,
    EventType,
    Message,
    Plan,
    RequesterNotification,
    Status,
    Ticket,
)
from ..notifications import (
    requester_notification_new,
    requester_notification_record,
    requester_notification_send_on_commit,
)
from ..sla import sla_clock
from ..states import InvalidTransition, TicketFacts, check_transition, status_after_assignment
from .chain import Link, insert_chain
from .closing import blocked_sender_exists, ticket_close_on_arrival_unsafe
from .requesters import requester_link, requester_standing
from .trust import confirmation_request

AUTO_CLOSE_AFTER = timedelta(days=7)
UNSET = object()


def _event(ticket: Ticket, type: str, now: datetime, actor=None, **data) -> Event:
    return Event.objects.create(ticket=ticket, type=type, at=now, actor=actor, data=data)


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


@dataclass(frozen=True)
class FiledTicket:
    """A ticket just filed with the message and the event that filing wrote, so a response can show
    them without reading them back."""

    ticket: Ticket
    message: Message
    event: Event


@transaction.atomic(savepoint=False)
def ticket_file(
    *,
    subject: str,
    description: str,
    severity: str,
    email: str,
    name: str = "",
    now: datetime,
    requester_timezone: ZoneInfo | None = None,
    follow_up_of: Ticket | None = None,
    customer: Customer | object | None = UNSET,
    acknowledge_receipt: bool = True,
    opened_by: AbstractBaseUser | None = None,
    trusted: bool = False,
    channel: str = "",
    language: str = "",
    requester_language: str = "",
) -> FiledTicket:
    """File a ticket for the requester with `email`: its promises, clock and alarms, the description
    as its first message, and a `created` event. Routing is asked for, and the requester is sent the
    ticket's reference and link, once the transaction commits.

    The customer (and so the plan) is the one the requester's domain names, unless `customer` says
    (an incident opens a ticket for each customer it affects, and tells their contacts itself:
    `acknowledge_receipt=False` sends no "received" email; `opened_by`, the engineer the first message
    is from, since the customer did not write it).

    A domain is not proof: only a trusted requester (one of the customer's contacts, an address confirmed
    before, or vouched for by the caller: `trusted`, or an engineer opening it) files under the
    customer's plan. Anyone else at the domain files a standard-plan ticket with no customer, that pages
    nobody by voice, and is sent a link to confirm the address (at most one an hour per address); once
    confirmed, `requester_confirm` gives the ticket its customer and recomputes its clocks from the
    filing time.

    `channel` ("email") is recorded on the `created` event when given.
    `language`: the language the customer's page spoke (kept on the ticket, the emails' last fallback);
    `requester_language`: a language the requester chose, remembered on the requester (tickets.languages).

    A blocked sender's ticket (`BlockedSender`) is filed as any other, then closed as spam at once with
    an event: no email, no routing, no page, and the caller answers the sender as usual.

    The requester, the ticket, its message, its event, the email, its clock and its alarms are written
    in one statement. No savepoint: a caller's own transaction fails whole if filing fails (every
    caller lets it)."""
    requester = requester_link(email=email, name=name, language=requester_language)
    engineer_filed = opened_by is not None
    trusted = trusted or engineer_filed
    claimed = None  # the customer an untrusted requester's domain names, until the address is confirmed
    if customer is UNSET or not trusted:
        standing = requester_standing(requester.obj.email)  # whether it is blocked too, in its one query
        blocked = standing.blocked and not engineer_filed
        trusted = trusted or standing.trusted
        if customer is UNSET:
            customer = standing.customer
        if not trusted:
            customer, claimed = None, customer
    else:
        blocked = not engineer_filed and blocked_sender_exists(requester.obj.email)
    acknowledge_receipt = acknowledge_receipt and not blocked
    ticket = Ticket(
        subject=subject,
        description=description,
        severity=severity,
        status=Status.NEW,
        plan=customer.plan if customer else Plan.STANDARD,
        customer=customer,
        requester=requester.obj,
        requester_trusted=trusted,
        # The zone promises are shown in: the browser's, else that of the customer the domain names.
        requester_timezone=requester_timezone or _zone_of(customer or claimed),
        language=language,
        follow_up_of=follow_up_of,
        created_at=now,
        updated_at=now,
        resolution_started_at=now,
    )
    started = sla_clock().start(ticket=ticket, now=now)  # the due times, before the insert
    ticket.derive_next_due()
    message = Message(ticket=ticket, author=opened_by, body=description, internal=False, created_at=now)
    event = Event(
        ticket=ticket,
        type=EventType.CREATED,
        at=now,
        actor=None,
        data={
            "severity": severity,
            "plan": ticket.plan,
            "first_response_due_at": ticket.first_response_due_at.isoformat(),
            "resolution_due_at": ticket.resolution_due_at.isoformat(),
            "requester_trusted": trusted,
            **({"claimed_customer": claimed.name} if claimed else {}),
            **({"follow_up_of": follow_up_of.reference} if follow_up_of else {}),
            **_channel(channel),
        },
    )
    notification = (
        requester_notification_new(
            ticket=ticket, event=event, kind=RequesterNotification.Kind.RECEIVED, now=now
        )
        if acknowledge_receipt
        else None
    )
    insert_chain(
        {
            "requester": requester,
            "ticket": Link(ticket, refs={"requester": "requester"}),
            "message": Link(message, refs={"ticket": "ticket"}),
            "event": Link(event, refs={"ticket": "ticket"}),
            **(
                {"notification": Link(notification, refs={"ticket": "ticket", "event": "event"})}
                if notification is not None
                else {}
            ),
            **{name: Link(rows, refs={"ticket": "ticket"}) for name, rows in started.rows.items()},
        }
    )
    started.inserted()
    if blocked:  # the caller answers with the ticket as filed: the sender learns nothing
        shown = copy.copy(ticket)
        ticket_close_on_arrival_unsafe(ticket=ticket, now=now)
        return FiledTicket(ticket=shown, message=message, event=event)
    if follow_up_of is not None:
        _event(follow_up_of, EventType.FOLLOW_UP, now, follow_up=ticket.reference)
    if notification is not None:
        requester_notification_send_on_commit(notification)
    if claimed is not None:
        confirmation_request(ticket=ticket, event=event, now=now)
    signals.send_on_commit(signals.ticket_created, ticket)
    return FiledTicket(ticket=ticket, message=message, event=event)


def _zone_of(customer: Customer | None) -> ZoneInfo:
    return customer.timezone if customer else ZoneInfo("UTC")


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _facts(ticket: Ticket) -> TicketFacts:
    return TicketFacts(
        status=ticket.status,
        has_assignee=ticket.assignee_id is not None,
        has_public_reply=ticket.first_responded_at is not None,
    )


def _leave_pause(ticket: Ticket, now: datetime) -> None:
    if ticket.paused_at is not None:
        paused_since, ticket.paused_at = ticket.paused_at, None
        sla_clock().resumed(ticket=ticket, paused_since=paused_since, now=now)


def _move(
    ticket: Ticket, target: str, *, actor, now: datetime, reason: str = "", by_requester: bool = False
) -> None:
    """Move a locked ticket to the status `check_transition` allows, with every clock side effect.

    The requester is told of the new status, unless their own reply moved it."""
    current = ticket.status
    landed = check_transition(_facts(ticket), target)
    if current == Status.WAITING_ON_CUSTOMER:
        _leave_pause(ticket, now)
    if landed == Status.WAITING_ON_CUSTOMER:
        ticket.paused_at = now
        sla_clock().paused(ticket=ticket, now=now)
    if landed == Status.RESOLVED:
        ticket.resolved_at = now
        sla_clock().resolved(ticket=ticket, now=now)
    if current == Status.RESOLVED and landed in (Status.OPEN, Status.NEW):
        ticket.resolution_cycle += 1
        ticket.resolution_started_at = now
        ticket.resolved_at = None
        sla_clock().reopened(ticket=ticket, now=now)
        _event(ticket, EventType.REOPENED, now, actor, cycle=ticket.resolution_cycle)
    if landed == Status.CLOSED:
        ticket.closed_at = now
    ticket.status = landed
    ticket.updated_at = now
    ticket.save()
    event = _event(
        ticket,
        EventType.STATUS_CHANGED,
        now,
        actor,
        **{"from": current, "to": landed},
        **({"reason": reason} if reason else {}),
    )
    if not by_requester:
        requester_notification_record(
            ticket=ticket, event=event, kind=RequesterNotification.Kind.STATUS, now=now
        )
    signals.send_on_commit(signals.ticket_status_changed, ticket)


@transaction.atomic
def ticket_change_status(
    *, ticket: Ticket, status: str, actor: AbstractBaseUser | None, now: datetime
) -> Ticket:
    """Raises InvalidTransition naming the transition when the state machine refuses it."""
    ticket = _locked(ticket)
    _move(ticket, status, actor=actor, now=now)
    return ticket


def _channel(channel: str) -> dict[str, str]:
    """What an event records of the channel that caused it: nothing for the web and the API."""
    return {"channel": channel} if channel else {}


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author: AbstractBaseUser | None,
    body: str,
    internal: bool = False,
    now: datetime,
    channel: str = "",
) -> Message:
    """A message on the ticket. `author=None` is the requester; `channel` ("email") is recorded on the
    requester's reply (or their follow-up ticket) when given.

    An engineer's first public reply is the first response; every public reply is emailed to the
    requester once the transaction commits. A requester's reply resumes a paused
    ticket, reopens a resolved one (a new resolution cycle), and on a closed ticket opens a
    follow-up ticket that links back; the message then lands on the follow-up.
    """
    if author is None and internal:
        raise ValueError("only engineers write internal notes")
    ticket = _locked(ticket)
    if author is None and ticket.status == Status.CLOSED:
        follow_up = ticket_file(
            subject=f"Re: {ticket.subject}"[: Ticket._meta.get_field("subject").max_length],
            description=body,
            severity=ticket.severity,
            email=ticket.requester.email,
            name=ticket.requester.name,
            now=now,
            requester_timezone=ticket.requester_timezone,
            language=ticket.language,
            follow_up_of=ticket,
            trusted=ticket.requester_trusted,  # the private link was emailed to the requester
            channel=channel,
        )
        return follow_up.message
    message = Message.objects.create(
        ticket=ticket, author=author, body=body, internal=internal, created_at=now
    )
    if internal:
        _event(ticket, EventType.NOTE, now, author, message=message.pk)
    elif author is None:
        _event(ticket, EventType.CUSTOMER_REPLIED, now, None, message=message.pk, **_channel(channel))
        if ticket.status in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED):
            _move(ticket, Status.OPEN, actor=None, now=now, reason="customer replied", by_requester=True)
    else:
        first = ticket.first_responded_at is None
        if first:
            ticket.first_responded_at = now
            sla_clock().responded(ticket=ticket, now=now)
        event = _event(ticket, EventType.REPLIED, now, author, message=message.pk, first_response=first)
        requester_notification_record(
            ticket=ticket, event=event, kind=RequesterNotification.Kind.REPLY, now=now, message=message
        )
    ticket.updated_at = now
    ticket.save()
    signals.send_on_commit(signals.ticket_replied, ticket)
    return message


@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    assignee: AbstractBaseUser | None,
    actor: AbstractBaseUser | None,
    now: datetime,
    confirm_off_shift: bool = False,
    event_type: str = EventType.ASSIGNED,
    **event_data,
) -> Ticket:
    """Give the ticket to `assignee` (None unassigns). A new ticket opens; an unassigned open one is new.

    A person (`actor`) giving the ticket to an engineer who is off shift must confirm it
    (`confirm_off_shift`), else AssigneeOffShift is raised and nothing changes; taking a ticket oneself
    is deliberate and needs no confirmation. An assignment by a person is pinned: no automatic handoff
    until the end of the engineer's shift (of their next shift when they are off shift now). The system
    (`actor=None`: routing, handoffs, escalation) assigns whom it chose, unpinned.
    """
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(ticket.status, ticket.status, "a closed ticket cannot be reassigned")
    previous = ticket.assignee
    if previous == assignee:
        return ticket
    pinned_until = None
    if actor is not None and assignee is not None:
        shift = shift_book().assignee_shift(user=assignee, now=now)
        if shift is not None:
            if not shift.on_shift:
                if not confirm_off_shift and actor.pk != assignee.pk:
                    raise AssigneeOffShift(shift)
                event_data["off_shift"] = True
            pinned_until = shift.holds_until
            if pinned_until is not None:
                event_data["pinned_until"] = pinned_until.isoformat()
    ticket.assignment_pinned_until = pinned_until
    ticket.assignee = assignee
    ticket.assigned_at = now if assignee is not None else None
    ticket.updated_at = now
    current = ticket.status
    landed = status_after_assignment(current, has_assignee=assignee is not None)
    if landed is not None:
        ticket.status = landed
    ticket.save()
    _event(
        ticket,
        event_type,
        now,
        actor,
        **{"from": _username(previous), "to": _username(assignee)},
        **event_data,
    )
    if landed is not None:
        # A move the assignment causes: recorded like any other, without an email to the requester
        # (who is told when an engineer replies, not when one picks the ticket up).
        reason = "assigned" if assignee is not None else "unassigned"
        _event(ticket, EventType.STATUS_CHANGED, now, actor, **{"from": current, "to": landed}, reason=reason)
    signals.send_on_commit(signals.ticket_assigned, ticket)
    return ticket


@transaction.atomic
def ticket_change_severity(
    *, ticket: Ticket, severity: str, actor: AbstractBaseUser | None, now: datetime
) -> Ticket:
    """Recompute the open deadlines from their starts under the new target; completed metrics stay."""
    ticket = _locked(ticket)
    if ticket.severity == severity:
        return ticket
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(ticket.status, ticket.status, "a closed ticket cannot change severity")
    previous, ticket.severity = ticket.severity, severity
    sla_clock().retargeted(ticket=ticket, now=now)
    ticket.updated_at = now
    ticket.save()
    _event(
        ticket,
        EventType.SEVERITY_CHANGED,
        now,
        actor,
        **{"from": previous, "to": severity},
        first_response_due_at=ticket.first_response_due_at.isoformat(),
        resolution_due_at=ticket.resolution_due_at.isoformat(),
    )
    signals.send_on_commit(signals.ticket_retargeted, ticket)
    return ticket


def ticket_close_stale(*, now: datetime) -> int:
    """Close tickets resolved more than AUTO_CLOSE_AFTER ago (a customer reply would have reopened them)."""
    closed = 0
    stale = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=now - AUTO_CLOSE_AFTER)
    for ticket in stale.only("pk").iterator():
        with transaction.atomic():
            locked = _locked(ticket)
            if locked.status != Status.RESOLVED or locked.resolved_at > now - AUTO_CLOSE_AFTER:
                continue  # moved on since the query
            _move(locked, Status.CLOSED, actor=None, now=now, reason="resolved 7 days without a reply")
            closed += 1
    return closed
