"""Email to requesters: the news of their ticket, the same whichever channel made it.

The ticket services record a `RequesterNotification` in the transaction that writes the event it is
about (filing, an engineer's public reply, a status change), so a web page, the API and the worker
notify alike and no view decides whether the customer hears of it. Once the transaction commits the
worker sends it: record the attempt, send, record the outcome. The row's status decides, so a task
that runs twice (a redelivery, a duplicate enqueue, the sweep) sends nothing the second time. A crash
between the SMTP server accepting a message and the outcome being saved is the one window that can
send twice: the row is taken over when its lease ends, and the message keeps its Message-ID.

Every email threads (issue 17): its Message-ID is recorded (`MailThreadId`) before it is sent, and it
carries In-Reply-To and References naming the ticket's earlier mail (the first one and the latest few),
the reference in its subject ("[SD-1042] ...") and, when MAIL_REPLY_ADDRESS is set, the ticket's signed
reply address as Reply-To (`tickets.mail_addresses`). An address that bounces (`BouncingAddress`) gets
nothing more.

What the email says is rendered by a `RequesterMail` registered when the apps are ready (the web
layer: it words the promise and builds the customer's link), so `tickets` imports nothing above it.
"""

import logging
import random
import smtplib
from datetime import datetime, timedelta
from email.header import Header
from email.utils import parseaddr
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from . import enqueue
from .mail_addresses import reply_address
from .models import (
    BouncingAddress,
    Event,
    EventType,
    MailThreadId,
    Message,
    RequesterNotification,
    Ticket,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_CAP_SECONDS = 300
STALE_QUEUED_AFTER = timedelta(minutes=2)  # queued this long: the task was lost (a broker away)
SENDING_LEASE = timedelta(minutes=5)  # far above EMAIL_TIMEOUT: a `sending` row this old was abandoned
SUBJECT_MAX_LENGTH = 200
REFERENCES_MAX = 10  # the first Message-ID of the ticket's thread and the latest ones

Status = RequesterNotification.Status


class TransientMailError(Exception):
    """The mail server could not take the message now (a timeout, a refused connection, a 4xx)."""


class _RequesterEmail(EmailMessage):
    """Django (5.2, the legacy email API) encodes a non-ASCII subject without knowing it follows
    "Subject: ", so a long one is folded before its first word: `Subject:` and an empty line. A strict
    reader (Python's own parser, RFC 5322 unfolding) then sees a subject that starts with a space.
    Encoded knowing its header's name, the first encoded word stays on the Subject line."""

    def message(self, **kwargs):
        message = super().message(**kwargs)
        if not self.subject.isascii():
            message.replace_header("Subject", Header(self.subject, "utf-8", header_name="Subject"))
        return message


class RequesterMail(Protocol):
    def render(self, *, notification: RequesterNotification, now: datetime) -> tuple[str, str]:
        """The subject and the plain-text body of the email `notification` records."""

    def language(self, *, notification: RequesterNotification) -> str:
        """The language `render` words it in (a Django language code), for its Content-Language."""


_mail: RequesterMail | None = None


def register_requester_mail(mail: RequesterMail) -> None:
    global _mail
    _mail = mail


def requester_mail() -> RequesterMail:
    if _mail is None:
        raise ImproperlyConfigured("No requester mail is registered; is the web app installed?")
    return _mail


# --- recording (inside the services' transactions) --------------------------------------------------


def requester_notification_record(
    *, ticket: Ticket, event: Event, kind: str, now: datetime, message: Message | None = None
) -> RequesterNotification:
    """Record the email that tells the requester of `event`; the worker gets it once the caller commits."""
    notification = requester_notification_new(ticket=ticket, event=event, kind=kind, now=now, message=message)
    notification.save(force_insert=True)
    requester_notification_send_on_commit(notification)
    return notification


def requester_notification_new(
    *, ticket: Ticket, event: Event, kind: str, now: datetime, message: Message | None = None
) -> RequesterNotification:
    """The row `requester_notification_record` writes, unsaved: for a caller that inserts it with others
    (filing), and then calls `requester_notification_send_on_commit`."""
    return RequesterNotification(
        ticket=ticket,
        event=event,
        kind=kind,
        message=message,
        recipient=ticket.requester.email,
        created_at=now,
        updated_at=now,
    )


def contacts_notification_record(
    *, ticket: Ticket, kind: str, recipients: list[str], now: datetime, **data
) -> int:
    """An incident's news to a customer's contacts on the customer's ticket: one `incident_notice`
    event naming them and one email each, sent after commit. Returns how many were recorded."""
    if not recipients:
        return 0
    event = Event.objects.create(
        ticket=ticket,
        type=EventType.INCIDENT_NOTICE,
        at=now,
        actor=None,
        data={"kind": kind, "contacts": recipients, **data},
    )
    rows = RequesterNotification.objects.bulk_create(
        [
            RequesterNotification(
                ticket=ticket, event=event, kind=kind, recipient=recipient, created_at=now, updated_at=now
            )
            for recipient in recipients
        ]
    )
    for row in rows:
        requester_notification_send_on_commit(row)
    return len(rows)


def requester_notification_send_on_commit(notification: RequesterNotification) -> None:
    notification_id = notification.pk
    transaction.on_commit(lambda: enqueue.send_requester_notifications([notification_id]))


# --- sending (the worker) ---------------------------------------------------------------------------


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: about 2, 4, 8, 16, 32 s with the default base of 2 s."""
    ceiling = min(BACKOFF_CAP_SECONDS, settings.NOTIFICATION_BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def _claimable(notification: RequesterNotification, now: datetime) -> bool:
    if notification.status == Status.QUEUED:
        return True
    return notification.status == Status.SENDING and notification.updated_at <= now - SENDING_LEASE


def _claim(notification_id: int, now: datetime) -> RequesterNotification | None:
    """Record the attempt. None when there is nothing to send: sent, failed for good, or being sent."""
    with transaction.atomic():
        notification = RequesterNotification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or not _claimable(notification, now):
            return None
        if notification.attempts >= MAX_ATTEMPTS:  # abandoned mid-send again and again
            notification.status, notification.updated_at = Status.FAILED, now
            notification.last_error = (
                f"gave up after {notification.attempts} attempts: {notification.last_error}"
            )
            notification.save(update_fields=["status", "updated_at", "last_error"])
            return None
        notification.status = Status.SENDING
        notification.attempts += 1
        notification.updated_at = now
        notification.save(update_fields=["status", "attempts", "updated_at"])
    return (
        RequesterNotification.objects.select_related("ticket__requester", "event", "message__author")
        .filter(pk=notification_id)
        .get()
    )


def _finish(notification: RequesterNotification, now: datetime, **fields) -> None:
    RequesterNotification.objects.filter(pk=notification.pk).update(updated_at=now, **fields)


def _message_id(notification: RequesterNotification) -> str:
    """The same for every attempt, so a mail client folds the copy of the rare double send."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<requester-notification-{notification.pk}@{domain}>"


def thread_headers(*, ticket: Ticket, message_id: str, now: datetime) -> dict[str, str]:
    """Message-ID, In-Reply-To, References and Reply-To of an email about `ticket`, recording its
    Message-ID (`<...>`) in the ticket's thread first, so a reply to it finds the ticket."""
    bare = message_id.strip("<>")
    MailThreadId.objects.get_or_create(message_id=bare, defaults={"ticket": ticket, "created_at": now})
    earlier = list(
        MailThreadId.objects.filter(ticket=ticket, pk__lt=MailThreadId.objects.get(message_id=bare).pk)
        .order_by("pk")
        .values_list("message_id", flat=True)
    )
    headers = {"Message-ID": f"<{bare}>"}
    if earlier:
        chain = earlier if len(earlier) <= REFERENCES_MAX else earlier[:1] + earlier[1 - REFERENCES_MAX :]
        headers["In-Reply-To"] = f"<{earlier[-1]}>"
        headers["References"] = " ".join(f"<{each}>" for each in chain)
    address = reply_address(ticket.reference)
    if address:
        headers["Reply-To"] = address
    return headers


def _subject(subject: str, ticket: Ticket) -> str:
    """One line, with the ticket's reference in brackets (what threads a reply by its subject)."""
    subject = " ".join(subject.split())
    if f"[{ticket.reference}]" not in subject:
        subject = f"[{ticket.reference}] {subject}"
    return subject[:SUBJECT_MAX_LENGTH]


def _permanent(exc: Exception) -> bool:
    """A 5xx answer will be the same next time; timeouts, refused connections and 4xx may not be."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def requester_notification_send(*, notification_id: int, now: datetime) -> str:
    """Send once. Returns the final status (or "skipped"); raises TransientMailError when a retry may help.

    The SMTP connection times out after EMAIL_TIMEOUT seconds (Django's SMTP backend reads it)."""
    notification = _claim(notification_id, now)
    if notification is None:
        return "skipped"
    if notification.recipient.lower() == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower():
        # A ticket opened for an incident of a customer with no contacts is in the desk's own name.
        _finish(notification, now, status=Status.FAILED, last_error="not sent: the desk's own address")
        return Status.FAILED
    if BouncingAddress.objects.filter(address=notification.recipient.lower()).exists():
        _finish(notification, now, status=Status.FAILED, last_error="not sent: the address bounces")
        return Status.FAILED
    try:
        subject, body = requester_mail().render(notification=notification, now=now)
    except Exception as exc:
        logger.exception("could not word requester notification %s", notification.pk)
        _finish(notification, now, status=Status.FAILED, last_error=f"could not word it: {exc}")
        return Status.FAILED
    headers = thread_headers(ticket=notification.ticket, message_id=_message_id(notification), now=now)
    language = requester_mail().language(notification=notification)  # pt-br, zh-hans
    headers["Content-Language"] = translation.to_locale(language).replace("_", "-")  # pt-BR, zh-Hans
    if notification.kind != RequesterNotification.Kind.REPLY:
        # RFC 3834: written by the desk, not a person; out-of-office responders do not answer it.
        headers |= {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    email = _RequesterEmail(
        _subject(subject, notification.ticket),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [notification.recipient],
        headers=headers,
    )
    try:
        email.send()
    except OSError as exc:  # smtplib's errors, timeouts and refused connections alike
        error = f"{type(exc).__name__}: {exc}"
        if _permanent(exc):
            _finish(notification, now, status=Status.FAILED, last_error=error)
            return Status.FAILED
        if notification.attempts >= MAX_ATTEMPTS:
            _finish(notification, now, status=Status.FAILED, last_error=f"gave up: {error}")
            return Status.FAILED
        _finish(notification, now, status=Status.QUEUED, last_error=error)
        raise TransientMailError(error) from exc
    _finish(notification, now, status=Status.SENT, sent_at=now, last_error="")
    return Status.SENT


def requester_notifications_requeue_stale(*, now: datetime) -> int:
    """Enqueue again what sat queued too long (a lost task) or was abandoned mid-send. Returns how many."""
    stale = list(
        RequesterNotification.objects.filter(
            Q(status=Status.QUEUED, updated_at__lte=now - STALE_QUEUED_AFTER)
            | Q(status=Status.SENDING, updated_at__lte=now - SENDING_LEASE)
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    RequesterNotification.objects.filter(pk__in=stale, status=Status.QUEUED).update(updated_at=now)
    enqueue.send_requester_notifications(stale)
    return len(stale)
