"""Service tests for the worker: alarms, exactly-once steps, routing, handoffs, acknowledgement."""

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from escalation.models import Alarm, Engineer, Escalation, LedgerEntry, Notification, Region
from escalation.paging.services.acknowledgements import (
    NothingToAcknowledge,
    acknowledge_by_phone,
    acknowledge_notification,
    escalation_acknowledge,
)
from escalation.paging.services.alarms import alarms_enqueue_due
from escalation.paging.services.escalations import alarm_fire, escalation_fire
from escalation.paging.services.routing import route_waiting, shift_handoffs, ticket_route
from escalation.tasks import hand_off_ended_shifts
from tests.factories import NOW, CustomerFactory, EngineerFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import Event, EventType, Plan, Severity, Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
MINUTE = timedelta(minutes=1)


def alarm_keys(ticket) -> list[tuple]:
    return sorted(Alarm.objects.filter(ticket=ticket).values_list("metric", "cycle", "step", "due_at"))


def engineer(username, zone="UTC", **kw) -> Engineer:
    return EngineerFactory(user=UserFactory(username=username), timezone=ZoneInfo(zone), **kw)


@pytest.fixture
def premium():
    return CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])


def test_a_new_ticket_plans_its_warning_and_steps(premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)  # 15 min / 4 h, 24x7
    fr_due, res_due = NOW + 15 * MINUTE, NOW + timedelta(hours=4)
    assert alarm_keys(ticket) == sorted(
        [
            ("first_response", 1, 0, NOW + 12 * MINUTE),
            ("first_response", 1, 1, fr_due),
            ("first_response", 1, 2, fr_due + 5 * MINUTE),
            ("first_response", 1, 3, fr_due + 15 * MINUTE),
            ("resolution", 1, 0, NOW + timedelta(hours=3, minutes=12)),
            ("resolution", 1, 1, res_due),
            ("resolution", 1, 2, res_due + 5 * MINUTE),
            ("resolution", 1, 3, res_due + 15 * MINUTE),
        ]
    )


def test_alarms_follow_the_clocks_through_the_lifecycle(premium):
    lena = engineer("lena").user
    ticket = make_ticket(email="a@streamco.example", severity=Severity.URGENT)
    services.ticket_reply(ticket=ticket, author=lena, body="On it", now=NOW + MINUTE)
    assert {k[0] for k in alarm_keys(ticket)} == {"resolution"}
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=lena, now=NOW + 2 * MINUTE
    )
    assert alarm_keys(ticket) == []
    services.ticket_reply(ticket=ticket, author=None, body="Logs attached", now=NOW + 62 * MINUTE)
    ticket.refresh_from_db()
    assert max(k[3] for k in alarm_keys(ticket) if k[2] == 1) == ticket.resolution_due_at
    services.ticket_change_severity(ticket=ticket, severity=Severity.MAJOR, actor=lena, now=NOW + 63 * MINUTE)
    ticket.refresh_from_db()
    assert [k[3] for k in alarm_keys(ticket) if k[2] == 1] == [ticket.resolution_due_at]
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=lena, now=NOW + 64 * MINUTE)
    assert alarm_keys(ticket) == []


def fire_all_due(now) -> list[Escalation]:
    fired = []
    for alarm_id in Alarm.objects.filter(due_at__lte=now).order_by("due_at").values_list("pk", flat=True):
        escalation = alarm_fire(alarm_id=alarm_id, now=now)
        if escalation:
            fired.append(escalation)
    return fired


def test_step_one_fires_once_records_the_breach_and_pages(premium, django_capture_on_commit_callbacks):
    lena = engineer("lena", phone="+4930123456")
    engineer("otto", on_call=True, phone="+4930999999")
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)

    assert fire_all_due(NOW + 11 * MINUTE) == []  # nothing due yet
    [warning] = fire_all_due(NOW + 12 * MINUTE)
    assert warning.step == 0
    with django_capture_on_commit_callbacks(execute=True):  # the ledger append follows the commit
        [step1] = fire_all_due(NOW + 15 * MINUTE + timedelta(milliseconds=300))
    assert (step1.metric, step1.step, step1.due_at) == ("first_response", 1, NOW + 15 * MINUTE)
    assert step1.lateness == timedelta(milliseconds=300)
    assert fire_all_due(NOW + 16 * MINUTE) == []  # nothing fires twice

    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert ticket.sla_breached is True
    breach = LedgerEntry.objects.get(ticket=ticket, kind="breach")
    assert (breach.metric, breach.met) == ("first_response", False)
    types = list(Event.objects.filter(ticket=ticket).values_list("type", flat=True))
    assert types.count(EventType.WARNED) == 1
    assert types.count(EventType.BREACHED) == 1
    assert types.count(EventType.ESCALATED) == 1
    sent = set(Notification.objects.filter(escalation=step1).values_list("channel", "recipient"))
    assert sent == {("sms", "+4930123456"), ("voice", "+4930999999")}
    assert Notification.objects.filter(escalation=warning).get().recipient == "+4930123456"


