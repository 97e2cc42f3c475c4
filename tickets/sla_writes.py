"""The writes the SLA side (escalation) makes on a ticket, and the only way it makes them: the
breached flag, the highest escalation level reached, and the events it reports on the timeline
(warned, breached, escalated, acknowledged). Status changes and assignments go through
`tickets.services`; the clock's own rows live with escalation.

Callers hold the ticket's row lock (`select_for_update`) while they decide; these functions only
record what was decided, and never undo it: a breached ticket stays breached, a level never drops.
"""

from collections.abc import Iterable
from datetime import datetime

from .models import Event, Ticket


def ticket_sla_mark(
    *, ticket: Ticket, breached: bool = False, escalation_level: int | None = None, save: bool = True
) -> list[str]:
    """Mark `ticket` breached and/or raise its escalation level; the fields that changed.

    With `save=False` the instance is changed and the caller saves those fields with its own
    changes (`ticket_sla_save`), so one UPDATE carries them all."""
    changed: list[str] = []
    if breached and not ticket.sla_breached:
        ticket.sla_breached = True
        changed.append("sla_breached")
    if escalation_level is not None and escalation_level > ticket.escalation_level:
        ticket.escalation_level = escalation_level
        changed.append("escalation_level")
    if save:
        ticket_sla_save(ticket=ticket, fields=changed)
    return changed


def ticket_sla_save(*, ticket: Ticket, fields: Iterable[str]) -> None:
    """Save the SLA fields `ticket_sla_mark(save=False)` changed (nothing when none did)."""
    fields = list(fields)
    if fields:
        ticket.save(update_fields=fields)


def tickets_sla_save_many(*, changes: list[tuple[Ticket, list[str]]]) -> int:
    """`ticket_sla_save` for many tickets at once: one UPDATE for all that changed. Returns how many.

    Writes what `Ticket.save(update_fields=...)` would: the changed SLA fields and `next_due_at`."""
    changed = [(ticket, fields) for ticket, fields in changes if fields]
    if not changed:
        return 0
    for ticket, _ in changed:
        ticket.next_due_at = min(ticket.running_due_times(), default=None)
    fields = sorted({name for _, names in changed for name in names} | {"next_due_at"})
    return Ticket.objects.bulk_update([ticket for ticket, _ in changed], fields)


def ticket_events_record_many(*, events: list[tuple[int, str, datetime, dict]]) -> list[Event]:
    """`ticket_events_record` for many tickets at once: (ticket id, type, at, data), one INSERT."""
    return Event.objects.bulk_create(
        [Event(ticket_id=ticket_id, type=kind, at=at, data=data) for ticket_id, kind, at, data in events]
    )


def ticket_events_record(
    *, ticket_id: int, types: Iterable[str], at: datetime, data: dict, actor=None
) -> list[Event]:
    """Append the events the SLA side reports to the ticket's timeline, all with the same data."""
    return Event.objects.bulk_create(
        [Event(ticket_id=ticket_id, type=kind, at=at, actor=actor, data=data) for kind in types]
    )
