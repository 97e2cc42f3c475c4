"""The queries behind the pages. Each page runs a fixed number of them, whatever the queue holds.

Related rows are joined (`select_related`) or fetched in one extra query per relation
(`prefetch_related`); nothing is looked up per row. tests/web/test_query_counts.py holds the counts.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from escalation.models import Engineer, Escalation, EscalationPolicy, LedgerEntry
from escalation.roster.services.roster import active_engineers
from escalation.roster.shifts import next_shift_start, shift_end
from tickets.models import (
    RATABLE_STATUSES,
    Attachment,
    BlockedSender,
    CustomerContact,
    Event,
    Message,
    Rating,
    Status,
    Ticket,
)
from tickets.search import Matches, capped, planned_for_its_words, search_filter
from tickets.selectors import (
    SEARCH_TIE_BREAKERS,
    ticket_as_requester_sees_it,
    ticket_get_by_access_token,
    ticket_tally_sums,
)

ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_ON_CUSTOMER)
UTC = ZoneInfo("UTC")

User = get_user_model()


class Scope:
    MINE = "mine"
    UNASSIGNED = "unassigned"
    ALL = "all"


STATUS_ACTIVE = "active"
STATUS_ANY = "any"


@dataclass(frozen=True)
class QueueFilters:
    scope: str = Scope.ALL
    severity: str = ""  # empty: any severity
    status: str = STATUS_ACTIVE  # `active`, `any`, or one Status
    search: str = ""  # empty: no search (`tickets.search`)


def _by_time_left(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Nearest running clock first; tickets with no clock running (paused, resolved) last."""
    return queryset.order_by(F("next_due_at").asc(nulls_last=True), "created_at", "pk")