def test_firing_the_same_step_again_is_a_no_op(premium, django_capture_on_commit_callbacks):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    due = NOW + 15 * MINUTE
    with django_capture_on_commit_callbacks(execute=True):
        first = escalation_fire(ticket=ticket, metric="first_response", cycle=1, step=1, due_at=due, now=due)
    with django_capture_on_commit_callbacks(execute=True):
        again = escalation_fire(
            ticket=ticket, metric="first_response", cycle=1, step=1, due_at=due, now=due + MINUTE
        )
    assert first is not None and again is None
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    assert LedgerEntry.objects.filter(ticket=ticket, kind="breach").count() == 1


def test_a_deadline_met_in_the_meantime_fires_nothing(premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    step1 = Alarm.objects.get(ticket=ticket, metric="first_response", step=1)
    services.ticket_reply(ticket=ticket, author=UserFactory(), body="Hi", now=NOW + 14 * MINUTE)
    assert alarm_fire(alarm_id=step1.pk, now=NOW + 15 * MINUTE) is None
    assert not Escalation.objects.filter(ticket=ticket, metric="first_response", step__gte=1).exists()


def test_an_alarm_moved_later_does_not_fire_early(premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    step1 = Alarm.objects.get(ticket=ticket, metric="first_response", step=1)
    services.ticket_change_severity(ticket=ticket, severity=Severity.GENERAL, actor=None, now=NOW + MINUTE)
    assert alarm_fire(alarm_id=step1.pk, now=NOW + 15 * MINUTE) is None
    moved = Alarm.objects.get(pk=step1.pk)
    assert moved.due_at == NOW + timedelta(hours=1)
    assert moved.enqueued_at is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_alarm_fire_it_once(premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    alarm = Alarm.objects.get(ticket=ticket, metric="first_response", step=1)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(alarm_fire(alarm_id=alarm.pk, now=NOW + 15 * MINUTE))
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r is not None for r in results) == 1
    assert Escalation.objects.filter(ticket=ticket, step=1).count() == 1


def test_step_two_reassigns_to_another_on_shift_engineer(premium):
    at = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)  # a Wednesday: London and Berlin are on shift
    first = engineer("first", "Europe/London", region=Region.EMEA)
    second = engineer("second", "Europe/Berlin", region=Region.EMEA, lead=True, phone="+4930555555")
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR, now=at)
    services.ticket_assign(ticket=ticket, assignee=first.user, actor=None, now=at)
    fire_all_due(at + 20 * MINUTE)  # warning, step 1 (15 min) and step 2 (20 min)
    ticket.refresh_from_db()
    assert ticket.assignee == second.user
    assert ticket.escalation_level == 2
    voice = Notification.objects.get(escalation__step=2, channel="voice")
    assert voice.recipient == "+4930555555"


def test_managers_get_step_three_and_a_missing_phone_is_a_visible_failure(premium, twilio):
    boss = UserFactory(username="boss", email="boss@support.example")
    boss.groups.add(Group.objects.get_or_create(name="managers")[0])
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    fire_all_due(NOW + 30 * MINUTE)
    step3 = Escalation.objects.get(ticket=ticket, metric="first_response", step=3)
    rows = {(n.channel, n.recipient, n.status) for n in Notification.objects.filter(escalation=step3)}
    assert rows == {("email", "boss@support.example", "queued"), ("sms", "user:boss", "failed")}
    assert "no phone number" in Notification.objects.get(escalation=step3, channel="sms").last_error


