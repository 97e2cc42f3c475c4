"""Notifications: recording them (who is paged, on which channel, saying what), then sending each one:
record the attempt, send, record the outcome. An SMS or a call is first placed in its recipient's
grouping window (`services/pages.py`): the first of a quiet period goes out at once, as it always did;
the rest of a storm goes out as the window's one message when it closes.

A crash between the provider accepting a message and the outcome being saved leaves the row in
`sending`; a redelivered task then sends it again (at least once for that rare window, never lost).
"""

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.conf import settings
from django.db import IntegrityError, transaction

from escalation import enqueue
from escalation.paging.channels import (
    NotConfigured,
    PermanentSendError,
    RateLimited,
    SenderBusy,
    TransientSendError,
    email,
    sms,
    twilio_client,
    voice,
)
from escalation.paging.models import Channel, Escalation, Notification, Page, Target
from escalation.paging.schedule import WARNING_STEP
from escalation.paging.services import pages
from escalation.roster import routing
from escalation.roster.models import Engineer
from escalation.roster.services.roster import Roster, managers
from escalation.sla.models import Metric
from escalation.zones import clock_words, span_words
from tickets.models import Ticket

logger = logging.getLogger(__name__)

BACKENDS = {Channel.SMS: sms, Channel.VOICE: voice, Channel.EMAIL: email}
MAX_ATTEMPTS = 6
BACKOFF_CAP_SECONDS = 300
STALE_QUEUED_AFTER = timedelta(minutes=2)

SENDABLE = (Notification.Status.QUEUED, Notification.Status.SENDING)


