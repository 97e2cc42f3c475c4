"""What the pages say in words: durations, countdowns, promises, the SLA panel and the timeline."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalation.models import BusinessCalendar
from support_desk.web import presenters
from support_desk.web.presenters import (
    calendar_words,
    clock_span_words,
    compact_duration,
    countdown_text,
    describe_event,
    local_stamp,
    local_words,
    pauses_in_cycle,
)
from tests.factories import NOW, CustomerFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import Event, EventType, Plan, Severity, Status
from tickets.services import AUTO_CLOSE_AFTER

BERLIN = ZoneInfo("Europe/Berlin")
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=3, minutes=5, seconds=59), "3h 05m"),
        (timedelta(minutes=12, seconds=30), "12m 30s"),
        (timedelta(seconds=9), "0m 09s"),
        (timedelta(days=2, hours=4, minutes=1), "2d 4h"),
        (-timedelta(minutes=12, seconds=30), "overdue 12m 30s"),
        (-timedelta(hours=1, minutes=2), "overdue 1h 02m"),
        (-timedelta(milliseconds=400), "0m 00s"),
    ],
)
def test_countdown_text_matches_what_the_script_shows(left, text):
    assert countdown_text(NOW + left, NOW) == text


@pytest.mark.parametrize(
    ("span", "compact"),
    [
        (timedelta(hours=4), "4h"),
        (timedelta(minutes=15), "15m"),
        (timedelta(hours=1, minutes=30, seconds=59), "1h 30m"),
        (timedelta(days=1, minutes=1), "1d 1m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(0), "0s"),
        (-timedelta(hours=2), "-2h"),
    ],
)
def test_compact_durations(span, compact):
    assert compact_duration(span) == compact


@pytest.mark.parametrize(
    ("span", "business", "words"),
    [
        (timedelta(hours=24), True, "24 business hours"),
        (timedelta(hours=1), True, "1 business hour"),
        (timedelta(hours=4, minutes=30), True, "4 business hours 30 minutes"),
        (timedelta(minutes=15), True, "15 business minutes"),
        (timedelta(minutes=1), True, "1 business minute"),
        (timedelta(hours=8), False, "8 hours"),
        (timedelta(days=2, hours=1), False, "49 hours"),
        (timedelta(minutes=15), False, "15 minutes"),
        (timedelta(seconds=40), False, "40 seconds"),
        (timedelta(seconds=1), True, "1 business second"),
        (timedelta(0), False, "0 minutes"),
    ],
)
def test_clock_spans_in_words(span, business, words):
    assert clock_span_words(span, business=business) == words


def test_local_times_always_name_their_zone_and_follow_dst():
    summer, winter = datetime(2025, 6, 11, 10, tzinfo=UTC), datetime(2025, 12, 10, 10, tzinfo=UTC)
    assert local_stamp(summer, BERLIN) == "Wed 11 Jun 2025, 12:00 CEST"
    assert local_stamp(winter, BERLIN) == "Wed 10 Dec 2025, 11:00 CET"
    assert (
        local_words(summer, ZoneInfo("Asia/Kolkata")) == "Wednesday 11 June 2025 at 15:30 IST (Asia/Kolkata)"
    )


def test_calendar_words():
    business = BusinessCalendar(kind="business", opens=time(9), closes=time(18), workdays=[0, 1, 2, 3, 4])
    assert calendar_words(business, BERLIN) == "Monday to Friday, 09:00-18:00 Europe/Berlin time"
    own_zone = BusinessCalendar(
        kind="business", opens=time(8), closes=time(20), workdays=[5, 6], timezone=ZoneInfo("Asia/Tokyo")
    )
    assert calendar_words(own_zone, BERLIN) == "Saturday, Sunday, 08:00-20:00 Asia/Tokyo time"
    business.holiday_country = "DE"
    assert calendar_words(business, BERLIN).endswith("except public holidays (DE)")
    assert calendar_words(BusinessCalendar(kind="24x7"), BERLIN) == "around the clock, every day"


def _event(type_, at=NOW, actor=None, **data):
    return Event(type=type_, at=at, actor=actor, data=data)


def test_timeline_lines_say_who_did_what():
    lena = UserFactory.build(username="lena", first_name="Lena", last_name="Fischer")
    assert describe_event(_event(EventType.CREATED, severity="urgent", plan="premium")) == (
        "Filed as urgent on the premium plan"
    )
    assert describe_event(_event(EventType.ASSIGNED, actor=lena, **{"from": None, "to": "aiko"})) == (
        "Assigned to aiko by Lena Fischer"
    )
    assert describe_event(_event(EventType.ASSIGNED, actor=lena, **{"from": "aiko", "to": "lena"})) == (
        "Lena Fischer took it from aiko"
    )
    assert describe_event(
        _event(EventType.HANDED_OFF, **{"from": "aiko", "to": "lena", "reason": "shift ended"})
    ) == ("Handed off from aiko to lena: shift ended")
    assert describe_event(_event(EventType.ASSIGNED, actor=lena, **{"from": "lena", "to": None})) == (
        "Unassigned (was lena) by Lena Fischer"
    )
    assert describe_event(_event(EventType.REPLIED, actor=lena, first_response=True)) == (
        "Lena Fischer replied to the customer (first response)"
    )
    assert describe_event(_event(EventType.CUSTOMER_REPLIED)) == "The customer replied"
    assert (
        describe_event(_event(EventType.CUSTOMER_REPLIED, channel="email")) == "The customer replied by email"
    )
    assert describe_event(
        _event(EventType.STATUS_CHANGED, **{"from": "resolved", "to": "open", "reason": "customer replied"})
    ) == ("Status resolved → open (customer replied)")
    assert describe_event(_event(EventType.ESCALATED, metric="resolution", step=2)) == (
        "Escalated to level 2 (resolution)"
    )
    assert describe_event(
        _event(EventType.ACKNOWLEDGED, actor=lena, metric="first_response", step=1, via="sms")
    ) == ("Lena Fischer acknowledged the level 1 page (first response) via sms")
    assert describe_event(_event(EventType.WARNED, metric="first_response")) == (
        "Warning: the first response deadline is near"
    )


def test_timeline_lines_name_engineers_as_the_page_does():
    lena = UserFactory.build(username="lena", first_name="Lena", last_name="Fischer")
    names = {"lena": "Lena Fischer", "aiko": "Aiko Tanaka"}
    handed = _event(EventType.HANDED_OFF, **{"from": "aiko", "to": "lena", "reason": "shift ended"})
    assert describe_event(handed, names) == "Handed off from Aiko Tanaka to Lena Fischer: shift ended"
    taken = _event(EventType.ASSIGNED, actor=lena, **{"from": "aiko", "to": "lena"})
    assert describe_event(taken, names) == "Lena Fischer took it from Aiko Tanaka"
    dropped = _event(EventType.ASSIGNED, actor=lena, **{"from": "aiko", "to": None})
    assert describe_event(dropped, names) == "Unassigned (was Aiko Tanaka) by Lena Fischer"
    gone = _event(EventType.ASSIGNED, actor=lena, **{"from": "bob", "to": "aiko"})
    assert describe_event(gone, names) == "Assigned from bob to Aiko Tanaka by Lena Fischer"  # bob: no name


def test_pauses_are_read_from_status_changes_in_the_current_cycle():
    def moved(at, from_, to):
        return _event(EventType.STATUS_CHANGED, at=at, **{"from": from_, "to": to})

    hour = timedelta(hours=1)
    events = [
        moved(NOW - 5 * hour, "open", "waiting_on_customer"),  # an earlier cycle: ignored
        moved(NOW - 4 * hour, "waiting_on_customer", "open"),
        moved(NOW + hour, "open", "waiting_on_customer"),
        _event(EventType.NOTE, at=NOW + 2 * hour),
        moved(NOW + 3 * hour, "waiting_on_customer", "open"),
        moved(NOW + 4 * hour, "open", "waiting_on_customer"),
    ]
    assert pauses_in_cycle(events, NOW) == [
        presenters.Pause(NOW + hour, NOW + 3 * hour),
        presenters.Pause(NOW + 4 * hour, None),
    ]


# --- with the database: real tickets, real clocks ---------------------------------------------------


@pytest.fixture
def engineer(db):
    return UserFactory(username="lena", first_name="Lena")


@pytest.mark.django_db
def test_the_promise_follows_the_ticket_through_its_life(engineer):
    zone = ZoneInfo("America/Sao_Paulo")
    ticket = make_ticket(now=NOW, severity=Severity.URGENT, requester_timezone=zone)
    promise = presenters.customer_promise(ticket, NOW)
    # 07:00 in Sao Paulo: the first business hour there ends at 10:00 BRT.
    assert (
        promise.text
        == "An engineer will reply by Wednesday 11 June 2025 at 10:00 Sao Paulo time (America/Sao_Paulo)."
    )
    assert (
        promise.detail
        == "Our clock for this ticket runs Monday to Friday, 09:00-18:00 America/Sao_Paulo time."
    )
    assert not promise.late
    late = presenters.customer_promise(ticket, ticket.first_response_due_at + S)
    assert late.late and late.text.startswith("Our first reply is late")

    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="On it.", now=NOW)
    ticket.refresh_from_db()
    assert presenters.customer_promise(ticket, NOW).text.startswith("We aim to resolve this by ")

    services.ticket_change_status(ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=NOW)
    ticket.refresh_from_db()
    assert (
        presenters.customer_promise(ticket, NOW).detail == "Our resolution clock is paused until you reply."
    )

    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=NOW)
    ticket.refresh_from_db()
    resolved = presenters.customer_promise(ticket, NOW)
    assert (
        resolved.text
        == "We resolved this ticket on Wednesday 11 June 2025 at 07:00 Sao Paulo time (America/Sao_Paulo)."
    )
    assert local_words(NOW + AUTO_CLOSE_AFTER, zone) in resolved.detail

    services.ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=engineer, now=NOW)
    ticket.refresh_from_db()
    assert presenters.customer_promise(ticket, NOW).text.startswith("This ticket is closed.")


@pytest.mark.django_db
def test_the_warning_instant_is_the_policy_fraction_of_the_target_in_business_time():
    friday_4pm = datetime(2025, 6, 13, 16, 0, tzinfo=UTC)
    ticket = make_ticket(now=friday_4pm, severity=Severity.GENERAL)  # 4 business hours, UTC, Mon-Fri 9-18
    assert ticket.first_response_due_at == datetime(2025, 6, 16, 11, 0, tzinfo=UTC)
    fractions = {Severity.GENERAL: Decimal("0.80")}
    # 80 % of 4 h is 3 h 12 m: 2 h on Friday, then 1 h 12 m on Monday morning.
    row = presenters.queue_row(ticket, fractions, friday_4pm)
    assert row.warn_at == datetime(2025, 6, 16, 10, 12, tzinfo=UTC)
    assert (row.state, row.metric) == ("ok", "first response")
    assert presenters.queue_row(ticket, fractions, row.warn_at).state == "warning"
    assert presenters.queue_row(ticket, fractions, ticket.first_response_due_at).state == "breached"
    # Half of it ends exactly at Friday's close.
    assert presenters.queue_row(ticket, {Severity.GENERAL: Decimal("0.50")}, friday_4pm).warn_at == datetime(
        2025, 6, 13, 18, 0, tzinfo=UTC
    )


@pytest.mark.django_db
def test_the_warning_of_a_resumed_resolution_clock_moves_out_by_the_pause(engineer):
    ticket = make_ticket(now=NOW, severity=Severity.MAJOR)  # 8 h resolution, around the clock
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Which CDN edge?", now=NOW)
    services.ticket_change_status(ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=NOW)
    ticket.refresh_from_db()
    stopped = presenters.queue_row(ticket, {}, NOW)
    assert (stopped.state, stopped.countdown) == ("stopped", "paused")
    services.ticket_reply(ticket=ticket, author=None, body="Frankfurt.", now=NOW + timedelta(hours=2))
    ticket.refresh_from_db()
    row = presenters.queue_row(ticket, {Severity.MAJOR: Decimal("0.75")}, NOW)
    assert row.due_at == NOW + timedelta(hours=10)
    assert row.warn_at == NOW + timedelta(hours=8)  # 6 h of work + 2 h paused
    assert row.metric == "resolution"


@pytest.mark.django_db
def test_the_sla_panel_explains_weekends_and_pauses(engineer):
    friday_5pm = datetime(2025, 6, 13, 17, 0, tzinfo=UTC)
    ticket = make_ticket(now=friday_5pm, severity=Severity.GENERAL, requester_timezone=ZoneInfo("UTC"))
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=friday_5pm)
    monday_10 = datetime(2025, 6, 16, 10, 0, tzinfo=UTC)
    services.ticket_reply(ticket=ticket, author=engineer, body="Which account?", now=monday_10)
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer, now=monday_10
    )
    services.ticket_reply(ticket=ticket, author=None, body="Acme.", now=monday_10 + timedelta(hours=3))
    ticket.refresh_from_db()
    now = monday_10 + timedelta(hours=4)

    first, resolution = presenters.clock_panels(ticket, [], list(ticket.events.all()), now)

    assert (first.state, first.breached, first.elapsed) == ("met", False, timedelta(hours=2))
    assert first.explanation[0] == "Started Friday 2025-06-13 17:00 UTC, inside business hours 09:00-18:00."
    assert "Skipped Saturday and Sunday (no business hours)." in first.explanation
    assert first.explanation[-1] == "Due Monday 2025-06-16 12:00 UTC."
    assert resolution.state == "running"
    assert resolution.paused == timedelta(hours=3)
    assert resolution.elapsed == timedelta(hours=3)  # 1 h Friday + 1 h Monday + 1 h since the reply
    assert resolution.due_at == ticket.resolution_due_at
    assert (
        "Waiting on the customer from Mon 16 Jun 2025, 10:00 UTC to Mon 16 Jun 2025, 13:00 UTC."
        in resolution.explanation
    )
    assert (
        "Those pauses used 3h of business time, so the target is extended by as much."
        in resolution.explanation
    )
    # 24 business hours from Friday 17:00 end on Wednesday 14:00; the 3 h pause moves that to 17:00.
    assert ticket.resolution_due_at == datetime(2025, 6, 18, 17, 0, tzinfo=UTC)
    assert resolution.explanation[-1] == "Due Wednesday 2025-06-18 17:00 UTC."


@pytest.mark.django_db
def test_a_premium_ticket_panel_counts_around_the_clock():
    CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    ticket = make_ticket(now=NOW, email="ops@streamco.example", severity=Severity.GENERAL)
    first, resolution = presenters.clock_panels(ticket, [], [], NOW + timedelta(hours=2))
    assert first.explanation == [
        "Around-the-clock calendar: due 1h after the start.",
        "Due Wednesday 2025-06-11 11:00 UTC.",
    ]
    assert (first.state, first.breached) == ("breached", True)
    assert first.calendar == "around the clock, every day"
    assert resolution.state == "running"


@pytest.mark.django_db
def test_explanations_read_to_the_second():
    filed = datetime(2025, 6, 11, 10, 0, 6, 358292, tzinfo=UTC)
    ticket = make_ticket(now=filed, severity=Severity.MAJOR)
    first, _ = presenters.clock_panels(ticket, [], [], filed)
    assert first.explanation[-1] == "Due Wednesday 2025-06-11 10:15:06 UTC."
    assert not any("358292" in line for line in first.explanation)
