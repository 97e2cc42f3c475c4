"""Folding the ticket tallies, so every queue count stays a sum over a few rows."""

from collections import Counter

from django.db import connection, transaction

from ..models import (
    TicketTally,
)


def ticket_tallies_fold() -> int:
    """Sum the tally rows the triggers wrote into one row a key (none for a zero sum); returns how many
    rows were folded. Counts read the same before and after: the rows deleted are exactly the rows
    summed, and rows written meanwhile by other transactions are left for the next fold."""
    totals: Counter = Counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_tickettally RETURNING status, severity, assignee_id, delta")
        rows = cursor.fetchall()
        for status, severity, assignee_id, delta in rows:
            totals[status, severity, assignee_id] += delta
        TicketTally.objects.bulk_create(
            TicketTally(status=status, severity=severity, assignee_id=assignee_id, delta=delta)
            for (status, severity, assignee_id), delta in totals.items()
            if delta
        )
    return len(rows)
