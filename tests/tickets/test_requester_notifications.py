"""Emails to requesters belong to the actions, not to the channel: the web pages, the API and the worker
record the same one email per action, none is sent inside the request, and sending is idempotent."""

import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client

from tests.api.conftest import client_for
from tests.factories import NOW, make_engineer, make_ticket
from tests.mail import SmtpServer, deliver_requester_mail
from tickets import services
from tickets.models import RequesterNotification, Status, Ticket
from tickets.notifications import MAX_ATTEMPTS, TransientMailError, requester_notification_send
from tickets.tasks import close_stale_tickets

pytestmark = pytest.mark.django_db

BASE = "https://desk.example.com"
Kind = RequesterNotification.Kind


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lena():
    return make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin")


@pytest.fixture
def web(lena) -> Client:
    client = Client()
    client.force_login(lena.user)
    return client


@pytest.fixture
def api(lena):
    return client_for(lena.user)


@pytest.fixture
def ticket(lena):
    ticket = make_ticket(now=NOW, subject="Origin returns 502", email="ana@viewer.example")
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=lena.user, now=NOW)
    RequesterNotification.objects.all().delete()  # the filing's own email is not what these tests are about
    return ticket


def kinds(ticket) -> list[str]:
    return list(RequesterNotification.objects.filter(ticket=ticket).values_list("kind", flat=True))


def delivered() -> list:
    assert not mail.outbox, "an email went out inside the request"
    deliver_requester_mail(now=NOW)
    return list(mail.outbox)


# --- one email per action, whatever the channel ---------------------------------------------------

FORM = {
    "severity": "urgent",
    "subject": "Stream down in Lisbon",
    "description": "Black screen since 10:55.",
    "email": "ana@viewer.example",
    "name": "Ana Costa",
    "timezone": "Europe/Lisbon",
    "website": "",
}
INTAKE = {
    "subject": FORM["subject"],
    "description": FORM["description"],
    "severity": "urgent",
    "requester": {"email": "ana@viewer.example", "name": "Ana Costa"},
    "timezone": "Europe/Lisbon",
}


def file_on_the_web(web, api) -> None:
    assert Client().post("/", FORM).status_code == 302


def file_through_the_api(web, api) -> None:
    assert client_for().post("/api/v1/tickets/", INTAKE).status_code == 201


def file_through_the_api_as_an_engineer(web, api) -> None:
    assert api.post("/api/v1/tickets/", INTAKE).status_code == 201


@pytest.mark.parametrize("file", [file_on_the_web, file_through_the_api, file_through_the_api_as_an_engineer])
def test_filing_emails_the_reference_promise_and_link_once_whatever_the_channel(file, web, api):
    file(web, api)

    ticket = Ticket.objects.get()
    assert kinds(ticket) == [Kind.RECEIVED]
    [email] = delivered()
    assert email.to == ["ana@viewer.example"]
    assert email.subject == f"[{ticket.reference}] We received your ticket: Stream down in Lisbon"
    assert f"{BASE}/t/{ticket.access_token}/" in email.body
    # Standard urgent, filed 10:00 UTC (11:00 in Lisbon): one business hour, 12:00 WEST.
    assert "An engineer will reply by Wednesday 11 June 2025 at 12:00 WEST (Europe/Lisbon)." in email.body
    assert "Urgent: viewers are affected" in email.body
    assert email.extra_headers["Message-ID"].startswith("<requester-notification-")
    assert deliver_requester_mail(now=NOW) == []  # nothing left to send


def reply_on_the_web(web, api, ticket) -> None:
    web.post(f"/tickets/{ticket.reference}/reply/", {"reply-body": "We see it too."})