def test_acknowledging_stops_paging_for_that_step(premium, twilio):
    lena = engineer("lena", phone="+4930123456")
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)
    fire_all_due(NOW + 15 * MINUTE)
    escalation = escalation_acknowledge(ticket=ticket, user=lena.user, via="api", now=NOW + 16 * MINUTE)
    assert escalation.step == 1
    assert set(Notification.objects.filter(escalation=escalation).values_list("status", flat=True)) == {
        "cancelled"
    }
    ticket.refresh_from_db()
    assert ticket.next_due_at is not None  # the SLA clock keeps running
    escalation_acknowledge(ticket=ticket, user=lena.user, via="api", now=NOW + 17 * MINUTE)  # the warning
    with pytest.raises(NothingToAcknowledge):
        escalation_acknowledge(ticket=ticket, user=lena.user, via="api", now=NOW + 18 * MINUTE)
    assert Event.objects.filter(ticket=ticket, type=EventType.ACKNOWLEDGED).count() == 2


def test_ack_by_sms_and_by_keypress(premium):
    lena = engineer("lena", phone="+4930123456")
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)
    fire_all_due(NOW + 15 * MINUTE)
    assert acknowledge_by_phone(phone="+49 30 999", text="ACK", now=NOW + 16 * MINUTE) is None
    acked = acknowledge_by_phone(phone="+4930123456", text=f"ack {ticket.reference}", now=NOW + 16 * MINUTE)
    assert (acked.step, acked.acknowledged_by, acked.acknowledged_via) == (1, lena.user, "sms")
    warning_sms = Notification.objects.get(escalation__step=0)
    by_voice = acknowledge_notification(notification_id=warning_sms.pk, now=NOW + 17 * MINUTE)
    assert by_voice.step == 0 and by_voice.acknowledged_via == "voice"
    assert acknowledge_notification(notification_id=warning_sms.pk, now=NOW + 18 * MINUTE) is None


def test_routing_assigns_an_on_shift_engineer_and_waits_otherwise():
    at = datetime(2025, 6, 11, 2, 0, tzinfo=UTC)  # Wednesday 11:00 in Tokyo
    tokyo = engineer("aiko", "Asia/Tokyo", region=Region.APAC)
    engineer("maya", "America/New_York", region=Region.AMERICAS)
    ticket = make_ticket(now=at)
    assert ticket_route(ticket_id=ticket.pk, now=at) is True
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (tokyo.user, Status.OPEN)
    assert (
        Event.objects.get(ticket=ticket, type=EventType.ASSIGNED).data["reason"] == "follow-the-sun routing"
    )
    assert ticket_route(ticket_id=ticket.pk, now=at) is False  # a replay changes nothing

    night = datetime(2025, 6, 11, 23, 30, tzinfo=UTC)  # nobody on shift
    waiting = make_ticket(now=night)
    assert ticket_route(ticket_id=waiting.pk, now=night) is False
    assert route_waiting(now=night) == 0
    assert route_waiting(now=datetime(2025, 6, 12, 0, 0, 1, tzinfo=UTC)) == 1  # Tokyo's 09:00
    waiting.refresh_from_db()
    assert waiting.assignee == tokyo.user


def test_a_24x7_ticket_with_nobody_on_shift_pages_on_call_once(premium):
    engineer("otto", on_call=True, phone="+4930999999", shift_start=time(9), shift_end=time(10))
    night = datetime(2025, 6, 11, 23, 30, tzinfo=UTC)
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR, now=night)
    ticket_route(ticket_id=ticket.pk, now=night)
    ticket_route(ticket_id=ticket.pk, now=night + MINUTE)
    pages = Notification.objects.filter(ticket=ticket, purpose="on_call_page")
    assert sorted(pages.values_list("channel", flat=True)) == ["sms", "voice"]
    # The page names the deadline ahead (23:45 UTC) and asks for no ACK: there is no step to acknowledge.
    sms = pages.get(channel="sms").body
    assert "first response due at 23:45 UTC, in 15 min" in sms
    assert "ACK" not in sms and "overdue" not in sms
    standard = make_ticket(severity=Severity.GENERAL, now=night)
    ticket_route(ticket_id=standard.pk, now=night)
    assert not Notification.objects.filter(ticket=standard).exists()


