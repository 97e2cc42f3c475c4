"""Ticket reads: the queue, one ticket, the customer's view of one ticket, customers and their contacts.

Selectors return querysets or model instances and never write. They know nothing of escalation:
callers that need SLA clocks or notifications add them (see `escalation.sla.selectors`).
"""

import copy
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Expression, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from .macros import render
from .models import (
    SEVERITY_RANK,
    Attachment,
    BouncingAddress,
    CloseReason,
    Customer,
    CustomerContact,
    Event,
    EventType,
    Macro,
    Message,
    Status,
    Ticket,
    TicketTally,
    access_token_well_formed,
)
from .search import Matches, search_filter
from .zone_labels import zone_abbreviation

# Orderings an integrator may ask for, each backed by an index; `pk` makes pages stable.
# A ticket without a running clock (resolved, paused, closed) has all the time in the world:
# it sorts last by time left, and first by `-next_due_at`, which is also PostgreSQL's natural
# order for the `ticket_next_due` index read forwards or backwards.
TICKET_ORDERINGS = {
    "next_due_at": (F("next_due_at").asc(nulls_last=True), "pk"),
    "-next_due_at": (F("next_due_at").desc(nulls_first=True), "-pk"),
    "created_at": ("created_at", "pk"),
    "-created_at": ("-created_at", "-pk"),
    "severity": (SEVERITY_RANK.asc(), F("next_due_at").asc(nulls_last=True), "pk"),
    "-severity": (SEVERITY_RANK.desc(), F("next_due_at").asc(nulls_last=True), "pk"),
}
TICKET_DEFAULT_ORDERING = "next_due_at"
# Search matches of equal rank: least time left first, then the newest.
SEARCH_TIE_BREAKERS = (F("next_due_at").asc(nulls_last=True), "-created_at", "-pk")

# Timeline entries a customer may see, and the keys of their data that are safe to show.
PUBLIC_EVENT_DATA = {
    EventType.CREATED: (),
    EventType.STATUS_CHANGED: ("from", "to"),
    EventType.REOPENED: ("cycle",),
    EventType.RATED: ("score", "cycle"),
}


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def ticket_queryset() -> QuerySet[Ticket]:
    """Tickets with what their representation shows in one query: customer, requester, assignee."""
    return Ticket.objects.select_related("customer", "requester", "assignee")


