"""Email threading, inbound mail and the addresses that bounce (issue 17).

`MailThreadId`: every Message-ID of a ticket's mail, the ones we sent and the ones that arrived, so a
reply's In-Reply-To/References find the ticket with one indexed read. `InboundMail`: each message read
from the mailbox, once (unique on the mailbox's UID and on its Message-ID), with what became of it; a
quarantined one keeps its raw bytes until an engineer releases it. `BouncingAddress`: an address a
delivery-status report said fails; no more mail goes to it. `MailboxState`: the reader's health and
back-off, shown on `/healthz?detail=1`.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from .messages import Message
from .tickets import Ticket

MESSAGE_ID_MAX_LENGTH = 255


class MailThreadId(models.Model):
    message_id = models.CharField(max_length=MESSAGE_ID_MAX_LENGTH, unique=True)  # without < >
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    inbound = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["ticket", "id"], name="mail_thread_id_ticket")]

    def __str__(self) -> str:
        return f"<{self.message_id}> of {self.ticket_id}"


def quarantine_path(instance: "InboundMail", filename: str) -> str:
    return f"mail/quarantine/{secrets.token_hex(16)}.eml"


class InboundMail(models.Model):
    class Status(models.TextChoices):
        PROCESSED = "processed", "Filed or threaded"
        IGNORED = "ignored", "Ignored (automatic, bounce or our own)"
        QUARANTINED = "quarantined", "Quarantined"
        RELEASED = "released", "Released from quarantine"

    # The folder and its UIDVALIDITY ("INBOX:1733212345"): a UID means one message only within them.
    mailbox = models.CharField(max_length=200, blank=True)
    uid = models.CharField(max_length=20, blank=True)
    message_id = models.CharField(max_length=MESSAGE_ID_MAX_LENGTH, blank=True)
    sender = models.EmailField(max_length=254, blank=True)  # lower-cased
    subject = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=200, blank=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ticket_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The message as it arrived, kept while it is quarantined (and after release, for the record).
    raw = models.FileField(upload_to=quarantine_path, max_length=255, blank=True)
    received_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uid"], condition=~Q(uid=""), name="inbound_mail_uid_once"
            ),
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="inbound_mail_message_id_once"
            ),
        ]
        indexes = [
            models.Index(fields=["sender", "received_at"], name="inbound_mail_sender_at"),
            models.Index(
                fields=["received_at"], name="inbound_mail_quarantined", condition=Q(status="quarantined")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.uid} from {self.sender} ({self.status})"


class BouncingAddress(models.Model):
    """An address a delivery-status report (RFC 3464) said cannot be delivered to: nothing more is sent."""

    address = models.EmailField(max_length=254, unique=True)  # lower-cased
    since = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class MailboxState(models.Model):
    """The inbound reader's last outcome for one mailbox (`key`: host and folder, no password)."""

    key = models.CharField(max_length=300, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key
