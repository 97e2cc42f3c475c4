"""The SLA side writes to a ticket only through `tickets.sla_writes`, which never undoes a decision."""

import re
from pathlib import Path

import pytest

from tests.factories import NOW, make_ticket
from tickets.models import Event, EventType, Ticket
from tickets.sla_writes import ticket_events_record, ticket_sla_mark

pytestmark = pytest.mark.django_db

ESCALATION = Path(__file__).resolve().parents[2] / "escalation"


def test_a_mark_only_ever_raises_the_level_and_sets_breached():
    ticket = make_ticket(now=NOW)
    assert ticket_sla_mark(ticket=ticket, escalation_level=2) == ["escalation_level"]
    assert ticket_sla_mark(ticket=ticket, escalation_level=1) == []  # never lowered
    assert ticket_sla_mark(ticket=ticket, breached=True) == ["sla_breached"]
    assert ticket_sla_mark(ticket=ticket, breached=False) == []  # never un-set
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.escalation_level, stored.sla_breached) == (2, True)


def test_an_unsaved_mark_changes_the_instance_only():
    ticket = make_ticket(now=NOW)
    assert ticket_sla_mark(ticket=ticket, breached=True, escalation_level=1, save=False) == [
        "sla_breached",
        "escalation_level",
    ]
    assert ticket.sla_breached and not Ticket.objects.get(pk=ticket.pk).sla_breached


def test_events_are_appended_with_their_data():
    ticket = make_ticket(now=NOW)
    ticket_events_record(
        ticket_id=ticket.pk, types=[EventType.BREACHED, EventType.ESCALATED], at=NOW, data={"step": 1}
    )
    recorded = list(ticket.events.filter(type__in=[EventType.BREACHED, EventType.ESCALATED]).order_by("pk"))
    assert [(e.type, e.data, e.at) for e in recorded] == [
        (EventType.BREACHED, {"step": 1}, NOW),
        (EventType.ESCALATED, {"step": 1}, NOW),
    ]
    assert Event.objects.filter(ticket=ticket).count() >= 3  # after `created` and the assignment ones


# What writing to a ticket looks like in code; escalation must call tickets' services instead.
# (`IncidentEvent` is the incident's own timeline, not a ticket's.)
DIRECT_WRITES = re.compile(
    r"\bEvent\(|\bEvent\.objects\.(create|bulk_create)|\.sla_breached\s*=[^=]|\.escalation_level\s*=[^=]"
    r"|Ticket\.objects\.[^\n]*\.update\("
)


def test_escalation_never_writes_a_ticket_or_its_events_directly():
    offenders = [
        f"{path.relative_to(ESCALATION.parent)}:{number}: {line.strip()}"
        for path in ESCALATION.rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DIRECT_WRITES.search(line)
    ]
    assert offenders == []
