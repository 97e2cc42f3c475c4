"""What happens on a ticket: messages, attachments, the timeline of events, and its requester's emails."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from .tickets import DESCRIPTION_MAX_LENGTH, Ticket


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    # Null author: the requester wrote it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(internal=False) | Q(author__isnull=False), name="internal_note_has_author"
            ),
        ]

    def __str__(self) -> str:
        return f"{'note' if self.internal else 'message'} on {self.ticket_id}"

    @property
    def from_requester(self) -> bool:
        return self.author_id is None


class EventType(models.TextChoices):
    CREATED = "created", "Created"
    ASSIGNED = "assigned", "Assigned"
    HANDED_OFF = "handed_off", "Handed off"
    REPLIED = "replied", "Replied"
    NOTE = "note", "Internal note"
    CUSTOMER_REPLIED = "customer_replied", "Customer replied"
    STATUS_CHANGED = "status_changed", "Status changed"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    REOPENED = "reopened", "Reopened"
    FOLLOW_UP = "follow_up", "Follow-up opened"
    WARNED = "warned", "SLA warning"
    BREACHED = "breached", "SLA breached"
    ESCALATED = "escalated", "Escalated"
    ACKNOWLEDGED = "acknowledged", "Page acknowledged"
    INCIDENT_LINKED = "incident_linked", "Linked to an incident"
    INCIDENT_UNLINKED = "incident_unlinked", "Unlinked from an incident"
    INCIDENT_NOTICE = "incident_notice", "Incident notice to the customer's contacts"
    REQUESTER_CONFIRMED = "requester_confirmed", "Requester confirmed"
    RATED = "rated", "Rated by the customer"
    CLOSED_AS_SPAM = "closed_as_spam", "Closed as spam"
    CLOSED_AS_DUPLICATE = "closed_as_duplicate", "Closed as a duplicate"
    DUPLICATE_MERGED = "duplicate_merged", "A duplicate's messages copied here"
    SENDER_BLOCKED = "sender_blocked", "Sender blocked"
    SENDER_UNBLOCKED = "sender_unblocked", "Sender unblocked"
    MAIL_IGNORED = "mail_ignored", "Automatic email ignored"
    ADDRESS_BOUNCING = "address_bouncing", "Requester's address bounces"


class Event(models.Model):
    """One entry of a ticket's timeline. Append-only in practice: the timeline is history."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=EventType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="event_ticket_at"),
            models.Index(fields=["type", "at"], name="event_type_at"),
        ]

    def __str__(self) -> str:
        return f"{self.type} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M:%S}"


ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_CONTENT_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/json": ".json",
    "application/zip": ".zip",
}


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name: the customer's file name is kept in `name`, never used as a path.
    return f"attachments/{instance.message.ticket_id}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """A file a customer or engineer attached to a message; served only to those who may read the ticket."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class RequesterNotification(models.Model):
    """One email to a ticket's requester about one event of its life, whatever channel caused it; or, for
    a ticket opened for an incident, to each of its customer's incident contacts (`incident_notice`,
    `incident_update`: the recipient is the contact).

    Written by the service in the transaction that writes the event, so it exists exactly when the event
    does; the worker sends it after commit (record the attempt, send, record the outcome). The unique
    constraint makes a second record of the same news impossible.
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", "Ticket received"
        REPLY = "reply", "Engineer's reply"
        STATUS = "status", "Status changed"
        INCIDENT_NOTICE = "incident_notice", "Incident detected (to a customer contact)"
        INCIDENT_UPDATE = "incident_update", "Incident update (to a customer contact)"
        CONFIRM_ADDRESS = "confirm_address", "Confirm your address (at most one an hour per address)"
        DUPLICATE = "duplicate", "Closed as a duplicate: where to follow it"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="requester_notifications")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.EmailField(max_length=254)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # Per recipient: an incident's notice goes to each of the customer's contacts.
            models.UniqueConstraint(
                fields=["event", "kind", "recipient"], name="requester_notification_once_each"
            ),
        ]
        indexes = [
            models.Index(
                fields=["updated_at"],
                name="requester_notification_unsent",
                condition=Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"


class BlockedSender(models.Model):
    """An address whose tickets are closed as spam when they arrive (`tickets.services.closing`).

    The sender is not told: the form and the API answer as for anyone else."""

    address = models.EmailField(max_length=254, unique=True)  # lower-cased, as `normalize_email` does
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    blocked_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-blocked_at"]

    def __str__(self) -> str:
        return self.address
