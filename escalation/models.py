"""Engineers and their shifts, SLA targets and calendars, per-ticket clocks, and the SLA ledger."""

from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from phonenumber_field.modelfields import PhoneNumberField
from timezone_field import TimeZoneField

from tickets.models import Plan, Severity

WORKDAYS_DEFAULT = [0, 1, 2, 3, 4]


def default_workdays() -> list[int]:
    return list(WORKDAYS_DEFAULT)


def validate_workdays(value) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError("Workdays are a list of weekday numbers, 0 (Monday) to 6 (Sunday).")
    if len(set(value)) != len(value):
        raise ValidationError("Each workday may appear once.")


class Region(models.TextChoices):
    APAC = "apac", "Asia-Pacific"
    EMEA = "emea", "Europe, Middle East and Africa"
    AMERICAS = "americas", "Americas"


class EngineerQuerySet(models.QuerySet):
    """Who counts as an engineer at work, defined once for routing, paging, coverage and the pages."""

    def active(self) -> "EngineerQuerySet":
        """In the rotation, with a login that may sign in."""
        return self.filter(active=True, user__is_active=True)

    def assignable(self) -> "EngineerQuerySet":
        """Active, with a staff login: tickets may be given to them."""
        return self.active().filter(user__is_staff=True)


class Engineer(models.Model):
    """A support engineer: a staff user with a timezone and a local working window."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engineer")
    timezone = TimeZoneField(default="UTC", use_pytz=False)
    shift_start = models.TimeField(default=time(9))
    shift_end = models.TimeField(
        default=time(18), help_text="Earlier than the start: the shift crosses midnight."
    )
    workdays = models.JSONField(
        default=default_workdays,
        validators=[validate_workdays],
        help_text="Weekdays on which a shift starts, 0=Monday .. 6=Sunday.",
    )
    phone = PhoneNumberField(blank=True, help_text="E.164, e.g. +81312345678")
    region = models.CharField(max_length=20, choices=Region.choices)
    lead = models.BooleanField(default=False, help_text="Shift lead: receives step-2 escalations.")
    on_call = models.BooleanField(default=False)
    capacity = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    active = models.BooleanField(default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    objects = EngineerQuerySet.as_manager()

    class Meta:
        ordering = ["user__username"]
        indexes = [models.Index(fields=["active", "region"], name="engineer_active_region")]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class BusinessCalendar(models.Model):
    """When an SLA clock runs: around the clock, or weekly hours minus holidays.

    Business hours are read in the customer's timezone unless the calendar names its own.
    """

    class Kind(models.TextChoices):
        ALWAYS = "24x7", "Around the clock"
        BUSINESS = "business", "Business hours"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    opens = models.TimeField(default=time(9))
    closes = models.TimeField(
        default=time(18), help_text="Earlier than opening: the window crosses midnight."
    )
    workdays = models.JSONField(default=default_workdays, validators=[validate_workdays])
    timezone = TimeZoneField(
        null=True, blank=True, use_pytz=False, help_text="Empty: the customer's timezone."
    )
    holiday_country = models.CharField(
        max_length=2, blank=True, help_text="ISO country code whose public holidays close the calendar."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.BUSINESS and not self.workdays:
            raise ValidationError({"workdays": "A business-hours calendar needs at least one workday."})
        if self.holiday_country:
            import holidays

            if self.holiday_country.upper() not in holidays.list_supported_countries():
                raise ValidationError(
                    {"holiday_country": f"No public holidays known for {self.holiday_country!r}."}
                )
            self.holiday_country = self.holiday_country.upper()


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaTarget(models.Model):
    plan = models.CharField(max_length=20, choices=Plan.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    first_response = models.DurationField()
    resolution = models.DurationField()
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="targets")

    class Meta:
        ordering = ["plan", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "severity"], name="sla_target_per_plan_severity"),
            models.CheckConstraint(
                condition=Q(first_response__gt=timedelta(0)) & Q(resolution__gt=timedelta(0)),
                name="sla_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}/{self.severity}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    RESOLUTION = "resolution", "Resolution"


class TicketClock(models.Model):
    """The promise made to one ticket: targets and calendar copied when it was filed.

    Later edits of the SLA targets apply to tickets filed afterwards; a severity change copies the
    new severity's targets here.
    """

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="clock")
    first_response_target = models.DurationField()
    resolution_target = models.DurationField()
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    timezone = TimeZoneField(use_pytz=False)
    # Business time spent waiting on the customer in the current resolution cycle.
    paused = models.DurationField(default=timedelta(0))

    def __str__(self) -> str:
        return f"clock of {self.ticket_id}"


class LedgerImmutable(Exception):
    """Ledger rows are never updated or deleted."""


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutable("SLA ledger rows are never updated")

    def delete(self):
        raise LedgerImmutable("SLA ledger rows are never deleted")

    _raw_delete = delete


class LedgerEntry(models.Model):
    """One immutable line of the SLA ledger, hash-chained to the line before it.

    `completed` rows close a metric cycle (first response, or one resolution cycle) with what was
    promised and what happened; a `breach` row is written the moment a deadline passes unmet, so
    open, overdue tickets show in reports before they complete.
    """

    class Kind(models.TextChoices):
        COMPLETED = "completed", "Completed"
        BREACH = "breach", "Breach"

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="ledger_entries")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    cycle = models.PositiveSmallIntegerField(default=1)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    plan = models.CharField(max_length=20, choices=Plan.choices)
    customer = models.ForeignKey(
        "tickets.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target = models.DurationField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    achieved_at = models.DateTimeField(null=True, blank=True)
    elapsed = models.DurationField(
        help_text="Business time from start to achievement (or to now, for a breach)."
    )
    paused = models.DurationField(
        default=timedelta(0), help_text="Business time spent waiting on the customer."
    )
    met = models.BooleanField()
    overshoot = models.DurationField(default=timedelta(0), help_text="Business time past the target.")
    escalation_level = models.PositiveSmallIntegerField(default=0)
    recorded_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric", "cycle", "kind"], name="ledger_entry_once"),
        ]
        indexes = [
            models.Index(fields=["recorded_at"], name="ledger_recorded"),
            models.Index(fields=["due_at"], name="ledger_due"),
            models.Index(fields=["metric", "due_at"], name="ledger_metric_due"),
            models.Index(fields=["severity", "due_at"], name="ledger_severity_due"),
            models.Index(fields=["customer", "due_at"], name="ledger_customer_due"),
            models.Index(fields=["engineer", "due_at"], name="ledger_engineer_due"),
            models.Index(fields=["due_at"], name="ledger_breached_due", condition=Q(met=False)),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.metric} of {self.ticket_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutable("SLA ledger rows are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutable("SLA ledger rows are never deleted")


class LedgerHead(models.Model):
    """The end of the chain: one row, locked while a ledger row is appended so appends serialize."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="ledger_head_singleton")]

    def __str__(self) -> str:
        return f"ledger head #{self.seq}"


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
        indexes = [models.Index(fields=["due_at"], name="alarm_due")]

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

    class Meta:
        ordering = ["fired_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "cycle", "step"], name="escalation_step_once"
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

    class Purpose(models.TextChoices):
        WARNING = "warning", "SLA warning"
        ESCALATION = "escalation", "Escalation"
        ON_CALL_PAGE = "on_call_page", "On-call page"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="notifications")
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
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="notification_ticket"),
            models.Index(fields=["status", "updated_at"], name="notification_status"),
            # an `ACK` SMS looks up the latest page sent to its sender's number
            models.Index(fields=["recipient", "created_at"], name="notification_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient} ({self.status})"


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
