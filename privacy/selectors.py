"""Reads of the privacy app: everything held about one requester (the export), and the erasure records.

The export is a zip of `export.json` (every row about the person, every field, times in ISO 8601 UTC) and
the files they sent, under `attachments/<reference>/<attachment id>-<their file name>`; it is written
as it streams, so a requester with hundreds of files never sits in memory."""

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from tickets.models import (
    Attachment,
    BlockedSender,
    CustomerContact,
    Message,
    Requester,
    RequesterNotification,
    Ticket,
)
from tickets.services.requesters import normalize_email

from .models import Erasure

EXPORT_FORMAT = "support-desk.requester-export.v1"
_UNSAFE = re.compile(r"[^\w.\-]+")


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


@dataclass(frozen=True)
class RequesterExport:
    document: dict
    files: list[tuple[str, Attachment]]  # (path in the zip, attachment)


def _attachment_path(ticket: Ticket, attachment: Attachment) -> str:
    return (
        f"attachments/{ticket.reference}/{attachment.pk}-{_UNSAFE.sub('_', attachment.name)[:100] or 'file'}"
    )


def requester_export_get(*, email: str, now: datetime) -> RequesterExport | None:
    """What is held about the person with `email`, or None when nothing is."""
    email = normalize_email(email)
    requester = Requester.objects.filter(email=email).select_related("confirmed_by").first()
    contacts = list(CustomerContact.objects.filter(email=email).select_related("customer"))
    blocked = list(BlockedSender.objects.filter(address=email).select_related("blocked_by"))
    if requester is None and not contacts and not blocked:
        return None
    tickets = []
    files: list[tuple[str, Attachment]] = []
    if requester is not None:
        tickets = list(
            Ticket.objects.filter(requester=requester)
            .select_related("customer", "assignee", "follow_up_of", "duplicate_of")
            .prefetch_related(
                Prefetch(
                    "messages",
                    queryset=Message.objects.select_related("author").prefetch_related("attachments"),
                ),
                "events__actor",
                "ratings",
                Prefetch("requester_notifications", queryset=RequesterNotification.objects.order_by("pk")),
            )
            .order_by("pk")
        )
    other_notifications = RequesterNotification.objects.filter(recipient=email).exclude(
        ticket__requester=requester
    )
    document = {
        "format": EXPORT_FORMAT,
        "made_at": _at(now),
        "email": email,
        "requester": None
        if requester is None
        else {
            "email": requester.email,
            "name": requester.name,
            "created_at": _at(requester.created_at),
            "confirmed_at": _at(requester.confirmed_at),
            "confirmed_by": _username(requester.confirmed_by),
            "confirmation_sent_at": _at(requester.confirmation_sent_at),
        },
        "tickets": [],
        "customer_contacts": [
            {
                "customer": c.customer.name,
                "email": c.email,
                "name": c.name,
                "language": c.language,
                "timezone": str(c.timezone),
                "notify_incidents": c.notify_incidents,
                "created_at": _at(c.created_at),
            }
            for c in contacts
        ],
        "blocked_sender": [
            {
                "address": b.address,
                "blocked_at": _at(b.blocked_at),
                "reason": b.reason,
                "blocked_by": _username(b.blocked_by),
            }
            for b in blocked
        ],
        "emails_as_contact": [_notification(n) for n in other_notifications.order_by("pk")],
    }
    for ticket in tickets:
        messages = []
        for message in ticket.messages.all():
            attachments = []
            for attachment in message.attachments.all():
                path = _attachment_path(ticket, attachment)
                files.append((path, attachment))
                attachments.append({
                    "id": attachment.pk, "name": attachment.name, "content_type": attachment.content_type,
                    "size": attachment.size, "created_at": _at(attachment.created_at), "file": path,
                })  # fmt: skip
            messages.append({
                "id": message.pk, "author": _username(message.author),
                "from_requester": message.from_requester,
                "body": message.body, "internal": message.internal, "created_at": _at(message.created_at),
                "attachments": attachments,
            })  # fmt: skip
        document["tickets"].append(
            {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "description": ticket.description,
                "severity": ticket.severity,
                "status": ticket.status,
                "plan": ticket.plan,
                "customer": ticket.customer.name if ticket.customer else None,
                "assignee": _username(ticket.assignee),
                "requester_timezone": str(ticket.requester_timezone),
                "follow_up_of": ticket.follow_up_of.reference if ticket.follow_up_of else None,
                "duplicate_of": ticket.duplicate_of.reference if ticket.duplicate_of else None,
                "close_reason": ticket.close_reason,
                "requester_trusted": ticket.requester_trusted,
                "resolution_cycle": ticket.resolution_cycle,
                "created_at": _at(ticket.created_at),
                "updated_at": _at(ticket.updated_at),
                "first_response_due_at": _at(ticket.first_response_due_at),
                "first_responded_at": _at(ticket.first_responded_at),
                "resolution_due_at": _at(ticket.resolution_due_at),
                "resolved_at": _at(ticket.resolved_at),
                "closed_at": _at(ticket.closed_at),
                "messages": messages,
                "events": [
                    {"type": e.type, "at": _at(e.at), "actor": _username(e.actor), "data": e.data}
                    for e in ticket.events.all()
                ],
                "ratings": [
                    {
                        "cycle": r.cycle,
                        "score": r.score,
                        "comment": r.comment,
                        "resolved_at": _at(r.resolved_at),
                        "created_at": _at(r.created_at),
                        "updated_at": _at(r.updated_at),
                    }
                    for r in ticket.ratings.all()
                ],
                "emails": [_notification(n) for n in ticket.requester_notifications.all()],
            }
        )
    return RequesterExport(document=document, files=files)


def _notification(n: RequesterNotification) -> dict:
    return {"kind": n.kind, "recipient": n.recipient, "status": n.status, "created_at": _at(n.created_at),
            "sent_at": _at(n.sent_at)}  # fmt: skip


class _Sink:
    """A write-only file for zipfile (no tell, no seek: it writes data descriptors) that hands out what
    was written so far."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        out, self._chunks = b"".join(self._chunks), []
        return out


def export_zip_stream(export: RequesterExport) -> Iterator[bytes]:
    """The zip, chunk by chunk, as it is written."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(export.document, ensure_ascii=False, indent=2))
        yield sink.drain()
        for path, attachment in export.files:
            try:
                source = attachment.file.open("rb")
            except (OSError, ValueError):
                continue  # listed in export.json; the file itself is gone from storage
            with source, archive.open(path, "w", force_zip64=True) as target:
                for chunk in source.chunks():
                    target.write(chunk)
                    data = sink.drain()
                    if data:
                        yield data
            yield sink.drain()
    yield sink.drain()


def erasure_list():
    return Erasure.objects.select_related("erased_by").order_by("-at", "-pk")
