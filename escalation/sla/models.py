"""The SLA side: business calendars and holidays, targets, per-ticket clocks, and the SLA ledger."""

from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from timezone_field import TimeZoneField

from tickets.models import Plan, Severity

# Weekday numbers, 0 (Monday) to 6 (Sunday): the days a business calendar, or an engineer, works.
WORKDAYS_DEFAULT = [0, 1, 2, 3, 4]


def default_workdays() -> list[int]:
    return list(WORKDAYS_DEFAULT)


def validate_workdays(value) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError("Workdays are a list of weekday numbers, 0 (Monday) to 6 (Sunday).")
    if len(set(value)) != len(value):
        raise ValidationError("Each workday may appear once.")


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
        # The cycle does not count: the ticket was closed as spam. Names who voided it and why.
        VOIDED = "voided", "Voided"

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
    # Set on `voided` rows only; hashed when set (rows before these columns existed hash as they did).
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True, default="", db_default="")
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
