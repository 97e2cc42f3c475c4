"""Firing an escalation step: exactly once per (ticket, metric, cycle, step), decided by the database."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from tickets.models import Event, EventType, Ticket
from tickets.services import ticket_assign

from .. import routing
from ..models import Channel, Engineer, Escalation, EscalationPolicy, Metric, Notification, PolicyStep, Target
from ..schedule import WARNING_STEP
from .clock import sla_record_breach
from .roster import managers, roster_candidates

logger = logging.getLogger(__name__)

METRIC_WORDS = {Metric.FIRST_RESPONSE: "first response", Metric.RESOLUTION: "resolution"}


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    phone: str
    email: str


def _recipient(user, engineer: Engineer | None) -> Recipient:
    return Recipient(
        user_id=user.pk,
        username=user.get_username(),
        phone=str(engineer.phone) if engineer is not None and engineer.phone else "",
        email=user.email,
    )


def _people(
    target: str, ticket: Ticket, candidates: list[routing.Candidate], now: datetime
) -> list[Recipient]:
    """Who `target` means for this ticket right now. Nobody assigned falls back to the lead, then on-call."""
    if target == Target.MANAGERS:
        users = list(managers())
        engineers = {e.user_id: e for e in Engineer.objects.filter(user__in=users)}
        return [_recipient(u, engineers.get(u.pk)) for u in users]
    user_ids: list[int] = []
    if target == Target.ASSIGNEE and ticket.assignee_id is not None:
        user_ids = [ticket.assignee_id]
    if target in (Target.ASSIGNEE, Target.LEAD) and not user_ids:
        user_ids = [c.user_id for c in routing.on_shift_leads(candidates, now)]
    if target in (Target.ASSIGNEE, Target.LEAD, Target.ON_CALL) and not user_ids:
        user_ids = [c.user_id for c in routing.on_call(candidates)]
    engineers = Engineer.objects.select_related("user").filter(user_id__in=user_ids)
    return [_recipient(e.user, e) for e in engineers]


def _body(ticket: Ticket, metric: str, step: int, due_at: datetime, channel: str) -> str:
    due = due_at.astimezone(UTC).strftime("%H:%M:%S UTC")
    what = METRIC_WORDS[metric]
    if step == WARNING_STEP:
        head = f"{ticket.reference} ({ticket.severity}): {what} due at {due}"
    else:
        head = f"{ticket.reference} ({ticket.severity}): {what} overdue since {due}, escalation step {step}"
    subject = ticket.subject if len(ticket.subject) <= 60 else ticket.subject[:57] + "..."
    tail = " Reply ACK to acknowledge." if channel == Channel.SMS and step != WARNING_STEP else ""
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
    candidates: list[routing.Candidate],
) -> list[Notification]:
    """Record one notification per (recipient, channel), queued to send after commit.

    A recipient without a phone number (or email) gets a `failed` row saying so: visible on the ticket.
    """
    created = []
    for item in notify:
        channel = item["channel"]
        for person in _people(item["target"], ticket, candidates, now):
            address = person.email if channel == Channel.EMAIL else person.phone
            missing = "email address" if channel == Channel.EMAIL else "phone number"
            notification = Notification(
                ticket=ticket,
                escalation=escalation,
                purpose=purpose,
                channel=channel,
                recipient=address or f"user:{person.username}",
                recipient_user_id=person.user_id,
                body=_body(ticket, metric, step, due_at, channel),
                status=Notification.Status.QUEUED if address else Notification.Status.FAILED,
                last_error="" if address else f"{person.username} has no {missing} on file",
                created_at=now,
                updated_at=now,
            )
            try:
                with transaction.atomic():
                    notification.save()
            except IntegrityError:
                continue  # the same person on the same channel for this step: once is enough
            created.append(notification)
    queued = [n.pk for n in created if n.status == Notification.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: notifications_enqueue(notification_ids=queued))
    return created


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
    """Fire one step for a locked ticket whose clock still runs. Returns None if it already fired."""
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                ticket=ticket, metric=metric, cycle=cycle, step=step, due_at=due_at, fired_at=now
            )
    except IntegrityError:
        return None  # the unique constraint escalation_step_once says: fired before
    policy = EscalationPolicy.objects.filter(severity=ticket.severity).first()
    policy_step = (
        PolicyStep.objects.filter(policy=policy, number=step).first() if step != WARNING_STEP else None
    )
    candidates = roster_candidates()
    lateness_ms = round((now - due_at).total_seconds() * 1000)
    common = {
        "metric": metric,
        "cycle": cycle,
        "step": step,
        "due_at": due_at.isoformat(),
        "lateness_ms": lateness_ms,
    }

    if step == WARNING_STEP:
        Event.objects.create(ticket=ticket, type=EventType.WARNED, at=now, data=common)
        notify = [{"target": Target.ASSIGNEE, "channel": Channel.SMS}]
        purpose = Notification.Purpose.WARNING
    else:
        if step == 1:
            sla_record_breach(ticket_id=ticket.pk, metric=metric, now=now)
            Event.objects.create(ticket=ticket, type=EventType.BREACHED, at=now, data=common)
        if step > ticket.escalation_level:
            ticket.escalation_level = step
            ticket.save(update_fields=["escalation_level"])
        Event.objects.create(ticket=ticket, type=EventType.ESCALATED, at=now, data=common)
        notify = policy_step.notify if policy_step else []
        purpose = Notification.Purpose.ESCALATION
        if policy_step is not None and policy_step.reassign:
            _reassign(ticket, candidates, now, step)
    notifications_create(
        ticket=ticket,
        escalation=escalation,
        purpose=purpose,
        notify=notify,
        metric=metric,
        step=step,
        due_at=due_at,
        now=now,
        candidates=candidates,
    )
    return escalation


def _reassign(ticket: Ticket, candidates: list[routing.Candidate], now: datetime, step: int) -> None:
    exclude = [ticket.assignee_id] if ticket.assignee_id else []
    choice = routing.choose_engineer(candidates, now, exclude_user_ids=exclude)
    if choice is None:
        return  # nobody else on shift: the ticket stays; the lead and managers are being paged
    user = get_user_model().objects.get(pk=choice.user_id)
    ticket_assign(ticket=ticket, assignee=user, actor=None, now=now, reason=f"escalation step {step}")
    Engineer.objects.filter(pk=choice.engineer_id).update(last_assigned_at=now)
