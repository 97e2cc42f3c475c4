"""`manage.py check`: the broker's visibility timeout must outlast every ETA a worker may hold; and, with
`--deploy`, the SLA ledger's checkpoints must be configured (a key and a sink).

A worker holds an ETA task unacknowledged until its time comes; Redis hands a message unacknowledged for
longer than the visibility timeout to another worker (that is how a killed worker's messages come back).
So the timeout must be above the furthest any task is scheduled ahead, or those tasks run twice.
"""

from django.conf import settings
from django.core.checks import Error, Warning, register

from escalation.paging.services import notifications
from escalation.paging.services.alarms import ALARM_HORIZON_SECONDS
from tickets import notifications as requester_notifications


def longest_eta_seconds() -> float:
    """The furthest ahead a task is sent: an alarm's ETA, a grouping window's close, a retry's countdown."""
    return max(
        ALARM_HORIZON_SECONDS,
        settings.PAGE_GROUP_WINDOW_SECONDS,
        notifications.BACKOFF_CAP_SECONDS,  # send retries, a capped Retry-After included
        requester_notifications.BACKOFF_CAP_SECONDS,  # the requesters' email retries
    )


@register("support_desk")
def check_visibility_timeout(app_configs=None, **kwargs) -> list[Error]:
    timeout = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("visibility_timeout")
    if timeout is None or timeout > longest_eta_seconds():
        return []
    return [
        Error(
            f"BROKER_VISIBILITY_TIMEOUT ({timeout:g} s) must be above the longest ETA a worker holds "
            f"({longest_eta_seconds():g} s), or scheduled tasks are handed out twice.",
            hint="Raise BROKER_VISIBILITY_TIMEOUT (600 s by default).",
            id="support_desk.E001",
        )
    ]


@register("support_desk", deploy=True)
def check_ledger_checkpoints(app_configs=None, **kwargs) -> list[Warning]:
    """Without a key and a sink no signed checkpoint leaves the database, and a rewritten ledger whose
    later hashes were recomputed verifies (escalation/sla/README.md, "Checkpoints")."""
    names = ("LEDGER_CHECKPOINT_KEY", "LEDGER_CHECKPOINT_SINK")
    missing = [name for name in names if not getattr(settings, name, "")]
    if not missing:
        return []
    return [
        Warning(
            f"{' and '.join(missing)} not set: no signed checkpoint of the SLA ledger is written, so a "
            "rewrite of the ledger by someone with database access goes undetected.",
            hint="Set LEDGER_CHECKPOINT_KEY (a long random secret, kept out of the database) and "
            "LEDGER_CHECKPOINT_SINK (an append-only file path or an http(s) URL).",
            id="support_desk.W001",
        )
    ]
