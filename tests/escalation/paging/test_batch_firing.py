"""Firing in batches: the same records as firing one by one, exactly once, and the tick's pages and waves."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from escalation.models import Alarm, Escalation, LedgerEntry, Notification, Page, Region
from escalation.paging.services import alarms as alarm_service
from escalation.paging.services.alarms import (
    alarms_enqueue_due,
    alarms_lost,
    alarms_never_handed_over,
    plan_waves,
)
from escalation.paging.services.escalations import alarm_fire, alarms_fire_batch
from escalation.paging.services.notifications import notification_send
from escalation.sla.services.ledger import ledger_verify
from tests.factories import CustomerFactory, EngineerFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import Event, Plan, Severity, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

AT = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)  # a Wednesday: London and Berlin are on shift
MINUTE = timedelta(minutes=1)


class Rollback(Exception):
    pass


@pytest.fixture
def storm():
    """Major and urgent tickets of a premium customer, assigned, with leads, on-call and a manager."""
    CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    people = [
        EngineerFactory(
            user=UserFactory(username=name),
            phone=phone,
            region=Region.EMEA,
            lead=lead,
            on_call=on_call,
            capacity=100,
        )
        for name, phone, lead, on_call in (
            ("lena", "+4930123456", False, False),
            ("maya", "+4930222222", True, False),
            ("otto", "+4930999999", False, True),
            ("ines", "", False, False),  # no phone: a visible failure
        )
    ]
    boss = UserFactory(username="boss", email="boss@support.example")
    boss.groups.add(Group.objects.get_or_create(name="managers")[0])
    tickets = []
    for i in range(12):
        severity = Severity.MAJOR if i % 3 else Severity.URGENT
        ticket = make_ticket(
            email=f"noc{i}@streamco.example", severity=severity, now=AT + i * timedelta(seconds=7)
        )
        services.ticket_assign(ticket=ticket, assignee=people[i % 4].user, actor=None, now=AT)
        tickets.append(ticket)
    return tickets


def snapshot(tickets) -> dict:
    """Every record firing writes, per ticket, without the ids the database hands out."""
    out = {}
    for ticket in Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk"):
        steps = {e.pk: (e.metric, e.cycle, e.step) for e in Escalation.objects.filter(ticket=ticket)}
        out[ticket.pk] = {
            "ticket": (
                ticket.status,
                ticket.assignee_id,
                ticket.escalation_level,
                ticket.sla_breached,
                ticket.next_due_at,
                ticket.updated_at,
            ),
            "escalations": sorted(
                (e.metric, e.cycle, e.step, e.due_at, e.fired_at)
                for e in Escalation.objects.filter(ticket=ticket)
            ),
            "events": [
                (e.type, e.at, e.actor_id, e.data) for e in Event.objects.filter(ticket=ticket).order_by("pk")
            ],
            "notifications": [
                (
                    steps.get(n.escalation_id),
                    n.purpose,
                    n.channel,
                    n.recipient,
                    n.recipient_user_id,
                    n.body,
                    n.status,
                    n.last_error,
                    n.created_at,
                    n.updated_at,
                )
                for n in Notification.objects.filter(ticket=ticket).order_by("pk")
            ],
            "alarms": sorted(
                Alarm.objects.filter(ticket=ticket).values_list("metric", "cycle", "step", "due_at")
            ),
        }
    ledger = [
        {k: v for k, v in row.items() if k != "id"}
        for row in LedgerEntry.objects.filter(kind="breach").order_by("seq").values()
    ]
    return {"tickets": out, "ledger": ledger}


def fire_one_by_one(now) -> None:
    due = Alarm.objects.filter(due_at__lte=now).order_by("due_at", "step", "pk").values_list("pk", flat=True)
    for alarm_id in list(due):
        alarm_fire(alarm_id=alarm_id, now=now)


def fire_in_batches(now) -> int:
    batches = 0
    while True:
        result = alarms_fire_batch(now=now)
        if not result.claimed:
            return batches
        batches += 1


def test_a_batch_writes_exactly_the_records_of_firing_one_by_one(storm):
    """Warnings, step 1 (breach, ledger), step 2 (reassign) and step 3 (managers) of 12 tickets."""
    now = AT + 36 * MINUTE
    with pytest.raises(Rollback), transaction.atomic():
        fire_one_by_one(now)
        alone = snapshot(storm)
        raise Rollback
    assert Escalation.objects.count() == 0  # rolled back: the same tickets fire again below
    batches = fire_in_batches(now)
    batched = snapshot(storm)

    assert batches == 4  # warnings, steps 1, steps 2, steps 3: one alarm per ticket a batch
    some = batched["tickets"][storm[1].pk]
    assert [e[2] for e in some["escalations"]] == [0, 1, 2, 3]
    assert any(n[3] == "boss@support.example" for n in some["notifications"])
    assert len(batched["ledger"]) == len(storm)
    for ticket in storm:
        assert batched["tickets"][ticket.pk] == alone["tickets"][ticket.pk], ticket.reference
    assert batched["ledger"] == alone["ledger"]  # same rows, same seqs, same hashes
    assert list(ledger_verify()) == []


def test_a_batch_is_a_few_statements_whatever_its_size(storm, django_assert_max_num_queries):
    now = AT + 16 * MINUTE + 20 * timedelta(seconds=7)  # every warning and step 1 due
    alarms_fire_batch(now=now)  # the warnings
    with django_assert_max_num_queries(20):
        result = alarms_fire_batch(now=now)
    assert len(result.fired) == sum(t.severity == Severity.MAJOR for t in storm)  # urgent: due at 30 min
    assert {e.step for e in result.fired} == {1}


def placements() -> dict:
    """Where each SMS and call went: its window (or none), grouped or alone, its status; and the windows."""
    paged = Notification.objects.select_related("escalation", "page").filter(channel__in=("sms", "voice"))
    return {
        "notifications": sorted(
            (
                n.ticket_id,
                n.escalation.step,
                n.channel,
                n.recipient,
                n.grouped,
                n.status,
                n.page_id and n.page.sequence,
            )
            for n in paged
        ),
        "pages": sorted(
            Page.objects.values_list("recipient", "channel", "sequence", "opened_at", "closes_at", "status")
        ),
    }


def send_queued(now) -> None:
    for pk in Notification.objects.filter(status="queued").order_by("pk").values_list("pk", flat=True):
        notification_send(notification_id=pk, now=now)


def test_a_batch_places_its_pages_in_windows_as_sending_one_by_one_would(storm, twilio, settings):
    """A storm's batch groups its SMS and calls per recipient as it fires (one page lock per recipient),
    instead of leaving each to a send task of its own: the same windows, the same notifications grouped,
    and only the first of each recipient's quiet period left to send at once."""
    settings.TWILIO_MESSAGES_PER_SECOND = 1000  # the sender's pacing is not what this test is about
    now = AT + 16 * MINUTE + 20 * timedelta(seconds=7)  # every warning and step 1 due
    with pytest.raises(Rollback), transaction.atomic():
        fire_one_by_one(now)
        send_queued(now)
        alone = placements()
        raise Rollback
    assert Page.objects.count() == 0
    fire_in_batches(now)
    waiting = Notification.objects.filter(status="queued", channel__in=("sms", "voice"))
    assert waiting.count() == waiting.filter(grouped=False, page__isnull=False).count()
    assert waiting.count() == Page.objects.count()  # one message at once per recipient and channel
    send_queued(now)
    batched = placements()

    assert batched == alone
    grouped = [n for n in batched["notifications"] if n[4]]
    assert len(grouped) > len(batched["pages"])  # a storm: several tickets behind one message
    assert {n[5] for n in grouped} == {"grouped"}  # they go out with their window's message at its close
    assert len(twilio.sms()) + len(twilio.calls()) == 2 * len(batched["pages"])  # alone ones, both runs


