"""Incidents: the integrations that send alerts, the incidents the alerts open, and every alert received.

One open incident per (integration, dedup key) is the database's rule (`incident_open_once`); the
ingestion service also serializes a key's alerts with a transaction-scoped advisory lock, so two
senders at once update one incident instead of racing to open two."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tickets.models import Customer, Severity

from .severity import DEFAULT_SEVERITY_MAP, validate_severity_map

TITLE_MAX_LENGTH = 255
DEDUP_KEY_MAX_LENGTH = 255
KEY_PREFIX_LENGTH = 8


class Kind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    EVENTS_V2 = "events_v2", "Events API v2"


class IncidentStatus(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Impact(models.TextChoices):
    OUTAGE = "outage", "Outage"
    DEGRADED = "degraded", "Degraded"
    NONE = "none", "None"


class AlertAction(models.TextChoices):
    TRIGGER = "trigger", "Trigger"
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    RESOLVE = "resolve", "Resolve"


def default_severity_map() -> dict:
    return dict(DEFAULT_SEVERITY_MAP)


class Integration(models.Model):
    """A sender of alerts. Its key is shown once; only its SHA-256 and a short prefix are kept."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=KEY_PREFIX_LENGTH, editable=False)
    enabled = models.BooleanField(default=True)
    customer_label = models.CharField(max_length=100, default="customer")
    default_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity_map = models.JSONField(default=default_severity_map, validators=[validate_severity_map])
    auto_resolve = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Incident(models.Model):
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.TRIGGERED)
    # NULL (not ""): only `info` alerts so far, recorded on the incident, no ticket severity; the API
    # shows null, and "no severity" stays distinct from a severity.
    severity = models.CharField(max_length=10, choices=Severity.choices, null=True, blank=True)  # noqa: DJ001
    impact = models.CharField(max_length=10, choices=Impact.choices, default=Impact.OUTAGE)
    started_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    impact_ended_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=DEDUP_KEY_MAX_LENGTH)
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="incidents")
    customers = models.ManyToManyField(Customer, through="IncidentCustomer", related_name="incidents")
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    alert_count = models.PositiveIntegerField(default=0)
    last_alert_at = models.DateTimeField(null=True, blank=True)
    # Set by the services from their `now` (they never read the clock).
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "dedup_key"],
                condition=~Q(status="resolved"),
                name="incident_open_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["triggered", "acknowledged", "resolved"]),
                name="incident_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="incident_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="incident_started"),
            models.Index(fields=["status", "-started_at", "-id"], name="incident_status_started"),
            # The reopen window: the latest resolved incident of a key.
            models.Index(fields=["integration", "dedup_key", "-resolved_at"], name="incident_key_resolved"),
            # The availability report: outage windows still open or ending after a month's start.
            models.Index(
                fields=["impact_ended_at", "started_at"],
                condition=Q(impact="outage"),
                name="incident_outage_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"Incident {self.pk}: {self.title}"


class IncidentCustomer(models.Model):
    """An affected customer; indexed customer-first for the list's `customer` filter."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "customer"], name="incident_customer_once")
        ]
        indexes = [models.Index(fields=["customer", "incident"], name="incident_customer_by_customer")]

    def __str__(self) -> str:
        return f"incident {self.incident_id} affects customer {self.customer_id}"


class Alert(models.Model):
    """One alert received (an Alertmanager alert or an Events v2 event), as the incident's timeline.

    `payload` keeps what was sent, cut to a bounded size (`formats.bounded`)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    action = models.CharField(max_length=12, choices=AlertAction.choices)
    source_severity = models.CharField(max_length=20, blank=True)
    summary = models.CharField(max_length=1024, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["incident", "received_at"], name="alert_incident_received")]

    def __str__(self) -> str:
        return f"{self.action} for incident {self.incident_id} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class IncidentTicket(models.Model):
    """A ticket of an incident: opened for one of its customers (`customer` set, once per customer:
    `incident_ticket_per_customer_once`), or a customer's own ticket linked by an engineer. A ticket
    belongs to one incident at most."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="incident_link")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    opened_for_incident = models.BooleanField(default=False)
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "customer"],
                condition=Q(opened_for_incident=True),
                name="incident_ticket_per_customer_once",
            ),
            models.CheckConstraint(
                condition=Q(opened_for_incident=False) | Q(customer__isnull=False),
                name="incident_ticket_opened_names_customer",
            ),
        ]
        indexes = [models.Index(fields=["incident", "linked_at"], name="incident_ticket_linked")]

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} of incident {self.incident_id}"


class IncidentUpdate(models.Model):
    """A public update: a public reply on every linked ticket and an email to the customers' contacts."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="incident_update_created")]

    def __str__(self) -> str:
        return f"update {self.pk} of incident {self.incident_id}"


class IncidentEventType(models.TextChoices):
    OPENED = "opened", "Opened"
    REOPENED = "reopened", "Reopened"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    IMPACT_CHANGED = "impact_changed", "Impact changed"
    IMPACT_WINDOW_EDITED = "impact_window_edited", "Impact window edited"
    COMMANDER_ASSIGNED = "commander_assigned", "Commander assigned"
    COMMANDER_PAGED = "commander_paged", "Commander paged"
    CUSTOMERS_CHANGED = "customers_changed", "Customers changed"
    TICKET_OPENED = "ticket_opened", "Ticket opened for a customer"
    TICKET_LINKED = "ticket_linked", "Ticket linked"
    TICKET_UNLINKED = "ticket_unlinked", "Ticket unlinked"
    PUBLIC_UPDATE = "public_update", "Public update"
    TICKETS_RESOLVED = "tickets_resolved", "Linked tickets resolved"


class IncidentEvent(models.Model):
    """One entry of an incident's timeline (with its alerts): who changed what, and why. Every change to
    the impact window is one, with the manager's reason: the availability report's figures are never a
    silent edit."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=IncidentEventType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_event_at")]

    def __str__(self) -> str:
        return f"{self.type} of incident {self.incident_id}"
