"""Paging reads: a ticket with everything the desk shows about it, the pages sent included; a grouped page
with every ticket it covers."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q

from escalation.paging.models import Alarm, Heartbeat, Notification, Page
from escalation.sla.selectors import with_sla
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


def ticket_detail_get(*, reference: str) -> Ticket | None:
    """One ticket with its clock, messages, events and notifications, in a fixed number of queries."""
    tickets = with_sla(ticket_selectors.with_thread(ticket_selectors.ticket_queryset())).select_related(
        "follow_up_of"
    )
    tickets = tickets.prefetch_related(
        Prefetch("notifications", queryset=Notification.objects.order_by("created_at", "pk"))
    )
    return ticket_selectors.ticket_get(reference=reference, tickets=tickets)


def page_get_with_tickets(*, page_id: int) -> Page | None:
    """A grouping window's page with `members`: every notification it covers (the first, sent alone, and
    the grouped ones), each with its ticket, customer, escalation and who acknowledged it, the most urgent
    (earliest step due) first. Two queries, however many tickets the page covers."""
    members = Notification.objects.select_related(
        "ticket__customer", "escalation__acknowledged_by", "ticket__assignee"
    ).order_by("escalation__due_at", "created_at", "pk")
    return (
        Page.objects.select_related("recipient_user")
        .prefetch_related(Prefetch("notifications", queryset=members, to_attr="members"))
        .filter(pk=page_id)
        .first()
    )


def page_list_with_escalations():
    """Pages, each with `escalation_count` (the fired steps its notifications are about) and
    `open_count` (those not acknowledged yet), counted in the query: a list of them is one query
    however many pages or escalations it shows."""
    unacknowledged = Q(notifications__escalation__acknowledged_at__isnull=True)
    return Page.objects.select_related("recipient_user").annotate(
        escalation_count=Count("notifications__escalation", distinct=True),
        open_count=Count("notifications__escalation", filter=unacknowledged, distinct=True),
    )


@dataclass(frozen=True)
class SchedulerState:
    last_tick_at: datetime | None  # the beat's alarm tick, last run
    oldest_overdue_at: datetime | None  # the due time of the oldest alarm not fired yet, if past


def scheduler_state(*, now: datetime) -> SchedulerState:
    """What `/healthz?detail=1` reports of the scheduler: two indexed reads (the heartbeat's primary key,
    the alarms' due-time index)."""
    tick = Heartbeat.objects.filter(name=Heartbeat.ALARM_TICK).values_list("at", flat=True).first()
    overdue = Alarm.objects.filter(due_at__lte=now).order_by("due_at").values_list("due_at", flat=True)
    return SchedulerState(last_tick_at=tick, oldest_overdue_at=overdue.first())
