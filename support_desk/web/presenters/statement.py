"""A statement's document as its page shows it: instants as aware datetimes (UTC), durations in words."""

from datetime import date, datetime, timedelta

from escalation.sla.models import Metric

METRIC_WORDS = dict(Metric.choices)


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def statement_page(document: dict) -> dict:
    """What the template reads: the rows with datetimes, the totals labelled, the rest as stored."""
    rows = [
        {
            **row,
            "metric_label": METRIC_WORDS.get(row["metric"], row["metric"]),
            "due": _instant(row["due_at"]),
            "achieved": _instant(row["achieved_at"]),
            "target": timedelta(seconds=row["target_seconds"]),
        }
        for row in document["rows"]
    ]
    order = [*METRIC_WORDS, "all"]  # each metric, then all together (the JSON holds them by name)
    named = document["totals"]
    totals = [
        {"label": METRIC_WORDS.get(name, "All metrics"), **named[name]} for name in order if name in named
    ]
    return {
        "month": date.fromisoformat(document["month"] + "-01"),
        "made_at": _instant(document["made_at"]),
        "customer": document["customer"],
        "rows": rows,
        "totals": totals,
        "credits": document["credits"],
        "availability": document["availability"],
        "checkpoint": {**document["checkpoint"], "at_time": _instant(document["checkpoint"]["at"])},
        "signed": document["signed"],
    }
