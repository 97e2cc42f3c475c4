"""What an inbound email becomes, decided and written in one transaction.

Order of the checks: a message handled before (same mailbox UID or Message-ID) changes nothing; larger
than MAIL_MAX_BYTES or unreadable: quarantined; from one of our own addresses: ignored (a loop); a
delivery-status report: its failed recipients marked bouncing; over MAIL_SENDER_LIMIT_PER_HOUR from one
sender: quarantined; then threaded, and a machine's mail (auto-replies, vacation, lists) is ignored with
an event on the ticket it threads into; else a reply on its ticket or a new ticket.

Threading, and who may thread (docs/decisions.md, "Email in and out"):
1. In-Reply-To/References naming mail of a ticket (`MailThreadId`), when the sender is the ticket's
   requester: our Message-IDs are not secrets, so headers alone do not let a stranger in.
2. The ticket's signed reply address among the recipients, whoever sends it: only someone who received
   the ticket's mail can write it (a colleague in copy). A sender who is not the requester is named at
   the top of the message.
3. "[SD-n]" in the subject, when the sender is the ticket's requester.
Anything else files a new ticket through the intake service (`ticket_file`, channel "email"), with its
trust rules: an unconfirmed sender files on the standard plan and is asked to confirm the address.

A reply is added with `ticket_reply(author=None)`, the service the customer's page uses: the clocks,
the events, reopening and follow-ups behave the same. Attachments pass the checks of the customer's
uploads (`support_desk.web.uploads`); a refused file is named in the record's reason.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from support_desk.web.uploads import AttachmentRejected, attachment_content_type, clean_name
from tickets.mail_addresses import is_own_address, reference_in_addresses
from tickets.models import (
    DESCRIPTION_MAX_LENGTH,
    REFERENCE_IN_TEXT,
    SUBJECT_MAX_LENGTH,
    BouncingAddress,
    Event,
    EventType,
    InboundMail,
    MailThreadId,
    Message,
    Severity,
    Ticket,
)
from tickets.services import attachment_add, normalize_email, ticket_file, ticket_reply

from .parsing import MalformedMail, ParsedMail, header_message_id, parse_mail

logger = logging.getLogger(__name__)

Status = InboundMail.Status
SENDER_WINDOW = timedelta(hours=1)
# What a reply from someone other than the requester starts with, so engineers see who wrote it.
OTHER_SENDER_LINE = _("(By email from %(sender)s)")
EMPTY_BODY = _("(This email had no text.)")
NO_SUBJECT = _("(no subject)")


class ReleaseRefused(Exception):
    """The quarantined message cannot be released: the reason, for the engineer."""


def _existing(*, mailbox: str, uid: str, message_id: str) -> InboundMail | None:
    match = Q(pk__in=[])
    if uid:
        match |= Q(mailbox=mailbox, uid=uid)
    if message_id:
        match |= Q(message_id=message_id)
    return InboundMail.objects.filter(match).first()


def inbound_mail_handle(*, raw: bytes, mailbox: str = "", uid: str = "", now: datetime) -> InboundMail:
    """Handle one message from the mailbox (or a webhook): exactly once per UID and per Message-ID. A
    message seen before returns its record and writes nothing. Returns the record."""
    message_id = header_message_id(raw)
    existing = _existing(mailbox=mailbox, uid=uid, message_id=message_id)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _handle(raw=raw, mailbox=mailbox, uid=uid, message_id=message_id, now=now)
    except IntegrityError:  # another reader recorded it first (the lock was lost): theirs stands
        existing = _existing(mailbox=mailbox, uid=uid, message_id=message_id)
        if existing is None:
            raise
        return existing


def _quarantine(record: InboundMail, raw: bytes, reason: str) -> InboundMail:
    record.status, record.reason = Status.QUARANTINED, reason[:200]
    record.raw.save("mail.eml", ContentFile(raw), save=False)
    record.save()
    return record


def _handle(*, raw: bytes, mailbox: str, uid: str, message_id: str, now: datetime) -> InboundMail:
    # The record first: its unique constraints make a second reader of the same message wait, then fail.
    record = InboundMail.objects.create(
        mailbox=mailbox,
        uid=uid,
        message_id=message_id,
        size=len(raw),
        status=Status.PROCESSED,
        received_at=now,
    )
    if len(raw) > settings.MAIL_MAX_BYTES:
        return _quarantine(record, raw, f"larger than MAIL_MAX_BYTES ({settings.MAIL_MAX_BYTES} bytes)")
    try:
        parsed = parse_mail(raw)
    except MalformedMail as exc:
        return _quarantine(record, raw, f"malformed: {exc}")
    record.sender, record.subject = parsed.sender[:254], parsed.subject[:255]
    if is_own_address(parsed.sender):
        record.status, record.reason = Status.IGNORED, "from one of our own addresses (a loop)"
        record.save()
        return record
    if parsed.bounces or parsed.automatic == "delivery-status report":
        _record_bounces(parsed, record, now)
        return record
    recent = InboundMail.objects.filter(sender=parsed.sender, received_at__gt=now - SENDER_WINDOW)
    if recent.exclude(pk=record.pk).count() >= settings.MAIL_SENDER_LIMIT_PER_HOUR:
        return _quarantine(
            record, raw, f"more than {settings.MAIL_SENDER_LIMIT_PER_HOUR} emails from this sender in an hour"
        )
    return _apply(parsed, record, now)


def _apply(parsed: ParsedMail, record: InboundMail, now: datetime) -> InboundMail:
    """Thread `parsed` and write what it becomes; `record` is saved with the outcome."""
    ticket, how = thread_ticket(parsed)
    if parsed.automatic:
        record.status, record.reason = Status.IGNORED, f"automatic: {parsed.automatic}"[:200]
        record.ticket = ticket
        record.save()
        if ticket is not None:
            Event.objects.create(
                ticket=ticket,
                type=EventType.MAIL_IGNORED,
                at=now,
                data={"from": parsed.sender, "subject": parsed.subject[:200], "reason": parsed.automatic},
            )
        return record
    body = parsed.text.strip() or str(EMPTY_BODY)
    if ticket is not None and parsed.sender != normalize_email(ticket.requester.email):
        body = str(OTHER_SENDER_LINE % {"sender": parsed.sender}) + "\n\n" + body
    body = body[:DESCRIPTION_MAX_LENGTH]
    if ticket is not None:
        message = ticket_reply(ticket=ticket, author=None, body=body, now=now, channel="email")
        record.reason = f"reply, threaded by {how}"
    else:
        message = ticket_file(
            subject=(parsed.subject or str(NO_SUBJECT))[:SUBJECT_MAX_LENGTH],
            description=body,
            severity=Severity.GENERAL,
            email=parsed.sender,
            name=parsed.sender_name[:200],
            now=now,
            channel="email",
        ).message
        record.reason = "new ticket"
    refused = _attach(message, parsed, now)
    if refused:
        record.reason = f"{record.reason}; files not kept: {'; '.join(refused)}"[:200]
    record.status, record.ticket, record.ticket_message = Status.PROCESSED, message.ticket, message
    record.save()
    if parsed.message_id:
        MailThreadId.objects.get_or_create(
            message_id=parsed.message_id,
            defaults={"ticket": message.ticket, "inbound": True, "created_at": now},
        )
    return record


def _attach(message: Message, parsed: ParsedMail, now: datetime) -> list[str]:
    """Keep the files that pass the upload checks; the names and reasons of those that do not."""
    refused = []
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(clean_name(attachment.name), attachment.data, attachment.content_type)
        try:
            content_type = attachment_content_type(upload)
            attachment_add(message=message, file=upload, name=upload.name, content_type=content_type, now=now)
        except (AttachmentRejected, ValueError) as exc:
            refused.append(f"{upload.name}: {exc}")
    return refused


def _ticket_by_reference(reference: str) -> Ticket | None:
    pk = Ticket.pk_from_reference(reference)
    return Ticket.objects.select_related("requester").filter(pk=pk).first() if pk else None


def thread_ticket(parsed: ParsedMail) -> tuple[Ticket | None, str]:
    """The ticket `parsed` answers and how it was found ("headers", "reply address", "subject"), or
    (None, "") for a new ticket. See the module's docstring for who may thread which way."""
    if parsed.answers:
        known = (
            MailThreadId.objects.filter(message_id__in=parsed.answers)
            .select_related("ticket__requester")
            .order_by("-pk")
            .first()
        )
        if known is not None and normalize_email(known.ticket.requester.email) == parsed.sender:
            return known.ticket, "headers"
    reference = reference_in_addresses(parsed.recipients)
    if reference is not None:
        ticket = _ticket_by_reference(reference)
        if ticket is not None:
            return ticket, "reply address"
    match = REFERENCE_IN_TEXT.search(parsed.subject)
    if match is not None:
        ticket = _ticket_by_reference(match.group(0))
        if ticket is not None and normalize_email(ticket.requester.email) == parsed.sender:
            return ticket, "subject"
    return None, ""


