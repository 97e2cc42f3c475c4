"""One page per engineer per storm: placing each SMS or call in its recipient's grouping window, and
sending a window's one message when it closes.

The rules (which window, what it says) are the pure `escalation/paging/grouping.py`. Here the rows:
a `Page` per window, unique per (recipient, channel, sequence) (`page_window_once`): two workers opening a
window at once collide there and the loser joins the winner's. A notification joins a window under the
page's row lock, and the window's sender claims the page under the same lock, so nothing joins a page whose
message has been composed. Sending is record, send, record, as for notifications: the page's status is
claimed (`collecting` -> `sending`) before Twilio is called, and a second delivery of the task finds it
claimed and does nothing.
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from escalation import enqueue
from escalation.paging import grouping
from escalation.paging.channels import (
    NotConfigured,
    PermanentSendError,
    SenderBusy,
    TransientSendError,
    sms,
    voice,
)
from escalation.paging.models import Channel, Notification, Page
from escalation.paging.schedule import WARNING_STEP
from escalation.sla.models import Metric

logger = logging.getLogger(__name__)

GROUPED_CHANNELS = (Channel.SMS, Channel.VOICE)
MAX_ATTEMPTS = 6
PLACE_ATTEMPTS = 5
STALE_AFTER = timedelta(minutes=2)

# A page's message is out (or was tried): the next window chains from its close.
MESSAGE_STATUSES = (
    Page.Status.QUEUED,
    Page.Status.SENDING,
    Page.Status.SENT,
    Page.Status.DELIVERED,
    Page.Status.UNDELIVERED,
    Page.Status.FAILED,
    Page.Status.LOGGED,
)
PAGE_SENDABLE = (Page.Status.QUEUED, Page.Status.SENDING)


def window_length() -> timedelta:
    return timedelta(seconds=settings.PAGE_GROUP_WINDOW_SECONDS)


def grouping_on() -> bool:
    """PAGE_GROUP_WINDOW_SECONDS = 0 turns grouping off: every SMS and call goes out on its own."""
    return settings.PAGE_GROUP_WINDOW_SECONDS > 0


# --- placing a notification (inside the caller's transaction, with the notification locked) ---------


def _last_window(page: Page | None, now: datetime) -> grouping.LastWindow | None:
    if page is None:
        return None
    collecting = page.status == Page.Status.COLLECTING
    sends = page.status in MESSAGE_STATUSES
    if collecting and now >= page.closes_at:  # closed by the clock; its sender has not run yet
        waiting = Notification.objects.filter(page=page, grouped=True, status=Notification.Status.GROUPED)
        sends = waiting.exists()
    return grouping.LastWindow(
        sequence=page.sequence,
        opened_at=page.opened_at,
        closes_at=page.closes_at,
        collecting=collecting,
        sends_message=sends,
    )


def _open(
    recipient: str, channel: str, user_id: int | None, window: grouping.Window, now: datetime
) -> Page | None:
    """Open `window` for the recipient, its closing message enqueued after commit; None when another
    transaction opened it first (`page_window_once`)."""
    try:
        with transaction.atomic():
            page = Page.objects.create(
                recipient=recipient,
                recipient_user_id=user_id,
                channel=channel,
                sequence=window.sequence,
                opened_at=window.opened_at,
                closes_at=window.closes_at,
                updated_at=now,
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: enqueue.send_page(page.pk, page.closes_at))
    return page


def page_place_locked(*, notification: Notification, now: datetime) -> bool:
    """Put a locked SMS or voice notification in its recipient's window; True when it goes out at once
    (it opened a quiet window), False when it is grouped and goes out with the page when the window closes.

    Call inside a transaction. A window opened here gets its closing task enqueued after commit.
    """
    for _ in range(PLACE_ATTEMPTS):
        last = (
            Page.objects.select_for_update()
            .filter(recipient=notification.recipient, channel=notification.channel)
            .order_by("-sequence")
            .first()
        )
        window = grouping.place(_last_window(last, now), now=now, length=window_length())
        if window.placement == grouping.Placement.JOIN:
            page = last
        else:
            page = _open(
                notification.recipient, notification.channel, notification.recipient_user_id, window, now
            )
            if page is None:
                continue  # another worker opened this window a moment ago: read again and join it
        alone = window.placement == grouping.Placement.OPEN_ALONE
        notification.page = page
        notification.grouped = not alone
        return alone
    raise TransientSendError("could not place the notification in a window (contention); will retry")


def pages_place_many(*, notifications: list[Notification], now: datetime) -> None:
    """Place the queued SMS and calls of a firing batch in their recipients' windows before they are
    inserted: one page lock per (recipient, channel), not one task and one lock per notification.

    A storm's batch to one engineer becomes at most one message at once (the first of a quiet period,
    `grouped=False`, still queued to send) and the rest `grouped` onto the window, which sends its one
    message when it closes (enqueued after commit). Each notification gets the window it would get placed
    alone, one after the other. Recipients are locked in sorted order, so two batches never deadlock on
    pages; a window another transaction opens first leaves that recipient's notifications unplaced, and
    `send_notification` places them itself, as it does every notification created outside a batch.
    """
    if not grouping_on():
        return
    by_recipient: dict[tuple[str, str], list[Notification]] = defaultdict(list)
    for notification in notifications:
        if notification.channel in GROUPED_CHANNELS and notification.status == Notification.Status.QUEUED:
            by_recipient[(notification.recipient, notification.channel)].append(notification)
    for (recipient, channel), members in sorted(by_recipient.items()):
        last_page = (
            Page.objects.select_for_update()
            .filter(recipient=recipient, channel=channel)
            .order_by("-sequence")
            .first()
        )
        last = _last_window(last_page, now)
        for notification in members:
            window = grouping.place(last, now=now, length=window_length())
            if window.placement == grouping.Placement.JOIN:
                page = last_page
            else:
                page = _open(recipient, channel, notification.recipient_user_id, window, now)
                if page is None:
                    break  # opened by another transaction a moment ago: the send task places the rest
            alone = window.placement == grouping.Placement.OPEN_ALONE
            notification.page = page
            notification.grouped = not alone
            if not alone:
                notification.status = Notification.Status.GROUPED
            last_page = page
            last = grouping.LastWindow(
                sequence=page.sequence,
                opened_at=page.opened_at,
                closes_at=page.closes_at,
                collecting=True,
                sends_message=not alone,
            )


# --- what the page says ---------------------------------------------------------------------------


def _deadline(notification: Notification) -> datetime:
    ticket, escalation = notification.ticket, notification.escalation
    if escalation is not None:
        first = escalation.metric == Metric.FIRST_RESPONSE
        return (ticket.first_response_due_at if first else ticket.resolution_due_at) or escalation.due_at
    dues = [d for d in (ticket.first_response_due_at, ticket.resolution_due_at) if d is not None]
    return min(dues) if dues else notification.created_at


def paged_ticket(notification: Notification) -> grouping.PagedTicket:
    ticket = notification.ticket
    escalation = notification.escalation
    return grouping.PagedTicket(
        reference=ticket.reference,
        customer=ticket.customer.name if ticket.customer_id else "",
        severity=ticket.severity,
        deadline=_deadline(notification),
        breached=escalation is not None and escalation.step != WARNING_STEP,
    )


def page_link(page: Page) -> str:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{reverse('web:page', args=[page.pk])}" if base else ""


def _members(page: Page) -> list[Notification]:
    return list(
        Notification.objects.filter(page=page)
        .select_related("ticket__customer", "escalation")
        .order_by("created_at", "pk")
    )


def _compose(page: Page, members: list[Notification], now: datetime) -> str:
    grouped = [n for n in members if n.grouped and n.status == Notification.Status.GROUPED]
    return grouping.group_summary(
        grouped=[paged_ticket(n) for n in grouped],
        total=len({n.ticket_id for n in members}),
        channel=page.channel,
        now=now,
        link=page_link(page),
        acknowledgeable=any(n.escalation is not None and n.escalation.step != WARNING_STEP for n in members),
    )


# --- sending a window's message when it closes (the worker) -----------------------------------------


def _finish(
    page: Page, now: datetime, *, status: str, notification_status: str | None = None, **fields
) -> None:
    Page.objects.filter(pk=page.pk).update(status=status, updated_at=now, **fields)
    if notification_status is not None:
        extra = {k: v for k, v in fields.items() if k in ("provider_id", "last_error")}
        Notification.objects.filter(page=page, grouped=True, status=Notification.Status.GROUPED).update(
            status=notification_status, updated_at=now, **extra
        )


def _claim(page_id: int, now: datetime) -> tuple[Page, int | None] | str:
    """Lock the page and decide: send (the page and the id a keypress acknowledges), or why not."""
    with transaction.atomic():
        page = Page.objects.select_for_update().filter(pk=page_id).first()
        if page is None or page.status not in (Page.Status.COLLECTING, *PAGE_SENDABLE):
            return "skipped"  # sent, closed alone, cancelled, or failed for good
        if page.status == Page.Status.COLLECTING and now < page.closes_at:
            transaction.on_commit(lambda: enqueue.send_page(page.pk, page.closes_at))
            return "early"
        members = _members(page)
        waiting = [n for n in members if n.grouped and n.status == Notification.Status.GROUPED]
        if not waiting:
            acknowledged = any(n.grouped for n in members)
            page.status = Page.Status.CANCELLED if acknowledged else Page.Status.ALONE
            page.updated_at = now
            page.save(update_fields=["status", "updated_at"])
            return page.status
        if page.status == Page.Status.COLLECTING:
            page.body = _compose(page, members, now)
        page.status = Page.Status.SENDING
        page.attempts += 1
        page.updated_at = now
        page.save(update_fields=["body", "status", "attempts", "updated_at"])
        return page, waiting[0].pk


def page_send(*, page_id: int, now: datetime) -> str:
    """Send a closed window's one message, once. Returns what happened; raises TransientSendError (or
    RateLimited, with how long to wait) when a retry may succeed; after MAX_ATTEMPTS tries that reached
    Twilio, the page and its grouped notifications are `failed`."""
    claimed = _claim(page_id, now)
    if isinstance(claimed, str):
        return claimed
    page, ack_notification_id = claimed
    try:
        if page.channel == Channel.VOICE:
            provider_id = voice.send(page, ack_notification_id=ack_notification_id)
        else:
            provider_id = sms.send(page)
    except NotConfigured as exc:
        logger.info("page %s not sent (%s)", page.pk, exc)
        _finish(page, now, status=Page.Status.LOGGED, notification_status=Notification.Status.LOGGED,
                last_error=str(exc))  # fmt: skip
        return Page.Status.LOGGED
    except PermanentSendError as exc:
        _finish(page, now, status=Page.Status.FAILED, notification_status=Notification.Status.FAILED,
                last_error=str(exc))  # fmt: skip
        return Page.Status.FAILED
    except TransientSendError as exc:
        if isinstance(exc, SenderBusy):  # nothing reached Twilio: not an attempt
            Page.objects.filter(pk=page.pk).update(attempts=page.attempts - 1)
        elif page.attempts >= MAX_ATTEMPTS:
            _finish(page, now, status=Page.Status.FAILED, notification_status=Notification.Status.FAILED,
                    last_error=f"gave up: {exc}")  # fmt: skip
            return Page.Status.FAILED
        _finish(page, now, status=Page.Status.QUEUED, last_error=str(exc))
        exc.attempts = page.attempts
        raise
    _finish(page, now, status=Page.Status.SENT, notification_status=Notification.Status.SENT,
            provider_id=provider_id, sent_at=now, last_error="")  # fmt: skip
    return Page.Status.SENT


def pages_requeue_stale(*, now: datetime) -> int:
    """Re-send the closing task of windows whose task was lost (a broker that was away). How many."""
    lost_close = Q(status=Page.Status.COLLECTING, closes_at__lte=now - STALE_AFTER)
    lost_retry = Q(status__in=PAGE_SENDABLE, updated_at__lte=now - STALE_AFTER)
    stale = list(
        Page.objects.filter(lost_close | lost_retry).order_by("pk").values_list("pk", flat=True)[:500]
    )
    Page.objects.filter(pk__in=stale).update(updated_at=now)
    for page_id in stale:
        enqueue.send_page(page_id, now)
    return len(stale)
