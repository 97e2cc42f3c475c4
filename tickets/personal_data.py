"""Where this app keeps personal data: read by `privacy.registry` (never imported by this app's code).

Every text, JSON or file column of the app's models is declared here, as holding personal data (with how
erasure reaches it) or not (with why); choice fields need no entry. `tests/privacy/test_registry.py` fails
for a column declared nowhere, so a new table says what it holds before it merges.

Reaches (privacy/README.md): `identity` (the person's own row), `authored` (what the person wrote, on
their tickets), `address` (somebody's address: rows equal to the erased one get the pseudonym),
`mentions` (free text that may name or quote someone: scrubbed; with `ticket`, the path to the ticket, the
rows of the person's tickets are also cleared of their words and quotes), `file`, `derived` (rebuilt
from other columns).
"""

PERSONAL_DATA = {
    "tickets.Requester": {
        "email": {"reach": "identity", "about": "the requester's address; replaced by the pseudonym"},
        "name": {"reach": "identity", "about": "the requester's name; replaced by the pseudonym"},
    },
    "tickets.CustomerContact": {
        "email": {
            "reach": "identity",
            "about": "a customer's contact for incident notices; the row is deleted",
        },
        "name": {"reach": "identity", "about": "the contact's name; the row is deleted"},
    },
    "tickets.Ticket": {
        "subject": {"reach": "authored", "ticket": "", "about": "the requester's subject (or an engineer's)"},
        "description": {"reach": "authored", "ticket": "", "about": "the requester's first message"},
    },
    "tickets.Message": {
        "body": {
            "reach": "authored",
            "ticket": "ticket",
            "about": "the thread: the requester's own messages "
            "are replaced by the marker; engineers' are cleared of the requester's quotes and name",
        },
    },
    "tickets.Attachment": {
        "file": {"reach": "file", "ticket": "message__ticket", "about": "the requester's files: deleted"},
        "name": {"reach": "authored", "ticket": "message__ticket", "about": "the uploader's file name"},
    },
    "tickets.Rating": {
        "comment": {"reach": "authored", "ticket": "ticket", "about": "the requester's comment: emptied"},
    },
    "tickets.Event": {
        "data": {
            "reach": "mentions",
            "ticket": "ticket",
            "about": "timeline facts: a rating's comment, a blocked sender's address, a customer's name",
        },
    },
    "tickets.RequesterNotification": {
        "recipient": {"reach": "address", "about": "the requester's (or a contact's) address"},
        "last_error": {
            "reach": "mentions",
            "ticket": "ticket",
            "about": "the mail server's refusal, which may quote the address",
        },
    },
    "tickets.BlockedSender": {
        "address": {"reach": "address", "about": "a blocked address; the block then names the pseudonym"},
        "reason": {"reach": "mentions", "about": "an engineer's words on why"},
    },
    "tickets.Macro": {
        "body": {"reach": "mentions", "about": "canned replies (engineers' text; may sign with a name)"},
        "name": {"reach": "mentions", "about": "a macro's name"},
    },
    "tickets.TicketSearch": {
        "vector": {
            "reach": "derived",
            "about": "search words of subject, people and thread: rewritten by "
            "triggers, and refreshed by the erasure",
        },
    },
    # Email in and out (issue 17).
    "tickets.InboundMail": {
        "sender": {"reach": "address", "about": "who wrote to the mailbox; replaced by the pseudonym"},
        "subject": {
            "reach": "authored",
            "ticket": "ticket",
            "about": "the message's subject: the marker on the person's tickets and on their mail in "
            "quarantine",
        },
        "raw": {
            "reach": "file",
            "ticket": "ticket",
            "about": "the message as it arrived, kept while quarantined: deleted from storage",
        },
        "reason": {
            "reach": "mentions",
            "ticket": "ticket",
            "about": "why it was quarantined or ignored (may name a file or an address)",
        },
    },
    "tickets.BouncingAddress": {
        "address": {"reach": "address", "about": "an address mail bounced from; then the pseudonym"},
        "reason": {"reach": "mentions", "about": "the delivery report's diagnostic, which may quote it"},
    },
}

NOT_PERSONAL = {
    "tickets.Customer": {
        "name": "a company's name",
        "currency": "an ISO code",
        "statement_token": "a random key",
    },
    "tickets.CustomerDomain": {"domain": "a company's mail domain"},
    "tickets.Ticket": {
        "access_token": "a random key (rotated by the erasure all the same)",
        "language": "the language code the customer's page spoke at filing",
    },
    "tickets.Macro": {"status": "a status value"},
    "tickets.Attachment": {"content_type": "a MIME type"},
    "tickets.InboundMail": {
        "mailbox": "the desk's own folder and its UIDVALIDITY",
        "uid": "the mailbox's number for the message",
        "message_id": "the sender's mail program's id for the message, kept so it is handled once (a "
        "random part and a host name; docs/privacy.md)",
    },
    "tickets.MailThreadId": {"message_id": "ids of the desk's emails and of replies, for threading"},
    "tickets.MailboxState": {
        "key": "which of the desk's mailboxes (no password)",
        "last_error": "the desk's mailbox's last error",
    },
}