def with_thread(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with all their messages (internal notes too) and events prefetched, oldest first."""
    return tickets.prefetch_related(
        Prefetch(
            "messages",
            queryset=Message.objects.select_related("author")
            .prefetch_related("attachments")
            .order_by("created_at", "pk"),
        ),
        Prefetch("events", queryset=Event.objects.select_related("actor").order_by("at", "pk")),
    )


def _tallied_q(
    severities: Collection[str], statuses: Collection[str], assignee: int | str | _Unset | None
) -> Q:
    """The status, severity and assignee filters, for tickets and their tallies alike."""
    condition = Q()
    if severities:
        condition &= Q(severity__in=severities)
    if statuses:
        condition &= Q(status__in=statuses)
    if assignee is None:
        condition &= Q(assignee_id__isnull=True)
    elif isinstance(assignee, int):
        condition &= Q(assignee_id=assignee)
    elif isinstance(assignee, str):
        condition &= Q(assignee_id__in=get_user_model().objects.filter(username=assignee).values("pk"))
    return condition


def _ticket_filtered(
    *,
    now: datetime,
    severities: Collection[str] = (),
    statuses: Collection[str] = (),
    assignee: int | str | _Unset | None = UNSET,
    customer_id: int | None = None,
    breached: bool | None = None,
) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(_tallied_q(severities, statuses, assignee))
    if customer_id is not None:
        tickets = tickets.filter(customer_id=customer_id)
    if breached is not None:
        condition = Ticket.breached_q(now)
        tickets = tickets.filter(condition if breached else ~condition)
    return tickets


def ticket_list(*, now: datetime, ordering: str | None = None, **filters) -> QuerySet[Ticket]:
    """The queue: tickets matching every filter given, by time left unless `ordering` says otherwise.

    Filters: `severities`, `statuses`, `assignee` (a user id, a username, or None for unassigned tickets;
    UNSET: anybody's), `customer_id`, and `breached` (compares running clocks with `now` as well as the
    breaches the ledger recorded). A search is `ticket_search`.
    """
    tickets = _ticket_filtered(now=now, **filters).select_related("customer", "requester", "assignee")
    return tickets.order_by(*TICKET_ORDERINGS[ordering or TICKET_DEFAULT_ORDERING])


def ticket_search(*, now: datetime, search: str, ordering: str | None = None, **filters) -> Matches:
    """The tickets `ticket_list(**filters)` holds that `search` matches, the text an engineer typed
    (`tickets.search`): best first (the reference it names, then by rank, ties by time left and the
    newest) unless `ordering` is given. At most SEARCH_CANDIDATES of them, the newest matches; `more`
    says whether there were more. A sequence for a Paginator: a page fetches its own tickets only."""
    found = search_filter(search)
    order = TICKET_ORDERINGS[ordering] if ordering else (*found.ordering, *SEARCH_TIE_BREAKERS)
    tickets = _ticket_filtered(now=now, **filters)
    return found.matches(tickets, narrowed=_narrowed(**filters), ordering=order, rows=ticket_queryset())


def ticket_count(*, ordering: str | None = None, **filters) -> int:
    """How many tickets `ticket_list(**filters)` holds; see there for the filters (`ordering` is moot).

    Status, severity and assignee are read from the tallies, a sum over a few rows however many tickets
    there are. A customer or `breached` filter counts the tickets themselves, on their indexes.
    """
    if filters.get("customer_id") is not None or filters.get("breached") is not None:
        return _ticket_filtered(**filters).count()
    return ticket_tally_sums(
        severities=filters.get("severities", ()),
        statuses=filters.get("statuses", ()),
        assignee=filters.get("assignee", UNSET),
    )["total"]


def _narrowed(
    *, now=None, severities=(), statuses=(), assignee=UNSET, customer_id=None, breached=None
) -> bool:
    return (
        bool(severities or statuses)
        or assignee is not UNSET
        or customer_id is not None
        or breached is not None
    )


def ticket_tally_sums(
    *,
    severities: Collection[str] = (),
    statuses: Collection[str] = (),
    assignee: int | str | _Unset | None = UNSET,
    **parts: Q,
) -> dict[str, int]:
    """`total`: tickets with any of `severities` and `statuses` held by `assignee` (empty or UNSET: any),
    and for each of `parts` the same narrowed by its condition on the tally (`assignee_id`); one query."""
    tallies = TicketTally.objects.filter(_tallied_q(severities, statuses, assignee))
    sums = {"total": Sum("delta")} | {name: Sum("delta", filter=q) for name, q in parts.items()}
    return {name: value or 0 for name, value in tallies.aggregate(**sums).items()}


def assigned_ticket_count(user_id: Expression | OuterRef, statuses: Collection[str]) -> Coalesce:
    """An expression: how many tickets in `statuses` the user `user_id` holds, read from the tallies."""
    held = (
        TicketTally.objects.filter(assignee_id=user_id, status__in=statuses)
        .order_by()
        .values("assignee_id")
        .annotate(n=Sum("delta"))
        .values("n")
    )
    return Coalesce(Subquery(held), 0)


def ticket_get(*, reference: str, tickets: QuerySet[Ticket] | None = None) -> Ticket | None:
    """The ticket a reference such as `SD-1042` names (from `tickets`, default all), or None."""
    pk = Ticket.pk_from_reference(reference)
    if pk is None:
        return None
    return (ticket_queryset() if tickets is None else tickets).filter(pk=pk).first()


@dataclass(frozen=True)
class PublicTicket:
    """A ticket as its requester sees it: public messages (each with `public_attachments`) and the
    events a customer may see."""

    ticket: Ticket
    messages: list[Message]
    events: list[Event]


def ticket_get_public(*, access_token: str) -> PublicTicket | None:
    """The ticket whose private link carries `access_token`, as its requester may see it; None on a miss.

    A miss costs what a hit costs: the same four indexed queries run whatever the token (none is
    skipped for want of rows), and the comparison that decides is constant-time. A token that could not
    have been issued (another alphabet or length) is a miss before any query.
    """
    if not access_token_well_formed(access_token):
        return None
    ticket = Ticket.objects.select_related("requester").filter(access_token=access_token).first()
    messages = Message.objects.filter(ticket__access_token=access_token, internal=False)
    messages = list(messages.select_related("author").order_by("created_at", "pk"))
    attachments = Attachment.objects.filter(
        message__ticket__access_token=access_token, message__internal=False
    )
    events = Event.objects.filter(ticket__access_token=access_token, type__in=list(PUBLIC_EVENT_DATA))
    events = list(events.order_by("at", "pk"))
    by_message: dict[int, list[Attachment]] = {}
    for attachment in attachments.order_by("pk"):
        by_message.setdefault(attachment.message_id, []).append(attachment)
    for message in messages:
        message.public_attachments = by_message.get(message.pk, [])
    if not _token_matches(ticket, access_token):
        return None
    return PublicTicket(ticket=ticket_as_requester_sees_it(ticket), messages=messages, events=events)


def ticket_get_by_access_token(
    *, access_token: str, queryset: QuerySet[Ticket] | None = None
) -> Ticket | None:
    """The ticket a private link opens (one indexed query, constant-time comparison), or None. The one
    lookup by token: a caller that needs more loaded passes its `queryset` (related rows, prefetches)."""
    if not access_token_well_formed(access_token):
        return None
    tickets = queryset if queryset is not None else Ticket.objects.select_related("requester")
    ticket = tickets.filter(access_token=access_token).first()
    return ticket if _token_matches(ticket, access_token) else None


def _token_matches(ticket: Ticket | None, access_token: str) -> bool:
    # The lookup already matched exactly; comparing again in constant time keeps the decision free of
    # early exits whatever the database's collation does, and costs the same on a miss.
    found = ticket.access_token if ticket is not None else ""
    return hmac.compare_digest(found.encode(), access_token.encode()) and ticket is not None


def public_event_data(event: Event) -> dict:
    """The part of an event's data a customer may see."""
    return {key: event.data[key] for key in PUBLIC_EVENT_DATA.get(event.type, ()) if key in event.data}


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.prefetch_related("domains").order_by("name", "pk")


def customer_get(*, customer_id: int) -> Customer | None:
    return Customer.objects.prefetch_related("domains").filter(pk=customer_id).first()


def customer_get_by_statement_token(*, statement_token: str) -> Customer | None:
    """The customer a statement link opens (one indexed query, constant-time comparison), or None."""
    if not access_token_well_formed(statement_token):
        return None
    customer = Customer.objects.filter(statement_token=statement_token).first()
    found = customer.statement_token if customer is not None else ""
    return customer if hmac.compare_digest(found.encode(), statement_token.encode()) and customer else None


def customer_contact_list(*, customer_id: int) -> QuerySet[CustomerContact] | None:
    """The customer's contacts by id, or None when there is no such customer (one query to tell)."""
    if not Customer.objects.filter(pk=customer_id).exists():
        return None
    return CustomerContact.objects.filter(customer_id=customer_id).order_by("pk")


def customer_contact_get(*, customer_id: int, contact_id: int) -> CustomerContact | None:
    """The contact `contact_id` if it is one of customer `customer_id`'s, else None."""
    return CustomerContact.objects.filter(customer_id=customer_id, pk=contact_id).first()


# --- canned replies ---------------------------------------------------------------------------------


def macro_list_visible(*, user) -> QuerySet[Macro]:
    """The shared canned replies and `user`'s own, by name: one query however many."""
    return Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user.pk)).select_related("owner")


