from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_safe

from escalation.paging.selectors import scheduler_state
from support_desk.inbound.selectors import mailbox_health
from tickets.enqueue import broker_answers

FAVICON_MAX_AGE_SECONDS = 7 * 24 * 3600


# The scheduler is stalled when its alarm tick has not run for this many ticks, or an alarm is this late.
STALLED_TICKS = 6
OVERDUE_ALARM_LIMIT = timedelta(seconds=30)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the README's smoke check.

    `?detail=1` is for monitoring: the database, the broker, the beat's last alarm tick and the oldest
    overdue alarm, the inbound mailbox (off, or its last outcome and next retry), each `ok` or not, and
    503 when any is not: a stalled scheduler shows here while the
    web itself answers (docs/deploy.md, "Monitoring"). A few indexed reads and a Redis PING."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if request.GET.get("detail") != "1":
        return JsonResponse({"status": "ok"})
    now = timezone.now()
    scheduler = scheduler_state(now=now)
    broker = broker_answers()
    tick_age = (now - scheduler.last_tick_at).total_seconds() if scheduler.last_tick_at else None
    overdue = (now - scheduler.oldest_overdue_at).total_seconds() if scheduler.oldest_overdue_at else 0.0
    checks = {
        "database": {"ok": True},
        "broker": {"ok": broker is not False, "kind": "redis" if broker is not None else "other"},
        "beat": {
            "ok": tick_age is not None and tick_age <= STALLED_TICKS * settings.ALARM_TICK_SECONDS,
            "last_tick_at": scheduler.last_tick_at.isoformat() if scheduler.last_tick_at else None,
            "seconds_ago": round(tick_age, 1) if tick_age is not None else None,
        },
        "alarms": {
            "ok": overdue <= OVERDUE_ALARM_LIMIT.total_seconds(),
            "oldest_overdue_seconds": round(overdue, 1),
        },
        "mailbox": mailbox_health(),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503
    )


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "web" / "favicon.ico").read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for whatever the page links: the icon itself, not a 404."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE_SECONDS}"
    return response
