"""Ticket lifecycle services: every write to a ticket goes through one of these.

Each takes keyword arguments and `now` (read once at the edge), locks the ticket row, validates,
writes an event, and tells the SLA clock what happened.

One module per subject: `requesters`, `lifecycle` (filing, status, replies, assignment, severity,
stale tickets), `tallies`, `attachments`, `edits` (the API's several-at-once edit), `customers` and
`contacts` (a customer's contacts); the SLA side's own writes are `tickets.sla_writes`.
"""

from .attachments import (
    attachment_add,
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
from .requesters import (
    customer_for_email,
    normalize_email,
    requester_get_or_create,
)
from .tallies import (
    ticket_tallies_fold,
)

__all__ = [
    "AUTO_CLOSE_AFTER",
    "UNCHANGED",
    "FiledTicket",
    "attachment_add",
    "customer_contact_create",
    "customer_contact_delete",
    "customer_contact_update",
    "customer_create",
    "customer_for_email",
    "customer_statement_link_rotate",
    "customer_update",
    "normalize_domain",
    "normalize_email",
    "requester_get_or_create",
    "ticket_assign",
    "ticket_change_severity",
    "ticket_change_status",
    "ticket_close_stale",
    "ticket_file",
    "ticket_reply",
    "ticket_tallies_fold",
    "ticket_update",
]
