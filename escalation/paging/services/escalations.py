"""Firing escalation steps when their alarms ring: exactly once per (ticket, metric, cycle, step), decided
by the database. One alarm at a time (`alarm_fire`, `escalation_fire`) or a wave at a time
(`alarms_fire_batch`).

How a storm is fired (issue 13). Firing one step alone is ~16 statements; a wave of thousands of steps
due in the same minute cannot be fired that way on a small machine. So every alarm is fired by
`alarms_fire_batch`, which in one transaction:

1. reads the due alarms it was handed (the ETA task's own) and, to fill the batch, any other alarm
   already due (oldest first), without locks; at most one alarm per ticket (a ticket's later due
   alarms go to the next batch, so each fires against the state its predecessor left, as alone);
2. locks those tickets in id order with `SELECT ... FOR UPDATE SKIP LOCKED`: a ticket another
   transaction holds (a reply, another batch) is left to it, so a batch never waits on a ticket and
   two batches never deadlock; the lock order ticket -> alarm -> ledger head is the services' own;
3. deletes the alarms still there with the due time read in 1 (alarms change only under their
   ticket's lock, so one still there unchanged was neither fired nor moved), and keeps those whose
   clock still runs (`is_running`);
4. writes for all of them with a few statements: the existence check, the `Escalation` rows, the
   timeline events, the notifications (`notifications_create(save=False)` builds each ticket's exactly
   as alone; `pages_place_many` puts the SMS and calls in their recipients' grouping windows, one page
   lock per recipient; `notifications_create_many` inserts them and sends those not grouped after
   commit), the
   tickets' SLA fields (`tickets_sla_save_many`), and last one ledger append for all the breaches
   (`ledger_append_many`: the same rows, seqs and hashes as appending them one by one).

A step that reassigns (`PolicyStep.reassign`) goes through `escalation_fire` inside the same
transaction: routing reads the engineers' loads afresh for each ticket, as alone.

Latency: a batch is as small as what is due. The ETA task of a lone alarm fires it at once, alone
(plus one query that finds nothing else due): no added latency when nothing is crowded. When many are
due, whatever came due while the previous batch ran is fired by the next, so batches grow with the
backlog and the per-step cost falls. The unique constraints (`escalation_step_once`,
`ledger_entry_once`, `notification_once_per_step`) stay the last word: a violation fails the batch's
transaction, and its alarms are still there for the next.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from escalation.paging.models import Alarm, Channel, Escalation, Notification, PolicyStep, Target
from escalation.paging.schedule import WARNING_STEP
from escalation.paging.services.alarms import is_running
from escalation.paging.services.notifications import notifications_create, notifications_create_many
from escalation.paging.services.pages import pages_place_many
from escalation.roster import routing
from escalation.roster.services.roster import Roster, assign_to_candidate
from escalation.sla.services.clock import sla_breach_append_locked, sla_breach_row
from escalation.sla.services.ledger import ledger_append_many
from tickets.models import EventType, Ticket
from tickets.sla_writes import (
    ticket_events_record,
    ticket_events_record_many,
    ticket_sla_mark,
    ticket_sla_save,
    tickets_sla_save_many,
)

BATCH_SIZE = 200  # alarms fired in one transaction at most


# --- one page per incident step ------------------------------------------------------------------------
#
# The tickets an incident opens share its deadline, so their steps come due together: the first of them
# to fire a step pages for the incident (`Escalation.paged_for_incident`, unique per incident, metric
# and step); the others are recorded, breached and on the ledger as ever, and page nobody (their event
# says which incident paged). Which open incident a ticket belongs to is the incidents artifact's to
# say (it sits above paging): it registers the lookup when the app is ready.

IncidentLookup = Callable[[list[int]], dict[int, int]]
_incident_of: IncidentLookup = lambda ticket_ids: {}  # noqa: E731 - until the incidents artifact registers


def register_incident_lookup(lookup: IncidentLookup) -> None:
    global _incident_of
    _incident_of = lookup


def _incident_pager(ticket_ids: list[int]):
    """A function (ticket id, metric, step) -> (incident id or None, pages?): the first escalation of an
    incident's step pages, every later one (in this batch or before it) does not."""
    incidents = _incident_of(ticket_ids)
    paged = set(
        Escalation.objects.filter(paged_for_incident__in=set(incidents.values())).values_list(
            "paged_for_incident", "metric", "step"
        )
    ) if incidents else set()  # fmt: skip

    def decide(ticket_id: int, metric: str, step: int) -> tuple[int | None, bool]:
        incident_id = incidents.get(ticket_id)
        if incident_id is None:
            return None, True
        if (incident_id, metric, step) in paged:
            return incident_id, False
        paged.add((incident_id, metric, step))
        return incident_id, True

    return decide


