"""Email in (issue 17) through the protocols: real MIME delivered into a throwaway Dovecot by IMAP APPEND,
read by the desk's mailbox reader over IMAP, answered through the real SMTP server in tests/mail.py."""

from datetime import timedelta

import pytest
from django.test import Client

from escalation.roster.services.engineers import manager_ensure
from support_desk.inbound.reader import mailbox_poll
from tests.api.conftest import client_for
from tests.factories import NOW, CustomerFactory, UserFactory, make_engineer, make_ticket
from tests.mail import deliver_requester_mail
from tests.mail_in.conftest import DESK, eml, reply_eml
from tickets.mail_addresses import reply_address
from tickets.models import (
    Attachment,
    BouncingAddress,
    Event,
    EventType,
    InboundMail,
    Message,
    RequesterNotification,
    Ticket,
)
from tickets.services import ticket_reply

pytestmark = pytest.mark.django_db

Status = InboundMail.Status


def _ticket_with_mail(smtp, email: str, subject: str = "Origin returns 502") -> tuple[Ticket, object]:
    """A ticket filed on the web, and the "received" email its requester got (through SMTP)."""
    ticket = make_ticket(email=email, subject=subject, now=NOW)
    before = len(smtp.received)
    deliver_requester_mail(now=NOW)
    return ticket, smtp.received[before].message


def _poll(now=NOW):
    result = mailbox_poll(now=now)
    assert result.error == "", result
    return result


def _reply(ticket: Ticket) -> Message:
    return Message.objects.filter(ticket=ticket, author=None).exclude(body=ticket.description).get()


def test_replies_thread_by_headers_by_reply_address_and_by_subject_stripped_of_quotes(mail, smtp):
    ana, ana_mail = _ticket_with_mail(smtp, "ana@viewer.example")
    priya, _ = _ticket_with_mail(smtp, "priya@stream.example")
    lucas, lucas_mail = _ticket_with_mail(smtp, "lucas@live.example")
    gmail = eml(
        "gmail_reply.eml",
        FROM="ana@viewer.example",
        IN_REPLY_TO=ana_mail["Message-ID"],
        REFERENCES=ana_mail["Message-ID"],
        SUBJECT=ana_mail["Subject"],
    )
    mail.deliver(gmail)
    mail.deliver(
        eml(
            "outlook_reply.eml",
            FROM="priya@stream.example",
            TO=reply_address(priya.reference),
            SUBJECT=f"[{priya.reference}] New reply",
        )
    )
    mail.deliver(eml("apple_mail_reply.eml", FROM="lucas@live.example", SUBJECT=lucas_mail["Subject"]))

    assert _poll().handled == 3
    assert mail.unseen() == 0  # marked \Seen once each change committed

    assert _reply(ana).body == "The stream is back since 17:55 — thanks for the quick fix!"
    outlook = _reply(priya).body
    assert "Mumbai as well. You can close it." in outlook
    assert "Sent: Thursday" not in outlook and "looking at the origin" not in outlook
    apple = _reply(lucas).body
    assert apple.startswith("Still dropping every ten minutes on the Lyon encoder.")
    assert "wrote:" not in apple and "which encoder" not in apple
    reasons = dict(InboundMail.objects.values_list("ticket_id", "reason"))
    assert reasons == {
        ana.pk: "reply, threaded by headers",
        priya.pk: "reply, threaded by reply address",
        lucas.pk: "reply, threaded by subject",
    }
    # The same service as the customer's page: a customer_replied event on each ticket, by email.
    replied = Event.objects.filter(type=EventType.CUSTOMER_REPLIED)
    assert [event.data.get("channel") for event in replied] == ["email"] * 3

    # A reply to the desk's reply, as a client builds it (tests/mail_in/conftest.py `reply_eml`), in
    # ISO-2022-JP: threaded by its headers, the quoted original gone.
    engineer = make_engineer("lena")
    ticket_reply(ticket=ana, author=engineer.user, body="Could you confirm the player version?", now=NOW)
    deliver_requester_mail(now=NOW)
    answer = reply_eml(
        smtp.received[-1].message,
        sender="ana@viewer.example",
        text="バージョンは 4.2 です。",
        charset="iso-2022-jp",
    )
    mail.deliver(answer)
    assert _poll().handled == 1
    assert Message.objects.filter(ticket=ana, author=None).last().body == "バージョンは 4.2 です。"

    # The same message delivered again (another UID, the same Message-ID) changes nothing.
    mail.deliver(gmail)
    assert _poll().handled == 1
    assert Message.objects.filter(ticket=ana).count() == 4  # the filing, the reply, ours, the answer
    assert InboundMail.objects.count() == 4 and mail.unseen() == 0


