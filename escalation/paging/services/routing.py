"""Follow-the-sun routing: new tickets to an on-shift engineer; handoffs when a shift ends."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from escalation.paging.models import Channel, Notification, Target
from escalation.paging.services.notifications import notifications_create
from escalation.roster import routing
from escalation.roster.models import Engineer
from escalation.roster.services.roster import Roster, assign_to_candidate, roster_candidates
from escalation.sla.models import BusinessCalendar
from tickets.models import EventType, Message, Status, Ticket
from tickets.services import ticket_assign

logger = logging.getLogger(__name__)

NEEDS_WORK = (Status.NEW, Status.OPEN)


def _is_around_the_clock(ticket: Ticket) -> bool:
    return ticket.clock.calendar.kind == BusinessCalendar.Kind.ALWAYS


@transaction.atomic
def ticket_route(*, ticket_id: int, now: datetime, candidates: list[routing.Candidate] | None = None) -> bool:
    """Assign a new, unassigned ticket to the best on-shift engineer. True when it was assigned.

    Nobody on shift: the ticket stays `new` (routed by the next tick once a shift starts) and a 24x7
    ticket pages the on-call engineer now, once.
    """
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("clock__calendar")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.assignee_id is not None or ticket.status != Status.NEW:
        return False  # routed already, or by hand
    candidates = roster_candidates() if candidates is None else candidates
    choice = routing.choose_engineer(candidates, now)
    if choice is not None:
        assign_to_candidate(ticket, choice, now, reason="follow-the-sun routing")
        return True
    if _is_around_the_clock(ticket):
        _page_on_call(ticket, candidates, now)
    return False


def _page_on_call(ticket: Ticket, candidates: list[routing.Candidate], now: datetime) -> None:
    notify = [
        {"target": Target.ON_CALL, "channel": Channel.VOICE},
        {"target": Target.ON_CALL, "channel": Channel.SMS},
    ]
    notifications_create(
        ticket=ticket,
        escalation=None,
        purpose=Notification.Purpose.ON_CALL_PAGE,
        notify=notify,
        metric="first_response",
        step=1,
        due_at=ticket.first_response_due_at,
        now=now,
        roster=Roster(candidates),
    )


def route_waiting(*, now: datetime, limit: int = 200) -> int:
    """The routing tick: try every waiting ticket, nearest deadline first. Returns how many were assigned."""
    waiting = Ticket.objects.filter(status=Status.NEW, assignee__isnull=True).order_by("next_due_at", "pk")
    ids = list(waiting.values_list("pk", flat=True)[:limit])
    routed = 0
    for ticket_id in ids:
        candidates = roster_candidates()  # loads change as tickets are assigned
        if not routing.available(candidates, now):
            break
        routed += ticket_route(ticket_id=ticket_id, now=now, candidates=candidates)
    return routed


def _summary(ticket: Ticket, now: datetime) -> dict:
    def left(due):
        return None if due is None else round((due - now).total_seconds())

    last_public = (
        Message.objects.filter(ticket=ticket, internal=False, author__isnull=False)
        .order_by("-created_at")
        .first()
    )
    return {
        "first_response_seconds_left": left(ticket.first_response_due_at)
        if ticket.first_responded_at is None
        else None,
        "resolution_seconds_left": left(ticket.resolution_due_at) if ticket.resolved_at is None else None,
        "last_public_reply_at": last_public.created_at.isoformat() if last_public else None,
        "last_public_reply": (last_public.body[:200] if last_public else None),
    }


def _pinned(ticket: Ticket, now: datetime) -> bool:
    """Assigned by a person, and the hold has not run out (see `tickets.services.ticket_assign`)."""
    return ticket.assignment_pinned_until is not None and ticket.assignment_pinned_until > now


def shift_handoffs(*, now: datetime) -> int:
    """Move tickets that still need work away from engineers who are off shift or deactivated. Returns how
    many moved.

    A ticket a person assigned deliberately stays until its hold runs out (`assignment_pinned_until`: the
    end of that engineer's shift, or of their next shift when they were off shift), unless the engineer
    was deactivated. Each move gets a `handed_off` event naming both engineers, the true reason
    (`shift ended`, `not on shift`, `deactivated`: `routing.handoff_reason`) and a summary (time left
    on each clock, last public reply). When nobody is on shift, the ticket goes back to `new` to wait
    for the next shift.
    """
    candidates = roster_candidates()
    off_shift = {c.user_id for c in candidates if not c.on_shift(now)}
    shifts = {c.user_id: c.shift for c in candidates}
    inactive = set(
        Engineer.objects.filter(Q(active=False) | Q(user__is_active=False)).values_list("user_id", flat=True)
    )
    holders = off_shift | inactive
    unpinned = Q(assignment_pinned_until__isnull=True) | Q(assignment_pinned_until__lte=now)
    tickets = list(
        Ticket.objects.filter(status__in=NEEDS_WORK)
        .filter(Q(assignee_id__in=inactive) | (Q(assignee_id__in=off_shift) & unpinned))
        .order_by("next_due_at", "pk")
    )
    moved = 0
    for ticket in tickets:
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if locked.assignee_id not in holders or locked.status not in NEEDS_WORK:
                continue
            if locked.assignee_id not in inactive and _pinned(locked, now):
                continue  # assigned again by hand meanwhile
            candidates = roster_candidates()
            choice = routing.choose_engineer(candidates, now, exclude_user_ids=[locked.assignee_id])
            summary = _summary(locked, now)
            reason = (
                routing.DEACTIVATED
                if locked.assignee_id in inactive
                else routing.handoff_reason(
                    shift=shifts[locked.assignee_id], active=True, assigned_at=locked.assigned_at, now=now
                )
            )
            if choice is not None:
                assign_to_candidate(
                    locked,
                    choice,
                    now,
                    event_type=EventType.HANDED_OFF,
                    summary=summary,
                    reason=reason,
                )
            else:
                ticket_assign(
                    ticket=locked,
                    assignee=None,
                    actor=None,
                    now=now,
                    event_type=EventType.HANDED_OFF,
                    summary=summary,
                    reason=f"{reason}; nobody on shift, waiting for the next shift",
                )
            moved += 1
    return moved
