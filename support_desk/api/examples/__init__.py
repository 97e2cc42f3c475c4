"""Examples for the OpenAPI schema: what integrators see in /api/docs/ next to each endpoint.

One module per API area; the views import this package (`from .. import examples as ex`) and find every
example here by its name."""

from .customers import CUSTOMER, CUSTOMER_CONTACT, STATEMENT, STATEMENT_SUMMARY
from .engineers import ENGINEER, ENGINEER_READ_ONLY
from .incidents import (
    ALERTMANAGER_ACCEPTED,
    ALERTMANAGER_BODY,
    EVENT,
    EVENT_ACCEPTED,
    EVENT_INVALID,
    INCIDENT,
    INTEGRATION,
    INTEGRATION_WITH_KEY,
    INTEGRATION_WRITE,
)
from .mail import QUARANTINE_PAGE, QUARANTINED_MAIL, RELEASED_MAIL
from .openapi import example
from .privacy import ENGINEER_ERASE_REQUEST, ERASE_REQUEST, ERASURE
from .reports import (
    AVAILABILITY,
    BREACH,
    COVERAGE,
    CREDITS,
    INTEGRITY,
    REPORT,
    REPORT_ROW,
    SATISFACTION,
    TRENDS,
)
from .sla import DEADLINE, LEDGER_ENTRY, SLA_TARGET
from .tickets import (
    FILED_TICKET_DETAIL,
    PUBLIC_TICKET,
    RATING,
    REQUESTER_CONFIRMED,
    SLA,
    TICKET,
    TICKET_DETAIL,
)

__all__ = [
    "ALERTMANAGER_ACCEPTED",
    "ALERTMANAGER_BODY",
    "AVAILABILITY",
    "BREACH",
    "COVERAGE",
    "CREDITS",
    "CUSTOMER",
    "CUSTOMER_CONTACT",
    "DEADLINE",
    "ENGINEER",
    "ENGINEER_ERASE_REQUEST",
    "ENGINEER_READ_ONLY",
    "ERASE_REQUEST",
    "ERASURE",
    "EVENT",
    "EVENT_ACCEPTED",
    "EVENT_INVALID",
    "FILED_TICKET_DETAIL",
    "INCIDENT",
    "INTEGRATION",
    "INTEGRATION_WITH_KEY",
    "INTEGRATION_WRITE",
    "INTEGRITY",
    "LEDGER_ENTRY",
    "PUBLIC_TICKET",
    "QUARANTINED_MAIL",
    "QUARANTINE_PAGE",
    "RATING",
    "RELEASED_MAIL",
    "REPORT",
    "REPORT_ROW",
    "REQUESTER_CONFIRMED",
    "SATISFACTION",
    "SLA",
    "SLA_TARGET",
    "STATEMENT",
    "STATEMENT_SUMMARY",
    "TICKET",
    "TICKET_DETAIL",
    "TRENDS",
    "example",
]
