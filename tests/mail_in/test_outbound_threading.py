"""Outbound threading (issue 17): every email of a ticket carries its reference in the subject, a
Message-ID recorded for inbound threading, In-Reply-To/References naming the ticket's earlier mail, and
the ticket's signed reply address; an address that bounces gets nothing more. Sent through a real SMTP
server on loopback."""

import pytest

from tests.factories import NOW, make_engineer, make_ticket
from tests.mail import SmtpServer, deliver_requester_mail
from tickets.mail_addresses import reference_from_reply_address, reply_address
from tickets.models import BouncingAddress, MailThreadId, RequesterNotification
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
        settings.DEFAULT_FROM_EMAIL = "Support Desk <support@desk.example>"
        settings.MAIL_REPLY_ADDRESS = "support@desk.example"
        yield server


def test_a_tickets_emails_thread_and_name_a_signed_reply_address(smtp):
    ticket = make_ticket(email="ana@viewer.example", subject="Origin returns 502")
    engineer = make_engineer("lena")
    deliver_requester_mail(now=NOW)
    ticket_reply(ticket=ticket, author=engineer.user, body="Looking at it.", now=NOW)
    deliver_requester_mail(now=NOW)

    first, second = (received.message for received in smtp.received)
    assert first["Subject"].startswith(f"[{ticket.reference}] ")
    assert second["Subject"] == f"[{ticket.reference}] New reply: Origin returns 502"
    assert "In-Reply-To" not in first
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert first["Auto-Submitted"] == "auto-generated" and second["Auto-Submitted"] is None  # a person's
    assert first["Content-Language"] == second["Content-Language"] == "en"
    reply_to = second["Reply-To"]
    assert reply_to == reply_address(ticket.reference)
    local = reply_to.split("@")[0]
    assert local.startswith(f"support+{ticket.reference}.") and len(local.rpartition(".")[2]) == 12
    assert reference_from_reply_address(reply_to) == ticket.reference
    assert reference_from_reply_address(reply_to.upper()) == ticket.reference  # case folded by relays
    # Another ticket's number with this signature, or a guessed one, names nothing.
    other = reply_to.replace(ticket.reference, f"SD-{ticket.pk + 1000 + 1}")
    assert reference_from_reply_address(other) is None
    assert reference_from_reply_address(local + "x@desk.example") is None
    recorded = list(MailThreadId.objects.filter(ticket=ticket).values_list("message_id", flat=True))
    assert [f"<{each}>" for each in recorded] == [first["Message-ID"], second["Message-ID"]]


def test_no_email_goes_to_an_address_that_bounces(smtp):
    ticket = make_ticket(email="gone@viewer.example")
    BouncingAddress.objects.create(address="gone@viewer.example", since=NOW, reason="5.1.1 no such user")
    assert deliver_requester_mail(now=NOW) == ["failed"]
    assert smtp.received == []
    notification = RequesterNotification.objects.get(ticket=ticket)
    assert notification.last_error == "not sent: the address bounces"


def test_a_long_subject_in_another_script_reads_back_exactly_after_the_smtp_trip(smtp):
    """Django folded a long encoded subject before its first word ("Subject:" and an empty line), so a
    strict reader saw a subject starting with a space; the desk encodes it knowing the header's name."""
    subject = "配信が数分ごとに止まる: チャンネル4とチャンネル5の両方"
    ticket = make_ticket(email="hanako@viewer.example", subject=subject)
    deliver_requester_mail(now=NOW)
    [received] = smtp.received
    assert received.message["Subject"] == f"[{ticket.reference}] We received your ticket: {subject}"
    raw = received.message.as_bytes()
    assert b"\nSubject: =?utf-8?b?" in raw


@pytest.mark.parametrize(("language", "tag"), [("pt-br", "pt-BR"), ("zh-hans", "zh-Hans"), ("ar", "ar")])
def test_an_email_names_the_language_it_is_worded_in(smtp, language, tag):
    ticket = make_ticket(email="ana@viewer.example")
    ticket.requester.language = language
    ticket.requester.save(update_fields=["language"])
    deliver_requester_mail(now=NOW)
    [received] = smtp.received
    assert received.message["Content-Language"] == tag
