"""An engineer's message with its files and, optionally, a status change: one transaction."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..models import Message, Ticket
from .attachments import attachment_add
from .lifecycle import ticket_change_status, ticket_reply


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file whose content the caller checked: `content_type` is what its bytes are."""

    file: object
    name: str
    content_type: str


@transaction.atomic
def ticket_respond(
    *,
    ticket: Ticket,
    author: AbstractBaseUser,
    body: str,
    now: datetime,
    internal: bool = False,
    status: str = "",
    files: tuple[CheckedFile, ...] | list[CheckedFile] = (),
) -> Message:
    """The reply (or internal note) with its attachments, then the status change when `status` is given.

    All or nothing: a status the state machine refuses raises InvalidTransition and nothing is written
    (no message, no file, no event, no email to the requester)."""
    message = ticket_reply(ticket=ticket, author=author, body=body, internal=internal, now=now)
    for checked in files:
        attachment_add(
            message=message, file=checked.file, name=checked.name, content_type=checked.content_type, now=now
        )
    if status:
        ticket_change_status(ticket=message.ticket, status=status, actor=author, now=now)
    return message