def test_handoff_at_shift_end_names_both_engineers_with_a_summary():
    berlin = engineer("lena", "Europe/Berlin")
    new_york = engineer("maya", "America/New_York")
    at = datetime(2025, 6, 11, 14, 0, tzinfo=UTC)  # Berlin 16:00, New York 10:00
    ticket = make_ticket(severity=Severity.URGENT, now=at)
    services.ticket_assign(ticket=ticket, assignee=berlin.user, actor=None, now=at)
    assert shift_handoffs(now=at) == 0
    later = datetime(2025, 6, 11, 16, 30, tzinfo=UTC)  # Berlin 18:30: off shift
    assert shift_handoffs(now=later) == 1
    ticket.refresh_from_db()
    assert ticket.assignee == new_york.user
    event = Event.objects.get(ticket=ticket, type=EventType.HANDED_OFF)
    assert (event.data["from"], event.data["to"]) == ("lena", "maya")
    assert event.data["summary"]["first_response_seconds_left"] == int(
        (ticket.first_response_due_at - later).total_seconds()
    )
    assert shift_handoffs(now=later) == 0


def test_handoff_with_nobody_on_shift_returns_the_ticket_to_new():
    berlin = engineer("lena", "Europe/Berlin")
    at = datetime(2025, 6, 11, 14, 0, tzinfo=UTC)
    ticket = make_ticket(now=at)
    services.ticket_assign(ticket=ticket, assignee=berlin.user, actor=None, now=at)
    shift_handoffs(now=datetime(2025, 6, 11, 20, 0, tzinfo=UTC))
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (None, Status.NEW)


def test_the_tick_hands_over_only_the_next_minute_and_resends_stale_alarms(
    premium, django_capture_on_commit_callbacks
):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    Alarm.objects.filter(ticket=ticket).update(enqueued_at=None)
    at = NOW + 12 * MINUTE - timedelta(seconds=30)  # the warning is 30 s away, step 1 3.5 min away
    assert alarms_enqueue_due(now=at) == 1
    assert alarms_enqueue_due(now=at + timedelta(seconds=5)) == 0  # in flight: not sent again
    assert alarms_enqueue_due(now=at + timedelta(seconds=95)) == 1  # lost? sent again after 90 s


def test_an_overdue_alarm_whose_eta_was_lost_is_handed_over_again_at_the_next_tick(premium):
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    warning = Alarm.objects.get(ticket=ticket, metric="first_response", step=0)
    Alarm.objects.filter(pk=warning.pk).update(enqueued_at=warning.due_at - timedelta(seconds=30))
    assert alarms_enqueue_due(now=warning.due_at + timedelta(seconds=1)) == 0  # the ETA may still arrive
    assert alarms_enqueue_due(now=warning.due_at + timedelta(seconds=4)) == 1  # it did not: send again
    assert alarms_enqueue_due(now=warning.due_at + timedelta(seconds=5)) == 0  # not every tick


def test_without_twilio_credentials_pages_are_logged_at_once_not_queued(premium, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    lena = engineer("lena", phone="+4930123456")
    ticket = make_ticket(email="a@streamco.example", severity=Severity.MAJOR)
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)
    fire_all_due(NOW + 15 * MINUTE)
    sms = Notification.objects.get(escalation__step=1, channel="sms")
    assert (sms.status, sms.last_error) == ("logged", "not sent: Twilio is not configured")


# --- deliberate assignments stick; handoffs say why ------------------------------------------------


@pytest.fixture
def follow_the_sun():
    """Berlin (lena), Tokyo (aiko) and New York (maya), 09:00-18:00 on weekdays in their own zones."""
    return (
        engineer("lena", "Europe/Berlin"),
        engineer("aiko", "Asia/Tokyo"),
        engineer("maya", "America/New_York"),
    )


def test_a_confirmed_assignment_off_shift_sticks_until_the_next_shift_has_ended(follow_the_sun, time_machine):
    """SD-1012: given to Lena before her shift started; the tick must not move it 22 s later."""
    lena, aiko, maya = follow_the_sun
    manager = UserFactory(username="maria")
    before_her_shift = datetime(2025, 6, 11, 6, 0, tzinfo=UTC)  # 08:00 in Berlin, 15:00 in Tokyo
    time_machine.move_to(before_her_shift, tick=False)
    ticket = make_ticket(now=before_her_shift)
    services.ticket_assign(
        ticket=ticket, assignee=lena.user, actor=manager, now=before_her_shift, confirm_off_shift=True
    )
    ticket.refresh_from_db()
    assert ticket.assignment_pinned_until == datetime(2025, 6, 11, 16, 0, tzinfo=UTC)  # 18:00 in Berlin

    for at in (
        before_her_shift + timedelta(seconds=22),  # the routing tick that undid it
        datetime(2025, 6, 11, 12, 0, tzinfo=UTC),  # on shift
        datetime(2025, 6, 11, 15, 59, 59, tzinfo=UTC),  # the last second of her shift
    ):
        time_machine.move_to(at, tick=False)
        assert hand_off_ended_shifts() == 0
        assert Ticket.objects.get(pk=ticket.pk).assignee == lena.user

    time_machine.move_to(datetime(2025, 6, 11, 16, 0, 30, tzinfo=UTC), tick=False)  # 12:00 in New York
    assert hand_off_ended_shifts() == 1
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.assignment_pinned_until) == (maya.user, None)
    event = Event.objects.get(ticket=ticket, type=EventType.HANDED_OFF)
    assert (event.data["from"], event.data["to"], event.data["reason"]) == ("lena", "maya", "shift ended")
    assert aiko.user != ticket.assignee