def test_a_stranger_threads_only_with_the_signed_reply_address(mail, smtp, settings):
    settings.MAIL_PROCESSED_FOLDER = "Handled"  # moved there, not only marked \Seen
    ana, ana_mail = _ticket_with_mail(smtp, "ana@viewer.example")
    # Our Message-ID and the reference in the subject are no secrets: a stranger's mail naming them
    # files a ticket of its own.
    mail.deliver(
        eml(
            "gmail_reply.eml",
            FROM="mallory@elsewhere.example",
            IN_REPLY_TO=ana_mail["Message-ID"],
            REFERENCES=ana_mail["Message-ID"],
            SUBJECT=ana_mail["Subject"],
        )
    )
    # Written to the ticket's signed reply address, a colleague's mail threads, named as such.
    mail.deliver(
        eml(
            "outlook_reply.eml",
            FROM="colleague@viewer.example",
            TO=reply_address(ana.reference),
            SUBJECT=ana_mail["Subject"],
        )
    )
    assert _poll().handled == 2

    stranger = Ticket.objects.get(requester__email="mallory@elsewhere.example")
    assert stranger.pk != ana.pk and not stranger.requester_trusted
    colleague = _reply(ana)
    assert colleague.body.startswith("(By email from colleague@viewer.example)\n\n")
    assert Message.objects.filter(ticket=ana).count() == 2
    assert (mail.count("INBOX"), mail.count("Handled")) == (0, 2)


def test_new_tickets_in_japanese_chinese_and_arabic_through_the_intake_rules(mail, smtp):
    CustomerFactory(name="QQ Streams", plan="premium", domains=["qq.example"])
    hanako, _ = _ticket_with_mail(smtp, "hanako@mail.example.jp", "配信が止まります")
    mail.deliver(
        eml(
            "japanese_iso2022jp.eml",
            FROM="hanako@mail.example.jp",
            TO=reply_address(hanako.reference),
            SUBJECT_REF=f"[{hanako.reference}]",
        )
    )
    mail.deliver(eml("chinese_gb18030.eml", FROM="wang.wei@qq.example"))
    mail.deliver(eml("arabic_utf8.eml", FROM="layla@mail.example.ae"))
    assert _poll().handled == 3

    assert (
        _reply(hanako).body
        == "お世話になっております。\n東京の配信で映像が止まる件、本日18時以降は再発していません。"
    )
    chinese = Ticket.objects.get(requester__email="wang.wei@qq.example")
    assert chinese.subject == "直播卡顿" and chinese.requester.name == "王伟"
    assert "上海的直播从下午三点开始卡顿" in chinese.description
    arabic = Ticket.objects.get(requester__email="layla@mail.example.ae")
    assert arabic.subject == "توقف البث المباشر" and arabic.requester.name == "ليلى حسن"
    assert "البث المباشر في دبي يتوقف" in arabic.description
    assert arabic.events.get(type=EventType.CREATED).data["channel"] == "email"
    # The intake's trust rules: an unconfirmed address at a customer's domain files on the standard plan,
    # without the customer, and is sent a link to confirm it.
    assert (chinese.customer_id, chinese.plan, chinese.requester_trusted) == (None, "standard", False)
    kinds = set(RequesterNotification.objects.filter(ticket=chinese).values_list("kind", flat=True))
    assert kinds == {"received", "confirm_address"}
    before = len(smtp.received)
    deliver_requester_mail(now=NOW)
    to_wang = [r.message for r in smtp.received[before:] if r.envelope_to == ["wang.wei@qq.example"]]
    assert len(to_wang) == 2
    assert [m["Reply-To"] for m in to_wang] == [reply_address(chinese.reference)] * 2
    assert [m["Subject"].strip()[: len(chinese.reference) + 2] for m in to_wang] == [
        f"[{chinese.reference}]"
    ] * 2


