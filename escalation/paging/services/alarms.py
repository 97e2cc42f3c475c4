"""The schedule of escalation steps, kept in the database.

Whenever a ticket's clocks change, `alarms_replan` rewrites its pending alarms in the same
transaction. A frequent beat tick (`alarms_enqueue_due`) hands alarms due within the next minute to
the broker as precise ETA tasks (`escalation.enqueue.fire_alarm`); `alarm_fire` (in `escalations`)
runs at the due instant and fires the step exactly once. The ETA is only an alarm clock: if it is
lost (a worker dies, Redis restarts), the alarm row is still there and the tick sends it again.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from escalation import enqueue
from escalation.paging.models import Alarm, Escalation, EscalationPolicy
from escalation.paging.schedule import PlannedAlarm, RunningClock, Step, plan_alarms
from escalation.sla import business_time
from escalation.sla.models import Metric, TicketClock
from tickets import clock_rules
from tickets.models import Ticket

ALARM_HORIZON_SECONDS = 60  # ETAs are handed to the broker at most this far ahead
ALARM_RESEND_AFTER_SECONDS = 90  # an alarm handed over but not fired by then is handed over again
# An alarm still here this long after its due instant lost its ETA (a flushed Redis, a dead worker):
# the next tick hands it over again at once instead of waiting for ALARM_RESEND_AFTER_SECONDS.
OVERDUE_GRACE_SECONDS = 3
ENQUEUE_BATCH = 5000


def running_clocks(ticket: Ticket, clock: TicketClock) -> list[RunningClock]:
    clocks = []
    if clock_rules.metric_running(ticket, Metric.FIRST_RESPONSE):
        clocks.append(
            RunningClock(
                metric=Metric.FIRST_RESPONSE,
                cycle=1,
                started_at=ticket.created_at,
                target=clock.first_response_target,
                paused=timedelta(0),
                due_at=ticket.first_response_due_at,
            )
        )
    if clock_rules.metric_running(ticket, Metric.RESOLUTION):
        clocks.append(
            RunningClock(
                metric=Metric.RESOLUTION,
                cycle=ticket.resolution_cycle,
                started_at=ticket.resolution_started_at,
                target=clock.resolution_target,
                paused=clock.paused,
                due_at=ticket.resolution_due_at,
            )
        )
    return clocks


def is_running(ticket: Ticket, metric: str, cycle: int) -> bool:
    """Is this clock of the ticket still running (so its steps may fire)?"""
    if metric == Metric.RESOLUTION and ticket.resolution_cycle != cycle:
        return False
    return clock_rules.metric_counting(ticket, metric)


def _policy(severity: str) -> EscalationPolicy | None:
    return EscalationPolicy.objects.prefetch_related("steps").filter(severity=severity).first()


def alarms_replan(
    *,
    ticket: Ticket,
    clock: TicketClock,
    calendar: business_time.Calendar,
    now: datetime,
    fresh: bool = False,
) -> None:
    """Make the ticket's pending alarms match its running clocks. Call inside the ticket's transaction.

    `fresh`: the ticket was inserted in this transaction, so it has no alarms or escalations to read.
    """
    policy = _policy(ticket.severity)
    desired: dict[tuple, PlannedAlarm] = {}
    if policy is not None:
        steps = [Step(number=s.number, delay=s.delay) for s in policy.steps.all()]
        for planned in plan_alarms(
            running_clocks(ticket, clock), steps, policy.warning_at_fraction, calendar
        ):
            desired[planned.key] = planned
    if fresh:
        fired, existing = set(), {}
    else:
        fired = set(Escalation.objects.filter(ticket=ticket).values_list("metric", "cycle", "step"))
        existing = {(a.metric, a.cycle, a.step): a for a in Alarm.objects.filter(ticket=ticket)}

    stale = [a.pk for key, a in existing.items() if key not in desired or key in fired]
    if stale:
        Alarm.objects.filter(pk__in=stale).delete()
    changed = []
    for key, planned in desired.items():
        if key in fired:
            continue
        alarm = existing.get(key)
        if alarm is None:
            changed.append(
                Alarm(
                    ticket=ticket,
                    metric=planned.metric,
                    cycle=planned.cycle,
                    step=planned.step,
                    due_at=planned.due_at,
                )
            )
        elif alarm.due_at != planned.due_at:
            alarm.due_at, alarm.enqueued_at = planned.due_at, None
            alarm.save(update_fields=["due_at", "enqueued_at"])
            changed.append(alarm)
    new = [a for a in changed if a.pk is None]
    if new:
        Alarm.objects.bulk_create(new)
    soon = [a.pk for a in changed if a.due_at <= now + timedelta(seconds=ALARM_HORIZON_SECONDS)]
    if soon:
        transaction.on_commit(lambda: alarms_enqueue(alarm_ids=soon, now=now))


def alarms_enqueue(*, alarm_ids: list[int], now: datetime) -> int:
    """Hand these alarms to the broker as ETA tasks and note when. Returns how many were sent."""
    sent = 0
    for alarm_id, due_at in Alarm.objects.filter(pk__in=alarm_ids).values_list("pk", "due_at"):
        if not enqueue.fire_alarm(alarm_id, due_at, now=now):
            continue  # the broker is away: the alarm stays un-enqueued and the next tick tries again
        Alarm.objects.filter(pk=alarm_id).update(enqueued_at=now)
        sent += 1
    return sent


def alarms_due_for_handover(*, now: datetime):
    """Alarms due within the horizon that are not in flight (or whose ETA looks lost), oldest first.

    Runs on the `alarm_due` index; lock the rows (inside a transaction) before handing them over.
    """
    horizon = now + timedelta(seconds=ALARM_HORIZON_SECONDS)
    stale = now - timedelta(seconds=ALARM_RESEND_AFTER_SECONDS)
    grace = now - timedelta(seconds=OVERDUE_GRACE_SECONDS)
    return (
        Alarm.objects.filter(due_at__lte=horizon)
        .filter(
            Q(enqueued_at__isnull=True)
            | Q(enqueued_at__lte=stale)
            | Q(due_at__lte=grace, enqueued_at__lte=grace)
        )
        .order_by("due_at")
    )


def alarms_enqueue_due(*, now: datetime) -> int:
    """The beat tick: hand over every alarm due within the horizon that is not (or no longer) in flight."""
    with transaction.atomic():
        due = list(
            alarms_due_for_handover(now=now)
            .select_for_update(skip_locked=True)
            .values_list("pk", "due_at")[:ENQUEUE_BATCH]
        )
        if not due:
            return 0
        Alarm.objects.filter(pk__in=[pk for pk, _ in due]).update(enqueued_at=now)
    sent = 0
    for alarm_id, due_at in due:
        if enqueue.fire_alarm(alarm_id, due_at, now=now):
            sent += 1
        else:
            Alarm.objects.filter(pk=alarm_id).update(enqueued_at=None)
    return sent
