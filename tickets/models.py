"""Tickets, the people who file them and everything that happens to them."""

import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from timezone_field import TimeZoneField

from . import clock_rules

REFERENCE_PREFIX = "SD-"
REFERENCE_OFFSET = 1000  # the first ticket is SD-1001
REFERENCE_MAX_DIGITS = 18  # a longer number is no reference (and would not fit a bigint)
# A reference inside free text, such as the SMS "ACK sd-1042": not a part of a longer word or number.
REFERENCE_IN_TEXT = re.compile(
    rf"(?<!\w){re.escape(REFERENCE_PREFIX)}\d{{1,{REFERENCE_MAX_DIGITS}}}(?!\w)", re.IGNORECASE
)
SUBJECT_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 100_000
ACCESS_TOKEN_BYTES = 32


class Plan(models.TextChoices):
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"


class Severity(models.TextChoices):
    GENERAL = "general", "General"
    URGENT = "urgent", "Urgent"
    MAJOR = "major", "Major"


# Severities from least to most severe, as a sortable number: an API `ordering=severity` sorts by this
# (alphabetical order would put `major` between `general` and `urgent`), backed by an index on it.
SEVERITY_RANK = Case(
    When(severity=Severity.GENERAL, then=Value(1)),
    When(severity=Severity.URGENT, then=Value(2)),
    When(severity=Severity.MAJOR, then=Value(3)),
    output_field=models.PositiveSmallIntegerField(),
)


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Customer(models.Model):
    name = models.CharField(max_length=200, unique=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.STANDARD)
    timezone = TimeZoneField(default="UTC", use_pytz=False)
    # What the customer pays a month: service credits for broken promises are a share of it.
    # Database defaults too: rows written outside the ORM (bulk loads, the benchmarks) get them.
    monthly_fee = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        db_default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        max_length=3,
        default="USD",
        db_default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as USD, EUR or JPY.")],
        help_text="ISO 4217 code of the monthly fee, e.g. USD.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="customer_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class CreditRule(models.Model):
    """The service credits a customer on `plan` is owed for a calendar month (UTC) of broken promises.

    A percentage of the monthly fee per breached first response of a major ticket, another per other
    breached metric cycle (first response or resolution), at most `cap_percent` in all.
    """

    plan = models.CharField(max_length=20, choices=Plan.choices, unique=True)
    major_first_response_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(5), validators=PERCENT_VALIDATORS
    )
    other_breach_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(2), validators=PERCENT_VALIDATORS
    )
    cap_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(30), validators=PERCENT_VALIDATORS
    )

    class Meta:
        ordering = ["plan"]
        constraints = [
            models.CheckConstraint(
                condition=Q(major_first_response_percent__gte=0, major_first_response_percent__lte=100)
                & Q(other_breach_percent__gte=0, other_breach_percent__lte=100)
                & Q(cap_percent__gte=0, cap_percent__lte=100),
                name="credit_rule_percentages",
            ),
        ]

    def __str__(self) -> str:
        return f"credit rule ({self.plan})"


