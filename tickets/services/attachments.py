"""Attachments on messages, checked and stored."""

from datetime import datetime

from ..models import (
    ATTACHMENT_CONTENT_TYPES,
    ATTACHMENT_MAX_BYTES,
    Attachment,
    Message,
)


def attachment_add(*, message: Message, file, name: str, content_type: str, now: datetime) -> Attachment:
    """Store `file` on `message` under a random name; `name` is what the uploader called it.

    The caller has verified the content (the web form sniffs it); this refuses what the model's
    limits forbid, whatever the caller checked.
    """
    if content_type not in ATTACHMENT_CONTENT_TYPES:
        raise ValueError(f"{content_type!r} is not an allowed attachment type")
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ValueError(f"attachments are at most {ATTACHMENT_MAX_BYTES} bytes")
    return Attachment.objects.create(
        message=message, file=file, name=name, content_type=content_type, size=file.size, created_at=now
    )
