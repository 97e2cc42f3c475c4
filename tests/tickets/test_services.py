from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.models import LedgerEntry, Metric, SlaTarget
from tests.factories import NOW, CustomerFactory, UserFactory, make_ticket
from tickets import services, states
from tickets.models import (
    REFERENCE_IN_TEXT,
    REFERENCE_OFFSET,
    REFERENCE_PREFIX,
    Event,
    EventType,
    Plan,
    RequesterNotification,
    Severity,
    Status,
    Ticket,
)
from tickets.states import InvalidTransition

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HOUR = timedelta(hours=1)


def event_types(ticket) -> list[str]:
    return list(Event.objects.filter(ticket=ticket).order_by("at", "pk").values_list("type", flat=True))


def ledger(ticket, **filters):
    return list(LedgerEntry.objects.filter(ticket=ticket, **filters).order_by("seq"))


@pytest.fixture
def engineer():
    return UserFactory(username="lena")


@pytest.fixture
def premium():
    return CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])


def test_create_matches_the_customer_by_email_domain_and_promises_premium_times(premium):
    ticket = make_ticket(email="Ops@StreamCo.example", severity=Severity.URGENT)
    assert ticket.customer == premium
    assert ticket.plan == Plan.PREMIUM
    assert ticket.requester.email == "ops@streamco.example"
    assert ticket.status == Status.NEW
    assert ticket.first_response_due_at == NOW + timedelta(minutes=30)
    assert ticket.resolution_due_at == NOW + 8 * HOUR
    assert ticket.reference == f"SD-{ticket.pk + 1000}"
    assert len(ticket.access_token) >= 40
    assert event_types(ticket) == [EventType.CREATED]
    assert ticket.messages.get().body == ticket.description


def test_a_subdomain_belongs_to_the_customer_of_its_parent_domain(premium):
    assert make_ticket(email="noc@eu.streamco.example").customer == premium
    assert make_ticket(email="noc@notstreamco.example").customer is None


def test_a_requester_matching_no_customer_gets_the_standard_plan_in_business_hours():
    friday_5pm = datetime(2025, 6, 13, 17, 0, tzinfo=UTC)
    ticket = make_ticket(email="someone@gmail.example", severity=Severity.GENERAL, now=friday_5pm)
    assert ticket.customer is None
    assert ticket.plan == Plan.STANDARD
    # One business hour on Friday, three on Monday morning (UTC, the requester's zone by default).
    assert ticket.first_response_due_at == datetime(2025, 6, 16, 12, 0, tzinfo=UTC)
    # 24 business hours: 1 h Friday, then 9 h Mon, 9 h Tue, 5 h Wed.
    assert ticket.resolution_due_at == datetime(2025, 6, 18, 14, 0, tzinfo=UTC)


def test_business_hours_follow_the_customers_timezone():
    CustomerFactory(
        name="Kabuki", plan=Plan.STANDARD, timezone=ZoneInfo("Asia/Tokyo"), domains=["kabuki.example"]
    )
    # 2025-06-11 10:00 UTC is 19:00 in Tokyo: after hours, so the clock starts at 09:00 JST next day.
    ticket = make_ticket(email="a@kabuki.example", severity=Severity.URGENT)
    assert ticket.first_response_due_at == datetime(2025, 6, 12, 1, 0, tzinfo=UTC)  # 10:00 JST


def test_major_is_around_the_clock_even_on_standard_plans():
    saturday = datetime(2025, 6, 14, 3, 0, tzinfo=UTC)
    ticket = make_ticket(severity=Severity.MAJOR, now=saturday)
    assert ticket.first_response_due_at == saturday + timedelta(minutes=15)
    assert ticket.resolution_due_at == saturday + 8 * HOUR


def test_a_target_edit_applies_to_tickets_filed_afterwards_only(premium):
    before = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    SlaTarget.objects.filter(plan=Plan.PREMIUM, severity=Severity.MAJOR).update(
        first_response=timedelta(minutes=5)
    )
    after = make_ticket(email="b@streamco.example", severity=Severity.MAJOR)
    assert before.first_response_due_at == NOW + timedelta(minutes=15)
    assert after.first_response_due_at == NOW + timedelta(minutes=5)
    # Resuming the earlier ticket still uses the promise it was filed under.
    assert before.clock.first_response_target == timedelta(minutes=15)