def test_html_only_mail_becomes_safe_text_and_files_pass_the_upload_checks(mail):
    mail.deliver(eml("html_only_script.eml", FROM="ops@webmail.example"))
    mail.deliver(eml("attachment.eml", FROM="jonas@stream.example"))
    assert _poll().handled == 2

    html = Ticket.objects.get(requester__email="ops@webmail.example").description
    assert html == (
        "Since 17:00 the player shows a black screen & no error.\nSteps:\n1. open the page\n2. press play\n"
        "details"
    )
    jonas = Ticket.objects.get(requester__email="jonas@stream.example")
    [kept] = Attachment.objects.filter(message__ticket=jonas)
    assert (kept.name, kept.content_type) == ("player-error.png", "image/png")
    assert kept.file.read().startswith(b"\x89PNG")
    record = InboundMail.objects.get(ticket=jonas)
    assert record.reason.startswith("new ticket; files not kept: fix.exe: Attach a PNG")


def test_auto_replies_are_ignored_with_an_event_and_bounces_stop_the_mail(mail, smtp):
    ana, ana_mail = _ticket_with_mail(smtp, "ana@viewer.example")
    mail.deliver(
        eml(
            "vacation_autoreply.eml",
            FROM="ana@viewer.example",
            TO=reply_address(ana.reference),
            SUBJECT=ana_mail["Subject"],
            IN_REPLY_TO=ana_mail["Message-ID"],
        )
    )
    mail.deliver(
        eml(
            "dsn_bounce.eml",
            BOUNCED="ana@viewer.example",
            SUBJECT=ana_mail["Subject"],
            IN_REPLY_TO=ana_mail["Message-ID"],
        )
    )
    assert _poll().handled == 2

    assert Message.objects.filter(ticket=ana).count() == 1  # neither became a message
    ignored = ana.events.get(type=EventType.MAIL_IGNORED)
    assert ignored.data["reason"] == "Auto-Submitted: auto-replied"
    bouncing = BouncingAddress.objects.get()
    assert bouncing.address == "ana@viewer.example" and bouncing.reason.startswith("5.1.1 smtp; 550 5.1.1")
    assert ana.events.filter(type=EventType.ADDRESS_BOUNCING).count() == 1

    engineer = make_engineer("lena")
    ticket_reply(ticket=ana, author=engineer.user, body="Fixed on our side.", now=NOW)
    before = len(smtp.received)
    assert deliver_requester_mail(now=NOW) == ["failed"]
    assert len(smtp.received) == before  # nothing more goes to a bouncing address
    detail = client_for(engineer.user).get(f"/api/v1/tickets/{ana.reference}/").json()
    assert detail["requester_bouncing"]["reason"] == bouncing.reason
    page = Client()
    page.force_login(engineer.user)
    assert b'data-testid="requester-bouncing"' in page.get(f"/tickets/{ana.reference}/").content


def test_no_loops_our_own_mail_is_ignored_and_a_flood_is_quarantined(mail, settings):
    settings.MAIL_SENDER_LIMIT_PER_HOUR = 2
    mail.deliver(eml("html_only_script.eml", FROM=DESK))
    for n in range(3):
        raw = eml("arabic_utf8.eml", FROM="flood@loop.example").replace(b"4b7e1f2a", f"flood{n}".encode())
        mail.deliver(raw)
    assert _poll().handled == 4

    own = InboundMail.objects.get(sender=DESK)
    assert (own.status, own.ticket_id) == (Status.IGNORED, None)
    statuses = list(
        InboundMail.objects.filter(sender="flood@loop.example")
        .order_by("pk")
        .values_list("status", flat=True)
    )
    assert statuses == [Status.PROCESSED, Status.PROCESSED, Status.QUARANTINED]
    assert Ticket.objects.filter(requester__email="flood@loop.example").count() == 2


MALFORMED = (
    b"From: broken@viewer.example\r\nTo: support@desk.example\r\nSubject: cut off\r\n"
    b"Message-ID: <broken-1@viewer.example>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="never-there"\r\n\r\nno parts at all\r\n'
)
NO_SENDER = b"To: support@desk.example\r\nSubject: who?\r\nMessage-ID: <nobody-1@x.example>\r\n\r\nhello\r\n"


