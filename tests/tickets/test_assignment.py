"""Assigning a ticket by hand: an engineer off shift only with confirmation, and then it sticks."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import NOW, UserFactory, make_engineer, make_ticket
from tickets import services
from tickets.assignment import AssigneeOffShift
from tickets.models import Event, EventType, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wednesday_10_utc(time_machine):
    """Wednesday 10:00 UTC: 12:00 in Berlin (on shift until 18:00), 19:00 in Tokyo (off shift)."""
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def lena():
    return make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin")


@pytest.fixture
def aiko():
    return make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo")


@pytest.fixture
def maria():
    return UserFactory(username="maria", first_name="Maria")


def test_assigning_someone_off_shift_is_refused_until_confirmed(aiko, maria):
    ticket = make_ticket()
    now = timezone.now()

    with pytest.raises(AssigneeOffShift) as refused:
        services.ticket_assign(ticket=ticket, assignee=aiko.user, actor=maria, now=now)

    assert str(refused.value) == (
        "Aiko Tanaka is off shift; their next shift starts Thu 12 Jun, 09:00 JST (Asia/Tokyo)."
    )
    assert refused.value.shift.next_shift_starts_at == datetime(2025, 6, 12, 0, 0, tzinfo=UTC)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (None, Status.NEW)
    assert not Event.objects.filter(ticket=ticket, type=EventType.ASSIGNED).exists()

    services.ticket_assign(ticket=ticket, assignee=aiko.user, actor=maria, now=now, confirm_off_shift=True)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (aiko.user, Status.OPEN)
    event = Event.objects.get(ticket=ticket, type=EventType.ASSIGNED)
    assert event.data["off_shift"] is True


def test_someone_on_shift_needs_no_confirmation(lena, maria):
    ticket = make_ticket()
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=maria, now=timezone.now())
    assert Ticket.objects.get(pk=ticket.pk).assignee == lena.user


def test_taking_a_ticket_yourself_off_shift_is_deliberate_and_routing_assigns_whom_it_chose(aiko):
    taken = make_ticket()
    services.ticket_assign(ticket=taken, assignee=aiko.user, actor=aiko.user, now=timezone.now())
    assert Ticket.objects.get(pk=taken.pk).assignee == aiko.user
    routed = make_ticket()
    services.ticket_assign(ticket=routed, assignee=aiko.user, actor=None, now=timezone.now())  # the system
    assert Ticket.objects.get(pk=routed.pk).assignee == aiko.user


def test_through_ticket_update_the_refusal_changes_nothing_else(aiko, maria):
    ticket = make_ticket()
    with pytest.raises(AssigneeOffShift):
        services.ticket_update(
            ticket=ticket,
            actor=maria,
            now=timezone.now() + timedelta(minutes=1),
            assignee=aiko.user,
            severity="major",
        )
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.severity) == (None, "general")
    services.ticket_update(
        ticket=ticket,
        actor=maria,
        now=timezone.now(),
        assignee=aiko.user,
        severity="major",
        confirm_off_shift=True,
    )
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.severity) == (aiko.user, "major")
