"""Flows of the ticket endpoints: intake, the queue, one ticket, changes, messages, acknowledgement."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Metric, Notification, Region
from escalation.sla.services.clock import sla_record_breach
from support_desk.api.throttling import TicketIntakeThrottle
from tests.api.conftest import client_for
from tests.factories import NOW, CustomerFactory, make_engineer, make_page, make_ticket
from tickets import services
from tickets.models import CustomerContact, Event, EventType, Plan, Severity, Status, Ticket

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
TICKETS = "/api/v1/tickets/"


def url(ticket, suffix: str = "") -> str:
    return f"{TICKETS}{ticket.reference}/{suffix}"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture
def premium():
    customer = CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    # The intake's requester is one of the customer's contacts: trusted, the customer's plan at once.
    CustomerContact.objects.create(customer=customer, email="ops@streamco.example")
    return customer


# --- Intake ---------------------------------------------------------------------------------------

INTAKE = {
    "subject": "Origin returns 502 for HLS manifests",
    "description": "Every .m3u8 in eu-west answers 502.",
    "severity": "urgent",
    "requester": {"email": "Ops@StreamCo.example", "name": "Ana Lima"},
    "timezone": "America/Sao_Paulo",
}


def test_anyone_files_a_ticket_and_gets_the_key_to_it(anon, premium, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = anon.post(TICKETS, INTAKE)

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    body = response.json()
    assert body["reference"] == ticket.reference
    assert body["access_token"] == ticket.access_token
    assert response["Location"] == f"/api/v1/public/tickets/{ticket.access_token}/"
    assert (body["severity"], body["status"]) == ("urgent", "new")
    assert body["requester"] == {"email": "ops@streamco.example", "name": "Ana Lima", "language": ""}
    # Premium and urgent: 30 minutes and 8 hours around the clock, from the instant it was filed.
    assert body["created_at"] == "2025-06-11T10:00:00Z"
    assert body["first_response_due_at"] == "2025-06-11T10:30:00Z"
    assert body["resolution_due_at"] == "2025-06-11T18:00:00Z"
    assert [m["body"] for m in body["messages"]] == [INTAKE["description"]]
    # The requester's view: nothing only engineers see.
    assert not {"assignee", "customer", "sla", "notifications", "plan"} & set(body)
    assert (ticket.customer, ticket.plan, ticket.requester_timezone.key) == (
        premium,
        Plan.PREMIUM,
        "America/Sao_Paulo",
    )


def test_an_engineer_filing_a_ticket_gets_the_ticket_as_the_detail_endpoint_shows_it(
    as_engineer, premium, time_machine
):
    time_machine.move_to(NOW, tick=False)
    response = as_engineer.post(TICKETS, INTAKE)

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    created = response.json()
    assert response["Location"] == f"/api/v1/tickets/{ticket.reference}/"
    assert created["customer"] == {"id": premium.pk, "name": "StreamCo", "plan": "premium"}
    assert (created["assignee"], created["breached"], created["escalation_level"]) == (None, False, 0)
    assert created["sla"]["first_response"]["due_at"] == "2025-06-11T10:30:00Z"
    assert [e["type"] for e in created["events"]] == ["created"]
    assert created == as_engineer.get(url(ticket)).json()


def test_severity_defaults_to_general_and_the_requester_name_is_optional(anon):
    response = anon.post(
        TICKETS, {"subject": "Hi", "description": "?", "requester": {"email": "a@b.example"}}
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().severity == Severity.GENERAL


# customer by email domain; the configuration version (once: the SLA target, with its calendar and
# holidays, and the escalation policy with its steps are cached per process and version:
# escalation.sla.config_cache); then requester, ticket, message, event, the confirmation
# email, the clock and the alarms in one statement
FILING_QUERIES = 3


def test_filing_costs_a_fixed_number_of_statements(anon, premium):
    anon.post(TICKETS, INTAKE)  # warm: the first request of a connection may read more (content types)
    CustomerContact.objects.create(customer=premium, email="b@streamco.example")
    with CaptureQueriesContext(connection) as filing:
        response = anon.post(TICKETS, {**INTAKE, "requester": {"email": "b@streamco.example", "name": "B"}})
    assert response.status_code == 201, response.content
    assert len(filing) == FILING_QUERIES, "\n".join(q["sql"] for q in filing)
    # An unconfirmed address at the domain: the hourly claim on a confirmation email, and that email
    # (warmed first too: its plan's targets are read once, then cached).
    anon.post(TICKETS, {**INTAKE, "requester": {"email": "d@streamco.example", "name": "D"}})
    with CaptureQueriesContext(connection) as filing:
        response = anon.post(TICKETS, {**INTAKE, "requester": {"email": "c@streamco.example", "name": "C"}})
    assert response.status_code == 201, response.content
    assert len(filing) == FILING_QUERIES + 2, "\n".join(q["sql"] for q in filing)


def test_a_burst_from_one_address_is_throttled_with_retry_after(anon, engineer):
    allowed = TicketIntakeThrottle().num_requests
    payload = {"subject": "Down", "description": "All of it", "requester": {"email": "a@b.example"}}
    for i in range(allowed):  # each for another address: the per-requester limit is not what is tested
        assert anon.post(TICKETS, {**payload, "requester": {"email": f"a{i}@b.example"}}).status_code == 201

    refused = anon.post(TICKETS, payload)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]
    assert Ticket.objects.count() == allowed

    # Another address has its own allowance, and engineers filing through the API are not throttled.
    assert anon.post(TICKETS, payload, REMOTE_ADDR="192.0.2.7").status_code == 201
    assert client_for(engineer.user).post(TICKETS, payload).status_code == 201


def test_one_requester_address_is_limited_from_any_client_as_on_the_public_form(anon, engineer, settings):
    settings.PUBLIC_FORM_TICKETS_PER_REQUESTER_PER_HOUR = 3
    payload = {"subject": "Down", "description": "All of it", "requester": {"email": "victim@b.example"}}
    for i in range(3):  # three clients, one address
        assert anon.post(TICKETS, payload, REMOTE_ADDR=f"192.0.2.{i + 1}").status_code == 201
    refused = anon.post(TICKETS, payload, REMOTE_ADDR="192.0.2.99")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    upper = {**payload, "requester": {"email": " Victim@B.example"}}  # the same address, spelt otherwise
    assert anon.post(TICKETS, upper, REMOTE_ADDR="192.0.2.98").status_code == 429
    other = {**payload, "requester": {"email": "other@b.example"}}
    assert anon.post(TICKETS, other, REMOTE_ADDR="192.0.2.99").status_code == 201
    assert client_for(engineer.user).post(TICKETS, payload).status_code == 201  # engineers: no limit
    assert Ticket.objects.filter(requester__email="victim@b.example").count() == 4


def test_a_forged_forwarded_for_header_does_not_buy_a_new_allowance(anon):
    payload = {"subject": "Down", "description": "All of it", "requester": {"email": "a@b.example"}}
    for i in range(TicketIntakeThrottle().num_requests):
        mine = {**payload, "requester": {"email": f"a{i}@b.example"}}
        anon.post(TICKETS, mine, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    fresh = {**payload, "requester": {"email": "fresh@b.example"}}  # under its own limit: the client's counts
    assert anon.post(TICKETS, fresh, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429


# --- The queue ------------------------------------------------------------------------------------


@pytest.fixture
def queue(engineer, premium):
    """Four tickets: general unassigned, urgent premium for lena, major for bob (answered late), resolved."""
    bob = make_engineer("bob", region=Region.AMERICAS)
    general = make_ticket(severity=Severity.GENERAL, now=NOW)  # standard: FR due 14:00
    urgent = make_ticket(severity=Severity.URGENT, email="a@streamco.example", now=NOW + MINUTE)  # FR 10:31
    services.ticket_assign(ticket=urgent, assignee=engineer.user, actor=None, now=NOW + MINUTE)
    major = make_ticket(severity=Severity.MAJOR, now=NOW + 2 * MINUTE)  # FR due 10:17
    services.ticket_assign(ticket=major, assignee=bob.user, actor=None, now=NOW + 2 * MINUTE)
    services.ticket_reply(ticket=major, author=bob.user, body="Sorry, late", now=NOW + HOUR)  # breached
    resolved = make_ticket(severity=Severity.URGENT, now=NOW + 3 * MINUTE)
    services.ticket_assign(ticket=resolved, assignee=engineer.user, actor=None, now=NOW + 3 * MINUTE)
    services.ticket_reply(ticket=resolved, author=engineer.user, body="Fixed", now=NOW + 4 * MINUTE)
    services.ticket_change_status(
        ticket=resolved, status=Status.RESOLVED, actor=engineer.user, now=NOW + 5 * MINUTE
    )
    return {name: Ticket.objects.get(pk=t.pk) for name, t in locals().items() if isinstance(t, Ticket)}


def test_the_queue_is_ordered_by_time_left_and_paginated(as_engineer, queue, time_machine):
    time_machine.move_to(NOW + 2 * HOUR, tick=False)
    # major: resolution due 18:02; urgent (premium): FR 10:31 passed; general: FR 14:00; resolved: no clock.
    assert references(as_engineer.get(TICKETS)) == [
        queue["urgent"].reference,
        queue["general"].reference,
        queue["major"].reference,
        queue["resolved"].reference,
    ]
    page = as_engineer.get(TICKETS, {"page_size": 2}).json()
    assert page["count"] == 4
    assert page["previous"] is None
    assert page["next"].endswith("/api/v1/tickets/?page=2&page_size=2")
    assert len(page["results"]) == 2
    assert as_engineer.get(TICKETS, {"page": 9}).status_code == 404


def test_the_queue_filters_by_severity_status_assignee_and_customer(as_engineer, queue, premium, engineer):
    refs = {name: t.reference for name, t in queue.items()}

    def listed(**params):
        return set(references(as_engineer.get(TICKETS, params)))

    assert listed(severity="urgent") == {refs["urgent"], refs["resolved"]}
    assert listed(severity=["urgent", "major"]) == {refs["urgent"], refs["resolved"], refs["major"]}
    assert listed(status="resolved") == {refs["resolved"]}
    assert listed(status=["new", "open"]) == {refs["general"], refs["urgent"], refs["major"]}
    assert listed(assignee="lena") == {refs["urgent"], refs["resolved"]}
    assert listed(assignee="me") == {refs["urgent"], refs["resolved"]}
    assert listed(assignee="none") == {refs["general"]}
    assert listed(assignee="nobody-by-that-name") == set()
    assert listed(customer=premium.pk) == {refs["urgent"]}
    assert listed(severity="urgent", assignee="me", status="open") == {refs["urgent"]}


def test_breached_means_recorded_in_the_ledger_or_past_a_running_deadline(as_engineer, queue, time_machine):
    refs = {name: t.reference for name, t in queue.items()}
    time_machine.move_to(NOW + 20 * MINUTE, tick=False)
    # Only the major ticket: answered 43 minutes late, so its ledger row says breached.
    assert set(references(as_engineer.get(TICKETS, {"breached": "true"}))) == {refs["major"]}

    time_machine.move_to(NOW + 40 * MINUTE, tick=False)  # the premium urgent ticket's 30 minutes are up
    assert set(references(as_engineer.get(TICKETS, {"breached": "true"}))) == {refs["major"], refs["urgent"]}
    assert set(references(as_engineer.get(TICKETS, {"breached": "false"}))) == {
        refs["general"],
        refs["resolved"],
    }
    rows = {row["reference"]: row for row in as_engineer.get(TICKETS).json()["results"]}
    assert rows[refs["urgent"]]["breached"] is True
    assert rows[refs["urgent"]]["sla"]["first_response"]["breached"] is True
    assert rows[refs["urgent"]]["sla"]["resolution"]["breached"] is False
    assert rows[refs["general"]]["breached"] is False


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("created_at", ["general", "urgent", "major", "resolved"]),
        ("-created_at", ["resolved", "major", "urgent", "general"]),
        ("severity", ["general", "urgent", "resolved", "major"]),  # then by time left
        ("-severity", ["major", "urgent", "resolved", "general"]),
        ("-next_due_at", ["resolved", "major", "general", "urgent"]),  # no running clock first
    ],
)
def test_the_queue_orders_as_asked(as_engineer, queue, ordering, expected):
    assert references(as_engineer.get(TICKETS, {"ordering": ordering})) == [
        queue[n].reference for n in expected
    ]


def test_the_queue_runs_the_same_queries_for_one_ticket_or_thirty(
    as_engineer, engineer, premium, django_assert_max_num_queries
):
    def varied_ticket(i: int) -> None:
        ticket = make_ticket(severity=Severity.MAJOR, email=f"u{i}@streamco.example", now=NOW + i * MINUTE)
        services.ticket_assign(ticket=ticket, assignee=engineer.user, actor=None, now=NOW + i * MINUTE)
        services.ticket_reply(ticket=ticket, author=engineer.user, body="late", now=NOW + (i + 30) * MINUTE)
        sla_record_breach(ticket_id=ticket.pk, metric=Metric.RESOLUTION, now=NOW + 10 * HOUR)

    varied_ticket(0)
    with CaptureQueriesContext(connection) as one:
        assert len(as_engineer.get(TICKETS).json()["results"]) == 1
    for i in range(1, 30):
        varied_ticket(i)
    with django_assert_max_num_queries(len(one)):
        assert len(as_engineer.get(TICKETS).json()["results"]) == 30
    # Token, count, page (with customer, requester, assignee and clock joined), missed ledger rows.
    assert len(one) == 4


def test_unknown_filter_values_are_refused_per_parameter(as_engineer):
    response = as_engineer.get(
        TICKETS, {"severity": "critical", "status": "pending", "breached": "maybe", "ordering": "subject"}
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"severity", "status", "breached", "ordering"}
    assert errors["severity"] == ['"critical" is not a valid choice.']
    assert as_engineer.get(TICKETS, {"customer": "12x"}).status_code == 400
    assert as_engineer.get(TICKETS, {"customer": str(10**30)}).status_code == 400


# --- One ticket -----------------------------------------------------------------------------------


def test_one_ticket_shows_its_thread_timeline_notifications_and_sla(
    as_engineer, engineer, premium, time_machine
):
    ticket = make_ticket(severity=Severity.URGENT, email="a@streamco.example", now=NOW)
    services.ticket_assign(ticket=ticket, assignee=engineer.user, actor=engineer.user, now=NOW + MINUTE)
    services.ticket_reply(
        ticket=ticket, author=engineer.user, body="Origin disk?", internal=True, now=NOW + 2 * MINUTE
    )
    services.ticket_reply(ticket=ticket, author=engineer.user, body="On it", now=NOW + 20 * MINUTE)
    page = make_page(ticket, metric=Metric.RESOLUTION, fired_at=NOW + 8 * HOUR)
    Notification.objects.create(
        ticket=ticket,
        escalation=page,
        purpose=Notification.Purpose.ESCALATION,
        channel="sms",
        recipient="+4930123456",
        recipient_user=engineer.user,
        body="SD breached",
        status=Notification.Status.DELIVERED,
        created_at=NOW + 8 * HOUR,
        updated_at=NOW + 8 * HOUR,
    )
    time_machine.move_to(NOW + HOUR, tick=False)

    response = as_engineer.get(url(ticket))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == ticket.reference
    assert body["customer"] == {"id": premium.pk, "name": "StreamCo", "plan": "premium"}
    assert body["assignee"] == "lena"
    assert body["status"] == "open"
    assert body["escalation_level"] == 0
    assert body["breached"] is False
    assert body["first_responded_at"] == "2025-06-11T10:20:00Z"
    assert body["sla"] == {
        "first_response": {
            "target": "00:30:00",
            "due_at": "2025-06-11T10:30:00Z",
            "achieved_at": "2025-06-11T10:20:00Z",
            "breached": False,
            "paused": False,
        },
        "resolution": {
            "target": "08:00:00",
            "due_at": "2025-06-11T18:00:00Z",
            "achieved_at": None,
            "breached": False,
            "paused": False,
        },
    }
    assert [(m["author"], m["body"], m["internal"]) for m in body["messages"]] == [
        (None, ticket.description, False),
        ("lena", "Origin disk?", True),
        ("lena", "On it", False),
    ]
    assert [e["type"] for e in body["events"]] == ["created", "assigned", "status_changed", "note", "replied"]
    assert body["events"][1]["actor"] == "lena"
    assert body["events"][1]["data"] == {
        "from": None,
        "to": "lena",
        "pinned_until": "2025-06-11T16:00:00+00:00",  # taken by hand: hers until 18:00 in Berlin
    }
    assert body["notifications"] == [
        {
            "channel": "sms",
            "recipient": "+4930123456",
            "status": "delivered",
            "purpose": "escalation",
            "created_at": "2025-06-11T18:00:00Z",
        }
    ]


def test_an_unknown_reference_is_a_404_in_json(as_engineer):
    for reference in ("SD-999999", "SD-1", "sd-1000"):
        response = as_engineer.get(f"{TICKETS}{reference}/")
        assert response.status_code == 404
        assert response.json()["detail"] == f"No ticket {reference}."
    assert as_engineer.get(f"{TICKETS}XY-1001/").status_code == 404


def test_references_are_read_in_any_letter_case(as_engineer):
    ticket = make_ticket()
    assert as_engineer.get(f"{TICKETS}{ticket.reference.lower()}/").json()["reference"] == ticket.reference


def test_one_ticket_costs_a_fixed_number_of_queries(as_engineer, engineer, django_assert_max_num_queries):
    ticket = make_ticket()
    with CaptureQueriesContext(connection) as bare:
        as_engineer.get(url(ticket))
    for i in range(10):
        services.ticket_reply(ticket=ticket, author=engineer.user, body=f"#{i}", now=NOW + i * MINUTE)
        make_page(ticket, step=i + 1, fired_at=NOW + i * MINUTE)
    with django_assert_max_num_queries(len(bare)):
        body = as_engineer.get(url(ticket)).json()
    assert len(body["messages"]) == 11


# --- Changes --------------------------------------------------------------------------------------


def test_a_severity_change_recomputes_open_deadlines_from_creation_and_keeps_completed_ones(
    as_engineer, engineer, premium, time_machine
):
    ticket = make_ticket(severity=Severity.URGENT, email="a@streamco.example", now=NOW)  # 30 min, 8 h
    services.ticket_reply(ticket=ticket, author=engineer.user, body="Looking", now=NOW + 10 * MINUTE)
    time_machine.move_to(NOW + HOUR, tick=False)

    response = as_engineer.patch(url(ticket), {"severity": "major"})  # premium major: 15 min, 4 h

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["severity"] == "major"
    assert body["first_response_due_at"] == "2025-06-11T10:30:00Z"  # already answered: untouched
    assert body["resolution_due_at"] == "2025-06-11T14:00:00Z"  # 4 h from creation
    assert body["sla"]["resolution"]["target"] == "04:00:00"
    changed = Event.objects.get(ticket=ticket, type=EventType.SEVERITY_CHANGED)
    assert changed.data["from"] == "urgent" and changed.data["to"] == "major"
    assert changed.actor == engineer.user
    assert changed.at == NOW + HOUR


def test_assigning_by_username_opens_the_ticket_and_null_unassigns_it(as_engineer, engineer):
    ticket = make_ticket()
    opened = as_engineer.patch(url(ticket), {"assignee": "lena"})
    assert opened.status_code == 200, opened.content
    assert (opened.json()["assignee"], opened.json()["status"]) == ("lena", "open")

    unassigned = as_engineer.patch(url(ticket), {"assignee": None})
    assert (unassigned.json()["assignee"], unassigned.json()["status"]) == (None, "new")


def test_assigning_someone_off_shift_is_a_409_until_confirmed(as_engineer, engineer, time_machine):
    """Lena (Berlin, on shift) gives a ticket to Aiko, whose Tokyo shift has ended for the day."""
    make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo", region=Region.APAC)
    time_machine.move_to(NOW, tick=False)  # Wednesday 10:00 UTC, 19:00 in Tokyo
    ticket = make_ticket()

    refused = as_engineer.patch(url(ticket), {"assignee": "aiko", "severity": "urgent"})

    assert refused.status_code == 409, refused.content
    assert refused.json() == {
        "detail": "Aiko Tanaka is off shift; their next shift starts Thu 12 Jun, 09:00 JST (Asia/Tokyo). "
        'Send "confirm_off_shift": true to assign anyway; the ticket then stays with them until their '
        "next shift ends.",
        "assignee": "aiko",
        "on_shift": False,
        "timezone": "Asia/Tokyo",
        "next_shift_starts_at": "2025-06-12T09:00:00+09:00",
        "next_shift_ends_at": "2025-06-12T18:00:00+09:00",
    }
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.severity) == (None, Severity.GENERAL)  # nothing changed

    confirmed = as_engineer.patch(
        url(ticket), {"assignee": "aiko", "severity": "urgent", "confirm_off_shift": True}
    )
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["assignee"], confirmed.json()["severity"]) == ("aiko", "urgent")
    # It stays with Aiko until her next shift (Thursday 09:00-18:00 in Tokyo) has ended.
    assert confirmed.json()["assignment_pinned_until"] == "2025-06-12T09:00:00Z"


@pytest.mark.parametrize(
    "who",
    ["ghost", "retired", "locked-out", "customer-login"],
)
def test_only_an_active_engineer_can_be_assigned(as_engineer, who):
    retired = make_engineer("retired", active=False)
    locked = make_engineer("locked-out")
    locked.user.is_active = False
    locked.user.save()
    customer_login = make_engineer("customer-login")
    customer_login.user.is_staff = False
    customer_login.user.save()
    assert retired and customer_login
    ticket = make_ticket()

    response = as_engineer.patch(url(ticket), {"assignee": who})

    assert response.status_code == 400
    assert response.json() == {"assignee": [f"No active engineer is called '{who}'."]}
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_a_refused_status_change_is_a_400_with_the_reason_and_changes_nothing(as_engineer, engineer):
    ticket = make_ticket()
    # Assigning would succeed, resolving without a public reply cannot: neither happens.
    response = as_engineer.patch(url(ticket), {"assignee": "lena", "status": "resolved"})

    assert response.status_code == 400
    assert response.json() == {"status": ["reply to the customer before resolving"]}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Status.NEW, None)
    assert not Event.objects.filter(ticket=ticket, type=EventType.ASSIGNED).exists()


def test_status_changes_follow_the_state_machine(as_engineer, engineer, time_machine):
    ticket = make_ticket()
    time_machine.move_to(NOW + HOUR, tick=False)
    as_engineer.patch(url(ticket), {"assignee": "lena"})
    as_engineer.post(url(ticket, "messages/"), {"body": "Try clearing the cache."})

    waiting = as_engineer.patch(url(ticket), {"status": "waiting_on_customer"})
    assert waiting.json()["sla"]["resolution"]["paused"] is True
    resolved = as_engineer.patch(url(ticket), {"status": "resolved"})
    assert (resolved.json()["status"], resolved.json()["resolved_at"]) == ("resolved", "2025-06-11T11:00:00Z")
    assert as_engineer.patch(url(ticket), {"status": "new"}).json() == {
        "status": ['"new" is not a valid choice.']
    }
    closed = as_engineer.patch(url(ticket), {"status": "closed"})
    assert closed.json()["status"] == "closed"
    refused = as_engineer.patch(url(ticket), {"severity": "major"})
    assert refused.status_code == 400
    assert refused.json() == {"severity": ["a closed ticket cannot change severity"]}


# --- Messages and acknowledgement -----------------------------------------------------------------


def test_an_engineers_first_public_reply_is_the_first_response_and_a_note_is_not(
    as_engineer, engineer, time_machine
):
    ticket = make_ticket(severity=Severity.MAJOR)
    time_machine.move_to(NOW + 5 * MINUTE, tick=False)
    note = as_engineer.post(url(ticket, "messages/"), {"body": "Is the CDN down?", "internal": True})
    assert note.status_code == 201, note.content
    assert note.json()["internal"] is True
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None

    time_machine.move_to(NOW + 7 * MINUTE, tick=False)
    reply = as_engineer.post(url(ticket, "messages/"), {"body": "We are on it."})
    assert reply.status_code == 201
    assert reply.json() == {
        "id": reply.json()["id"],
        "author": "lena",
        "body": "We are on it.",
        "internal": False,
        "created_at": "2025-06-11T10:07:00Z",
        "attachments": [],
    }
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at == NOW + 7 * MINUTE


def test_a_message_needs_a_body_of_reasonable_size(as_engineer):
    ticket = make_ticket()
    assert as_engineer.post(url(ticket, "messages/"), {}).json() == {"body": ["This field is required."]}
    assert as_engineer.post(url(ticket, "messages/"), {"body": "   "}).json() == {
        "body": ["This field may not be blank."]
    }
    too_long = as_engineer.post(url(ticket, "messages/"), {"body": "x" * 100_001})
    assert too_long.json() == {"body": ["Ensure this field has no more than 100000 characters."]}


def test_acknowledging_stops_the_page_once(as_engineer, engineer, time_machine):
    ticket = make_ticket(severity=Severity.MAJOR)
    make_page(ticket, fired_at=NOW + 15 * MINUTE)
    time_machine.move_to(NOW + 16 * MINUTE, tick=False)

    response = as_engineer.post(url(ticket, "acknowledge/"))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "ticket": ticket.reference,
        "metric": "first_response",
        "cycle": 1,
        "step": 1,
        "fired_at": "2025-06-11T10:15:00Z",
        "acknowledged_at": "2025-06-11T10:16:00Z",
        "acknowledged_by": "lena",
        "acknowledged_via": "api",
    }
    again = as_engineer.post(url(ticket, "acknowledge/"))
    assert again.status_code == 409
    assert again.json() == {"detail": f"{ticket.reference} has no page waiting for acknowledgement"}