def alarm_fire(*, alarm_id: int, now: datetime) -> Escalation | None:
    """Fire the alarm's step if it is due and its clock still runs; a replay or a stale alarm is a no-op."""
    alarm = Alarm.objects.filter(pk=alarm_id).values("ticket_id", "metric", "cycle", "step", "due_at").first()
    if alarm is None:
        return None  # already fired, or replanned away
    if alarm["due_at"] > now:
        return None  # moved later since it was enqueued; the tick sends it again in time
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("clock__calendar")
            .get(pk=alarm["ticket_id"])
        )
        # Alarms change only under their ticket's lock: if this one is still here with the due time read
        # above, nobody fired or moved it in between. Otherwise this delivery is stale and does nothing.
        deleted, _ = Alarm.objects.filter(pk=alarm_id, due_at=alarm["due_at"]).delete()
        if not deleted:
            return None
        if not is_running(ticket, alarm["metric"], alarm["cycle"]):
            return None  # answered, paused or resolved in the meantime
        return escalation_fire(
            ticket=ticket,
            metric=alarm["metric"],
            cycle=alarm["cycle"],
            step=alarm["step"],
            due_at=alarm["due_at"],
            now=now,
        )


def escalation_fire(
    *, ticket: Ticket, metric: str, cycle: int, step: int, due_at: datetime, now: datetime
) -> Escalation | None:
    """Fire one step for a ticket locked by the caller whose clock still runs; None if it fired before.

    Firings of one ticket serialize on its row lock, so the check below sees any earlier firing; the
    unique constraint escalation_step_once stays the last word (a violation fails the transaction).
    """
    if Escalation.objects.filter(ticket=ticket, metric=metric, cycle=cycle, step=step).exists():
        return None
    incident_id, pages = _incident_pager([ticket.pk])(ticket.pk, metric, step)
    escalation = Escalation.objects.create(
        ticket=ticket, metric=metric, cycle=cycle, step=step, due_at=due_at, fired_at=now,
        paged_for_incident_id=incident_id if pages else None,
    )  # fmt: skip
    policy_step = (
        PolicyStep.objects.filter(policy__severity=ticket.severity, number=step).first()
        if step != WARNING_STEP
        else None
    )
    roster = Roster()
    common = _event_data(metric, cycle, step, due_at, now)

    dirty: list[str] = []  # ticket fields to save once, at the end
    events, notify, purpose = _step_plan(step, policy_step)
    if not pages:
        notify, common["paged_with_incident"] = [], incident_id
    if step != WARNING_STEP:
        dirty += ticket_sla_mark(ticket=ticket, escalation_level=step, save=False)
    ticket_events_record(ticket_id=ticket.pk, types=events, at=now, data=common)
    if policy_step is not None and policy_step.reassign:
        ticket_sla_save(ticket=ticket, fields=dirty)
        dirty = []
        ticket = _reassign(ticket, roster, now, step)
    notifications_create(
        ticket=ticket,
        escalation=escalation,
        purpose=purpose,
        notify=notify,
        metric=metric,
        step=step,
        due_at=due_at,
        now=now,
        roster=roster,
    )
    # Step 1 fires at the deadline of a clock still running (checked under the lock): breached.
    dirty += ticket_sla_mark(ticket=ticket, breached=step == 1, save=False)
    ticket_sla_save(ticket=ticket, fields=dirty)
    if step == 1:
        # Last in the transaction: the ledger's chain head stays locked from here to the commit only.
        sla_breach_append_locked(ticket=ticket, metric=metric, now=now, save_ticket=False)
    return escalation


