"""Filing writes exactly these rows, whichever way it is written: every column of every row (ids and the
random access token aside), and what is enqueued once the transaction commits."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import models

from escalation.models import Alarm, TicketClock
from tests.factories import NOW, CustomerFactory
from tickets import services
from tickets.models import (
    CustomerContact,
    Event,
    Message,
    Plan,
    Requester,
    RequesterNotification,
    Severity,
    Ticket,
    TicketTally,
)

pytestmark = pytest.mark.django_db

REQUESTER = {"confirmed_at": None, "confirmed_by_id": None, "confirmation_sent_at": None, "language": ""}
WRITTEN = [Requester, Ticket, TicketClock, Alarm, Message, Event, RequesterNotification, TicketTally]
SKIPPED = {"id", "access_token", "requester_created_at"}


def _rows(model, since: dict, labels: dict) -> list[dict]:
    rows = []
    for obj in model.objects.filter(pk__gt=since[model]).order_by("pk"):
        row = {}
        for field in model._meta.concrete_fields:
            if field.attname in SKIPPED or (model is Requester and field.name == "created_at"):
                continue
            value = getattr(obj, field.attname)
            if isinstance(field, models.ForeignKey) and value is not None:
                value = labels.get((field.related_model, value), f"{field.related_model.__name__}:old")
            elif isinstance(value, ZoneInfo):
                value = value.key
            row[field.attname] = value
        rows.append(row)
        labels[(model, obj.pk)] = f"{model.__name__}:{len(rows)}"
    return rows


def _marks() -> dict:
    return {model: (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) for model in WRITTEN}


def written(since: dict) -> dict:
    labels: dict = {}
    return {model.__name__: _rows(model, since, labels) for model in WRITTEN}


@pytest.fixture
def premium():
    return CustomerFactory(
        name="StreamCo",
        plan=Plan.PREMIUM,
        domains=["streamco.example"],
        timezone=ZoneInfo("America/Sao_Paulo"),
    )


def test_filing_for_a_customer_writes_the_ticket_its_clock_alarms_message_event_and_email(
    premium, django_capture_on_commit_callbacks
):
    # One of the customer's contacts: trusted, so the customer's plan at once.
    CustomerContact.objects.create(customer=premium, email="ops@edge.streamco.example")
    since = _marks()
    with django_capture_on_commit_callbacks() as callbacks:
        filed = services.ticket_file(
            subject="Edge down",
            description="Buffering everywhere.",
            severity=Severity.MAJOR,
            email=" Ops@Edge.StreamCo.example ",
            name=" Ana ",
            now=NOW,
        )
    rows = written(since)
    assert len(callbacks) == 2  # routing, and the confirmation email
    assert rows["Requester"] == [REQUESTER | {"email": "ops@edge.streamco.example", "name": "Ana"}]
    assert rows["Ticket"] == [
        {
            "subject": "Edge down",
            "description": "Buffering everywhere.",
            "severity": "major",
            "status": "new",
            "plan": "premium",
            "customer_id": "Customer:old",
            "requester_id": "Requester:1",
            "requester_trusted": True,
            "assignee_id": None,
            "follow_up_of_id": None,
            "requester_timezone": "America/Sao_Paulo",
            "language": "",
            "created_at": NOW,
            "updated_at": NOW,
            "assigned_at": None,
            "assignment_pinned_until": None,
            "first_response_due_at": NOW + timedelta(minutes=15),
            "first_responded_at": None,
            "resolution_due_at": NOW + timedelta(hours=4),
            "resolved_at": None,
            "closed_at": None,
            "resolution_cycle": 1,
            "resolution_started_at": NOW,
            "paused_at": None,
            "escalation_level": 0,
            "next_due_at": NOW + timedelta(minutes=15),
            "sla_breached": False,
            "close_reason": "",
            "duplicate_of_id": None,
        }
    ]
    assert filed.ticket.customer == premium
    [clock] = rows["TicketClock"]
    assert (clock["ticket_id"], clock["first_response_target"], clock["resolution_target"]) == (
        "Ticket:1",
        timedelta(minutes=15),
        timedelta(hours=4),
    )
    assert clock["paused"] == timedelta(0)
    alarms = rows["Alarm"]
    assert {a["ticket_id"] for a in alarms} == {"Ticket:1"}
    minutes = timedelta(minutes=1)
    assert [(a["metric"], a["cycle"], a["step"], a["due_at"] - NOW, a["enqueued_at"]) for a in alarms] == [
        ("first_response", 1, 0, 12 * minutes, None),  # the warning at 80 %
        ("first_response", 1, 1, 15 * minutes, None),
        ("first_response", 1, 2, 20 * minutes, None),
        ("first_response", 1, 3, 30 * minutes, None),
        ("resolution", 1, 0, 192 * minutes, None),
        ("resolution", 1, 1, 240 * minutes, None),
        ("resolution", 1, 2, 245 * minutes, None),
        ("resolution", 1, 3, 255 * minutes, None),
    ]
    assert rows["Message"] == [
        {
            "ticket_id": "Ticket:1",
            "author_id": None,
            "body": "Buffering everywhere.",
            "internal": False,
            "created_at": NOW,
        }
    ]
    assert rows["Event"] == [
        {
            "ticket_id": "Ticket:1",
            "type": "created",
            "at": NOW,
            "actor_id": None,
            "data": {
                "severity": "major",
                "plan": "premium",
                "first_response_due_at": (NOW + timedelta(minutes=15)).isoformat(),
                "resolution_due_at": (NOW + timedelta(hours=4)).isoformat(),
                "requester_trusted": True,
            },
        }
    ]
    assert rows["RequesterNotification"] == [
        {
            "ticket_id": "Ticket:1",
            "event_id": "Event:1",
            "message_id": None,
            "kind": "received",
            "recipient": "ops@edge.streamco.example",
            "status": "queued",
            "attempts": 0,
            "last_error": "",
            "created_at": NOW,
            "updated_at": NOW,
            "sent_at": None,
        }
    ]
    assert rows["TicketTally"] == [{"status": "new", "severity": "major", "assignee_id": None, "delta": 1}]
    # What the response is built from is what was written.
    assert (filed.message.pk, filed.event.pk) == (
        Message.objects.get(ticket=filed.ticket).pk,
        Event.objects.get(ticket=filed.ticket).pk,
    )
    assert filed.ticket.requester.email == "ops@edge.streamco.example"
    assert filed.ticket.access_token == Ticket.objects.get().access_token


def test_a_known_requester_keeps_their_name_unless_a_new_one_is_given():
    services.ticket_file(
        subject="a", description="b", severity=Severity.GENERAL, email="x@y.example", name="X", now=NOW
    )
    services.ticket_file(
        subject="a", description="b", severity=Severity.GENERAL, email="X@y.example", now=NOW
    )
    assert list(Requester.objects.values_list("email", "name")) == [("x@y.example", "X")]
    services.ticket_file(
        subject="a", description="b", severity=Severity.GENERAL, email="x@y.example", name="Xavier", now=NOW
    )
    assert list(Requester.objects.values_list("email", "name")) == [("x@y.example", "Xavier")]
    assert Ticket.objects.filter(requester__email="x@y.example").count() == 3


def test_a_new_requester_without_a_name_is_recorded_nameless_on_the_standard_plan_in_utc():
    since = _marks()
    filed = services.ticket_file(
        subject="a", description="b", severity=Severity.GENERAL, email="n@nobody.example", now=NOW
    )
    rows = written(since)
    assert rows["Requester"] == [REQUESTER | {"email": "n@nobody.example", "name": ""}]
    [ticket] = rows["Ticket"]
    assert (ticket["customer_id"], ticket["plan"], ticket["requester_timezone"]) == (None, "standard", "UTC")
    assert filed.ticket.customer is None


def test_the_most_specific_customer_domain_wins():
    CustomerFactory(name="Parent", plan=Plan.STANDARD, domains=["example.com"])
    child = CustomerFactory(name="Child", plan=Plan.PREMIUM, domains=["eu.example.com"])
    filed = services.ticket_file(
        subject="a",
        description="b",
        severity=Severity.URGENT,
        email="ops@noc.eu.example.com",
        now=NOW,
        trusted=True,
    )
    ticket = Ticket.objects.get(pk=filed.ticket.pk)
    assert (ticket.customer, ticket.plan) == (child, Plan.PREMIUM)


def test_a_follow_up_links_both_ways_with_its_events(django_capture_on_commit_callbacks):
    first = services.ticket_file(
        subject="a", description="b", severity=Severity.URGENT, email="f@u.example", name="F", now=NOW
    ).ticket
    since = _marks()
    follow_up = services.ticket_file(
        subject="Re: a",
        description="again",
        severity=Severity.URGENT,
        email="f@u.example",
        name="F",
        now=NOW + timedelta(days=9),
        requester_timezone=ZoneInfo("Asia/Tokyo"),
        follow_up_of=first,
    ).ticket
    rows = written(since)
    assert [(e["ticket_id"], e["type"]) for e in rows["Event"]] == [
        ("Ticket:1", "created"),
        ("Ticket:old", "follow_up"),
    ]
    assert rows["Event"][0]["data"]["follow_up_of"] == first.reference
    assert rows["Event"][1]["data"] == {"follow_up": follow_up.reference}
    assert rows["Ticket"][0]["follow_up_of_id"] == "Ticket:old"
    assert rows["Ticket"][0]["requester_timezone"] == "Asia/Tokyo"
    assert [n["event_id"] for n in rows["RequesterNotification"]] == ["Event:1"]


def _file_major():
    return services.ticket_file(
        subject="Down",
        description="All of it",
        severity=Severity.MAJOR,
        email="noc@streamco.example",
        now=NOW,
        trusted=True,
    )


def test_filing_is_one_statement_that_psycopg_parses_once_per_process(premium):
    """The filing's statement stays within psycopg's cache of parsed queries (at most 50 parameters and
    4 KiB): alarms are one array per column, empty columns NULL in the text. Beyond it, psycopg would
    parse the statement again on every filing."""
    from django.db import connection
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS

    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        filed = _file_major()
    chain = [(sql, params) for sql, params in statements if sql.startswith("WITH")]
    assert len(chain) == 1
    sql, params = chain[0]
    assert "escalation_alarm" in sql and "escalation_ticketclock" in sql
    assert len(params) <= MAX_CACHED_STATEMENT_PARAMS
    assert len(sql.encode()) <= MAX_CACHED_STATEMENT_LENGTH
    assert Alarm.objects.filter(ticket=filed.ticket).count() == 8


def test_an_alarm_due_within_the_horizon_at_filing_is_handed_to_the_broker_on_commit(
    premium, django_capture_on_commit_callbacks
):
    from escalation.models import SlaTarget

    SlaTarget.objects.filter(plan=Plan.PREMIUM, severity=Severity.MAJOR).update(
        first_response=timedelta(seconds=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        filed = _file_major()
    alarms = Alarm.objects.filter(ticket=filed.ticket)
    soon = [a for a in alarms if a.due_at <= NOW + timedelta(seconds=60)]
    assert soon, "the 20-second target puts its warning and first step within the minute"
    assert all(a.enqueued_at == NOW for a in soon)
    assert all(a.enqueued_at is None for a in alarms if a not in soon)
