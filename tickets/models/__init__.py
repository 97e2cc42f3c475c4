"""Tickets, the people who file them and everything that happens to them, one module per subject:
`customers` (customers, domains, credit rules, requesters), `tickets` (tickets, references, private
links, tallies) and `messages` (messages, attachments, events, the requester's emails). Django finds
them here; the app label and the migration history are the same as when they were one module."""

from .customers import (
    PERCENT_VALIDATORS,
    AvailabilityCreditTier,
    CreditRule,
    Customer,
    CustomerDomain,
    Plan,
    Requester,
)
from .messages import (
    ATTACHMENT_CONTENT_TYPES,
    ATTACHMENT_MAX_BYTES,
    Attachment,
    Event,
    EventType,
    Message,
    RequesterNotification,
    attachment_path,
)
from .tickets import (
    ACCESS_TOKEN_BYTES,
    ACCESS_TOKEN_PATTERN,
    DESCRIPTION_MAX_LENGTH,
    REFERENCE_IN_TEXT,
    REFERENCE_MAX_DIGITS,
    REFERENCE_OFFSET,
    REFERENCE_PREFIX,
    SEVERITY_RANK,
    SUBJECT_MAX_LENGTH,
    Severity,
    Status,
    Ticket,
    TicketTally,
    access_token_well_formed,
    new_access_token,
)

__all__ = [
    "ACCESS_TOKEN_BYTES",
    "ACCESS_TOKEN_PATTERN",
    "ATTACHMENT_CONTENT_TYPES",
    "ATTACHMENT_MAX_BYTES",
    "DESCRIPTION_MAX_LENGTH",
    "PERCENT_VALIDATORS",
    "REFERENCE_IN_TEXT",
    "REFERENCE_MAX_DIGITS",
    "REFERENCE_OFFSET",
    "REFERENCE_PREFIX",
    "SEVERITY_RANK",
    "SUBJECT_MAX_LENGTH",
    "Attachment",
    "AvailabilityCreditTier",
    "CreditRule",
    "Customer",
    "CustomerDomain",
    "Event",
    "EventType",
    "Message",
    "Plan",
    "Requester",
    "RequesterNotification",
    "Severity",
    "Status",
    "Ticket",
    "TicketTally",
    "access_token_well_formed",
    "attachment_path",
    "new_access_token",
]