def reply_through_the_api(web, api, ticket) -> None:
    response = api.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "We see it too."})
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("reply", [reply_on_the_web, reply_through_the_api])
def test_a_public_reply_emails_the_requester_once_whatever_the_channel(reply, web, api, ticket):
    reply(web, api, ticket)

    assert kinds(ticket) == [Kind.REPLY]
    [email] = delivered()
    assert email.to == ["ana@viewer.example"]
    assert email.subject == f"[{ticket.reference}] New reply: Origin returns 502"
    assert "Lena replied on your ticket" in email.body and "We see it too." in email.body
    assert f"{BASE}/t/{ticket.access_token}/" in email.body


def test_internal_notes_and_the_requesters_own_replies_email_nobody(web, api, ticket):
    web.post(f"/tickets/{ticket.reference}/note/", {"note-body": "Checking edge logs."})
    api.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "Disk full?", "internal": True})
    Client().post(f"/t/{ticket.access_token}/", {"body": "Any news?"})
    client_for().post(f"/api/v1/public/tickets/{ticket.access_token}/messages/", {"body": "Hello?"})

    assert ticket.messages.count() == 5
    assert kinds(ticket) == []
    assert delivered() == []


def status_on_the_web(web, api, ticket, status) -> None:
    assert web.post(f"/tickets/{ticket.reference}/status/", {"status": status}).status_code == 302


def status_through_the_api(web, api, ticket, status) -> None:
    response = api.patch(f"/api/v1/tickets/{ticket.reference}/", {"status": status})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("change", [status_on_the_web, status_through_the_api])
def test_a_status_change_emails_the_requester_once_whatever_the_channel(change, web, api, ticket, lena):
    services.ticket_reply(ticket=ticket, author=lena.user, body="Fixed the origin.", now=NOW)
    RequesterNotification.objects.all().delete()

    change(web, api, ticket, Status.RESOLVED)

    assert kinds(ticket) == [Kind.STATUS]
    [email] = delivered()
    assert email.subject == f"[{ticket.reference}] Resolved: Origin returns 502"
    assert '"Origin returns 502", is now resolved.' in email.body
    assert "If the problem is not fixed, reply below and the ticket reopens." in email.body
    assert f"{BASE}/t/{ticket.access_token}/" in email.body


def test_the_requesters_reply_reopens_without_telling_them_and_the_worker_closing_tells_them(ticket, lena):
    services.ticket_reply(ticket=ticket, author=lena.user, body="Fixed.", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=lena.user, now=NOW)
    Client().post(f"/t/{ticket.access_token}/", {"body": "Still broken."})  # back to open: they know
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=lena.user, now=NOW)
    RequesterNotification.objects.all().delete()

    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        assert close_stale_tickets() == 1  # the task body, as the worker runs it

    [notification] = RequesterNotification.objects.filter(ticket=ticket)
    assert (notification.kind, notification.event.data["to"]) == (Kind.STATUS, Status.CLOSED)
    [email] = delivered()
    assert email.subject == f"[{ticket.reference}] Closed: Origin returns 502"


def test_a_reply_to_a_closed_ticket_emails_the_follow_ups_link_once(ticket, lena):
    services.ticket_reply(ticket=ticket, author=lena.user, body="Fixed.", now=NOW)
    for status in (Status.RESOLVED, Status.CLOSED):
        services.ticket_change_status(ticket=ticket, status=status, actor=lena.user, now=NOW)
    RequesterNotification.objects.all().delete()

    Client().post(f"/t/{ticket.access_token}/", {"body": "It is back."})

    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert kinds(follow_up) == [Kind.RECEIVED] and kinds(ticket) == []
    [email] = delivered()
    assert follow_up.reference in email.subject
    assert f"{BASE}/t/{follow_up.access_token}/" in email.body


def test_the_record_is_written_in_the_actions_transaction_and_rolls_back_with_it(lena):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(now=NOW)
        raise RuntimeError("the request failed after filing")
    assert not RequesterNotification.objects.exists()

    ticket = make_ticket(now=NOW)
    [notification] = RequesterNotification.objects.filter(ticket=ticket)
    assert (notification.status, notification.attempts) == (RequesterNotification.Status.QUEUED, 0)
    assert notification.event.type == "created" and notification.recipient == ticket.requester.email


