"""Tickets: their references, severities, statuses, private links, and the tallies that count them."""

import re
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from .. import clock_rules
from .customers import Customer, Plan, Requester

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


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    URGENT = "urgent", _("Urgent")
    MAJOR = "major", _("Major")


# Severities from least to most severe, as a sortable number: an API `ordering=severity` sorts by this
# (alphabetical order would put `major` between `general` and `urgent`), backed by an index on it.
SEVERITY_RANK = Case(
    When(severity=Severity.GENERAL, then=Value(1)),
    When(severity=Severity.URGENT, then=Value(2)),
    When(severity=Severity.MAJOR, then=Value(3)),
    output_field=models.PositiveSmallIntegerField(),
)


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class CloseReason(models.TextChoices):
    """Why a ticket was closed without being resolved (empty: closed the ordinary way)."""

    SPAM = "spam", "Spam"
    DUPLICATE = "duplicate", "Duplicate"


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
    # Whether the desk knows who filed it: an authorized contact, a confirmed address, or filed by an
    # engineer or an incident. Until then a customer's domain earns only the standard plan, and no step
    # pages anyone by voice (`tickets.services.trust`).
    requester_trusted = models.BooleanField(default=False, db_default=False)
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
    # The language the customer's page spoke when the ticket was filed (their browser's Accept-Language,
    # or their choice): the last fallback for the requester's emails (tickets.languages). Blank: unknown
    # (filed by the API or an engineer without one).
    # db_default too: bulk SQL (benchmarks, imports) that names no language still inserts.
    language = models.CharField(max_length=10, blank=True, default="", db_default="")

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
    # Closed without a reply (`tickets.services.closing`): spam, or a duplicate of `duplicate_of`.
    close_reason = models.CharField(
        max_length=20, choices=CloseReason.choices, blank=True, default="", db_default=""
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )

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
        self.derive_next_due()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "next_due_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "next_due_at"]
        super().save(*args, **kwargs)

    def derive_next_due(self) -> None:
        """`next_due_at` from the running clocks: save() derives it; so must anything else that writes one."""
        self.next_due_at = min(self.running_due_times(), default=None)

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