def _for_rows(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a queue row shows: people, and the clock with its calendar and holidays (warning point)."""
    return queryset.select_related("customer", "requester", "assignee", "clock__calendar").prefetch_related(
        "clock__calendar__holidays"
    )


def _filtered(filters: QueueFilters) -> QuerySet[Ticket]:
    queryset = Ticket.objects.all()
    if filters.severity:
        queryset = queryset.filter(severity=filters.severity)
    if filters.status == STATUS_ACTIVE:
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    elif filters.status != STATUS_ANY:
        queryset = queryset.filter(status=filters.status)
    return queryset


@dataclass(frozen=True)
class Queue:
    """The queue page's tickets under its filters, and how many each scope tab holds: `(count, more)`,
    `more` when a search matched more tickets than it ranks (the count is then SEARCH_CANDIDATES)."""

    tickets: QuerySet[Ticket] | Matches
    counts: dict[str, tuple[int, bool]]


def _scoped(queryset: QuerySet[Ticket], scope: str, user) -> QuerySet[Ticket]:
    if scope == Scope.MINE:
        return queryset.filter(assignee=user)
    if scope == Scope.UNASSIGNED:
        return queryset.filter(assignee__isnull=True)
    return queryset


def queue_get(*, user, filters: QueueFilters) -> Queue:
    """The team queue under `filters`, sorted by time left (searched: best match first), and the tabs'
    counts from one query over the tallies. Searching: `_searched`."""
    if not filters.search:
        tickets = _for_rows(_by_time_left(_scoped(_filtered(filters), filters.scope, user)))
        return Queue(tickets=tickets, counts=_tallied_scope_counts(user, filters))
    return _searched(user, filters)


def _searched(user, filters: QueueFilters) -> Queue:
    """The queue searched (`tickets.search`): the tab's newest matches, then the newest in every scope
    with their assignees, which give every tab's count unless more than SEARCH_CANDIDATES matched; then
    the tab's matches in their order. A tab past the bound says All is too, without asking; a tab the
    others cannot tell is counted on its own (up to one past the bound)."""
    found = search_filter(filters.search)
    base = _filtered(filters)
    ordering = (*found.ordering, *SEARCH_TIE_BREAKERS)
    rows = _for_rows(Ticket.objects.all())
    scope = filters.scope
    others = {Scope.MINE: Scope.UNASSIGNED, Scope.UNASSIGNED: Scope.MINE}
    with planned_for_its_words():
        tab = None
        if scope != Scope.ALL:
            tab = [row["pk"] for row in found.newest(_scoped(base, scope, user))]
            if capped(len(tab))[1]:  # so are All's, which hold them
                counts = {
                    scope: capped(len(tab)),
                    Scope.ALL: capped(len(tab)),
                    others[scope]: capped(found.count(_scoped(base, others[scope], user))),
                }
                return Queue(tickets=found.ranked(tab, ordering, rows), counts=counts)
        held = {row["pk"]: row["assignee_id"] for row in found.newest(base, also=("assignee_id",))}
        if not capped(len(held))[1]:  # every match is here: each tab's are among them
            in_scope = {
                Scope.ALL: list(held),
                Scope.MINE: [pk for pk, assignee in held.items() if assignee == user.pk],
                Scope.UNASSIGNED: [pk for pk, assignee in held.items() if assignee is None],
            }
            counts = {each: (len(pks), False) for each, pks in in_scope.items()}
            return Queue(tickets=found.ranked(in_scope[scope], ordering, rows), counts=counts)
        counts = {Scope.ALL: capped(len(held))}
        if scope == Scope.ALL:
            for each in others:
                counts[each] = capped(found.count(_scoped(base, each, user)))
            return Queue(tickets=found.ranked(list(held), ordering, rows), counts=counts)
        counts[scope] = capped(len(tab))
        counts[others[scope]] = capped(found.count(_scoped(base, others[scope], user)))
        return Queue(tickets=found.ranked(tab, ordering, rows), counts=counts)


def _tallied_scope_counts(user, filters: QueueFilters) -> dict[str, tuple[int, bool]]:
    if filters.status == STATUS_ACTIVE:
        statuses = ACTIVE_STATUSES
    elif filters.status == STATUS_ANY:
        statuses = ()
    else:
        statuses = (filters.status,)
    sums = ticket_tally_sums(
        severities=(filters.severity,) if filters.severity else (),
        statuses=statuses,
        mine=Q(assignee_id=user.pk),
        unassigned=Q(assignee_id__isnull=True),
    )
    return {
        Scope.ALL: (sums["total"], False),
        Scope.MINE: (sums["mine"], False),
        Scope.UNASSIGNED: (sums["unassigned"], False),
    }


def ticket_list_mine(*, user, limit: int) -> list[Ticket]:
    """The engineer's own tickets that still need work, most urgent first."""
    queryset = Ticket.objects.filter(assignee=user, status__in=ACTIVE_STATUSES)
    return list(_for_rows(_by_time_left(queryset))[:limit])


def escalation_policy_fractions() -> dict[str, Decimal]:
    """Severity -> the fraction of a target after which the policy warns."""
    return dict(EscalationPolicy.objects.values_list("severity", "warning_at_fraction"))


@dataclass(frozen=True)
class RosterEntry:
    engineer: Engineer
    on_shift: bool
    shift_ends_at: datetime | None
    next_start_at: datetime | None
    open_tickets: int


@dataclass(frozen=True)
class Roster:
    on_shift: list[RosterEntry]  # lead first
    upcoming: list[RosterEntry]  # the next to start
    everyone: list[RosterEntry]  # every active engineer, on shift first, then by username


def engineer_list_roster(*, now: datetime, upcoming: int = 3) -> Roster:
    """Who is on shift now (lead first), the next `upcoming` engineers to start, each in local time, and
    every active engineer (whom the queue's bulk form can assign)."""
    on_shift, off_shift = [], []
    for engineer in active_engineers(with_load=True):
        shift = engineer.shift
        ends = shift_end(shift, now)
        entry = RosterEntry(
            engineer=engineer,
            on_shift=ends is not None,
            shift_ends_at=ends,
            next_start_at=None if ends else next_shift_start(shift, now),
            open_tickets=engineer.load,
        )
        (on_shift if entry.on_shift else off_shift).append(entry)
    on_shift.sort(key=lambda e: (not e.engineer.lead, e.shift_ends_at, e.engineer.user.username))
    later = sorted((e for e in off_shift if e.next_start_at), key=lambda e: e.next_start_at)
    everyone = on_shift + sorted(off_shift, key=lambda e: e.engineer.user.username)
    return Roster(on_shift=on_shift, upcoming=later[:upcoming], everyone=everyone)


# --- one ticket ----------------------------------------------------------------------------------


def _with_contact_language(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Each ticket with `contact_language`: the language its customer set for its requester as one of
    their contacts (None when the requester is no contact), in the same query."""
    contact = CustomerContact.objects.filter(
        customer_id=OuterRef("customer_id"), email=OuterRef("requester__email")
    ).values("language")[:1]
    return tickets.annotate(contact_language=Subquery(contact))


def ticket_get_for_requester(*, access_token: str) -> Ticket | None:
    """The ticket behind a private link, with its public thread only; None for a malformed or unknown
    token (the tickets app's one lookup by token, with its constant-time comparison)."""
    public = Message.objects.filter(internal=False).select_related("author").prefetch_related("attachments")
    ticket = ticket_get_by_access_token(
        access_token=access_token,
        queryset=_with_contact_language(Ticket.objects)
        .select_related("requester", "customer", "clock__calendar", "incident_link__incident")
        .prefetch_related(
            Prefetch("messages", queryset=public, to_attr="public_messages"),
            "clock__calendar__holidays",
            "follow_ups",
            Prefetch("ratings", to_attr="rating_list"),
        ),
    )
    return ticket_as_requester_sees_it(ticket) if ticket is not None else None


def ticket_get_for_rating(*, access_token: str) -> Ticket | None:
    """The ticket behind a private link, with its ratings (`rating_current` reads them)."""
    return ticket_get_by_access_token(
        access_token=access_token,
        queryset=_with_contact_language(Ticket.objects)
        .select_related("requester")
        .prefetch_related(Prefetch("ratings", to_attr="rating_list")),
    )


def ticket_ratable(ticket: Ticket) -> bool:
    """Whether the requester may rate the ticket: its latest cycle was resolved (and maybe closed since)."""
    return ticket.status in RATABLE_STATUSES and ticket.resolved_at is not None


def rating_current(ticket: Ticket) -> Rating | None:
    """The requester's rating of the ticket's latest resolution, from the prefetched `rating_list`."""
    return next((r for r in ticket.rating_list if r.cycle == ticket.resolution_cycle), None)


def ticket_get_for_desk(*, reference: str) -> Ticket | None:
    """The ticket an engineer opens, with thread, notes, attachments, timeline and clock."""
    pk = Ticket.pk_from_reference(reference)
    if pk is None:
        return None
    tickets = (
        Ticket.objects.select_related(
            "requester", "customer", "assignee", "follow_up_of", "clock__calendar", "incident_link__incident"
        )
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author").prefetch_related("attachments"),
            ),
            Prefetch("events", queryset=Event.objects.select_related("actor")),
            Prefetch("follow_ups", queryset=Ticket.objects.order_by("created_at")),
            "clock__calendar__holidays",
        )
        .annotate(sender_blocked=Exists(BlockedSender.objects.filter(address=OuterRef("requester__email"))))
        .filter(pk=pk)
    )
    return _with_contact_language(tickets).first()


def ledger_list_for_ticket(*, ticket: Ticket) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(ticket=ticket).select_related("voided_by").order_by("seq"))


