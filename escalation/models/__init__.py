"""The escalation app's models, one module per artifact: `roster` (engineers), `sla` (calendars,
targets, clocks, the ledger) and `paging` (policies, alarms, escalations, notifications). Django finds
them here; the app label and the migration history are the same as when they were one module."""

from .paging import (
    Alarm,
    Channel,
    Escalation,
    EscalationPolicy,
    Notification,
    PolicyStep,
    Target,
    TwilioWebhookReceipt,
    validate_notify,
)
from .roster import (
    WORKDAYS_DEFAULT,
    Engineer,
    EngineerQuerySet,
    Region,
    default_workdays,
    validate_workdays,
)
from .sla import (
    BusinessCalendar,
    Holiday,
    LedgerEntry,
    LedgerHead,
    LedgerImmutable,
    LedgerQuerySet,
    Metric,
    SlaTarget,
    TicketClock,
)

__all__ = [
    "WORKDAYS_DEFAULT",
    "Alarm",
    "BusinessCalendar",
    "Channel",
    "Engineer",
    "EngineerQuerySet",
    "Escalation",
    "EscalationPolicy",
    "Holiday",
    "LedgerEntry",
    "LedgerHead",
    "LedgerImmutable",
    "LedgerQuerySet",
    "Metric",
    "Notification",
    "PolicyStep",
    "Region",
    "SlaTarget",
    "Target",
    "TicketClock",
    "TwilioWebhookReceipt",
    "default_workdays",
    "validate_notify",
    "validate_workdays",
]