def test_the_first_public_reply_by_an_engineer_is_the_first_response(engineer, premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.GENERAL)
    services.ticket_reply(ticket=ticket, author=None, body="Any news?", now=NOW + timedelta(minutes=5))
    services.ticket_reply(
        ticket=ticket, author=engineer, body="Internal", internal=True, now=NOW + timedelta(minutes=6)
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    assert ledger(ticket) == []

    services.ticket_reply(ticket=ticket, author=engineer, body="On it.", now=NOW + timedelta(minutes=20))
    services.ticket_reply(
        ticket=ticket, author=engineer, body="Still on it.", now=NOW + timedelta(minutes=90)
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at == NOW + timedelta(minutes=20)
    [row] = ledger(ticket)
    assert (row.kind, row.metric, row.cycle) == (LedgerEntry.Kind.COMPLETED, Metric.FIRST_RESPONSE, 1)
    assert row.target == HOUR
    assert row.due_at == NOW + HOUR
    assert row.achieved_at == NOW + timedelta(minutes=20)
    assert row.elapsed == timedelta(minutes=20)
    assert row.met is True
    assert row.overshoot == timedelta(0)
    assert row.customer == premium
    assert event_types(ticket) == [
        EventType.CREATED, EventType.CUSTOMER_REPLIED, EventType.NOTE, EventType.REPLIED, EventType.REPLIED,
    ]  # fmt: skip
    first_reply = Event.objects.filter(ticket=ticket, type=EventType.REPLIED).order_by("at").first()
    assert first_reply.data["first_response"] is True


def test_a_late_first_response_is_recorded_as_breached_by_how_much(engineer):
    ticket = make_ticket(severity=Severity.MAJOR)
    services.ticket_reply(ticket=ticket, author=engineer, body="Sorry", now=NOW + timedelta(minutes=40))
    [row] = ledger(ticket)
    assert row.met is False
    assert row.overshoot == timedelta(minutes=25)


def test_assigning_opens_a_new_ticket_and_unassigning_makes_it_new_again(engineer):
    manager = UserFactory(username="boss")
    ticket = make_ticket()
    ticket = services.ticket_assign(ticket=ticket, assignee=engineer, actor=manager, now=NOW + HOUR)
    assert (ticket.status, ticket.assignee, ticket.assigned_at) == (Status.OPEN, engineer, NOW + HOUR)
    ticket = services.ticket_assign(ticket=ticket, assignee=None, actor=manager, now=NOW + 2 * HOUR)
    assert (ticket.status, ticket.assignee) == (Status.NEW, None)
    assigned = Event.objects.filter(ticket=ticket, type=EventType.ASSIGNED).order_by("at")
    assert [e.data for e in assigned] == [{"from": None, "to": "lena"}, {"from": "lena", "to": None}]
    assert assigned[0].actor == manager


def test_invalid_transitions_raise_a_domain_error_and_change_nothing(engineer):
    ticket = make_ticket()
    with pytest.raises(InvalidTransition, match="from new to open: nobody is assigned"):
        services.ticket_change_status(ticket=ticket, status=Status.OPEN, actor=engineer, now=NOW)
    ticket = services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    with pytest.raises(InvalidTransition, match="reply to the customer before resolving"):
        services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW)
    with pytest.raises(InvalidTransition, match="from open to closed"):
        services.ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=engineer, now=NOW)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    # The assignment's own move (new -> open) is the only status event: the refused ones left none.
    assert event_types(ticket) == [EventType.CREATED, EventType.ASSIGNED, EventType.STATUS_CHANGED]


def test_waiting_on_the_customer_pauses_the_resolution_clock_only(engineer, premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.URGENT)  # 8 h resolution, 24x7
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=NOW + HOUR
    )
    ticket.refresh_from_db()
    assert ticket.paused_at == NOW + HOUR
    assert ticket.first_response_due_at == NOW + timedelta(minutes=30)  # never pauses

    services.ticket_reply(ticket=ticket, author=None, body="Here are the logs", now=NOW + 3 * HOUR)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.paused_at is None
    assert ticket.resolution_due_at == NOW + 10 * HOUR
    assert ticket.clock.paused == 2 * HOUR


def test_a_pause_over_the_weekend_moves_a_business_hours_deadline_by_business_time_only(engineer):
    monday = datetime(2025, 6, 9, 9, 0, tzinfo=UTC)
    ticket = make_ticket(severity=Severity.GENERAL, now=monday)  # standard: 24 business hours
    assert ticket.resolution_due_at == datetime(2025, 6, 11, 15, 0, tzinfo=UTC)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=monday)
    friday_5pm = datetime(2025, 6, 13, 17, 0, tzinfo=UTC)
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=monday + HOUR
    )
    services.ticket_change_status(ticket=ticket, status=Status.OPEN, actor=engineer, now=friday_5pm)
    ticket.refresh_from_db()
    # Paused from Monday 10:00 to Friday 17:00: 8 + 9*3 + 8 = 43 business hours.
    assert ticket.clock.paused == 43 * HOUR
    # 24 + 43 = 67 business hours from Monday 09:00: 45 in the first week, 22 in the next (Wed 13:00).
    assert ticket.resolution_due_at == datetime(2025, 6, 18, 13, 0, tzinfo=UTC)


