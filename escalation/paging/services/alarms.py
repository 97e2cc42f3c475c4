"""The schedule of escalation steps, kept in the database.

Whenever a ticket's clocks change, `alarms_replan` rewrites its pending alarms in the same
transaction. A frequent beat tick (`alarms_enqueue_due`) hands alarms due within the next minute to
the broker as precise ETA tasks; `alarms_fire_batch` (in `escalations`) runs at the due instant and
fires each step exactly once. The ETA is only an alarm clock: if it is lost (a worker dies, Redis
restarts), the alarm row is still there and the tick sends it again.

The tick hands over in waves and pages (issue 13):

- A *wave* is the alarms due within `WAVE_SECONDS` of its first (at most `WAVE_MAX`): one ETA task
  (`escalation.enqueue.fire_alarms`) at the first one's due instant, which fires each at its own
  instant, together with whatever else is due then. A lone alarm is a wave of one, fired the moment
  it is due; a storm of 5,000 in a minute is about 60 tasks instead of 5,000 (overdue alarms, after an
  outage, go in waves of `WAVE_MAX` at once).
- Each query reads one *page* (`HANDOVER_PAGE` rows), keyset-paginated on an index that holds only
  what it looks for, so its cost follows the page, not the backlog: `alarm_pending` (never handed
  over, by due time) and `alarm_in_flight` (handed over, by the later of due time and handover: past
  `OVERDUE_GRACE_SECONDS` ago and still here means its ETA was lost). A handed-over alarm leaves the
  first index; re-handing one over moves it forward in the second.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Greatest

from escalation import enqueue
from escalation.paging.models import Alarm, Escalation, EscalationPolicy, Heartbeat
from escalation.paging.schedule import PlannedAlarm, RunningClock, Step, plan_alarms
from escalation.sla import business_time, config_cache
from escalation.sla.models import Metric, TicketClock
from tickets import clock_rules
from tickets.models import Ticket

ALARM_HORIZON_SECONDS = 60  # ETAs are handed to the broker at most this far ahead
# An alarm handed over and still here this long after both its due instant and its handover lost its
# ETA (a flushed Redis, a dead worker): the next tick hands it over again.
OVERDUE_GRACE_SECONDS = 3
HANDOVER_PAGE = 250  # alarms read (and marked handed over) by one query of the tick
HANDOVER_PAGES_PER_TICK = 80  # so a tick hands over at most 20,000 of each kind
WAVE_SECONDS = 1.0  # alarms due this close after a wave's first go in its task
WAVE_MAX = 200  # alarms in one wave (a batch of `alarms_fire_batch`)


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
    """The policy with its steps, cached per process and configuration version
    (`escalation.sla.config_cache`, which the policy and step tables bump too). Shared: read only."""
    return config_cache.cached(
        ("escalation_policy", severity),
        lambda: EscalationPolicy.objects.prefetch_related("steps").filter(severity=severity).first(),
    )


def _desired(
    ticket: Ticket, clock: TicketClock, calendar: business_time.Calendar
) -> dict[tuple, PlannedAlarm]:
    """The alarms the ticket's running clocks call for under its severity's policy, by key."""
    policy = _policy(ticket.severity)
    if policy is None:
        return {}
    steps = [Step(number=s.number, delay=s.delay) for s in policy.steps.all()]
    planned = plan_alarms(running_clocks(ticket, clock), steps, policy.warning_at_fraction, calendar)
    return {p.key: p for p in planned}


def _enqueue_soon_on_commit(alarms: list[Alarm], now: datetime) -> None:
    """Alarms due within the horizon are handed to the broker once the transaction commits, not left
    for the next tick. (They are few: a step due within a minute of a change.)"""
    soon = [a for a in alarms if a.due_at <= now + timedelta(seconds=ALARM_HORIZON_SECONDS)]
    if not soon:
        return

    def enqueue_soon() -> None:
        ids = [a.pk for a in soon if a.pk is not None]
        if len(ids) < len(soon):  # inserted without their keys read back (a new ticket's chain)
            keys = {(a.ticket_id, a.metric, a.cycle, a.step) for a in soon}
            ticket_ids = {key[0] for key in keys}
            ids = [
                pk
                for pk, *key in Alarm.objects.filter(ticket_id__in=ticket_ids).values_list(
                    "pk", "ticket_id", "metric", "cycle", "step"
                )
                if tuple(key) in keys
            ]
        alarms_enqueue(alarm_ids=ids, now=now)

    transaction.on_commit(enqueue_soon)


def alarms_new(
    *, ticket: Ticket, clock: TicketClock, calendar: business_time.Calendar, now: datetime
) -> tuple[list[Alarm], Callable[[], None]]:
    """The alarms of a ticket being filed, unsaved, for the filing to insert beside the ticket (one
    statement, `tickets.services.chain`); and what to call once they are inserted."""
    alarms = [
        Alarm(ticket=ticket, metric=p.metric, cycle=p.cycle, step=p.step, due_at=p.due_at)
        for p in _desired(ticket, clock, calendar).values()
    ]
    return alarms, lambda: _enqueue_soon_on_commit(alarms, now)


def alarms_replan(
    *, ticket: Ticket, clock: TicketClock, calendar: business_time.Calendar, now: datetime
) -> None:
    """Make the ticket's pending alarms match its running clocks. Call inside the ticket's transaction."""
    desired = _desired(ticket, clock, calendar)
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
    _enqueue_soon_on_commit(changed, now)


def alarms_enqueue(*, alarm_ids: list[int], now: datetime) -> int:
    """Hand these alarms to the broker as ETA tasks and note when. Returns how many were sent."""
    sent = 0
    for alarm_id, due_at in Alarm.objects.filter(pk__in=alarm_ids).values_list("pk", "due_at"):
        if not enqueue.fire_alarm(alarm_id, due_at, now=now):
            continue  # the broker is away: the alarm stays un-enqueued and the next tick tries again
        Alarm.objects.filter(pk=alarm_id).update(enqueued_at=now)
        sent += 1
    return sent


def alarms_never_handed_over(*, now: datetime, after: tuple | None = None):
    """Alarms due within the horizon never handed over, by (due time, id), after the key `after`.

    Runs on the partial index `alarm_pending`: a page costs the same whatever the backlog."""
    query = Alarm.objects.filter(
        enqueued_at__isnull=True, due_at__lte=now + timedelta(seconds=ALARM_HORIZON_SECONDS)
    )
    if after is not None:
        query = query.filter(due_at__gte=after[0]).exclude(due_at=after[0], pk__lte=after[1])
    return query.order_by("due_at", "pk")


def alarms_lost(*, now: datetime, after: tuple | None = None):
    """Alarms handed over whose ETA looks lost: both their due instant and their handover are
    `OVERDUE_GRACE_SECONDS` past and they are still here. By (that later instant, id), after `after`.

    Runs on the partial expression index `alarm_in_flight`."""
    grace = now - timedelta(seconds=OVERDUE_GRACE_SECONDS)
    query = (
        Alarm.objects.filter(enqueued_at__isnull=False)
        .annotate(lost_at=Greatest("due_at", "enqueued_at"))
        .filter(lost_at__lte=grace)
    )
    if after is not None:
        query = query.filter(lost_at__gte=after[0]).exclude(Q(lost_at=after[0]) & Q(pk__lte=after[1]))
    return query.order_by("lost_at", "pk")


def plan_waves(alarms: list[tuple[int, datetime]], now: datetime) -> list[list[tuple[int, datetime]]]:
    """Split (id, due time) pairs into waves: due within `WAVE_SECONDS` of the wave's first (overdue
    ones count as due now), at most `WAVE_MAX` each. Pure."""
    waves: list[list[tuple[int, datetime]]] = []
    start = None
    for alarm_id, due_at in sorted(alarms, key=lambda a: (a[1], a[0])):
        at = max(due_at, now)
        if not waves or len(waves[-1]) >= WAVE_MAX or (at - start).total_seconds() > WAVE_SECONDS:
            waves.append([])
            start = at
        waves[-1].append((alarm_id, due_at))
    return waves


def _hand_over(page: list[tuple[int, datetime]], now: datetime) -> int:
    sent = 0
    for wave in plan_waves(page, now):
        if enqueue.fire_alarms(wave, now=now):
            sent += len(wave)
        else:  # the broker is away: the next tick hands these over again
            Alarm.objects.filter(pk__in=[pk for pk, _ in wave]).update(enqueued_at=None)
    return sent


def alarms_enqueue_due(*, now: datetime) -> int:
    """The beat tick: hand over every alarm whose ETA looks lost, then every alarm due within the
    horizon not handed over yet, a page per query (keyset-paginated), in waves. Returns how many.
    Each tick leaves its heartbeat (`/healthz?detail=1` reads it)."""
    Heartbeat.objects.update_or_create(name=Heartbeat.ALARM_TICK, defaults={"at": now})
    sent = 0
    for key, select in (("lost_at", alarms_lost), ("due_at", alarms_never_handed_over)):
        fields = ("pk", "due_at", "lost_at") if key == "lost_at" else ("pk", "due_at")
        after = None
        for _ in range(HANDOVER_PAGES_PER_TICK):
            with transaction.atomic():
                rows = list(
                    select(now=now, after=after)
                    .select_for_update(skip_locked=True)
                    .values_list(*fields)[:HANDOVER_PAGE]
                )
                if not rows:
                    break
                Alarm.objects.filter(pk__in=[row[0] for row in rows]).update(enqueued_at=now)
            sent += _hand_over([(row[0], row[1]) for row in rows], now)
            if len(rows) < HANDOVER_PAGE:
                break
            after = (rows[-1][-1], rows[-1][0])  # the page's last key: (lost_at or due_at, id)
    return sent
