"""Firing an escalation step: exactly once per (ticket, metric, cycle, step), decided by the database."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from django.db import IntegrityError, transaction

from tickets.models import EventType, Ticket
from tickets.sla_writes import ticket_events_record, ticket_sla_mark, ticket_sla_save

from .. import routing
from ..models import Channel, Engineer, Escalation, Metric, Notification, PolicyStep, Target
from ..notifications import twilio_client
from ..schedule import WARNING_STEP
from ..zones import clock_words, span_words
from .clock import sla_breach_append_locked
from .roster import Roster, assign_to_candidate, managers

logger = logging.getLogger(__name__)

METRIC_WORDS = {Metric.FIRST_RESPONSE: "first response", Metric.RESOLUTION: "resolution"}


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    phone: str
    email: str
    zone: tzinfo  # the engineer's timezone (UTC for a manager who is not an engineer): pages speak it


def _recipient(user, engineer: Engineer | None) -> Recipient:
    return Recipient(
        user_id=user.pk,
        username=user.get_username(),
        phone=str(engineer.phone) if engineer is not None and engineer.phone else "",
        email=user.email,
        zone=engineer.timezone if engineer is not None and engineer.timezone else UTC,
    )


def _people(target: str, ticket: Ticket, roster: Roster, now: datetime) -> list[Recipient]:
    """Who `target` means for this ticket right now. Nobody assigned falls back to the lead, then on-call."""
    engineers = roster.engineers()
    if target == Target.MANAGERS:
        return [_recipient(u, engineers.get(u.pk)) for u in managers()]
    user_ids: list[int] = []
    if target == Target.ASSIGNEE and ticket.assignee_id is not None:
        user_ids = [ticket.assignee_id]
    if target in (Target.ASSIGNEE, Target.LEAD) and not user_ids:
        user_ids = [c.user_id for c in routing.on_shift_leads(roster.plain(), now)]
    if target in (Target.ASSIGNEE, Target.LEAD, Target.ON_CALL) and not user_ids:
        user_ids = [c.user_id for c in routing.on_call(roster.plain())]
    missing = [pk for pk in user_ids if pk not in engineers]  # e.g. an assignee since deactivated
    if missing:
        engineers = {
            **engineers,
            **{e.user_id: e for e in Engineer.objects.select_related("user").filter(user_id__in=missing)},
        }
    return [_recipient(engineers[pk].user, engineers[pk]) for pk in user_ids if pk in engineers]


def metric_due_at(ticket: Ticket, metric: str) -> datetime | None:
    """The metric's deadline as the ticket holds it now (moved out by pauses, recomputed on changes)."""
    return ticket.first_response_due_at if metric == Metric.FIRST_RESPONSE else ticket.resolution_due_at


def _body(
    ticket: Ticket,
    metric: str,
    step: int,
    deadline: datetime,
    channel: str,
    zone: tzinfo,
    now: datetime,
    acknowledgeable: bool,
) -> str:
    """What the page says: the metric's deadline in the recipient's zone, and how long is left (or past).

    A deadline still ahead (a warning, an on-call page for a ticket nobody can take) reads "due at ... in";
    a missed one "overdue since ... ago" with the escalation step.
    """
    what = METRIC_WORDS[metric]
    due = clock_words(deadline, zone, today=now)
    ahead = deadline > now
    if channel == Channel.VOICE:
        spoken_reference = " ".join(ticket.reference.replace("-", " "))
        left = span_words(deadline - now, spoken=True)
        if ahead:
            head, when = "Support Desk warning", f"{what.capitalize()} is due at {due}, in {left}"
        else:
            head = f"Support Desk escalation, step {step}"
            when = f"{what.capitalize()} was due at {due}, {left} ago"
        ticket_words = f"Ticket {spoken_reference}, severity {ticket.severity}"
        return f"{head}. {ticket_words}. {when}. {ticket.subject[:120]}."
    left = span_words(deadline - now)
    if ahead:
        head = f"{ticket.reference} ({ticket.severity}): {what} due at {due}, in {left}"
    else:
        head = f"{ticket.reference} ({ticket.severity}): {what} overdue since {due} ({left} ago)"
        if step != WARNING_STEP:
            head += f", escalation step {step}"
    subject = ticket.subject if len(ticket.subject) <= 60 else ticket.subject[:57] + "..."
    tail = " Reply ACK to acknowledge." if channel == Channel.SMS and acknowledgeable else ""
    return f"[Support Desk] {head}. {subject}.{tail}"