def test_replays_and_stale_duplicates_are_no_ops(storm):
    now = AT + 20 * MINUTE
    gone = list(Alarm.objects.filter(due_at__lte=now).values_list("pk", flat=True))
    fire_in_batches(now)
    fired = Escalation.objects.count()
    assert alarms_fire_batch(alarm_ids=gone, now=now).fired == []  # a redelivered wave
    # An alarm for a step that fired already (a replan racing a firing, say) is deleted, fires nothing.
    step1 = Escalation.objects.filter(step=1).first()
    Alarm.objects.create(
        ticket_id=step1.ticket_id, metric=step1.metric, cycle=step1.cycle, step=1, due_at=now
    )
    result = alarms_fire_batch(now=now)
    assert result.claimed and result.fired == []
    assert Escalation.objects.count() == fired
    majors = sum(t.severity == Severity.MAJOR for t in storm)
    assert LedgerEntry.objects.filter(kind="breach").count() == majors  # urgent ones are due at 30 min


def test_an_answered_ticket_fires_nothing_and_a_moved_alarm_waits(storm):
    answered, moved = storm[1], storm[2]
    services.ticket_reply(ticket=answered, author=UserFactory(), body="On it", now=AT + 10 * MINUTE)
    alarm = Alarm.objects.get(ticket=moved, metric="first_response", step=1)
    services.ticket_change_severity(ticket=moved, severity=Severity.GENERAL, actor=None, now=AT + MINUTE)
    result = alarms_fire_batch(alarm_ids=[alarm.pk], now=AT + 16 * MINUTE)
    assert answered.pk not in {e.ticket_id for e in result.fired}
    assert moved.pk not in {e.ticket_id for e in result.fired}
    assert Alarm.objects.filter(pk=alarm.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_batches_racing_on_the_same_alarms_fire_each_step_once(storm):
    now = AT + 36 * MINUTE
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            fire_in_batches(now)
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
    steps = sum(4 if t.severity == Severity.MAJOR else 2 for t in storm)  # urgent: warning and step 1
    assert Escalation.objects.filter(metric="first_response").count() == steps
    assert LedgerEntry.objects.filter(kind="breach").count() == len(storm)
    assert list(ledger_verify()) == []


# --- the tick: pages and waves ------------------------------------------------------------------------


def test_waves_group_alarms_due_within_a_second_and_overdue_ones_together():
    at = AT
    alarms = [
        (1, at - MINUTE),
        (2, at - timedelta(seconds=5)),
        (3, at + timedelta(seconds=0.5)),
        (4, at + timedelta(seconds=1.2)),
        (5, at + timedelta(seconds=2)),
        (6, at + timedelta(seconds=9)),
    ]
    assert [[pk for pk, _ in wave] for wave in plan_waves(alarms, at)] == [[1, 2, 3], [4, 5], [6]]
    many = [(i, at - MINUTE) for i in range(450)]
    assert [len(w) for w in plan_waves(many, at)] == [200, 200, 50]
    assert plan_waves([(7, at + MINUTE)], at) == [[(7, at + MINUTE)]]  # a lone alarm is a wave of one


def overdue_alarms(count: int, now) -> list[int]:
    ticket = make_ticket(now=now - timedelta(days=1))
    Alarm.objects.filter(ticket=ticket).delete()
    rows = [
        Alarm(ticket=ticket, metric="resolution", cycle=1000 + i, step=1, due_at=now - timedelta(seconds=i))
        for i in range(count)
    ]
    return [a.pk for a in Alarm.objects.bulk_create(rows)]


def test_the_tick_hands_over_a_backlog_in_pages_once(monkeypatch):
    monkeypatch.setattr(alarm_service, "HANDOVER_PAGE", 100)
    now = AT + timedelta(hours=2)
    ids = overdue_alarms(730, now)
    assert alarms_enqueue_due(now=now) == 730
    assert not Alarm.objects.filter(pk__in=ids, enqueued_at__isnull=True).exists()
    assert alarms_enqueue_due(now=now + timedelta(seconds=2)) == 0  # in flight
    assert alarms_enqueue_due(now=now + timedelta(seconds=4)) == 730  # still here: lost, handed over again
    assert alarms_enqueue_due(now=now + timedelta(seconds=5)) == 0


def plan(query) -> str:
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_tick_queries_run_on_their_partial_indexes():
    now = AT
    with transaction.atomic():
        pending = alarms_never_handed_over(now=now, after=(now, 5)).values_list("pk", "due_at")[:500]
        assert "alarm_pending" in plan(pending)
        lost = alarms_lost(now=now, after=(now, 5)).values_list("pk", "due_at", "lost_at")[:500]
        assert "alarm_in_flight" in plan(lost)