def macro_get_visible(*, user, macro_id: int) -> Macro | None:
    """One canned reply `user` may see (shared, or their own); None for another's personal one."""
    return macro_list_visible(user=user).filter(pk=macro_id).first()


def due_local_text(ticket: Ticket) -> str:
    """When the resolution is due, in the customer's zone: `Wed 11 Jun 2025, 15:00 CEST`."""
    due = ticket.resolution_due_at
    if due is None or ticket.resolved_at is not None:
        return "no set time"
    local = due.astimezone(ticket.requester_timezone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {zone_abbreviation(local)}"


def macro_values(*, ticket: Ticket, engineer) -> dict[str, str]:
    """Each placeholder's text for `ticket` answered by `engineer` (the ticket's requester loaded)."""
    return {
        "requester_name": ticket.requester.name or ticket.requester.email,
        "reference": ticket.reference,
        "engineer_name": engineer.get_full_name() or engineer.get_username(),
        "due_local": due_local_text(ticket),
    }


def macro_render(*, macro: Macro, values: dict[str, str]) -> str:
    """The macro's body with the placeholders filled in (plain substitution: nothing is evaluated)."""
    return render(macro.body, values)


def ticket_as_requester_sees_it(ticket: Ticket) -> Ticket:
    """A ticket closed as spam looks to its requester as it did when filed (open, its promises
    running), so that neither a blocked sender nor a spammer learns anything: no oracle. Unsaved;
    other tickets are returned as they are. One query, for spam only (the closing event's due times)."""
    if ticket.close_reason != CloseReason.SPAM:
        return ticket
    event = Event.objects.filter(ticket=ticket, type=EventType.CLOSED_AS_SPAM).order_by("-at").first()
    data = event.data if event is not None else {}
    shown = copy.copy(ticket)
    shown.status, shown.closed_at, shown.close_reason = data.get("from", Status.NEW), None, ""
    for name in ("first_response_due_at", "resolution_due_at"):
        if data.get(name):
            setattr(shown, name, datetime.fromisoformat(data[name]))
    shown.derive_next_due()
    return shown


def address_bouncing(address: str) -> BouncingAddress | None:
    """The bounce record of `address` (issue 17): mail to it is no longer sent. None: it does not bounce."""
    return BouncingAddress.objects.filter(address=address.strip().lower()).first()
