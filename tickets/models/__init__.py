"""Tickets, the people who file them and everything that happens to them, one module per subject:
`customers` (customers, domains, credit rules, requesters), `tickets` (tickets, references, private
links, tallies), `messages` (messages, attachments, events, the requester's emails), `macros` (canned
replies) and `ratings` (the requester's rating of each resolution). Django finds them here; the app
label and the migration history are the same as when they were one module."""

from .customers import (
    PERCENT_VALIDATORS,
    AvailabilityCreditTier,
    ContactLanguage,
    CreditRule,
    Customer,
    CustomerContact,
    CustomerDomain,
    Plan,
    Requester,
    new_statement_token,
)
from .macros import MACRO_BODY_MAX_LENGTH, MACRO_NAME_MAX_LENGTH, Macro
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
from .ratings import RATABLE_STATUSES, RATING_COMMENT_MAX_LENGTH, Rating, Score
from .search import TicketSearch
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
    "MACRO_BODY_MAX_LENGTH",
    "MACRO_NAME_MAX_LENGTH",
    "PERCENT_VALIDATORS",
    "RATABLE_STATUSES",
    "RATING_COMMENT_MAX_LENGTH",
    "REFERENCE_IN_TEXT",
    "REFERENCE_MAX_DIGITS",
    "REFERENCE_OFFSET",
    "REFERENCE_PREFIX",
    "SEVERITY_RANK",
    "SUBJECT_MAX_LENGTH",
    "Attachment",
    "AvailabilityCreditTier",
    "ContactLanguage",
    "CreditRule",
    "Customer",
    "CustomerContact",
    "CustomerDomain",
    "Event",
    "EventType",
    "Macro",
    "Message",
    "Plan",
    "Rating",
    "Requester",
    "RequesterNotification",
    "Score",
    "Severity",
    "Status",
    "Ticket",
    "TicketSearch",
    "TicketTally",
    "access_token_well_formed",
    "attachment_path",
    "new_access_token",
    "new_statement_token",
]
