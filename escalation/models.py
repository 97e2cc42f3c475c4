"""The escalation app's models, each defined beside the rest of its artifact: `roster/models.py`
(engineers), `sla/models.py` (calendars, targets, clocks, the ledger), `paging/models.py` (policies,
alarms, escalations, notifications) and `incidents/models.py` (integrations, incidents, alerts). Django finds them through this module; the app label and the
migration history are the same as when they were one module, and the migrations' references
(`escalation.models.default_workdays`, `validate_workdays`, `validate_notify`) resolve here."""

from escalation.incidents.models import (
    Alert,
    AlertAction,
    Impact,
    Incident,
    IncidentCustomer,
    IncidentStatus,
    Integration,
    Kind,
)
from escalation.paging.models import (
    Alarm,
    Channel,
    Escalation,
    EscalationPolicy,
    Notification,
    Page,
    PolicyStep,
    Target,
    TwilioWebhookReceipt,
    validate_notify,
)
from escalation.roster.models import Engineer, EngineerQuerySet, Region
from escalation.sla.models import (
    WORKDAYS_DEFAULT,
    BusinessCalendar,
    Holiday,
    LedgerEntry,
    LedgerHead,
    LedgerImmutable,
    LedgerQuerySet,
    Metric,
    SlaTarget,
    TicketClock,
    default_workdays,
    validate_workdays,
)

__all__ = [
    "WORKDAYS_DEFAULT",
    "Alarm",
    "Alert",
    "AlertAction",
    "BusinessCalendar",
    "Channel",
    "Engineer",
    "EngineerQuerySet",
    "Escalation",
    "EscalationPolicy",
    "Holiday",
    "Impact",
    "Incident",
    "IncidentCustomer",
    "IncidentStatus",
    "Integration",
    "Kind",
    "LedgerEntry",
    "LedgerHead",
    "LedgerImmutable",
    "LedgerQuerySet",
    "Metric",
    "Notification",
    "Page",
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