def test_resolving_records_the_cycle_with_its_paused_time(engineer, premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.URGENT)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(
        ticket=ticket, author=engineer, body="Can you send logs?", now=NOW + timedelta(minutes=10)
    )
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=NOW + HOUR
    )
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW + 4 * HOUR)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at, ticket.paused_at) == (Status.RESOLVED, NOW + 4 * HOUR, None)
    [row] = ledger(ticket, metric=Metric.RESOLUTION)
    assert row.cycle == 1
    assert row.paused == 3 * HOUR
    assert row.elapsed == HOUR
    assert row.due_at == NOW + 11 * HOUR
    assert row.met is True
    assert row.engineer == engineer


def test_a_customer_reply_reopens_a_resolved_ticket_with_a_new_resolution_cycle(engineer, premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.URGENT)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Fixed", now=NOW + HOUR)
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW + HOUR)
    reopen_at = NOW + 30 * HOUR
    services.ticket_reply(ticket=ticket, author=None, body="It is back", now=reopen_at)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert (ticket.resolution_cycle, ticket.resolution_started_at, ticket.resolved_at) == (2, reopen_at, None)
    assert ticket.resolution_due_at == reopen_at + 8 * HOUR
    assert ticket.first_responded_at == NOW + HOUR  # the first response is not asked for again
    services.ticket_change_status(
        ticket=ticket, status=Status.RESOLVED, actor=engineer, now=reopen_at + 9 * HOUR
    )
    rows = ledger(ticket, metric=Metric.RESOLUTION)
    assert [(r.cycle, r.met) for r in rows] == [(1, True), (2, False)]
    assert rows[1].overshoot == HOUR
    assert EventType.REOPENED in event_types(ticket)


