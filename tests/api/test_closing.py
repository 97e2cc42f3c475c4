"""Closing without a reply through the API (spam, duplicate), blocked senders, and bulk actions."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from escalation.models import LedgerEntry
from escalation.sla.integrity import ledger_walk
from tests.api.conftest import client_for
from tests.factories import NOW, make_engineer, make_ticket
from tickets import services
from tickets.models import (
    BlockedSender,
    CloseReason,
    Event,
    EventType,
    Message,
    RequesterNotification,
    Status,
    Ticket,
)

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW + 30 * MINUTE, tick=False)


def _notifications(ticket: Ticket) -> list[str]:
    return list(RequesterNotification.objects.filter(ticket=ticket).values_list("kind", flat=True))


def test_closing_as_spam_tells_nobody_voids_its_cycles_and_blocks_the_sender(as_engineer, engineer):
    ticket = make_ticket(email="Spam@Junk.example")
    response = as_engineer.patch(
        f"/api/v1/tickets/{ticket.reference}/",
        {"status": "closed", "close_reason": "spam", "block_sender": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["close_reason"], body["duplicate_of"]) == ("closed", "spam", None)
    assert _notifications(ticket) == ["received"]  # from filing; nothing since
    assert set(Event.objects.filter(ticket=ticket).values_list("type", flat=True)) >= {
        EventType.CLOSED_AS_SPAM,
        EventType.SENDER_BLOCKED,
    }
    blocked = BlockedSender.objects.get()
    assert (blocked.address, blocked.blocked_by, blocked.blocked_at) == (
        "spam@junk.example",
        engineer.user,
        NOW + 30 * MINUTE,
    )
    assert LedgerEntry.objects.filter(ticket=ticket, kind="voided").count() == 2
    assert ledger_walk(now=NOW).verified

    # The sender files again through the API: answered as anyone is, closed as spam on arrival.
    again = client_for().post(
        "/api/v1/tickets/",
        {
            "subject": "Buy now",
            "description": "Cheap",
            "severity": "general",
            "requester": {"email": "spam@junk.example"},
        },
        format="json",
    )
    assert again.status_code == 201, again.content
    assert set(again.json()) >= {"reference", "access_token"}
    filed = Ticket.objects.latest("pk")
    assert (filed.status, filed.close_reason, filed.assignee_id, filed.next_due_at) == (
        Status.CLOSED,
        "spam",
        None,
        None,
    )
    assert _notifications(filed) == []
    event = Event.objects.get(ticket=filed, type=EventType.CLOSED_AS_SPAM)
    assert (event.actor, event.data["reason"], event.data["blocked_sender"]) == (
        None,
        "filed by a blocked sender",
        True,
    )
    assert not filed.alarms.exists()


def test_closing_as_a_duplicate_copies_the_messages_and_tells_the_requester_where(as_engineer, engineer):
    first = make_ticket(email="ana@nowhere.example", subject="Player stalls")
    second = make_ticket(email="ana@nowhere.example", subject="Player stalls again", description="Still")
    services.ticket_reply(ticket=second, author=None, body="Any news?", now=NOW + MINUTE)
    response = as_engineer.patch(
        f"/api/v1/tickets/{second.reference}/",
        {"status": "closed", "close_reason": "duplicate", "duplicate_of": first.reference},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["close_reason"], response.json()["duplicate_of"]) == (
        "duplicate",
        first.reference,
    )
    note = Message.objects.filter(ticket=first, internal=True).get()
    assert note.author == engineer.user
    assert "Still" in note.body and "Any news?" in note.body and second.reference in note.body
    assert _notifications(second) == ["received", "duplicate"]
    # Not voided: the customer asked. The notice answered it and ended it, met within the hour.
    rows = LedgerEntry.objects.filter(ticket=second).values_list("kind", "metric", "met")
    assert sorted(rows) == [("completed", "first_response", True), ("completed", "resolution", True)]

    from support_desk.web.emails import RequesterMailTemplates

    notice = RequesterNotification.objects.get(ticket=second, kind="duplicate")
    subject, text = RequesterMailTemplates().render(notification=notice, now=NOW)
    assert first.reference in subject and first.access_token in text  # the same requester's link


def test_the_duplicate_notice_never_links_someone_elses_ticket(as_engineer):
    first = make_ticket(email="owner@nowhere.example")
    second = make_ticket(email="other@nowhere.example")
    as_engineer.patch(
        f"/api/v1/tickets/{second.reference}/",
        {"status": "closed", "close_reason": "duplicate", "duplicate_of": first.reference},
        format="json",
    )
    from support_desk.web.emails import RequesterMailTemplates

    notice = RequesterNotification.objects.get(ticket=second, kind="duplicate")
    _, text = RequesterMailTemplates().render(notification=notice, now=NOW)
    assert first.reference in text and first.access_token not in text and second.access_token in text


@pytest.mark.parametrize(
    ("duplicate_of", "problem"),
    [
        ("self", "a ticket cannot be a duplicate of itself"),
        ("SD-999999", "No ticket"),
        ("chain", "is itself closed as a duplicate"),
    ],
)
def test_a_bad_duplicate_is_a_400_naming_the_field(as_engineer, engineer, duplicate_of, problem):
    ticket = make_ticket()
    other, original = make_ticket(), make_ticket()
    services.ticket_close_as_duplicate(ticket=other, duplicate_of=original, actor=engineer.user, now=NOW)
    reference = {"self": ticket.reference, "chain": other.reference}.get(duplicate_of, duplicate_of)
    response = as_engineer.patch(
        f"/api/v1/tickets/{ticket.reference}/",
        {"status": "closed", "close_reason": "duplicate", "duplicate_of": reference},
        format="json",
    )
    assert response.status_code == 400
    assert problem in response.json()["duplicate_of"][0]
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_a_close_reason_needs_status_closed_and_closing_without_a_reason_still_needs_a_reply(as_engineer):
    ticket = make_ticket()
    url = f"/api/v1/tickets/{ticket.reference}/"
    assert "close_reason" in as_engineer.patch(url, {"close_reason": "spam"}, format="json").json()
    refused = as_engineer.patch(url, {"status": "closed"}, format="json")
    assert refused.status_code == 400 and "status" in refused.json()
    closed = as_engineer.patch(url, {"status": "closed", "close_reason": "spam"}, format="json")
    assert closed.status_code == 200
    again = as_engineer.patch(url, {"status": "closed", "close_reason": "spam"}, format="json")
    assert again.status_code == 400 and again.json()["status"] == ["the ticket is already closed"]


# --- bulk -----------------------------------------------------------------------------------------


def test_bulk_assign_says_which_tickets_failed_and_why(as_engineer, engineer, django_assert_max_num_queries):
    bob = make_engineer("bob")
    open_ones = [make_ticket() for _ in range(3)]
    closed = make_ticket()
    services.ticket_close_as_spam(ticket=closed, actor=engineer.user, now=NOW)
    references = [
        open_ones[0].reference,
        closed.reference,
        "SD-999999",
        open_ones[1].reference,
        open_ones[2].reference,
    ]
    response = as_engineer.post(
        "/api/v1/tickets/bulk/", {"references": references, "action": "assign", "value": "bob"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["results"] == [
        {"reference": open_ones[0].reference, "ok": True, "error": ""},
        {"reference": closed.reference, "ok": False, "error": "a closed ticket cannot be reassigned"},
        {"reference": "SD-999999", "ok": False, "error": "no such ticket"},
        {"reference": open_ones[1].reference, "ok": True, "error": ""},
        {"reference": open_ones[2].reference, "ok": True, "error": ""},
    ]
    for ticket in open_ones:
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.status) == (bob.user, Status.OPEN)
        assert Event.objects.filter(ticket=ticket, type=EventType.ASSIGNED, actor=engineer.user).count() == 1


def test_bulk_lookups_are_one_query_not_one_per_ticket(as_engineer, engineer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def lookups(n: int) -> int:
        tickets = [make_ticket() for _ in range(n)]
        with CaptureQueriesContext(connection) as captured:
            as_engineer.post(
                "/api/v1/tickets/bulk/",
                {"references": [t.reference for t in tickets], "action": "status", "value": "resolved"},
                format="json",
            )
        # Every ticket is refused (no reply yet) after its own lock: count the SELECTs of several tickets.
        return sum('"tickets_ticket"."id" IN' in q["sql"] for q in captured.captured_queries)

    assert lookups(2) == lookups(6) == 1


def test_bulk_severity_status_and_close_spam(as_engineer, engineer):
    a, b = make_ticket(), make_ticket()
    post = lambda body: as_engineer.post("/api/v1/tickets/bulk/", body, format="json")  # noqa: E731
    refs = [a.reference, b.reference]
    assert all(
        r["ok"] for r in post({"references": refs, "action": "severity", "value": "major"}).json()["results"]
    )
    assert Ticket.objects.filter(severity="major").count() == 2
    results = post({"references": refs, "action": "status", "value": "resolved"}).json()["results"]
    assert {r["error"] for r in results} == {"reply to the customer before resolving"}
    assert all(
        r["ok"] for r in post({"references": refs, "action": "close_spam", "value": True}).json()["results"]
    )
    assert set(Ticket.objects.values_list("close_reason", flat=True)) == {CloseReason.SPAM}
    assert BlockedSender.objects.count() == 2


def test_bulk_refuses_over_the_cap_and_bad_values(as_engineer):
    over = as_engineer.post(
        "/api/v1/tickets/bulk/",
        {"references": ["SD-1001"] * 101, "action": "status", "value": "open"},
        format="json",
    )
    assert over.status_code == 400 and "references" in over.json()
    bad = as_engineer.post(
        "/api/v1/tickets/bulk/",
        {"references": ["SD-1001"], "action": "severity", "value": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "value" in bad.json()
    nobody = as_engineer.post(
        "/api/v1/tickets/bulk/",
        {"references": ["SD-1001"], "action": "assign", "value": "zed"},
        format="json",
    )
    assert nobody.status_code == 400 and "value" in nobody.json()


@pytest.mark.parametrize("who", ["anonymous", "non_staff", "engineer", "manager"])
def test_bulk_permissions_per_role(who, engineer, manager):
    ticket = make_ticket()
    if who == "anonymous":
        client = client_for()
    elif who == "non_staff":
        client = client_for(get_user_model().objects.create_user("visitor", password="x" * 12))
    elif who == "engineer":
        client = client_for(engineer.user)
    else:
        assert not manager.is_superuser
        client = client_for(manager)
    response = client.post(
        "/api/v1/tickets/bulk/",
        {"references": [ticket.reference], "action": "severity", "value": "major"},
        format="json",
    )
    expected = {"anonymous": 401, "non_staff": 403, "engineer": 200, "manager": 200}[who]
    assert response.status_code == expected, response.content
    ticket.refresh_from_db()
    assert (ticket.severity == "major") == (expected == 200)