def notifications_create(
    *,
    ticket: Ticket,
    escalation: Escalation | None,
    purpose: str,
    notify: list[dict],
    metric: str,
    step: int,
    due_at: datetime,
    now: datetime,
    roster: Roster,
) -> list[Notification]:
    """Record one notification per (recipient, channel), queued to send after commit.

    A recipient without a phone number (or email) gets a `failed` row saying so: visible on the ticket.
    """
    planned: dict[tuple[str, str], Notification] = {}
    deadline = metric_due_at(ticket, metric) or due_at
    # An on-call page for a ticket nobody can take has no step behind it: there is nothing to ACK.
    acknowledgeable = escalation is not None and step != WARNING_STEP
    twilio_ready = twilio_client.configured()
    # Each target resolved once, however many channels reach it (managers by SMS and by email).
    people = {target: _people(target, ticket, roster, now) for target in {item["target"] for item in notify}}
    for item in notify:
        channel = item["channel"]
        for person in people[item["target"]]:
            address = person.email if channel == Channel.EMAIL else person.phone
            missing = "email address" if channel == Channel.EMAIL else "phone number"
            recipient = address or f"user:{person.username}"
            # The same person on the same channel for this step (e.g. assignee and lead): once is enough.
            planned.setdefault(
                (channel, recipient),
                Notification(
                    ticket=ticket,
                    escalation=escalation,
                    purpose=purpose,
                    channel=channel,
                    recipient=recipient,
                    recipient_user_id=person.user_id,
                    body=_body(ticket, metric, step, deadline, channel, person.zone, now, acknowledgeable),
                    **_initial_state(channel, address, person.username, missing, twilio_ready),
                    created_at=now,
                    updated_at=now,
                ),
            )
    if escalation is not None:
        # A step that just fired has no notifications yet: nothing can collide.
        created = Notification.objects.bulk_create(planned.values())
    else:
        created = []
        for notification in planned.values():
            try:
                with transaction.atomic():
                    notification.save()
            except IntegrityError:
                continue  # paged before (on_call_page_once)
            created.append(notification)
    for notification in created:
        if notification.status == Notification.Status.LOGGED:
            logger.info("%s to %s not sent (no Twilio credentials): %s", notification.channel,
                        notification.recipient, notification.body)  # fmt: skip
    queued = [n.pk for n in created if n.status == Notification.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: notifications_enqueue(notification_ids=queued))
    return created


def _initial_state(channel: str, address: str, username: str, missing: str, twilio_ready: bool) -> dict:
    """Queued to send; `failed` with the reason when there is nowhere to send it; `logged` (not sent)
    when the provider has no credentials here, so no task is spent on it."""
    if not address:
        return {"status": Notification.Status.FAILED, "last_error": f"{username} has no {missing} on file"}
    if channel in (Channel.SMS, Channel.VOICE) and not twilio_ready:
        return {"status": Notification.Status.LOGGED, "last_error": "not sent: Twilio is not configured"}
    return {"status": Notification.Status.QUEUED, "last_error": ""}


def notifications_enqueue(*, notification_ids: list[int]) -> None:
    from ..tasks import send_notification

    for notification_id in notification_ids:
        try:
            send_notification.delay(notification_id)
        except Exception as exc:
            # The broker is away; the notification sweep re-sends queued rows that sat too long.
            logger.warning("could not enqueue notification %s (%s); it will be re-sent", notification_id, exc)


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
