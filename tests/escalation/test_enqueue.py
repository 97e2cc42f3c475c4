"""The escalation enqueue seam sends by name the very messages the tasks' own `delay()` / `apply_async()`
send: same task, arguments, ETA, options and queue (read back from the test Redis broker; no worker)."""

from datetime import UTC, datetime, timedelta

from escalation import enqueue, tasks
from tests.tickets.test_enqueue import broker, taken  # noqa: F401 - the fixture

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_alarm_is_sent_with_its_eta_as_apply_async_sends_it(broker):  # noqa: F811
    later, past = NOW + timedelta(seconds=30), NOW - timedelta(seconds=5)
    assert enqueue.fire_alarm(7, later, now=NOW) is True
    assert enqueue.fire_alarm(8, past, now=NOW) is True
    by_name = taken(broker, "celery")
    tasks.fire_alarm.apply_async((7, later.timestamp()), eta=later)
    tasks.fire_alarm.apply_async((8, past.timestamp()), eta=NOW)
    by_task = taken(broker, "celery")

    assert len(by_name) == 2 and by_name == by_task
    assert [m["headers"]["task"] for m in by_name] == ["escalation.tasks.fire_alarm"] * 2
    assert [m["headers"]["eta"] for m in by_name] == [later.isoformat(), NOW.isoformat()]  # never in the past
    assert [m["body"][0] for m in by_name] == [[7, later.timestamp()], [8, past.timestamp()]]


def test_routing_and_the_ledger_walk_go_to_the_escalation_queue_and_notifications_to_pages(broker):  # noqa: F811
    assert enqueue.route_ticket(3) is True
    enqueue.send_notifications([11, 12])
    enqueue.verify_ledger_chain()
    by_name, pages_by_name = taken(broker, "celery"), taken(broker, "pages")
    tasks.route_ticket.delay(3)
    tasks.send_notification.delay(11)
    tasks.send_notification.delay(12)
    tasks.verify_ledger_chain.delay()
    by_task, pages_by_task = taken(broker, "celery"), taken(broker, "pages")

    assert len(by_name) == 2 and by_name == by_task
    assert [(m["headers"]["task"], m["body"][0]) for m in by_name] == [
        (enqueue.ROUTE_TICKET, [3]),
        (enqueue.VERIFY_LEDGER_CHAIN, []),
    ]
    assert len(pages_by_name) == 2 and pages_by_name == pages_by_task
    assert [(m["headers"]["task"], m["body"][0]) for m in pages_by_name] == [
        (enqueue.SEND_NOTIFICATION, [11]),
        (enqueue.SEND_NOTIFICATION, [12]),
    ]
    assert all(m["headers"]["ignore_result"] is True for m in by_name + pages_by_name)
    assert broker.llen("mail") == 0


def test_a_wave_is_one_message_at_its_first_alarms_instant(broker):  # noqa: F811
    first, second = NOW + timedelta(seconds=30), NOW + timedelta(seconds=30.5)
    assert enqueue.fire_alarms([(7, first), (8, second)], now=NOW) is True
    by_name = taken(broker, "celery")
    wave = [[7, first.timestamp()], [8, second.timestamp()]]
    tasks.fire_alarms.apply_async((wave,), eta=first)
    by_task = taken(broker, "celery")

    assert len(by_name) == 1 and by_name == by_task
    assert by_name[0]["headers"]["task"] == enqueue.FIRE_ALARMS
    assert by_name[0]["headers"]["eta"] == first.isoformat()
    assert by_name[0]["body"][0] == [wave]


def test_a_grouping_windows_close_is_sent_with_its_eta_as_apply_async_sends_it(broker):  # noqa: F811
    closes_at = NOW + timedelta(seconds=30)
    assert enqueue.send_page(5, closes_at) is True
    by_name = taken(broker, "pages")
    tasks.send_page.apply_async((5,), eta=closes_at)
    by_task = taken(broker, "pages")

    assert len(by_name) == 1 and by_name == by_task
    assert by_name[0]["headers"]["task"] == enqueue.SEND_PAGE == "escalation.tasks.send_page"
    assert by_name[0]["headers"]["eta"] == closes_at.isoformat()
    assert by_name[0]["body"][0] == [5]