def test_a_customer_reply_to_a_closed_ticket_opens_a_linked_follow_up(engineer):
    ticket = make_ticket(severity=Severity.URGENT)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Fixed", now=NOW + HOUR)
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW + HOUR)
    assert services.ticket_close_stale(now=NOW + HOUR + timedelta(days=6)) == 0
    assert services.ticket_close_stale(now=NOW + HOUR + timedelta(days=7)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED

    later = NOW + timedelta(days=20)
    message = services.ticket_reply(ticket=ticket, author=None, body="Same problem again", now=later)
    follow_up = message.ticket
    assert follow_up.pk != ticket.pk
    assert follow_up.follow_up_of == ticket
    assert follow_up.subject == f"Re: {ticket.subject}"
    assert follow_up.requester == ticket.requester
    assert follow_up.status == Status.NEW
    assert follow_up.created_at == later
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert event_types(ticket)[-1] == EventType.FOLLOW_UP


def test_a_severity_change_recomputes_open_deadlines_from_creation(engineer):
    ticket = make_ticket(severity=Severity.GENERAL)  # standard general: business hours
    services.ticket_change_severity(ticket=ticket, severity=Severity.MAJOR, actor=engineer, now=NOW + HOUR)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == NOW + timedelta(minutes=15)
    assert ticket.resolution_due_at == NOW + 8 * HOUR
    event = Event.objects.get(ticket=ticket, type=EventType.SEVERITY_CHANGED)
    assert event.data["from"] == "general"
    assert event.data["to"] == "major"


def test_a_severity_change_leaves_a_completed_first_response_alone(engineer):
    ticket = make_ticket(severity=Severity.MAJOR)
    services.ticket_reply(ticket=ticket, author=engineer, body="Looking", now=NOW + timedelta(minutes=5))
    ticket.refresh_from_db()
    before = ticket.first_response_due_at
    services.ticket_change_severity(ticket=ticket, severity=Severity.GENERAL, actor=engineer, now=NOW + HOUR)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == before
    # 24 business hours from Wednesday 10:00: 8 on Wednesday, 9 on Thursday, 7 on Friday.
    assert ticket.resolution_due_at == datetime(2025, 6, 13, 16, 0, tzinfo=UTC)
    assert len(ledger(ticket)) == 1


def test_every_change_writes_an_event(engineer):
    ticket = make_ticket()
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Hi", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=NOW)
    services.ticket_change_severity(ticket=ticket, severity=Severity.URGENT, actor=engineer, now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW)
    assert event_types(ticket) == [
        EventType.CREATED, EventType.ASSIGNED, EventType.STATUS_CHANGED, EventType.REPLIED,
        EventType.STATUS_CHANGED, EventType.SEVERITY_CHANGED, EventType.STATUS_CHANGED,
    ]  # fmt: skip


def test_an_assignment_moves_the_status_through_the_state_machine_with_its_event(engineer):
    ticket = make_ticket()
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_assign(ticket=ticket, assignee=None, actor=engineer, now=NOW + timedelta(minutes=1))
    moves = [
        (e.data["from"], e.data["to"], e.data["reason"], e.actor)
        for e in ticket.events.filter(type=EventType.STATUS_CHANGED).order_by("pk")
    ]
    assert moves == [("new", "open", "assigned", engineer), ("open", "new", "unassigned", engineer)]
    # The requester is told of replies and of status changes made for them, not of who holds the ticket.
    assert not RequesterNotification.objects.filter(ticket=ticket, kind=RequesterNotification.Kind.STATUS)


def test_reassigning_a_waiting_ticket_keeps_its_status_and_writes_no_status_event(engineer):
    other_engineer = UserFactory(username="kofi")
    ticket = make_ticket()
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Which edge?", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=NOW)
    before = ticket.events.filter(type=EventType.STATUS_CHANGED).count()
    services.ticket_assign(ticket=ticket, assignee=other_engineer, actor=engineer, now=NOW)
    services.ticket_assign(ticket=ticket, assignee=None, actor=engineer, now=NOW)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER
    assert ticket.events.filter(type=EventType.STATUS_CHANGED).count() == before


def test_the_assignment_rule_of_the_state_machine():
    assert states.status_after_assignment(Status.NEW, has_assignee=True) == Status.OPEN
    assert states.status_after_assignment(Status.OPEN, has_assignee=False) == Status.NEW
    for status in (Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED):
        assert states.status_after_assignment(status, has_assignee=True) is None
        assert states.status_after_assignment(status, has_assignee=False) is None
    assert states.status_after_assignment(Status.OPEN, has_assignee=True) is None
    assert states.status_after_assignment(Status.NEW, has_assignee=False) is None


def test_reference_round_trips_and_rejects_garbage():
    assert Ticket.pk_from_reference("SD-1042") == 42
    assert Ticket.pk_from_reference("sd-1042 ") == 42
    for bad in ["SD-", "SD-1000", "SD-12a", "XX-1042", "SD-" + "9" * 30, ""]:
        assert Ticket.pk_from_reference(bad) is None


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [
        ("ACK SD-1042", "SD-1042"),
        ("ack sd-1042, on it", "sd-1042"),
        ("SD-1042\nACK", "SD-1042"),
        ("ACK SD-1000", "SD-1000"),  # written as a reference, though it names no ticket
        ("ACK", None),
        ("ACK XSD-1042", None),  # inside a word
        ("ACK SD-1042x", None),
        ("ACK SD-" + "9" * 19, None),  # longer than any reference
    ],
)
def test_a_reference_is_found_in_free_text(text, mentioned):
    """What `ACK SD-1042` by SMS mentions: a reference in the model's format, inside a sentence."""
    found = REFERENCE_IN_TEXT.search(text)
    assert (found.group(0) if found else None) == mentioned


def test_every_reference_the_model_writes_is_found_in_text_and_read_back():
    for pk in (1, 42, 10**18 - 1 - REFERENCE_OFFSET):  # up to the longest reference, 18 digits
        reference = Ticket(pk=pk).reference
        assert reference.startswith(REFERENCE_PREFIX)
        found = REFERENCE_IN_TEXT.search(f"ACK {reference.lower()} please")
        assert Ticket.pk_from_reference(found.group(0)) == pk


def test_next_due_follows_the_running_clocks_and_breaches_are_flagged(engineer):
    ticket = make_ticket(severity=Severity.MAJOR)
    assert ticket.next_due_at == NOW + timedelta(minutes=15)
    assert not ticket.is_breached(NOW)
    assert ticket.is_breached(NOW + timedelta(minutes=15))
    services.ticket_reply(ticket=ticket, author=engineer, body="Late", now=NOW + timedelta(minutes=30))
    ticket.refresh_from_db()
    assert ticket.next_due_at == ticket.resolution_due_at
    assert ticket.sla_breached is True
    assert Ticket.objects.filter(Ticket.breached_q(NOW), pk=ticket.pk).exists()
    waiting = Status.WAITING_ON_CUSTOMER
    services.ticket_change_status(ticket=ticket, status=waiting, actor=engineer, now=NOW + HOUR)
    ticket.refresh_from_db()
    assert ticket.next_due_at is None  # paused, first response done: no clock runs