def _record_bounces(parsed: ParsedMail, record: InboundMail, now: datetime) -> None:
    """Mark each failed recipient bouncing, with an event on the tickets whose mail bounced (found by the
    returned message's Message-ID, else the requester's open tickets' latest)."""
    record.status, record.reason = Status.IGNORED, "delivery-status report"
    tickets = {
        each.ticket_id: each.ticket
        for each in MailThreadId.objects.filter(message_id__in=parsed.bounced_ids).select_related("ticket")
    }
    for bounce in parsed.bounces:
        reason = " ".join(filter(None, [bounce.status, bounce.diagnostic]))[:500]
        _, created = BouncingAddress.objects.get_or_create(
            address=bounce.recipient, defaults={"since": now, "reason": reason}
        )
        for ticket in tickets.values():
            if created and normalize_email(ticket.requester.email) == bounce.recipient:
                Event.objects.create(
                    ticket=ticket,
                    type=EventType.ADDRESS_BOUNCING,
                    at=now,
                    data={"address": bounce.recipient, "reason": reason},
                )
        record.reason = f"delivery-status report: {bounce.recipient} bounces"[:200]
    record.ticket = next(iter(tickets.values()), None)
    record.save()


@transaction.atomic
def inbound_mail_release(*, inbound: InboundMail, actor: AbstractBaseUser, now: datetime) -> InboundMail:
    """An engineer releases a quarantined message: it is handled as if it had just arrived, without the
    size and per-sender limits (the engineer decided). Raises ReleaseRefused when it is not quarantined
    or still cannot be read; the raw message is kept either way."""
    record = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if record.status != Status.QUARANTINED:
        raise ReleaseRefused("This email is not in quarantine.")
    with record.raw.open("rb") as stored:
        raw = stored.read()
    try:
        parsed = parse_mail(raw)
    except MalformedMail as exc:
        raise ReleaseRefused(f"This email still cannot be read: {exc}.") from exc
    record.sender, record.subject = parsed.sender[:254], parsed.subject[:255]
    _apply(parsed, record, now)
    record.reason = f"released: {record.reason}"[:200]
    record.status, record.released_at, record.released_by = Status.RELEASED, now, actor
    record.save()
    return record


def bouncing_address_clear(*, address: str) -> int:
    """Mail may go to `address` again (the requester fixed it). Returns how many rows were removed."""
    return BouncingAddress.objects.filter(address=normalize_email(address)).delete()[0]
