"""Ticket lifecycle services: every write to a ticket goes through one of these.

Each takes keyword arguments and `now` (read once at the edge), locks the ticket row, validates,
writes an event, and tells the SLA clock what happened.

One module per subject: `requesters`, `lifecycle` (filing, status, replies, assignment, severity,
stale tickets), `tallies`, `attachments`, `edits` (the API's several-at-once edit), `customers` and
`contacts` (a customer's contacts), `trust` (trusted requesters: confirming an address),
`replies` (a message with its files and a status change at once), `macros` (canned replies), `ratings`
(the requester's rating of a resolution); the SLA side's own writes are `tickets.sla_writes`.
"""

from .attachments import (
    attachment_add,
)
from .bulk import (
    BULK_MAX_TICKETS,
    BulkAction,
    BulkResult,
    ticket_bulk_apply,
)
from .closing import (
    blocked_sender_add,
    blocked_sender_exists,
    blocked_sender_remove,
    ticket_close_as_duplicate,
    ticket_close_as_spam,
)
from .contacts import (
    customer_contact_create,
    customer_contact_delete,
    customer_contact_update,
)
from .customers import (
    customer_create,
    customer_statement_link_rotate,
    customer_update,
    normalize_domain,
)
from .edits import (
    UNCHANGED,
    ticket_update,
)
from .lifecycle import (
    AUTO_CLOSE_AFTER,
    FiledTicket,
    ticket_assign,
    ticket_change_severity,
    ticket_change_status,
    ticket_close_stale,
    ticket_file,
    ticket_reply,
)
from .macros import (
    MACRO_STATUSES,
    macro_create,
    macro_delete,
    macro_may_edit,
    macro_update,
)
from .ratings import (
    RATING_CHANGE_DAYS,
    Rated,
    RatingRefused,
    rating_changeable,
    ticket_rate,
)
from .replies import (
    CheckedFile,
    ticket_respond,
)
from .requesters import (
    Standing,
    customer_for_email,
    normalize_email,
    requester_get_or_create,
    requester_language_set,
    requester_standing,
)
from .tallies import (
    ticket_tallies_fold,
)
from .trust import (
    CONFIRMATION_EMAIL_INTERVAL,
    ConfirmationLinkInvalid,
    confirmation_requester,
    confirmation_token,
    requester_confirm,
)

__all__ = [
    "AUTO_CLOSE_AFTER",
    "BULK_MAX_TICKETS",
    "CONFIRMATION_EMAIL_INTERVAL",
    "MACRO_STATUSES",
    "RATING_CHANGE_DAYS",
    "UNCHANGED",
    "BulkAction",
    "BulkResult",
    "CheckedFile",
    "ConfirmationLinkInvalid",
    "FiledTicket",
    "Rated",
    "RatingRefused",
    "Standing",
    "attachment_add",
    "blocked_sender_add",
    "blocked_sender_exists",
    "blocked_sender_remove",
    "confirmation_requester",
    "confirmation_token",
    "customer_contact_create",
    "customer_contact_delete",
    "customer_contact_update",
    "customer_create",
    "customer_for_email",
    "customer_statement_link_rotate",
    "customer_update",
    "macro_create",
    "macro_delete",
    "macro_may_edit",
    "macro_update",
    "normalize_domain",
    "normalize_email",
    "rating_changeable",
    "requester_confirm",
    "requester_get_or_create",
    "requester_language_set",
    "requester_standing",
    "ticket_assign",
    "ticket_bulk_apply",
    "ticket_change_severity",
    "ticket_change_status",
    "ticket_close_as_duplicate",
    "ticket_close_as_spam",
    "ticket_close_stale",
    "ticket_file",
    "ticket_rate",
    "ticket_reply",
    "ticket_respond",
    "ticket_tallies_fold",
    "ticket_update",
]