def test_a_manual_assignment_on_shift_holds_to_the_end_of_that_shift_and_routing_does_not_pin(
    follow_the_sun,
):
    lena, aiko, _ = follow_the_sun
    at = datetime(2025, 6, 11, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo
    by_hand = make_ticket(now=at)
    services.ticket_assign(ticket=by_hand, assignee=aiko.user, actor=lena.user, now=at)
    by_hand.refresh_from_db()
    assert by_hand.assignment_pinned_until == datetime(2025, 6, 11, 9, 0, tzinfo=UTC)  # 18:00 in Tokyo
    routed = make_ticket(now=at)
    assert ticket_route(ticket_id=routed.pk, now=at) is True
    routed.refresh_from_db()
    assert (routed.assignee, routed.assignment_pinned_until) == (aiko.user, None)
    # Reassigning by hand replaces the hold with the new engineer's; unassigning clears it.
    later = datetime(2025, 6, 11, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
    services.ticket_assign(ticket=by_hand, assignee=lena.user, actor=aiko.user, now=later)
    by_hand.refresh_from_db()
    assert by_hand.assignment_pinned_until == datetime(2025, 6, 11, 16, 0, tzinfo=UTC)
    services.ticket_assign(ticket=by_hand, assignee=None, actor=aiko.user, now=later)
    by_hand.refresh_from_db()
    assert by_hand.assignment_pinned_until is None


def test_a_handoff_says_not_on_shift_when_the_shift_had_not_started(follow_the_sun):
    lena, _, _ = follow_the_sun
    before_her_shift = datetime(2025, 6, 11, 6, 0, tzinfo=UTC)  # 08:00 in Berlin, 15:00 in Tokyo
    ticket = make_ticket(now=before_her_shift)
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=before_her_shift)  # unpinned

    assert shift_handoffs(now=before_her_shift + timedelta(seconds=22)) == 1

    event = Event.objects.get(ticket=ticket, type=EventType.HANDED_OFF)
    assert (event.data["from"], event.data["to"]) == ("lena", "aiko")
    assert event.data["reason"] == "not on shift"


def test_a_handoff_away_from_a_deactivated_engineer_says_so_even_when_pinned(follow_the_sun):
    lena, _, maya = follow_the_sun
    at = datetime(2025, 6, 11, 14, 0, tzinfo=UTC)  # 16:00 in Berlin, 10:00 in New York
    ticket = make_ticket(now=at)
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=maya.user, now=at)  # pinned to 16:00 UTC
    Engineer.objects.filter(pk=lena.pk).update(active=False)

    assert shift_handoffs(now=at + MINUTE) == 1

    ticket.refresh_from_db()
    assert ticket.assignee == maya.user
    event = Event.objects.get(ticket=ticket, type=EventType.HANDED_OFF)
    assert (event.data["from"], event.data["reason"]) == ("lena", "deactivated")


def test_with_nobody_on_shift_the_reason_still_says_why_it_moved():
    berlin = engineer("lena", "Europe/Berlin")
    night = datetime(2025, 6, 11, 23, 0, tzinfo=UTC)
    ticket = make_ticket(now=night)
    services.ticket_assign(ticket=ticket, assignee=berlin.user, actor=None, now=night)
    shift_handoffs(now=night + MINUTE)
    event = Event.objects.get(ticket=ticket, type=EventType.HANDED_OFF)
    assert event.data["reason"] == "not on shift; nobody on shift, waiting for the next shift"