# --- recording (inside the caller's transaction) ----------------------------------------------------

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
    save: bool = True,
) -> list[Notification]:
    """Record one notification per (recipient, channel), queued to send after commit.

    A recipient without a phone number (or email) gets a `failed` row saying so: visible on the ticket.
    With `save=False` the rows are only built, for `notifications_create_many` to record with others.
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
        if channel == Channel.VOICE and not ticket.requester_trusted:
            # Nobody is woken by a call for a requester the desk does not know (an address at a
            # customer's domain, not yet confirmed): the same person gets an SMS instead.
            channel = Channel.SMS
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
    if not save:
        return list(planned.values())
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
            # Never the body or the recipient: logs keep no personal data (docs/privacy.md).
            logger.info("%s notification %s not sent (no Twilio credentials)", notification.channel,
                        notification.pk)  # fmt: skip
    queued = [n.pk for n in created if n.status == Notification.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: enqueue.send_notifications(queued))
    return created


def notifications_create_many(*, notifications: list[Notification]) -> list[Notification]:
    """Record the rows `notifications_create(save=False)` built for steps that just fired (so nothing can
    collide), in one INSERT; each queued one is sent after commit, as `notifications_create` does."""
    created = Notification.objects.bulk_create(notifications)
    for notification in created:
        if notification.status == Notification.Status.LOGGED:
            # Never the body or the recipient: logs keep no personal data (docs/privacy.md).
            logger.info("%s notification %s not sent (no Twilio credentials)", notification.channel,
                        notification.pk)  # fmt: skip
    queued = [n.pk for n in created if n.status == Notification.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: enqueue.send_notifications(queued))
    return created


# The commander's page for a new incident, by its severity: a major incident rings as well.
INCIDENT_PAGE_CHANNELS = {
    "major": (Channel.SMS, Channel.VOICE),
    "urgent": (Channel.SMS,),
    "general": (Channel.SMS,),
}


def incident_page_create(
    *, incident_id: int, title: str, severity: str, started_at: datetime, customers: int, user, now: datetime
) -> list[Notification]:
    """Page `user`, the incident's commander, once per channel its severity calls for (`incident_page_once`
    makes a second call a no-op); sent after commit, alone (never held in a grouping window: one page
    for the whole incident). Returns the rows written now."""
    engineer = Engineer.objects.filter(user=user).first()
    person = _recipient(user, engineer)
    twilio_ready = twilio_client.configured()
    affected = f"{customers} customer{'s' if customers != 1 else ''} affected" if customers else "internal"
    link = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/incidents/{incident_id}/"
    since = clock_words(started_at, person.zone, today=now)
    created = []
    for channel in INCIDENT_PAGE_CHANNELS.get(severity, ()):
        if channel == Channel.VOICE:
            body = (
                f"Support Desk incident {incident_id}, severity {severity}. {title[:120]}. "
                f"Since {since}. {affected}. You are its commander."
            )
        else:
            body = f"INCIDENT {incident_id} ({severity}): {title[:100]}. Since {since}; {affected}. {link}"
        notification = Notification(
            ticket=None,
            incident_id=incident_id,
            purpose=Notification.Purpose.INCIDENT_PAGE,
            channel=channel,
            recipient=person.phone or f"user:{person.username}",
            recipient_user_id=person.user_id,
            body=body,
            **_initial_state(channel, person.phone, person.username, "phone number", twilio_ready),
            created_at=now,
            updated_at=now,
        )
        try:
            with transaction.atomic():
                notification.save(force_insert=True)
        except IntegrityError:
            continue  # paged before for this incident (incident_page_once)
        created.append(notification)
    queued = [n.pk for n in created if n.status == Notification.Status.QUEUED]
    if queued:
        transaction.on_commit(lambda: enqueue.send_notifications(queued))
    return created


def _initial_state(channel: str, address: str, username: str, missing: str, twilio_ready: bool) -> dict:
    """Queued to send; `failed` with the reason when there is nowhere to send it; `logged` (not sent)
    when the provider has no credentials here, so no task is spent on it."""
    if not address:
        return {"status": Notification.Status.FAILED, "last_error": f"{username} has no {missing} on file"}
    if channel in (Channel.SMS, Channel.VOICE) and not twilio_ready:
        return {"status": Notification.Status.LOGGED, "last_error": "not sent: Twilio is not configured"}
    return {"status": Notification.Status.QUEUED, "last_error": ""}


# --- sending (the worker) ---------------------------------------------------------------------------


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: about 2, 4, 8, 16, 32 s with the default base of 2 s."""
    ceiling = min(BACKOFF_CAP_SECONDS, settings.NOTIFICATION_BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def retry_countdown(exc: TransientSendError, retries: int) -> float:
    """When to retry a send: when Twilio or our own rate limit said (a 429's Retry-After, the sender
    number's next free slot), else exponential backoff with jitter on the attempts that reached the
    provider (recorded on the row and carried by the error), not on the task's retries: waiting for a
    free slot must not stretch the backoff."""
    if isinstance(exc, RateLimited) and exc.retry_after > 0:
        # A long Retry-After holds the sender number (channels/rate_limit.py) for all of it; the task
        # comes back at most every BACKOFF_CAP_SECONDS to find it held, so no ETA outlives the broker's
        # visibility timeout (BROKER_VISIBILITY_TIMEOUT in settings).
        return min(exc.retry_after + random.uniform(0, 0.5), BACKOFF_CAP_SECONDS)  # noqa: S311 - jitter
    return backoff_seconds(getattr(exc, "attempts", None) or retries)


def _claim(notification_id: int, now: datetime) -> Notification | str:
    """Lock the notification and claim it for sending; or say why not ("skipped", "grouped")."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status not in SENDABLE:
            return "skipped"  # sent, failed for good, cancelled by an acknowledgement, logged, or grouped
        placeable = notification.channel in pages.GROUPED_CHANNELS and notification.page_id is None
        placeable = placeable and notification.incident_id is None  # one page for a whole incident
        placeable = placeable and pages.grouping_on()
        if placeable and not pages.page_place_locked(notification=notification, now=now):
            notification.status = Notification.Status.GROUPED
            notification.updated_at = now
            notification.save(update_fields=["page", "grouped", "status", "updated_at"])
            return Notification.Status.GROUPED  # goes out with its page when the window closes
        notification.status = Notification.Status.SENDING
        notification.attempts += 1
        notification.updated_at = now
        notification.save(update_fields=["page", "grouped", "status", "attempts", "updated_at"])
        return notification


def _finish(notification: Notification, now: datetime, **fields) -> None:
    fields["updated_at"] = now
    Notification.objects.filter(pk=notification.pk).update(**fields)


def notification_send(*, notification_id: int, now: datetime) -> str:
    """Send once. Returns the final status; raises TransientSendError when a retry may succeed."""
    notification = _claim(notification_id, now)
    if isinstance(notification, str):
        return notification
    backend = BACKENDS[notification.channel]
    try:
        provider_id = backend.send(notification)
    except NotConfigured as exc:
        logger.info("notification %s not sent (%s)", notification.pk, exc)
        _finish(notification, now, status=Notification.Status.LOGGED, last_error=str(exc))
        return Notification.Status.LOGGED
    except PermanentSendError as exc:
        _finish(notification, now, status=Notification.Status.FAILED, last_error=str(exc))
        return Notification.Status.FAILED
    except SenderBusy as exc:  # our own rate limit: nothing reached Twilio, not an attempt
        _finish(notification, now, status=Notification.Status.QUEUED, attempts=notification.attempts - 1,
                last_error=str(exc))  # fmt: skip
        raise
    except TransientSendError as exc:
        if notification.attempts >= MAX_ATTEMPTS:
            _finish(notification, now, status=Notification.Status.FAILED, last_error=f"gave up: {exc}")
            return Notification.Status.FAILED
        _finish(notification, now, status=Notification.Status.QUEUED, last_error=str(exc))
        exc.attempts = notification.attempts
        raise
    _finish(notification, now, status=Notification.Status.SENT, provider_id=provider_id, last_error="")
    return Notification.Status.SENT


def notifications_requeue_stale(*, now: datetime) -> int:
    """Re-send notifications left queued (a lost task, a broker that was away), and the closing message of
    grouping windows whose task was lost. Returns how many."""
    stale = list(
        Notification.objects.filter(status__in=SENDABLE, updated_at__lte=now - STALE_QUEUED_AFTER)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    Notification.objects.filter(pk__in=stale).update(updated_at=now)
    enqueue.send_notifications(stale)
    return len(stale) + pages.pages_requeue_stale(now=now)


# Twilio's message and call statuses, as ours. Unknown ones leave the row as it is.
PROVIDER_STATUS = {
    "queued": Notification.Status.SENT,
    "accepted": Notification.Status.SENT,
    "sending": Notification.Status.SENT,
    "sent": Notification.Status.SENT,
    "ringing": Notification.Status.SENT,
    "in-progress": Notification.Status.SENT,
    "delivered": Notification.Status.DELIVERED,
    "read": Notification.Status.DELIVERED,
    "completed": Notification.Status.DELIVERED,
    "undelivered": Notification.Status.UNDELIVERED,
    "busy": Notification.Status.UNDELIVERED,
    "no-answer": Notification.Status.UNDELIVERED,
    "canceled": Notification.Status.UNDELIVERED,
    "failed": Notification.Status.FAILED,
}
FINAL = {Notification.Status.DELIVERED, Notification.Status.UNDELIVERED, Notification.Status.FAILED}


def notification_status_update(*, provider_id: str, provider_status: str, error: str, now: datetime) -> bool:
    """Apply a provider status callback to the message's notification, or to a grouped page and every
    notification it carried. A final status is never walked back by a late callback."""
    status = PROVIDER_STATUS.get(provider_status.lower())
    if not provider_id or status is None:
        return False
    fields = {"status": status, "updated_at": now}
    if error:
        fields["last_error"] = f"provider error code {error}"
    with transaction.atomic():
        notifications = Notification.objects.filter(provider_id=provider_id)
        grouped_pages = Page.objects.filter(provider_id=provider_id)
        if status not in FINAL:
            notifications = notifications.exclude(status__in=FINAL)
            grouped_pages = grouped_pages.exclude(status__in=FINAL)
        changed = notifications.update(**fields)
        changed += grouped_pages.update(**fields)
    return changed > 0