def _reassign(ticket: Ticket, roster: Roster, now: datetime, step: int) -> Ticket:
    exclude = [ticket.assignee_id] if ticket.assignee_id else []
    choice = routing.choose_engineer(roster.with_load(), now, exclude_user_ids=exclude)
    if choice is None:
        return ticket  # nobody else on shift: the ticket stays; the lead and managers are being paged
    return assign_to_candidate(ticket, choice, now, reason=f"escalation step {step}")


def _step_plan(step: int, policy_step: PolicyStep | None) -> tuple[list[str], list[dict], str]:
    """The timeline events, the recipients and the purpose of a step's notifications."""
    if step == WARNING_STEP:
        return (
            [EventType.WARNED],
            [{"target": Target.ASSIGNEE, "channel": Channel.SMS}],
            (Notification.Purpose.WARNING),
        )
    events = [EventType.BREACHED, EventType.ESCALATED] if step == 1 else [EventType.ESCALATED]
    return events, (policy_step.notify if policy_step else []), Notification.Purpose.ESCALATION


def _event_data(metric: str, cycle: int, step: int, due_at: datetime, now: datetime) -> dict:
    return {
        "metric": metric,
        "cycle": cycle,
        "step": step,
        "due_at": due_at.isoformat(),
        "lateness_ms": round((now - due_at).total_seconds() * 1000),
    }


# --- firing in batches --------------------------------------------------------------------------------

ALARM_FIELDS = ("pk", "ticket_id", "metric", "cycle", "step", "due_at")


@dataclass(frozen=True)
class DueAlarm:
    pk: int
    ticket_id: int
    metric: str
    cycle: int
    step: int
    due_at: datetime


@dataclass
class BatchResult:
    fired: list[Escalation] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)  # alarms deleted by this batch (fired or stale)
    more: bool = False  # due alarms were left for a next batch (the batch was full, or a ticket had two)


