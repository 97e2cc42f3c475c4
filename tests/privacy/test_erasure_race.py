"""Erasure while the worker fires the same ticket's escalation: whichever holds the ticket's lock first,
the step fires once (escalation, ledger breach, page) and no personal data is left behind."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from escalation.models import Alarm, Escalation, LedgerEntry, Notification
from escalation.paging.services.escalations import alarm_fire
from escalation.roster.services.engineers import manager_ensure
from escalation.sla.services.ledger import ledger_verify
from privacy.services import requester_erase
from tests.factories import NOW, CustomerFactory, make_engineer
from tickets.services import ticket_assign, ticket_file

from . import scenario


def _in_thread(work, *, hold: threading.Event | None = None, held: threading.Event | None = None):
    """Run `work` in a thread with its own connection; with `hold`, keep its transaction open (and its
    locks) after `work` until `hold` is set, telling `held` once it is there."""
    errors: list[BaseException] = []

    def run():
        try:
            with transaction.atomic():
                work()
                if held is not None:
                    held.set()
                    assert hold.wait(30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _wait_until_someone_waits_for_a_lock() -> None:
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["worker", "erasure"])
def test_erasure_racing_the_escalation_loses_nothing_and_leaves_nothing(first):
    manager = manager_ensure(username="maria", name="Maria Santos", email="maria@support.example")
    lena = make_engineer("lena", name="Lena Fischer", phone="+4930123456")
    customer = CustomerFactory(name="Viewer EU", domains=["viewer-eu.example"])
    ticket = ticket_file(
        subject=scenario.SUBJECT, description=scenario.DESCRIPTION, severity="urgent", email=scenario.EMAIL,
        name=scenario.NAME, now=NOW, trusted=True, customer=customer,
    ).ticket  # fmt: skip
    ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)
    alarm = Alarm.objects.get(ticket=ticket, metric="first_response", step=1)

    def fire():
        assert alarm_fire(alarm_id=alarm.pk, now=alarm.due_at + timedelta(seconds=1)) is not None

    def erase():
        requester_erase(email=scenario.EMAIL, reason="GDPR request", actor=manager, now=alarm.due_at)

    hold, held = threading.Event(), threading.Event()
    first_work, second_work = (fire, erase) if first == "worker" else (erase, fire)
    one, errors_one = _in_thread(first_work, hold=hold, held=held)
    assert held.wait(30), errors_one
    two, errors_two = _in_thread(second_work)
    _wait_until_someone_waits_for_a_lock()  # the second is blocked on the ticket's row
    hold.set()
    one.join(30)
    two.join(30)
    assert errors_one == errors_two == []

    assert Escalation.objects.filter(ticket=ticket, metric="first_response", step=1).count() == 1
    assert LedgerEntry.objects.filter(ticket=ticket, kind="breach").count() == 1
    assert list(ledger_verify()) == []
    assert Notification.objects.filter(ticket=ticket, channel="sms").count() == 1
    assert scenario.traces_left() == []
