"""The customer's pages: the public form, the confirmation and the private-link page."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import NOW, CustomerFactory, UserFactory, make_ticket
from tests.mail import deliver_requester_mail
from tickets import services
from tickets.models import (
    ATTACHMENT_MAX_BYTES,
    Attachment,
    EventType,
    Message,
    RequesterNotification,
    Severity,
    Status,
    Ticket,
)
from tickets.notifications import TransientMailError

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def engineer():
    return UserFactory(username="lena", first_name="Lena", last_name="Fischer")


def form_data(**overrides) -> dict:
    data = {
        "severity": Severity.URGENT,
        "subject": "Stream down in Lisbon",
        "description": "Viewers see a black screen since 10:55.",
        "email": "Ops@Viewer.example",
        "name": "Ana Costa",
        "timezone": "Europe/Lisbon",
        "website": "",
    }
    data.update(overrides)
    return data


def html(response) -> str:
    return response.content.decode()


# --- the form ------------------------------------------------------------------------------------


def test_the_form_has_every_field_labelled_plain_severity_words_and_csrf(client):
    page = html(client.get("/"))
    for name in ("severity", "subject", "description", "email", "name", "attachment", "timezone", "website"):
        assert f'name="{name}"' in page
    for field in ("id_subject", "id_description", "id_email", "id_name", "id_attachment"):
        assert f'<label for="{field}">' in page
    assert (
        '<strong>General<span class="visually-hidden">:</span></strong> a question or a minor issue' in page
    )
    assert '<strong>Urgent<span class="visually-hidden">:</span></strong> viewers are affected' in page
    assert '<strong>Major<span class="visually-hidden">:</span></strong> the service is down' in page
    assert "csrfmiddlewaretoken" in page
    assert "data-browser-timezone" in page
    assert 'enctype="multipart/form-data"' in page


def test_filing_a_ticket_promises_in_the_browser_zone_and_emails_the_private_link(
    client, mailoutbox, settings
):
    settings.PUBLIC_BASE_URL = "https://desk.example.com"
    response = client.post("/", form_data())

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/{ticket.access_token}/received/"
    assert (ticket.subject, ticket.severity, ticket.requester.email) == (
        "Stream down in Lisbon",
        Severity.URGENT,
        "ops@viewer.example",
    )
    assert ticket.requester_timezone == ZoneInfo("Europe/Lisbon")
    assert ticket.created_at == NOW
    # 10:00 UTC is 11:00 in Lisbon: one business hour there, so 12:00 WEST.
    assert ticket.first_response_due_at == datetime(2025, 6, 11, 11, 0, tzinfo=UTC)
    assert not mailoutbox  # the worker sends it, after the request
    deliver_requester_mail(now=NOW)
    [mail] = mailoutbox
    assert mail.to == ["ops@viewer.example"]
    assert mail.subject == f"[{ticket.reference}] We received your ticket: Stream down in Lisbon"
    assert f"https://desk.example.com/t/{ticket.access_token}/" in mail.body
    assert "An engineer will reply by Wednesday 11 June 2025 at 12:00 WEST (Europe/Lisbon)." in mail.body
    assert "Urgent: viewers are affected" in mail.body


def test_the_confirmation_shows_reference_promise_in_local_time_and_link(client):
    client.post("/", form_data())
    ticket = Ticket.objects.get()

    response = client.get(f"/t/{ticket.access_token}/received/")

    page = html(response)
    assert response.status_code == 200
    assert ticket.reference in page
    assert "Wednesday 11 June 2025 at 12:00 WEST (Europe/Lisbon)" in page
    assert f'value="http://testserver/t/{ticket.access_token}/"' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


def test_without_a_browser_zone_the_customers_configured_zone_is_used(client):
    CustomerFactory(name="Kabuki", timezone=ZoneInfo("Asia/Tokyo"), domains=["kabuki.example"])
    client.post("/", form_data(email="noc@kabuki.example", timezone=""))
    assert Ticket.objects.get().requester_timezone == ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("sent", ["Mars/Olympus_Mons", "../../etc/passwd", "x" * 64])
def test_a_zone_the_browser_cannot_have_sent_is_ignored(client, sent):
    response = client.post("/", form_data(timezone=sent))
    assert response.status_code == 302
    assert Ticket.objects.get().requester_timezone == ZoneInfo("UTC")


def test_errors_come_back_next_to_their_fields_and_nothing_typed_is_lost(client, mailoutbox):
    response = client.post("/", form_data(subject="", email="not-an-address", severity=""))

    page = html(response)
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert not mailoutbox
    # Each error is in the field's own block, linked to its input for screen readers.
    subject_block = re.search(
        r'<div class="field field--error">\s*<label for="id_subject">.*?</div>', page, re.S
    )
    assert "Give the ticket a subject." in subject_block.group(0)
    assert 'aria-describedby="id_subject_helptext id_subject_error"' in page
    assert 'aria-invalid="true"' in page
    assert 'id="id_email_error"' in page and "Enter an email address." in page
    assert "Choose how serious the problem is." in page
    # The summary at the top links to each field.
    assert 'href="#id_subject"' in page and 'href="#id_email"' in page
    # What the customer typed is still there.
    assert "Viewers see a black screen since 10:55.</textarea>" in page
    assert 'value="Ana Costa"' in page
    assert 'value="not-an-address"' in page
    assert 'value="Europe/Lisbon"' in page


def test_a_subject_over_200_characters_is_refused_and_kept(client):
    response = client.post("/", form_data(subject="x" * 201))
    assert "Ensure this value has at most 200 characters (it has 201)." in html(response)
    assert not Ticket.objects.exists()


def test_a_filled_honeypot_files_nothing(client, mailoutbox):
    response = client.post("/", form_data(website="http://cheap-pills.example"))
    assert response.status_code == 200
    assert "We could not accept this form." in html(response)
    assert not Ticket.objects.exists()
    assert not mailoutbox


def test_one_address_may_file_five_tickets_an_hour(client):
    for n in range(5):
        assert client.post("/", form_data(subject=f"Problem {n}")).status_code == 302
    refused = client.post("/", form_data(subject="Problem 6", email="OPS@viewer.example"))
    assert refused.status_code == 429
    assert "You have filed several tickets from this address in the last hour" in html(refused)
    assert "Problem 6" in html(refused)  # what was typed is kept
    assert Ticket.objects.count() == 5
    # Another address is not affected, and the next hour starts afresh.
    assert client.post("/", form_data(email="someone@else.example")).status_code == 302
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert client.post("/", form_data(subject="Problem 7")).status_code == 302


def test_the_form_is_csrf_protected():
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/", form_data())
    assert refused.status_code == 403
    assert "Please send the form again" in html(refused)
    assert not Ticket.objects.exists()

    client.get("/")
    token = client.cookies["csrftoken"].value
    assert client.post("/", form_data(csrfmiddlewaretoken=token)).status_code == 302
    assert Ticket.objects.count() == 1


# --- attachments ---------------------------------------------------------------------------------


def test_an_attachment_is_stored_privately_and_the_link_holder_can_download_it(client):
    upload = SimpleUploadedFile("Screen shot.png", PNG, content_type="image/png")
    client.post("/", form_data(attachment=upload))

    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.message == ticket.messages.get()
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "Screen shot.png",
        "image/png",
        len(PNG),
    )
    assert re.fullmatch(rf"attachments/{ticket.pk}/[0-9a-f]{{32}}", attachment.file.name)
    assert "Screen shot" not in attachment.file.name

    page = html(client.get(f"/t/{ticket.access_token}/"))
    url = f"/t/{ticket.access_token}/files/{attachment.pk}/"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="Screen shot.png"'
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "screen.png",
            b"just text, not an image",
            "This file is named .png but its contents are not a PNG image.",
        ),
        ("report.pdf", PNG, "This file is named .pdf but its contents are not a PDF document."),
        ("data.json", b"{not json", "This file is named .json but its contents are not valid JSON."),
        ("setup.exe", b"MZ\x90\x00", "Attach a PNG, JPEG, GIF, PDF, text, log, CSV, JSON or ZIP file."),
        (
            "page.html",
            b"<script>alert(1)</script>",
            "Attach a PNG, JPEG, GIF, PDF, text, log, CSV, JSON or ZIP file.",
        ),
    ],
)
def test_an_attachment_whose_content_is_not_an_allowed_type_is_refused(client, name, content, error):
    # The browser's declared type is not trusted either way.
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = client.post("/", form_data(attachment=upload))
    assert error in html(response)
    assert not Ticket.objects.exists()
    assert "a file you attached must be chosen again" in html(response)


def test_a_text_file_declared_as_something_else_is_stored_as_text(client):
    upload = SimpleUploadedFile(
        "player.log", b"12:00 stall\n12:01 stall\n", content_type="application/octet-stream"
    )
    client.post("/", form_data(attachment=upload))
    assert Attachment.objects.get().content_type == "text/plain"


def test_an_attachment_over_5_mib_is_refused_while_it_streams_in(client):
    big = SimpleUploadedFile(
        "capture.zip", b"PK\x03\x04" + b"\x00" * ATTACHMENT_MAX_BYTES, content_type="application/zip"
    )
    response = client.post("/", form_data(attachment=big))
    assert "The file is larger than 5 MiB." in html(response)
    assert not Ticket.objects.exists()
    assert 'value="Stream down in Lisbon"' in html(response)


def test_a_file_on_an_internal_note_or_another_ticket_is_not_served_by_the_link(client, engineer):
    ticket, other = make_ticket(now=NOW), make_ticket(now=NOW)
    note = services.ticket_reply(ticket=ticket, author=engineer, body="edge dump", internal=True, now=NOW)
    on_note = services.attachment_add(
        message=note,
        file=SimpleUploadedFile("dump.txt", b"secret"),
        name="dump.txt",
        content_type="text/plain",
        now=NOW,
    )
    on_other = services.attachment_add(
        message=other.messages.get(),
        file=SimpleUploadedFile("a.png", PNG),
        name="a.png",
        content_type="image/png",
        now=NOW,
    )
    assert client.get(f"/t/{ticket.access_token}/files/{on_note.pk}/").status_code == 404
    assert client.get(f"/t/{ticket.access_token}/files/{on_other.pk}/").status_code == 404
    assert client.get(f"/t/{other.access_token}/files/{on_other.pk}/").status_code == 200


# --- the ticket behind the private link ----------------------------------------------------------


def test_a_wrong_link_is_not_found(client):
    make_ticket(now=NOW)
    assert client.get("/t/not-a-token/").status_code == 404
    assert client.get("/t/not-a-token/received/").status_code == 404
    assert client.post("/t/not-a-token/", {"body": "hello"}).status_code == 404


def test_the_page_shows_status_promise_and_public_thread_but_never_internal_notes(client, engineer):
    ticket = make_ticket(now=NOW, severity=Severity.URGENT, requester_timezone=ZoneInfo("America/New_York"))
    services.ticket_reply(
        ticket=ticket, author=engineer, body="Checked the edge logs: origin 502s.", internal=True, now=NOW
    )

    response = client.get(f"/t/{ticket.access_token}/")

    page = html(response)
    assert response.status_code == 200
    assert ticket.subject in page and ticket.description in page
    assert ">New<" in page
    # 10:00 UTC is 06:00 in New York: the first business hour is 09:00-10:00 EDT.
    assert "An engineer will reply by Wednesday 11 June 2025 at 10:00 EDT (America/New_York)." in page
    assert "Monday to Friday, 09:00-18:00 America/New_York time" in page
    assert "Checked the edge logs" not in page
    assert "Internal note" not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_engineers_public_reply_shows_with_their_first_name_only(client, engineer):
    ticket = make_ticket(now=NOW)
    services.ticket_reply(
        ticket=ticket, author=engineer, body="We are on it.", now=NOW + timedelta(minutes=5)
    )
    page = html(client.get(f"/t/{ticket.access_token}/"))
    assert "We are on it." in page
    assert "Lena · Support" in page
    assert "Fischer" not in page
    assert "We aim to resolve this by" in page


def test_a_late_promise_says_so(client):
    ticket = make_ticket(now=NOW, severity=Severity.MAJOR)
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        page = html(client.get(f"/t/{ticket.access_token}/"))
    assert "Our first reply is late: we promised it by Wednesday 11 June 2025 at 10:15 UTC." in page


def test_a_reply_lands_on_the_thread_then_redirects_back(client):
    ticket = make_ticket(now=NOW)
    response = client.post(f"/t/{ticket.access_token}/", {"body": "It happens on Safari only."})
    assert response.status_code == 302
    assert response["Location"] == f"/t/{ticket.access_token}/"
    message = ticket.messages.last()
    assert (message.body, message.author, message.internal) == ("It happens on Safari only.", None, False)
    assert ticket.events.filter(type=EventType.CUSTOMER_REPLIED).exists()
    page = html(client.get(response["Location"]))
    assert "Your reply was sent." in page
    assert "It happens on Safari only." in page


def test_a_reply_with_an_attachment_keeps_the_file_on_that_message(client):
    ticket = make_ticket(now=NOW)
    upload = SimpleUploadedFile("trace.csv", b"time,bitrate\n12:00,0\n")
    client.post(f"/t/{ticket.access_token}/", {"body": "Here is the trace.", "attachment": upload})
    attachment = Attachment.objects.get()
    assert attachment.message.body == "Here is the trace."
    assert attachment.content_type == "text/csv"


def test_an_empty_reply_is_refused_next_to_the_box(client):
    ticket = make_ticket(now=NOW)
    response = client.post(f"/t/{ticket.access_token}/", {"body": ""})
    assert response.status_code == 200
    assert 'id="id_body_error"' in html(response)
    assert "Write your reply first." in html(response)
    assert ticket.messages.count() == 1


def test_a_reply_reopens_a_resolved_ticket(client, engineer):
    ticket = make_ticket(now=NOW)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Fixed.", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW)
    assert "We resolved this ticket on" in html(client.get(f"/t/{ticket.access_token}/"))

    client.post(f"/t/{ticket.access_token}/", {"body": "Still broken."})

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolution_cycle == 2
    assert ticket.resolved_at is None


def test_a_reply_resumes_a_paused_ticket(client, engineer):
    ticket = make_ticket(now=NOW)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Which player?", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=NOW)
    assert "Our resolution clock is paused until you reply." in html(client.get(f"/t/{ticket.access_token}/"))

    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        client.post(f"/t/{ticket.access_token}/", {"body": "Shaka player 4."})

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.paused_at is None
    assert ticket.resolution_due_at is not None and ticket.next_due_at == ticket.resolution_due_at


def test_a_reply_to_a_closed_ticket_opens_a_follow_up_and_leads_there(client, engineer, mailoutbox):
    ticket = make_ticket(now=NOW)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Fixed.", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=engineer, now=NOW)
    RequesterNotification.objects.all().delete()  # what the engineer's actions told the requester

    response = client.post(f"/t/{ticket.access_token}/", {"body": "It is back."})

    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert response["Location"] == f"/t/{follow_up.access_token}/"
    assert follow_up.messages.get().body == "It is back."
    deliver_requester_mail(now=NOW)
    [mail] = mailoutbox
    assert follow_up.reference in mail.subject and follow_up.access_token in mail.body
    page = html(client.get(response["Location"]))
    assert f"{ticket.reference} was closed, so your reply opened a new ticket, {follow_up.reference}." in page
    assert f"This ticket follows up {ticket.reference}." in page
    old_page = html(client.get(f"/t/{ticket.access_token}/"))
    assert f'href="/t/{follow_up.access_token}/"' in old_page


def test_replies_on_one_ticket_are_rate_limited(client):
    ticket = make_ticket(now=NOW)
    for n in range(30):
        client.post(f"/t/{ticket.access_token}/", {"body": f"ping {n}"})
    response = client.post(f"/t/{ticket.access_token}/", {"body": "ping 31"})
    assert "You have sent many replies in the last hour" in html(response)
    assert Message.objects.filter(ticket=ticket).count() == 31  # the description and 30 replies


def test_the_form_answers_head_requests_for_uptime_checks(client):
    assert client.head("/").status_code == 200
    assert client.put("/", {}).status_code == 405


def test_a_mail_server_that_is_down_does_not_lose_the_ticket_nor_the_email(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    response = client.post("/", form_data())
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/t/{ticket.access_token}/received/"
    with pytest.raises(TransientMailError):  # the worker's attempt: retried later with backoff
        deliver_requester_mail(now=NOW)
    notification = RequesterNotification.objects.get(ticket=ticket)
    assert (notification.status, notification.attempts) == (RequesterNotification.Status.QUEUED, 1)
    assert "refused" in notification.last_error.lower()


def test_one_client_may_file_for_many_addresses_only_up_to_its_limit(client, settings, mailoutbox):
    """30 posts with 30 addresses from one client filed 30 tickets and emailed 30 addresses; now the
    client's limit (PUBLIC_FORM_TICKETS_PER_CLIENT_PER_HOUR) stops it, whatever the addresses."""
    settings.PUBLIC_FORM_TICKETS_PER_CLIENT_PER_HOUR = 3
    for n in range(3):
        assert client.post("/", form_data(email=f"victim{n}@anywhere.example")).status_code == 302
    refused = client.post("/", form_data(subject="Fourth", email="victim3@anywhere.example"))
    assert refused.status_code == 429
    assert "Many tickets came from your network in the last hour" in html(refused)
    assert "Fourth" in html(refused) and "victim3@anywhere.example" in html(refused)
    assert Ticket.objects.count() == 3
    # Another client is not affected; the next hour starts afresh.
    assert (
        client.post("/", form_data(email="ops@other.example"), REMOTE_ADDR="198.51.100.7").status_code == 302
    )
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert client.post("/", form_data(email="victim4@anywhere.example")).status_code == 302


def test_the_client_is_the_address_the_proxies_say_only_behind_configured_proxies(client, settings):
    settings.PUBLIC_FORM_TICKETS_PER_CLIENT_PER_HOUR = 1
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.post("/", form_data(email="a@x.example"), **forged).status_code == 302
    # No proxy configured: a forged X-Forwarded-For does not make a new client.
    forged_again = {"HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    assert client.post("/", form_data(email="b@x.example"), **forged_again).status_code == 429
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    from rest_framework.settings import api_settings

    api_settings.reload()
    try:
        assert client.post("/", form_data(email="c@x.example"), **forged_again).status_code == 302
    finally:
        api_settings.reload()
