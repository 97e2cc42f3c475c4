"""Paging: escalation policies and their steps, alarms, fired escalations, notifications, the pages that
group a storm's notifications to one person, and the Twilio webhooks already acted on."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest

from escalation.sla.models import Metric
from tickets.models import Severity


class Target(models.TextChoices):
    ASSIGNEE = "assignee", "Assignee"
    LEAD = "lead", "On-shift lead"
    ON_CALL = "on_call", "On-call engineer"
    MANAGERS = "managers", "Managers"


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    VOICE = "voice", "Voice call"
    EMAIL = "email", "Email"


def validate_notify(value) -> None:
    """`notify` is a list of {"target": ..., "channel": ...} pairs."""
    if not isinstance(value, list) or not value:
        raise ValidationError('List at least one recipient, e.g. [{"target": "assignee", "channel": "sms"}].')
    for item in value:
        if not isinstance(item, dict) or set(item) != {"target", "channel"}:
            raise ValidationError("Each recipient is an object with exactly `target` and `channel`.")
        if item["target"] not in Target.values:
            raise ValidationError(
                f"Unknown target {item['target']!r}; choose from {', '.join(Target.values)}."
            )
        if item["channel"] not in Channel.values:
            raise ValidationError(
                f"Unknown channel {item['channel']!r}; choose from {', '.join(Channel.values)}."
            )


class EscalationPolicy(models.Model):
    """What happens when a ticket of one severity misses (or nears) a deadline."""

    severity = models.CharField(max_length=20, choices=Severity.choices, unique=True)
    warning_at_fraction = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=0.8,
        validators=[MinValueValidator(0.05), MaxValueValidator(0.99)],
        help_text="Warn the assignee when this fraction of a target has elapsed (business time).",
    )

    class Meta:
        verbose_name_plural = "escalation policies"
        ordering = ["severity"]

    def __str__(self) -> str:
        return f"{self.severity} policy"


class PolicyStep(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    delay = models.DurationField(default=timedelta(0), help_text="After the missed deadline.")
    notify = models.JSONField(validators=[validate_notify])
    reassign = models.BooleanField(default=False, help_text="Move the ticket to another on-shift engineer.")

    class Meta:
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_step_number_once"),
            models.CheckConstraint(
                condition=Q(delay__gte=timedelta(0)), name="policy_step_delay_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.severity} step {self.number}"


class Alarm(models.Model):
    """A pending escalation step: the database is the schedule.

    Planned whenever a ticket's clocks change, in the same transaction; fired (and deleted) by the
    worker at `due_at`. The `Escalation` row it leaves behind is what makes firing exactly-once.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="alarms")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    cycle = models.PositiveSmallIntegerField(default=1)
    step = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    # When a precise ETA task was last handed to the broker for it; re-sent if it goes stale.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric", "cycle", "step"], name="alarm_once"),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="alarm_due"),
            # The tick's two hand-over queries, keyset-paginated (paging/services/alarms.py).
            models.Index(
                fields=["due_at", "id"], name="alarm_pending", condition=Q(enqueued_at__isnull=True)
            ),
            models.Index(
                Greatest("due_at", "enqueued_at"),
                F("id"),
                name="alarm_in_flight",
                condition=Q(enqueued_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"alarm {self.metric}/{self.cycle}/{self.step} of {self.ticket_id} at {self.due_at:%H:%M:%S}"


class Escalation(models.Model):
    """A fired step (0 = the warning). One row per (ticket, metric, cycle, step), never two."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="escalations")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    cycle = models.PositiveSmallIntegerField(default=1)
    step = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(help_text="When the step was meant to fire.")
    fired_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_via = models.CharField(max_length=20, blank=True)
    # A ticket of an open incident: the one escalation per incident step that pages (its tickets share
    # the incident's deadline; the rest are recorded, breached and on the ledger, but page nobody).
    paged_for_incident = models.ForeignKey(
        "escalation.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["fired_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "cycle", "step"], name="escalation_step_once"
            ),
            models.UniqueConstraint(
                fields=["paged_for_incident", "metric", "step"],
                condition=Q(paged_for_incident__isnull=False),
                name="escalation_incident_step_pages_once",
            ),
        ]
        indexes = [
            models.Index(fields=["fired_at"], name="escalation_fired"),
            models.Index(
                fields=["ticket", "fired_at"],
                name="escalation_unacked",
                condition=Q(acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} step {self.step} of {self.ticket_id}"

    @property
    def lateness(self) -> timedelta:
        return self.fired_at - self.due_at


class Notification(models.Model):
    """One message to one recipient on one channel: recorded before it is sent, then its outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        LOGGED = "logged", "Logged (no provider configured)"
        CANCELLED = "cancelled", "Cancelled (acknowledged)"
        GROUPED = "grouped", "Grouped (goes out with its page when the window closes)"

    class Purpose(models.TextChoices):
        WARNING = "warning", "SLA warning"
        ESCALATION = "escalation", "Escalation"
        ON_CALL_PAGE = "on_call_page", "On-call page"
        INCIDENT_PAGE = "incident_page", "Incident commander page"

    # Null for an incident's commander page (`incident`): an internal incident has no ticket.
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    incident = models.ForeignKey(
        "escalation.Incident", on_delete=models.CASCADE, null=True, blank=True, related_name="pages"
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="E.164 phone number or email address.")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # SMS and voice: the window it fell in. `grouped` when it went out in the page's one message at the
    # window's close rather than on its own (the first of a quiet period goes out at once, alone).
    page = models.ForeignKey(
        "Page", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    grouped = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "channel", "recipient"],
                name="notification_once_per_step",
                condition=Q(escalation__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["ticket", "purpose", "channel", "recipient"],
                name="on_call_page_once",
                condition=Q(purpose="on_call_page"),
            ),
            models.UniqueConstraint(
                fields=["incident", "channel", "recipient"],
                name="incident_page_once",
                condition=Q(purpose="incident_page"),
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(purpose="incident_page", incident__isnull=False),
                name="notification_has_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="notification_ticket"),
            models.Index(fields=["status", "updated_at"], name="notification_status"),
            # an `ACK` SMS looks up the latest page sent to its sender's number
            models.Index(fields=["recipient", "created_at"], name="notification_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient} ({self.status})"


class Page(models.Model):
    """One grouping window of one recipient on one channel (SMS or voice): at most one message a window.

    The first notification of a quiet period opens a window and goes out at once, alone, as it always did;
    those that arrive while the window is open are `grouped` onto it and go out as this page's one message
    when it closes ("12 more tickets breached: ..."), listing them all at `/pages/<id>/`. A window that
    closes with a message sent chains the next one (opening at its close), so a storm gets one message a
    window, not one a ticket. Windows of a (recipient, channel) are numbered: two workers opening one at
    the same time collide on `page_window_once` and the loser joins the winner's window.
    """

    class Status(models.TextChoices):
        COLLECTING = "collecting", "Collecting (window open)"
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        LOGGED = "logged", "Logged (no provider configured)"
        CANCELLED = "cancelled", "Cancelled (all acknowledged before it went out)"
        ALONE = "alone", "Nothing grouped (its first notification went out alone)"

    recipient = models.CharField(max_length=254, help_text="E.164 phone number.")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sequence = models.PositiveIntegerField(help_text="The window's number for this recipient and channel.")
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COLLECTING)
    body = models.TextField(blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "channel", "sequence"], name="page_window_once"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opened_at")), name="page_window_not_empty"),
        ]
        indexes = [
            models.Index(fields=["opened_at"], name="page_opened"),
            models.Index(fields=["status", "closes_at"], name="page_status"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} page {self.sequence} to {self.recipient} ({self.status})"


class TwilioWebhookReceipt(models.Model):
    """A Twilio webhook request already acted on: a retry or a replay of it is answered and does nothing.

    Keyed by what Twilio sends (`MessageSid` / `CallSid`) and, where one SID legitimately calls more than
    once, what tells the calls apart: the status for delivery callbacks, the gathered page for keypresses.
    """

    class Kind(models.TextChoices):
        STATUS = "status", "Delivery status callback"
        SMS = "sms", "Inbound SMS"
        GATHER = "gather", "Voice keypress"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    sid = models.CharField(max_length=34)
    detail = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField()
    response = models.TextField(
        blank=True, help_text="What the first request was answered; replays get it too."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "sid", "detail"], name="twilio_webhook_once"),
        ]
        indexes = [models.Index(fields=["received_at"], name="twilio_webhook_received")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sid} {self.detail}".strip()


class Heartbeat(models.Model):
    """When a periodic task last ran (`alarm-tick`: the beat's alarm tick, every ALARM_TICK_SECONDS), so
    `/healthz?detail=1` can tell a stalled scheduler from a quiet one. One row per name, overwritten."""

    ALARM_TICK = "alarm-tick"

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
