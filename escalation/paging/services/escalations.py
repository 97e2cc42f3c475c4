"""Firing an escalation step when its alarm rings (`alarm_fire`): exactly once per (ticket, metric, cycle,
step), decided by the database."""

from datetime import datetime

from django.db import transaction

from escalation.paging.models import Alarm, Channel, Escalation, Notification, PolicyStep, Target
from escalation.paging.schedule import WARNING_STEP
from escalation.paging.services.alarms import is_running
from escalation.paging.services.notifications import notifications_create
from escalation.roster import routing
from escalation.roster.services.roster import Roster, assign_to_candidate
from escalation.sla.services.clock import sla_breach_append_locked
from tickets.models import EventType, Ticket
from tickets.sla_writes import ticket_events_record, ticket_sla_mark, ticket_sla_save


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
    escalation = Escalation.objects.create(
        ticket=ticket, metric=metric, cycle=cycle, step=step, due_at=due_at, fired_at=now
    )
    policy_step = (
        PolicyStep.objects.filter(policy__severity=ticket.severity, number=step).first()
        if step != WARNING_STEP
        else None
    )
    roster = Roster()
    lateness_ms = round((now - due_at).total_seconds() * 1000)
    common = {
        "metric": metric,
        "cycle": cycle,
        "step": step,
        "due_at": due_at.isoformat(),
        "lateness_ms": lateness_ms,
    }

    dirty: list[str] = []  # ticket fields to save once, at the end
    if step == WARNING_STEP:
        events = [EventType.WARNED]
        notify = [{"target": Target.ASSIGNEE, "channel": Channel.SMS}]
        purpose = Notification.Purpose.WARNING
    else:
        events = [EventType.BREACHED, EventType.ESCALATED] if step == 1 else [EventType.ESCALATED]
        dirty += ticket_sla_mark(ticket=ticket, escalation_level=step, save=False)
        notify = policy_step.notify if policy_step else []
        purpose = Notification.Purpose.ESCALATION
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
