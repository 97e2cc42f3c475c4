"""One requester's ticket with everything personal data can touch: messages from both sides with quotes,
attachments from both sides, a fired escalation (its page, its SMS), ledger rows (a breach, a completed
first response, a resolution), a rating with a comment, emails to the requester, a contact row, a block
and an admin log line; and another requester's ticket that must come through untouched."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection

from escalation.models import Alarm, Notification, Page
from escalation.paging.services.escalations import alarm_fire
from tests.factories import NOW, CustomerFactory, make_engineer
from tickets.models import (
    BlockedSender,
    BouncingAddress,
    CustomerContact,
    InboundMail,
    Message,
    Requester,
    Ticket,
)
from tickets.services import ticket_assign, ticket_change_status, ticket_file, ticket_reply
from tickets.services.attachments import attachment_add
from tickets.services.ratings import ticket_rate

EMAIL = "zebulon.quixwright@viewer-eu.example"
NAME = "Zebulon Quixwright"
SUBJECT = "Marmalade stream freezes on the Xylocarp channel"
DESCRIPTION = "Our Xylocarp channel freezes every evening at 20:00 sharp.\nCall me on +351912345678."
REPLY = "Still frozen tonight, the xylocarp feed shows a black frame."
COMMENT = "Quintessential help, thank you"
FILE_WORDS = b"xylocarp player log of zebulon"
# What must be found nowhere once the requester is erased (case-insensitive).
TRACES = [EMAIL, "zebulon", "quixwright", "xylocarp", "marmalade", "quintessential", "351912345678"]
OTHER_EMAIL = "olga.periwinkle@viewer-eu.example"


@dataclass
class Scenario:
    ticket: Ticket
    other: Ticket
    requester: Requester
    engineer: object
    requester_files: list[str]
    engineer_files: list[str]


def build(manager=None) -> Scenario:
    customer = CustomerFactory(name="Viewer EU", domains=["viewer-eu.example"])
    lena = make_engineer("lena", name="Lena Fischer", phone="+4930123456")
    filed = ticket_file(
        subject=SUBJECT, description=DESCRIPTION, severity="urgent", email=EMAIL, name=NAME, now=NOW,
        trusted=True, customer=customer,
    )  # fmt: skip
    ticket = ticket_assign(
        ticket=filed.ticket, assignee=lena.user, actor=None, now=NOW + timedelta(minutes=1)
    )
    # The first response is missed: the worker fires step 1 (a breach on the ledger, an SMS to lena).
    alarm = Alarm.objects.filter(ticket=ticket, metric="first_response", step=1).get()
    assert alarm_fire(alarm_id=alarm.pk, now=alarm.due_at + timedelta(seconds=1)) is not None
    sms = Notification.objects.filter(ticket=ticket).first()
    assert sms is not None and "Xylocarp" in sms.body
    page = Page.objects.create(
        recipient="+4930123456", recipient_user=lena.user, channel="sms", sequence=1, opened_at=NOW,
        closes_at=NOW + timedelta(seconds=30), status="sent", updated_at=NOW,
        body=f"2 tickets breached: {ticket.reference} {SUBJECT[:40]}..., SD-9 Other",
    )  # fmt: skip
    Notification.objects.filter(pk=sms.pk).update(page=page)
    later = alarm.due_at + timedelta(minutes=5)
    answer = ticket_reply(
        ticket=ticket, author=lena.user, now=later,
        body=f"Hi Zebulon,\n> Our Xylocarp channel freezes every evening at 20:00 sharp.\n"
        f"We restarted the origin; we will write to {EMAIL} again.\nLena",
    )  # fmt: skip
    attachment_add(message=answer, file=ContentFile(b"origin config", name="c"), name="origin.txt",
                   content_type="text/plain", now=later)  # fmt: skip
    theirs = ticket_reply(ticket=ticket, author=None, body=REPLY, now=later + timedelta(minutes=5))
    attachment_add(message=theirs, file=ContentFile(FILE_WORDS, name="l"), name="zebulon-player.txt",
                   content_type="text/plain", now=later + timedelta(minutes=5))  # fmt: skip
    ticket_reply(ticket=ticket, author=lena.user, body=f"> {REPLY}\nFixed: the encoder was stuck.",
                 now=later + timedelta(minutes=10))  # fmt: skip
    ticket = ticket_change_status(
        ticket=ticket, status="resolved", actor=lena.user, now=later + timedelta(minutes=11)
    )
    ticket_rate(ticket=ticket, score="good", comment=COMMENT, now=later + timedelta(minutes=20))
    CustomerContact.objects.create(customer=customer, email=EMAIL, name=NAME)
    BlockedSender.objects.create(address=EMAIL, blocked_at=later, reason="")
    requester = Requester.objects.get(email=EMAIL)
    if manager is not None:
        LogEntry.objects.create(
            user=manager,
            content_type=ContentType.objects.get_for_model(Requester),
            object_id=str(requester.pk),
            object_repr=str(requester),
            action_flag=CHANGE,
            change_message="[]",
        )
    # Their mail: one threaded into the ticket, one quarantined (kept whole, no ticket), and a bounce.
    InboundMail.objects.create(
        message_id="a1@viewer-eu.example", sender=EMAIL, subject=f"Re: [{ticket.reference}] {SUBJECT}",
        status=InboundMail.Status.PROCESSED, ticket=ticket, received_at=later, size=100,
    )  # fmt: skip
    quarantined = InboundMail(
        message_id="a2@viewer-eu.example", sender=EMAIL, subject="Xylocarp logs, all of them", size=30,
        status=InboundMail.Status.QUARANTINED, reason=f"more than 20 messages an hour from {EMAIL}",
        received_at=later,
    )  # fmt: skip
    quarantined.raw.save("mail.eml", ContentFile(b"From: " + EMAIL.encode() + b"\r\n\r\n" + FILE_WORDS))
    BouncingAddress.objects.create(address=EMAIL, since=later, reason=f"550 5.1.1 <{EMAIL}>: no such user")
    other = ticket_file(
        subject="Periwinkle audio drifts", description="Audio drifts by a second on the periwinkle feed.",
        severity="general", email=OTHER_EMAIL, name="Olga Periwinkle", now=NOW, customer=customer,
    ).ticket  # fmt: skip
    files = {m.author_id is None: [] for m in Message.objects.filter(ticket=ticket)}
    for message in Message.objects.filter(ticket=ticket).prefetch_related("attachments"):
        files.setdefault(message.author_id is None, []).extend(a.file.name for a in message.attachments.all())
    files[True].append(quarantined.raw.name)
    return Scenario(ticket, other, requester, lena, files[True], files[False])


def text_columns() -> list[tuple[str, str]]:
    """Every text-like column of every table in the database (not only the ones the models declare)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'tsvector',
                                  'inet', 'ARRAY', 'USER-DEFINED')
            ORDER BY 1, 2
            """
        )
        return cursor.fetchall()


def traces_left(needles=TRACES) -> list[str]:
    """`table.column: needle` for each text column of the database holding one of `needles`."""
    patterns = [f"%{needle}%" for needle in needles]
    found = []
    with connection.cursor() as cursor:
        for table, column in text_columns():
            cursor.execute(
                f'SELECT string_agg(DISTINCT "{column}"::text, \' | \') FROM "{table}" '
                f'WHERE "{column}"::text ILIKE ANY (%s)',
                [patterns],
            )
            values = cursor.fetchone()[0]
            if values:
                hits = [n for n in needles if n.casefold() in values.casefold()]
                found.append(f"{table}.{column}: {hits} in {values[:300]!r}")
    return found