def escalation_list_for_ticket(*, ticket: Ticket) -> list[Escalation]:
    """The pages fired for the ticket, newest first, with who acknowledged them and what was sent."""
    return list(
        Escalation.objects.filter(ticket=ticket)
        .select_related("acknowledged_by")
        .prefetch_related("notifications")
        .order_by("-fired_at", "-pk")
    )


def user_names_by_username(*, usernames) -> dict[str, str]:
    """Each username's full name (or the username when the user has none), for text that records
    people by username; one query, and none for an empty set."""
    usernames = {name for name in usernames if name}
    if not usernames:
        return {}
    rows = User.objects.filter(username__in=usernames).values_list("username", "first_name", "last_name")
    return {username: f"{first} {last}".strip() or username for username, first, last in rows}


def engineer_list_assignable() -> QuerySet:
    """Users a ticket can be given to: active engineers with an active staff login."""
    return (
        User.objects.filter(engineer__in=Engineer.objects.assignable())
        .select_related("engineer")
        .order_by("first_name", "last_name", "username")
    )


def attachment_get_for_requester(*, ticket: Ticket, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(
        pk=attachment_id, message__ticket=ticket, message__internal=False
    ).first()


def attachment_get_for_desk(*, ticket: Ticket, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(pk=attachment_id, message__ticket=ticket).first()