def test_quarantine_keeps_malformed_and_oversized_mail_and_engineers_release_it(
    mail, settings, django_assert_max_num_queries
):
    settings.MAIL_MAX_BYTES = 1000
    mail.deliver(eml("attachment.eml", FROM="jonas@stream.example"))  # 1.4 kB
    mail.deliver(MALFORMED)
    mail.deliver(NO_SENDER)
    assert _poll().handled == 3
    assert mail.unseen() == 0 and not Ticket.objects.exists()
    reasons = sorted(InboundMail.objects.values_list("reason", flat=True))
    assert reasons == [
        "larger than MAIL_MAX_BYTES (1000 bytes)",
        "malformed: broken structure: StartBoundaryNotFoundDefect",
        "malformed: no sender address",
    ]

    engineer = make_engineer("lena")
    manager = manager_ensure(username="maria", name="Maria Santos", email="maria@support.example")
    outsider = UserFactory(username="visitor", is_staff=False)
    oversized = InboundMail.objects.get(reason__startswith="larger")
    unreadable = InboundMail.objects.get(reason="malformed: no sender address")
    release = f"/api/v1/mail/quarantine/{oversized.pk}/release/"
    assert client_for().get("/api/v1/mail/quarantine/").status_code == 401
    assert client_for(outsider).get("/api/v1/mail/quarantine/").status_code == 403
    assert client_for(outsider).post(release).status_code == 403
    as_manager = client_for(manager)
    with django_assert_max_num_queries(4):  # the token, the count, the page: however many rows
        listed = as_manager.get("/api/v1/mail/quarantine/").json()
    assert listed["count"] == 3 and {row["status"] for row in listed["results"]} == {"quarantined"}

    refused = client_for(engineer.user).post(f"/api/v1/mail/quarantine/{unreadable.pk}/release/")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "This email still cannot be read: no sender address."
    released = client_for(engineer.user).post(release)
    assert released.status_code == 200, released.content
    ticket = Ticket.objects.get(requester__email="jonas@stream.example")
    assert released.json()["ticket"] == ticket.reference and released.json()["status"] == "released"
    assert Attachment.objects.filter(message__ticket=ticket).count() == 1
    assert client_for(engineer.user).post(release).status_code == 400  # released once
    unreadable.refresh_from_db()
    assert unreadable.status == Status.QUARANTINED and unreadable.raw.read() == NO_SENDER


def test_a_mailbox_outage_backs_off_shows_on_health_and_the_mail_is_read_once_after(mail, smtp):
    mail.deliver(eml("arabic_utf8.eml", FROM="layla@mail.example.ae"))
    mail.stop()
    try:
        failed = mailbox_poll(now=NOW)
        assert "ConnectionRefusedError" in failed.error
        health = Client().get("/healthz?detail=1")
        assert health.status_code == 503
        mailbox = health.json()["checks"]["mailbox"]
        assert mailbox["ok"] is False and mailbox["failures"] == 1 and "password" not in str(mailbox)
        assert mailbox["retry_at"] == (NOW + timedelta(seconds=30)).isoformat()
        assert mailbox_poll(now=NOW + timedelta(seconds=10)).skipped == "backing off"
        assert mailbox_poll(now=NOW + timedelta(seconds=31)).error  # down still: 60 s next
        assert mailbox_poll(now=NOW + timedelta(seconds=61)).skipped == "backing off"
    finally:
        mail.start()
    assert _poll(NOW + timedelta(seconds=92)).handled == 1
    assert _poll(NOW + timedelta(seconds=93)).handled == 0
    assert Ticket.objects.filter(requester__email="layla@mail.example.ae").count() == 1
    assert Client().get("/healthz?detail=1").json()["checks"]["mailbox"]["ok"] is True


def test_without_a_mailbox_inbound_is_off_and_health_says_so(settings):
    settings.MAIL_INBOX_URL = ""
    assert mailbox_poll(now=NOW).skipped == "off"
    mailbox = Client().get("/healthz?detail=1").json()["checks"]["mailbox"]
    assert mailbox == {
        "ok": True,
        "enabled": False,
        "detail": "inbound mail is off: MAIL_INBOX_URL is not set",
    }
