"""Ticket lifecycle services: every write to a ticket goes through one of these.

Each takes keyword arguments and `now` (read once at the edge), locks the ticket row, validates,
writes an event, and tells the SLA clock what happened.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db import connection, transaction

from . import signals
from .assignment import AssigneeOffShift, shift_book
from .models import (
    ATTACHMENT_CONTENT_TYPES,
    ATTACHMENT_MAX_BYTES,
    Attachment,
    Customer,
    CustomerDomain,
    Event,
    EventType,
    Message,
    Plan,
    Requester,
    RequesterNotification,
    Status,
    Ticket,
    TicketTally,
)
from .notifications import requester_notification_record
from .sla import sla_clock
from .states import InvalidTransition, TicketFacts, check_transition

AUTO_CLOSE_AFTER = timedelta(days=7)


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


@transaction.atomic
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
) -> FiledTicket:
    """File a ticket for the requester with `email`: its promises, clock and alarms, the description
    as its first message, and a `created` event. Routing is asked for, and the requester is sent the
    ticket's reference and link, once the transaction commits."""
    requester = requester_get_or_create(email=email, name=name)
    customer = customer_for_email(requester.email)
    ticket = Ticket(
        subject=subject,
        description=description,
        severity=severity,
        status=Status.NEW,
        plan=customer.plan if customer else Plan.STANDARD,
        customer=customer,
        requester=requester,
        requester_timezone=requester_timezone or (customer.timezone if customer else ZoneInfo("UTC")),
        follow_up_of=follow_up_of,
        created_at=now,
        updated_at=now,
        resolution_started_at=now,
    )
    record_clock = sla_clock().start(ticket=ticket, now=now)  # the due times, before the insert
    ticket.save(force_insert=True)
    record_clock()
    message = Message.objects.create(
        ticket=ticket, author=None, body=description, internal=False, created_at=now
    )
    event = _event(
        ticket,
        EventType.CREATED,
        now,
        severity=severity,
        plan=ticket.plan,
        first_response_due_at=ticket.first_response_due_at.isoformat(),
        resolution_due_at=ticket.resolution_due_at.isoformat(),
        **({"follow_up_of": follow_up_of.reference} if follow_up_of else {}),
    )
    if follow_up_of is not None:
        _event(follow_up_of, EventType.FOLLOW_UP, now, follow_up=ticket.reference)
    requester_notification_record(
        ticket=ticket, event=event, kind=RequesterNotification.Kind.RECEIVED, now=now
    )
    signals.send_on_commit(signals.ticket_created, ticket)
    return FiledTicket(ticket=ticket, message=message, event=event)


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


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, author: AbstractBaseUser | None, body: str, internal: bool = False, now: datetime
) -> Message:
    """A message on the ticket. `author=None` is the requester.

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
            follow_up_of=ticket,
        )
        return follow_up.message
    message = Message.objects.create(
        ticket=ticket, author=author, body=body, internal=internal, created_at=now
    )
    if internal:
        _event(ticket, EventType.NOTE, now, author, message=message.pk)
    elif author is None:
        _event(ticket, EventType.CUSTOMER_REPLIED, now, None, message=message.pk)
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
    if assignee is not None and ticket.status == Status.NEW:
        ticket.status = Status.OPEN
    elif assignee is None and ticket.status == Status.OPEN:
        ticket.status = Status.NEW
    ticket.save()
    _event(
        ticket,
        event_type,
        now,
        actor,
        **{"from": _username(previous), "to": _username(assignee)},
        **event_data,
    )
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


def ticket_tallies_fold() -> int:
    """Sum the tally rows the triggers wrote into one row a key (none for a zero sum); returns how many
    rows were folded. Counts read the same before and after: the rows deleted are exactly the rows
    summed, and rows written meanwhile by other transactions are left for the next fold."""
    totals: Counter = Counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_tickettally RETURNING status, severity, assignee_id, delta")
        rows = cursor.fetchall()
        for status, severity, assignee_id, delta in rows:
            totals[status, severity, assignee_id] += delta
        TicketTally.objects.bulk_create(
            TicketTally(status=status, severity=severity, assignee_id=assignee_id, delta=delta)
            for (status, severity, assignee_id), delta in totals.items()
            if delta
        )
    return len(rows)


def attachment_add(*, message: Message, file, name: str, content_type: str, now: datetime) -> Attachment:
    """Store `file` on `message` under a random name; `name` is what the uploader called it.

    The caller has verified the content (the web form sniffs it); this refuses what the model's
    limits forbid, whatever the caller checked.
    """
    if content_type not in ATTACHMENT_CONTENT_TYPES:
        raise ValueError(f"{content_type!r} is not an allowed attachment type")
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ValueError(f"attachments are at most {ATTACHMENT_MAX_BYTES} bytes")
    return Attachment.objects.create(
        message=message, file=file, name=name, content_type=content_type, size=file.size, created_at=now
    )


# --- Engineers' edits through the API -------------------------------------------------------------

UNCHANGED = object()  # `ticket_update(assignee=UNCHANGED)`: leave the assignee alone (None unassigns)


def _refused_as(field: str, service, **kwargs) -> Ticket:
    try:
        return service(**kwargs)
    except InvalidTransition as refusal:
        raise ValidationError({field: [refusal.reason]}) from refusal


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    now: datetime,
    assignee=UNCHANGED,
    confirm_off_shift: bool = False,
    severity: str | None = None,
    status: str | None = None,
) -> Ticket:
    """Several edits at once, all or nothing: the assignee first (assigning opens a new ticket), then the
    severity (open deadlines recomputed), then the status. A refusal raises ValidationError naming the
    field and the reason, and nothing changes; so does AssigneeOffShift (see `ticket_assign`)."""
    if assignee is not UNCHANGED:
        ticket = _refused_as(
            "assignee",
            ticket_assign,
            ticket=ticket,
            assignee=assignee,
            actor=actor,
            now=now,
            confirm_off_shift=confirm_off_shift,
        )
    if severity is not None:
        ticket = _refused_as(
            "severity", ticket_change_severity, ticket=ticket, severity=severity, actor=actor, now=now
        )
    if status is not None:
        ticket = _refused_as(
            "status", ticket_change_status, ticket=ticket, status=status, actor=actor, now=now
        )
    return ticket


# --- Customers ------------------------------------------------------------------------------------

_domain_name = DomainNameValidator(accept_idna=False)


def normalize_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def _customer_domains(domains: list[str], customer: Customer | None) -> list[str]:
    """`domains` normalised and de-duplicated; ValidationError naming each one that is invalid or taken."""
    errors, cleaned = [], []
    for raw in domains:
        domain = normalize_domain(raw)
        try:
            _domain_name(domain)
        except ValidationError:
            errors.append(f"{raw!r} is not a domain name (write international names in their xn-- form).")
            continue
        if domain not in cleaned:
            cleaned.append(domain)
    taken = CustomerDomain.objects.filter(domain__in=cleaned).select_related("customer")
    if customer is not None:
        taken = taken.exclude(customer=customer)
    errors += [f"{row.domain} already belongs to {row.customer.name}." for row in taken]
    if errors:
        raise ValidationError({"email_domains": errors})
    return cleaned


def _customer_name(name: str, customer: Customer | None) -> str:
    others = Customer.objects.filter(name=name)
    if customer is not None:
        others = others.exclude(pk=customer.pk)
    if others.exists():
        raise ValidationError({"name": [f"A customer called {name!r} already exists."]})
    return name


@transaction.atomic
def customer_create(
    *,
    name: str,
    plan: str = Plan.STANDARD,
    timezone: ZoneInfo | None = None,
    email_domains: list[str] = (),
    monthly_fee: Decimal = Decimal(0),
    currency: str = "USD",
) -> Customer:
    """A customer whose requesters (by email domain) file under `plan`; tickets filed earlier keep theirs."""
    customer = Customer.objects.create(
        name=_customer_name(name, None),
        plan=plan,
        timezone=timezone or ZoneInfo("UTC"),
        monthly_fee=monthly_fee,
        currency=currency,
    )
    domains = _customer_domains(list(email_domains), None)
    CustomerDomain.objects.bulk_create(CustomerDomain(customer=customer, domain=domain) for domain in domains)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name: str | None = None,
    plan: str | None = None,
    timezone: ZoneInfo | None = None,
    email_domains: list[str] | None = None,
    monthly_fee: Decimal | None = None,
    currency: str | None = None,
) -> Customer:
    """Change what is given; `email_domains` replaces the whole list. A new plan applies to new tickets."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if name is not None:
        customer.name = _customer_name(name, customer)
    if plan is not None:
        customer.plan = plan
    if timezone is not None:
        customer.timezone = timezone
    if monthly_fee is not None:
        customer.monthly_fee = monthly_fee
    if currency is not None:
        customer.currency = currency
    customer.save()
    if email_domains is not None:
        domains = _customer_domains(email_domains, customer)
        customer.domains.exclude(domain__in=domains).delete()
        existing = set(customer.domains.values_list("domain", flat=True))
        CustomerDomain.objects.bulk_create(
            CustomerDomain(customer=customer, domain=domain) for domain in domains if domain not in existing
        )
    return customer