class CustomerDomain(models.Model):
    """An email domain that belongs to a customer: requesters at this domain file under its plan."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=Q(domain=models.functions.Lower("domain")), name="domain_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class Requester(models.Model):
    email = models.EmailField(max_length=254, unique=True)  # stored lower-cased
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[-1]


def new_access_token() -> str:
    return secrets.token_urlsafe(ACCESS_TOKEN_BYTES)


# What new_access_token produces (URL-safe base64: 43 characters today), within the column's length.
ACCESS_TOKEN_PATTERN = r"[A-Za-z0-9_-]{20,64}"  # noqa: S105 (a pattern, not a secret)
_ACCESS_TOKEN = re.compile(ACCESS_TOKEN_PATTERN)


def access_token_well_formed(token: str) -> bool:
    """Whether `token` could be a private link's key; anything else (NUL, other characters, another
    length) names no ticket and must not reach the database, which refuses NUL in text."""
    return isinstance(token, str) and _ACCESS_TOKEN.fullmatch(token) is not None


class Ticket(models.Model):
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW)
    # The plan in force when the ticket was filed; a later change of the customer's plan does not
    # rewrite promises already made.
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.STANDARD)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    requester = models.ForeignKey(Requester, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    access_token = models.CharField(max_length=64, unique=True, default=new_access_token, editable=False)
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    # The zone the customer's promises are shown in (their configured zone, or the browser's).
    requester_timezone = TimeZoneField(default="UTC", use_pytz=False)

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    assigned_at = models.DateTimeField(null=True, blank=True)
    # A deliberate assignment by a person holds until then: no automatic handoff before it (the end of
    # the engineer's shift, or of their next shift when they were assigned off shift). Null: routing's
    # own choice, handed off when the engineer's shift ends.
    assignment_pinned_until = models.DateTimeField(null=True, blank=True)

    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The resolution clock restarts when a customer reopens a resolved ticket.
    resolution_cycle = models.PositiveSmallIntegerField(default=1)
    resolution_started_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # The earliest due time among the clocks still running (derived in save(); indexed for the queue).
    next_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the ledger records any metric of this ticket as breached; see `Ticket.breached_at`.
    sla_breached = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "severity"], name="ticket_status_severity"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["customer", "created_at"], name="ticket_customer_created"),
            models.Index(fields=["created_at"], name="ticket_created"),
            models.Index(fields=["next_due_at"], name="ticket_next_due"),
            models.Index(fields=["severity", "next_due_at"], name="ticket_severity_next_due"),
            models.Index(fields=["assignee", "next_due_at"], name="ticket_assignee_next_due"),
            models.Index(SEVERITY_RANK, F("next_due_at"), name="ticket_severity_rank_due"),
            models.Index(fields=["sla_breached"], name="ticket_breached", condition=Q(sla_breached=True)),
            # The database is the schedule: the worker asks for what is due next among unanswered
            # and unresolved tickets.
            models.Index(
                fields=["first_response_due_at"],
                name="ticket_fr_due_open",
                condition=clock_rules.q_metric_counting(clock_rules.FIRST_RESPONSE),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="ticket_res_due_open",
                condition=clock_rules.q_metric_counting(clock_rules.RESOLUTION),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def save(self, *args, **kwargs):
        self.next_due_at = min(self.running_due_times(), default=None)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "next_due_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "next_due_at"]
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.pk + REFERENCE_OFFSET}" if self.pk else ""

    @staticmethod
    def pk_from_reference(reference: str) -> int | None:
        """The primary key a reference such as `SD-1042` names, or None when it names none."""
        text = reference.strip().upper()
        if not text.startswith(REFERENCE_PREFIX):
            return None
        number = text[len(REFERENCE_PREFIX) :]
        if not (number.isascii() and number.isdigit()) or len(number) > REFERENCE_MAX_DIGITS:  # not "²"
            return None
        pk = int(number) - REFERENCE_OFFSET
        return pk if pk > 0 else None

    def running_due_times(self) -> list:
        """Due times of the clocks still running: an unanswered first response, an unpaused resolution."""
        return clock_rules.running_due_times(self)

    def is_breached(self, now) -> bool:
        """True when any metric is breached: recorded in the ledger, or a running clock is past due."""
        return clock_rules.ticket_breached(self, now)

    @staticmethod
    def breached_q(now) -> Q:
        return clock_rules.q_ticket_breached(now)


class TicketTally(models.Model):
    """How many tickets have each status, severity and assignee, so a queue can say how long it is
    without counting a million rows.

    PostgreSQL triggers on the ticket table write these rows (migration 0006): +1 for each ticket
    filed, -1 and +1 when one moves between keys, -1 when one is deleted. Rows are never updated in
    place, so concurrent transactions never wait on a shared counter; `ticket_tallies_fold` (on beat)
    sums them into one row a key. A count is the sum of `delta` over the matching rows
    (`tickets.selectors.ticket_count`), exact in every transaction's snapshot.
    """

    status = models.CharField(max_length=30, choices=Status.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    # Not a foreign key: the trigger copies whatever the ticket holds, and deleting a user moves
    # their tickets first (PROTECT), which the trigger records.
    assignee_id = models.IntegerField(null=True)
    delta = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["assignee_id", "status"], name="tally_assignee_status")]

    def __str__(self) -> str:
        return f"{self.status}/{self.severity}/{self.assignee_id}: {self.delta:+d}"


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
    """One email to a ticket's requester about one event of its life, whatever channel caused it.

    Written by the service in the transaction that writes the event, so it exists exactly when the event
    does; the worker sends it after commit (record the attempt, send, record the outcome). The unique
    constraint makes a second record of the same news impossible.
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", "Ticket received"
        REPLY = "reply", "Engineer's reply"
        STATUS = "status", "Status changed"

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
            models.UniqueConstraint(fields=["event", "kind"], name="requester_notification_once"),
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