def alarms_fire_batch(*, alarm_ids: list[int] = (), now: datetime, limit: int = BATCH_SIZE) -> BatchResult:
    """Fire, in one transaction, the alarms of `alarm_ids` that are due at `now` and other due alarms, up
    to `limit` in all (see the module's docstring). Alarms not due, gone, moved, or whose ticket another
    transaction holds are left alone; a replay is a no-op."""
    own = list(
        Alarm.objects.filter(pk__in=list(alarm_ids), due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list(*ALARM_FIELDS)[:limit]
    )
    candidates = [DueAlarm(*row) for row in own]
    if len(candidates) < limit:
        others = (
            Alarm.objects.filter(due_at__lte=now)
            .exclude(pk__in=[a.pk for a in candidates])
            .order_by("due_at", "pk")
            .values_list(*ALARM_FIELDS)[: limit - len(candidates)]
        )
        candidates += [DueAlarm(*row) for row in others]
    result = BatchResult(more=len(candidates) >= limit)
    first: dict[int, DueAlarm] = {}
    for alarm in sorted(candidates, key=lambda a: (a.due_at, a.step, a.pk)):
        if alarm.ticket_id in first:
            result.more = True  # the ticket's next alarm fires in the next batch, against this one's state
        else:
            first[alarm.ticket_id] = alarm
    if not first:
        return result
    with transaction.atomic():
        tickets = {
            t.pk: t
            for t in Ticket.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("clock__calendar")
            .filter(pk__in=list(first))
            .order_by("pk")
        }
        mine = [a for a in first.values() if a.ticket_id in tickets]
        # Under the tickets' locks the alarms cannot change: one still here with the due time read
        # above was neither fired nor moved since.
        current = dict(Alarm.objects.filter(pk__in=[a.pk for a in mine]).values_list("pk", "due_at"))
        claimed = [a for a in mine if current.get(a.pk) == a.due_at]
        if not claimed:
            result.more = False  # all taken by other transactions: they fire them
            return result
        Alarm.objects.filter(pk__in=[a.pk for a in claimed]).delete()
        result.claimed = [a.pk for a in claimed]
        running = [a for a in claimed if is_running(tickets[a.ticket_id], a.metric, a.cycle)]
        result.fired = escalations_fire_many(tickets=tickets, alarms=running, now=now)
    return result


def escalations_fire_many(
    *, tickets: dict[int, Ticket], alarms: list[DueAlarm], now: datetime
) -> list[Escalation]:
    """`escalation_fire` for many tickets locked by the caller, at most one alarm each, whose clocks run.

    Each ticket gets exactly the rows it would get alone; the statements are shared by all."""
    if not alarms:
        return []
    policy_steps = {(s.policy.severity, s.number): s for s in PolicyStep.objects.select_related("policy")}
    fired_before = set(
        Escalation.objects.filter(ticket_id__in=[a.ticket_id for a in alarms]).values_list(
            "ticket_id", "metric", "cycle", "step"
        )
    )
    alarms = [a for a in alarms if (a.ticket_id, a.metric, a.cycle, a.step) not in fired_before]
    fired: list[Escalation] = []
    plain: list[tuple[DueAlarm, PolicyStep | None]] = []
    for alarm in alarms:
        ticket = tickets[alarm.ticket_id]
        policy_step = policy_steps.get((ticket.severity, alarm.step)) if alarm.step != WARNING_STEP else None
        if policy_step is not None and policy_step.reassign:
            # Routing reads the loads afresh for each ticket: this one fires as alone, in this transaction.
            escalation = escalation_fire(
                ticket=ticket, metric=alarm.metric, cycle=alarm.cycle, step=alarm.step,
                due_at=alarm.due_at, now=now,
            )  # fmt: skip
            if escalation is not None:
                fired.append(escalation)
        else:
            plain.append((alarm, policy_step))
    if not plain:
        return fired
    decide = _incident_pager([a.ticket_id for a, _ in plain])
    paging = [decide(a.ticket_id, a.metric, a.step) for a, _ in plain]
    escalations = Escalation.objects.bulk_create(
        [
            Escalation(
                ticket=tickets[a.ticket_id], metric=a.metric, cycle=a.cycle, step=a.step,
                due_at=a.due_at, fired_at=now, paged_for_incident_id=incident_id if pages else None,
            )
            for (a, _), (incident_id, pages) in zip(plain, paging, strict=True)
        ]
    )  # fmt: skip
    roster = Roster()
    events: list[tuple[int, str, datetime, dict]] = []
    notifications: list[Notification] = []
    changes: list[tuple[Ticket, list[str]]] = []
    breaches = []
    for (alarm, policy_step), escalation, (incident_id, pages) in zip(
        plain, escalations, paging, strict=True
    ):
        ticket = tickets[alarm.ticket_id]
        kinds, notify, purpose = _step_plan(alarm.step, policy_step)
        dirty: list[str] = []
        if alarm.step != WARNING_STEP:
            dirty += ticket_sla_mark(ticket=ticket, escalation_level=alarm.step, save=False)
        data = _event_data(alarm.metric, alarm.cycle, alarm.step, alarm.due_at, now)
        if not pages:
            notify, data["paged_with_incident"] = [], incident_id
        events += [(ticket.pk, kind, now, data) for kind in kinds]
        notifications += notifications_create(
            ticket=ticket, escalation=escalation, purpose=purpose, notify=notify, metric=alarm.metric,
            step=alarm.step, due_at=alarm.due_at, now=now, roster=roster, save=False,
        )  # fmt: skip
        dirty += ticket_sla_mark(ticket=ticket, breached=alarm.step == 1, save=False)
        changes.append((ticket, dirty))
        if alarm.step == 1:
            row = sla_breach_row(ticket=ticket, metric=alarm.metric, now=now)
            if row is not None:
                breaches.append(row)
    ticket_events_record_many(events=events)
    pages_place_many(notifications=notifications, now=now)
    notifications_create_many(notifications=notifications)
    tickets_sla_save_many(changes=changes)
    # Last in the transaction: the ledger's chain head stays locked from here to the commit only.
    ledger_append_many(rows=breaches, now=now)
    return fired + escalations
