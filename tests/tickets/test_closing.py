"""Closing without a reply, at the service level: every cycle of a reopened ticket voided, a paused one,
and a blocked sender's reply on a closed ticket (its follow-up closes on arrival)."""

from datetime import timedelta

import pytest

from escalation.models import LedgerEntry
from escalation.sla.integrity import ledger_walk
from tests.factories import NOW, make_engineer, make_ticket
from tickets import services
from tickets.models import EventType, RequesterNotification, Status, Ticket
from tickets.states import InvalidTransition

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


@pytest.fixture
def lena():
    return make_engineer("lena")


def test_every_cycle_of_a_reopened_ticket_is_voided_copying_its_decided_rows(lena):
    ticket = make_ticket(email="x@nowhere.example")
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)
    services.ticket_reply(ticket=ticket, author=lena.user, body="Try again", now=NOW + MINUTE)
    services.ticket_change_status(
        ticket=ticket, status=Status.RESOLVED, actor=lena.user, now=NOW + 2 * MINUTE
    )
    services.ticket_reply(ticket=ticket, author=None, body="Still broken", now=NOW + 3 * MINUTE)  # cycle 2
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=lena.user, now=NOW + 4 * MINUTE
    )
    services.ticket_close_as_spam(ticket=ticket, actor=lena.user, now=NOW + 10 * MINUTE)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.paused_at, ticket.next_due_at) == (Status.CLOSED, None, None)
    voided = {(e.metric, e.cycle): e for e in LedgerEntry.objects.filter(ticket=ticket, kind="voided")}
    assert set(voided) == {("first_response", 1), ("resolution", 1), ("resolution", 2)}
    completed = {(e.metric, e.cycle): e for e in LedgerEntry.objects.filter(ticket=ticket, kind="completed")}
    for key in (("first_response", 1), ("resolution", 1)):
        assert (voided[key].due_at, voided[key].achieved_at, voided[key].elapsed, voided[key].met) == (
            completed[key].due_at,
            completed[key].achieved_at,
            completed[key].elapsed,
            completed[key].met,
        )
    assert voided[("resolution", 2)].achieved_at is None
    # A second close is refused, and writes nothing more.
    with pytest.raises(InvalidTransition, match="already closed"):
        services.ticket_close_as_spam(ticket=ticket, actor=lena.user, now=NOW + 11 * MINUTE)
    assert LedgerEntry.objects.filter(ticket=ticket, kind="voided").count() == 3
    assert ledger_walk(now=NOW).verified


def test_a_blocked_senders_reply_on_a_closed_ticket_opens_a_follow_up_closed_on_arrival(lena):
    ticket = make_ticket(email="pest@junk.example")
    services.ticket_close_as_spam(ticket=ticket, actor=lena.user, now=NOW, block_sender=True)
    services.ticket_reply(ticket=ticket, author=None, body="Hello again", now=NOW + MINUTE)
    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert (follow_up.status, follow_up.close_reason) == (Status.CLOSED, "spam")
    assert follow_up.events.filter(type=EventType.CLOSED_AS_SPAM).exists()
    assert not RequesterNotification.objects.filter(ticket=follow_up).exists()
    assert not ticket.events.filter(type=EventType.FOLLOW_UP).exists()  # the engineer's ticket is left alone


def test_an_engineer_filing_for_a_blocked_address_is_not_closed(lena):
    services.blocked_sender_add(address="Pest@Junk.example", actor=lena.user, now=NOW)
    filed = services.ticket_file(
        subject="Called in",
        description="By phone",
        severity="general",
        email="pest@junk.example",
        now=NOW,
        opened_by=lena.user,
    )
    assert filed.ticket.status == Status.NEW
