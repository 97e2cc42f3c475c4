"""The requester's rating of a resolution: once per cycle, changeable for a week, an event, no ledger."""

from datetime import timedelta

import pytest

from escalation.sla.models import LedgerEntry
from tests.factories import NOW, CustomerFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import EventType, Rating, Score, Severity, Status

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def lena():
    return UserFactory(username="lena", first_name="Lena", last_name="Fischer")


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", last_name="Díaz")


def resolved_ticket(engineer, *, at=NOW + HOUR, **kwargs):
    ticket = make_ticket(now=NOW, **kwargs)
    services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=NOW)
    services.ticket_reply(ticket=ticket, author=engineer, body="Fixed the origin.", now=NOW)
    return services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=engineer, now=at)


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN, Status.WAITING_ON_CUSTOMER])
def test_a_ticket_not_resolved_cannot_be_rated(lena, status):
    ticket = make_ticket(now=NOW)
    if status != Status.NEW:
        services.ticket_assign(ticket=ticket, assignee=lena, actor=lena, now=NOW)
    if status == Status.WAITING_ON_CUSTOMER:
        services.ticket_change_status(ticket=ticket, status=status, actor=lena, now=NOW)
    ticket.refresh_from_db()
    assert ticket.status == status
    with pytest.raises(services.RatingRefused, match="not resolved yet"):
        services.ticket_rate(ticket=ticket, score=Score.GOOD, now=NOW + HOUR)
    assert not Rating.objects.exists()
    assert not ticket.events.filter(type=EventType.RATED).exists()


def test_a_rating_copies_who_resolved_it_for_whom_and_is_an_event(lena):
    kabuki = CustomerFactory(name="Kabuki Live", domains=["kabuki.example"])
    ticket = resolved_ticket(lena, severity=Severity.URGENT, email="ops@kabuki.example")
    rated = services.ticket_rate(
        ticket=ticket, score=Score.BAD, comment="  Took too long.  ", now=NOW + 2 * HOUR
    )

    rating = Rating.objects.get()
    assert (rated.rating, rated.changed) == (rating, False)
    assert (rating.cycle, rating.score, rating.comment) == (1, Score.BAD, "Took too long.")
    assert (rating.engineer, rating.customer, rating.severity) == (lena, kabuki, Severity.URGENT)
    assert (rating.resolved_at, rating.created_at) == (NOW + HOUR, NOW + 2 * HOUR)
    event = ticket.events.get(type=EventType.RATED)
    assert (event.at, event.actor, event.data) == (
        NOW + 2 * HOUR,
        None,
        {"score": "bad", "cycle": 1, "comment": "Took too long."},
    )


def test_the_engineer_is_the_assignee_at_resolution_even_when_reassigned_since(lena, bob):
    ticket = resolved_ticket(lena)
    services.ticket_assign(ticket=ticket, assignee=bob, actor=bob, now=NOW + 2 * HOUR)
    services.ticket_rate(ticket=ticket, score=Score.GOOD, now=NOW + 3 * HOUR)
    assert Rating.objects.get().engineer == lena


def test_a_closed_ticket_can_still_be_rated(lena):
    ticket = resolved_ticket(lena)
    services.ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=lena, now=NOW + 2 * HOUR)
    services.ticket_rate(ticket=ticket, score=Score.GOOD, now=NOW + 3 * HOUR)
    assert Rating.objects.get().resolved_at == NOW + HOUR


def test_one_rating_per_cycle_changed_within_a_week_then_it_stands(lena):
    ticket = resolved_ticket(lena)
    services.ticket_rate(ticket=ticket, score=Score.BAD, comment="Still slow", now=NOW + 2 * HOUR)
    changed = services.ticket_rate(ticket=ticket, score=Score.GOOD, now=NOW + timedelta(days=7, hours=2))
    assert changed.changed
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.created_at) == (Score.GOOD, "", NOW + 2 * HOUR)
    assert rating.updated_at == NOW + timedelta(days=7, hours=2)
    assert ticket.events.filter(type=EventType.RATED).count() == 2
    assert ticket.events.filter(type=EventType.RATED).last().data["changed"] is True

    with pytest.raises(services.RatingRefused, match="can be changed for 7 days only"):
        services.ticket_rate(ticket=ticket, score=Score.BAD, now=NOW + timedelta(days=7, hours=2, seconds=1))
    assert Rating.objects.get().score == Score.GOOD


def test_a_ticket_reopened_and_resolved_again_is_rated_again(lena):
    ticket = resolved_ticket(lena)
    services.ticket_rate(ticket=ticket, score=Score.GOOD, now=NOW + 2 * HOUR)
    services.ticket_reply(ticket=ticket, author=None, body="It is back.", now=NOW + 3 * HOUR)  # cycle 2
    with pytest.raises(services.RatingRefused):
        services.ticket_rate(ticket=ticket, score=Score.BAD, now=NOW + 4 * HOUR)
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=lena, now=NOW + 5 * HOUR)
    services.ticket_rate(ticket=ticket, score=Score.BAD, now=NOW + 6 * HOUR)
    assert list(Rating.objects.order_by("cycle").values_list("cycle", "score", "resolved_at")) == [
        (1, Score.GOOD, NOW + HOUR),
        (2, Score.BAD, NOW + 5 * HOUR),
    ]


def test_the_database_refuses_a_second_row_for_one_cycle(lena):
    from django.db import IntegrityError, transaction

    ticket = resolved_ticket(lena)
    services.ticket_rate(ticket=ticket, score=Score.GOOD, now=NOW + 2 * HOUR)
    row = Rating.objects.get()
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


@pytest.mark.parametrize("score", ["", "meh", "GOOD"])
def test_only_good_or_bad(lena, score):
    with pytest.raises(services.RatingRefused, match="good or bad"):
        services.ticket_rate(ticket=resolved_ticket(lena), score=score, now=NOW + 2 * HOUR)


def test_a_rating_does_not_touch_the_ledger(lena):
    ticket = resolved_ticket(lena)
    before = list(LedgerEntry.objects.order_by("pk").values())
    services.ticket_rate(ticket=ticket, score=Score.BAD, comment="No.", now=NOW + 2 * HOUR)
    services.ticket_rate(ticket=ticket, score=Score.GOOD, now=NOW + 3 * HOUR)
    assert before and list(LedgerEntry.objects.order_by("pk").values()) == before
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at, ticket.resolution_cycle) == (Status.RESOLVED, NOW + HOUR, 1)
