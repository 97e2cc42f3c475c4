"""Desk tools on the web pages: close as spam (blocking the sender) or as a duplicate from the ticket
page, a blocked sender's filing through the real public form, and bulk actions from the queue."""

import re

import pytest
import time_machine

from escalation.models import LedgerEntry
from escalation.sla.integrity import ledger_walk
from tests.factories import NOW, UserFactory, make_engineer, make_ticket
from tickets.models import BlockedSender, Event, EventType, Message, RequesterNotification, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def lena():
    return make_engineer("lena", name="Lena Fischer")


def form_data(**overrides) -> dict:
    return {
        "severity": "urgent",
        "subject": "Cheap followers",
        "description": "Buy now",
        "email": "Promo@Junk.example",
        "name": "Promo",
        "timezone": "Europe/Lisbon",
        "website": "",
        **overrides,
    }


def test_spam_closed_and_blocked_from_the_ticket_page_then_the_sender_files_through_the_form(
    client, desk, lena
):
    ticket = make_ticket(email="promo@junk.example")
    page = desk.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Close as spam" in page and "Close as duplicate of" in page and "Block this sender" in page
    response = desk.post(f"/tickets/{ticket.reference}/close-spam/", {"block_sender": "on"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.close_reason) == (Status.CLOSED, "spam")
    assert BlockedSender.objects.get().blocked_by == lena.user
    page = desk.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Unblock this sender" in page and "Closed as spam" in page

    # The sender, logged out, files through the real public form: the same answer as anyone gets.
    client.logout()
    filed = client.post("/", form_data())
    assert filed.status_code == 302
    received = client.get(filed["Location"])
    assert received.status_code == 200
    new = Ticket.objects.latest("pk")
    body = received.content.decode()
    assert new.reference in body and "closed" not in body.lower()
    assert (new.status, new.close_reason) == (Status.CLOSED, "spam")
    assert Event.objects.filter(ticket=new, type=EventType.CLOSED_AS_SPAM).exists()
    assert not RequesterNotification.objects.filter(ticket=new).exists()  # no email
    assert not new.alarms.exists()  # nobody is paged
    assert ledger_walk(now=NOW).verified
    # Compared with an unblocked address's answer: the same page, bar the details of the ticket.
    other = client.get(client.post("/", form_data(email="someone@else.example"))["Location"])
    assert other.status_code == 200 and other.templates[0].name == received.templates[0].name

    # Unblocking lets the next one through.
    desk.force_login(lena.user)
    desk.post(f"/tickets/{ticket.reference}/block-sender/", {"action": "unblock"})
    assert not BlockedSender.objects.exists()
    assert Event.objects.filter(ticket=ticket, type=EventType.SENDER_UNBLOCKED).exists()


def test_close_as_duplicate_from_the_ticket_page(desk):
    first, second = make_ticket(), make_ticket(description="Same again")
    desk.post(f"/tickets/{second.reference}/close-duplicate/", {"duplicate_of": first.reference})
    second.refresh_from_db()
    assert (second.status, second.close_reason, second.duplicate_of) == (Status.CLOSED, "duplicate", first)
    assert "Same again" in Message.objects.get(ticket=first, internal=True).body
    refused = desk.post(
        f"/tickets/{first.reference}/close-duplicate/", {"duplicate_of": first.reference}, follow=True
    )
    assert "cannot be a duplicate of itself" in refused.content.decode()
    assert LedgerEntry.objects.filter(ticket=second, kind="voided").count() == 0


def test_bulk_assign_from_the_queue_reports_each_failure(desk, lena):
    bob = make_engineer("bob", name="Bob Diaz")
    a, b = make_ticket(), make_ticket()
    queue = desk.get("/queue/").content.decode()
    assert "data-bulk-all" in queue and f'value="{a.reference}"' in queue
    # The engineer field offers nobody (unassign) and every active engineer, by name and username.
    assert '<option value="">Nobody (unassign)</option>' in queue
    assert re.search(r'<option value="bob">Bob Diaz \(bob\), (on|off) shift</option>', queue)
    assert re.search(r'<option value="lena">Lena Fischer \(lena\), (on|off) shift</option>', queue)
    response = desk.post(
        "/queue/bulk/",
        {"tickets": [a.reference, b.reference, "SD-999999"], "bulk_action": "assign", "assignee": "bob"},
        follow=True,
    )
    text = response.content.decode()
    assert "Done for 2" in text and "SD-999999 (no such ticket)" in text
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {bob.user.pk}
    desk.post("/queue/bulk/", {"tickets": [a.reference], "bulk_action": "severity:major"})
    a.refresh_from_db()
    assert a.severity == "major"


def test_the_desk_tools_are_for_engineers_only(client):
    ticket = make_ticket()
    client.force_login(UserFactory(username="viewer", is_staff=False))
    for url in (
        f"/tickets/{ticket.reference}/close-spam/",
        "/queue/bulk/",
        f"/tickets/{ticket.reference}/block-sender/",
    ):
        assert client.post(url, {"tickets": [ticket.reference], "bulk_action": "close_spam"}).status_code in (
            302,
            403,
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and not BlockedSender.objects.exists()


def test_the_queue_bulk_form_refuses_an_unknown_value(desk):
    ticket = make_ticket()
    for choice in ("severity:catastrophic", "status:new", "status:", "explode"):
        response = desk.post(
            "/queue/bulk/", {"tickets": [ticket.reference], "bulk_action": choice}, follow=True
        )
        assert "Choose an action and a value." in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.status) == ("general", Status.NEW)


def test_the_ticket_page_ledger_says_a_cycle_was_voided_and_by_whom(desk, lena):
    ticket = make_ticket()
    desk.post(f"/tickets/{ticket.reference}/close-spam/")
    page = desk.get(f"/tickets/{ticket.reference}/").content.decode()
    assert page.count("voided (lena): closed as spam; not counted in reports") == 2
    assert page.count('class="state state-voided">voided<') == 2