# --- sending: once, with a timeout, retried when the server asks ----------------------------------


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_TIMEOUT = 2
        yield server


def test_sending_twice_sends_once(smtp):
    ticket = make_ticket(now=NOW)
    [notification] = RequesterNotification.objects.filter(ticket=ticket)

    assert requester_notification_send(notification_id=notification.pk, now=NOW) == "sent"
    assert requester_notification_send(notification_id=notification.pk, now=NOW) == "skipped"

    [received] = smtp.received
    assert received.envelope_to == [ticket.requester.email]
    assert f"{BASE}/t/{ticket.access_token}/" in received.body
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.sent_at) == ("sent", 1, NOW)


def test_a_send_in_progress_is_not_sent_again_until_its_lease_ends(smtp):
    ticket = make_ticket(now=NOW)
    notification = RequesterNotification.objects.get(ticket=ticket)
    RequesterNotification.objects.filter(pk=notification.pk).update(status="sending", attempts=1)

    assert requester_notification_send(notification_id=notification.pk, now=NOW + timedelta(minutes=1)) == (
        "skipped"
    )
    assert smtp.received == []
    assert requester_notification_send(notification_id=notification.pk, now=NOW + timedelta(minutes=6)) == (
        "sent"
    )
    assert len(smtp.received) == 1


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_not(smtp):
    first, second = make_ticket(now=NOW), make_ticket(now=NOW)
    [retried] = RequesterNotification.objects.filter(ticket=first)
    [refused] = RequesterNotification.objects.filter(ticket=second)

    smtp.refuse_next(1)
    with pytest.raises(TransientMailError, match="451"):
        requester_notification_send(notification_id=retried.pk, now=NOW)
    retried.refresh_from_db()
    assert (retried.status, retried.attempts) == ("queued", 1) and "451" in retried.last_error
    assert requester_notification_send(notification_id=retried.pk, now=NOW) == "sent"

    smtp.refuse_next(1, "550 5.1.1 No such mailbox")
    assert requester_notification_send(notification_id=refused.pk, now=NOW) == "failed"
    refused.refresh_from_db()
    assert "550" in refused.last_error
    assert [r.envelope_to for r in smtp.received] == [[first.requester.email]]


def test_a_server_that_keeps_refusing_is_given_up_after_the_last_attempt(smtp):
    ticket = make_ticket(now=NOW)
    [notification] = RequesterNotification.objects.filter(ticket=ticket)
    smtp.refuse_next(MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(TransientMailError):
            requester_notification_send(notification_id=notification.pk, now=NOW)
    assert requester_notification_send(notification_id=notification.pk, now=NOW) == "failed"
    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error[:8]) == (MAX_ATTEMPTS, "gave up:")


def test_a_server_that_never_answers_times_out_after_email_timeout(settings):
    assert settings.EMAIL_TIMEOUT == 10  # the default: no SMTP call blocks a worker for longer
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.EMAIL_TIMEOUT = 0.5
        ticket = make_ticket(now=NOW)
        [notification] = RequesterNotification.objects.filter(ticket=ticket)
        started = time.perf_counter()
        with pytest.raises(TransientMailError, match="timed out"):
            requester_notification_send(notification_id=notification.pk, now=NOW)
        assert time.perf_counter() - started < 3
    notification.refresh_from_db()
    assert notification.status == "queued"


def test_the_admin_shows_the_emails_and_nobody_edits_or_deletes_them(admin_client):
    ticket = make_ticket(now=NOW)
    notification = RequesterNotification.objects.get(ticket=ticket)
    page = admin_client.get("/admin/tickets/requesternotification/")
    assert page.status_code == 200 and ticket.requester.email in page.content.decode()
    url = f"/admin/tickets/requesternotification/{notification.pk}"
    assert admin_client.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(f"{url}/change/", {"status": "sent"})
    notification.refresh_from_db()
    assert notification.status == "queued"
    assert RequesterNotification.objects.filter(pk=notification.pk).exists()
