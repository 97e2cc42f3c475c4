"""What every fault scenario checks against the database afterwards."""

from django.db.models import Count

from escalation.models import Alarm, Escalation, LedgerEntry, Notification
from escalation.sla.services.ledger import ledger_verify


def assert_every_due_step_fired_exactly_once(tickets, steps=(0, 1, 2, 3), metric="first_response") -> dict:
    ids = [t.pk for t in tickets]
    fired = Escalation.objects.filter(ticket_id__in=ids, metric=metric)
    per_key = fired.values("ticket_id", "step").annotate(n=Count("pk"))
    assert all(row["n"] == 1 for row in per_key), "a step fired twice"
    got = {(row["ticket_id"], row["step"]) for row in per_key}
    missing = {(t, s) for t in ids for s in steps} - got
    assert not missing, f"{len(missing)} due steps never fired, e.g. {sorted(missing)[:5]}"
    assert not Alarm.objects.filter(ticket_id__in=ids, metric=metric, step__in=steps).exists(), "alarms left"
    breaches = LedgerEntry.objects.filter(ticket_id__in=ids, metric=metric, kind="breach")
    assert breaches.count() == len(ids), "a breach row is missing or doubled"
    faults = list(ledger_verify())
    assert faults == [], f"ledger chain broken: {faults[0]}"
    duplicates = (
        Notification.objects.filter(escalation__ticket_id__in=ids)
        .values("escalation_id", "channel", "recipient")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists(), "a notification was recorded twice"
    lateness = sorted((e.fired_at - e.due_at).total_seconds() for e in fired.filter(step__in=steps))
    return {
        "fired": len(lateness),
        "max_lateness_s": lateness[-1],
        "p50_lateness_s": lateness[len(lateness) // 2],
    }
