"""Whether the SLA ledger's hash chain verifies, as the report page and the API show it.

A full walk (`ledger_verify`) reads and hashes every row: about 36 s for a million rows on the CI
machine, longer than a web request may take. So the last walk's result is kept in the shared cache
and shown for up to `MAX_AGE`; when it is older, a ledger of up to `SYNC_ROWS` rows is walked in the
request (well under a second), a larger one by the worker (`verify_ledger_chain`), while the page
shows the previous result, marked as being re-checked. Only one walk runs at a time.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import chain, islice

from django.core.cache import cache
from django.db import connection, transaction

from escalation import enqueue
from escalation.sla.models import LedgerHead
from escalation.sla.services.checkpoints import Checkpoint, ledger_verify_checkpoints
from escalation.sla.services.ledger import ledger_verify

CACHE_KEY = "reports:ledger-integrity"
WALKING_KEY = "reports:ledger-integrity:walking"
MAX_AGE = timedelta(minutes=5)
SYNC_ROWS = 20_000
MAX_FAULTS = 10
WALK_TIMEOUT = timedelta(minutes=30)  # a walk that has not finished by then is presumed dead
KEEP_RESULT = timedelta(days=7)  # a stale result is still shown while the next walk runs


@dataclass(frozen=True)
class LedgerIntegrity:
    verified: bool | None  # None: never walked yet (a walk is running)
    rows: int  # rows the last walk covered (the chain head's sequence number when it started)
    faults: tuple[str, ...]  # the first few faults it found, in chain order
    checked_at: datetime | None
    seconds: float  # how long the last walk took
    walking: bool = False  # a newer walk is running in the worker


NEVER_WALKED = LedgerIntegrity(verified=None, rows=0, faults=(), checked_at=None, seconds=0.0, walking=True)


def _head_seq() -> int:
    return LedgerHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0


def ledger_walk(
    *, now: datetime, checkpoints: Sequence[Checkpoint] = (), checkpoint_key: str = ""
) -> LedgerIntegrity:
    """Walk the whole hash chain now; with `checkpoints` (read from their published copies), also check
    each one's signature under `checkpoint_key` and that the chain still has its hash at its seq.

    The walk and the head it ends on must see one snapshot, or rows appended meanwhile would look
    like a broken chain: on PostgreSQL it runs in a REPEATABLE READ transaction of its own.
    """
    started = time.perf_counter()
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        rows = _head_seq()
        found = ledger_verify()
        if checkpoints:
            found = chain(found, ledger_verify_checkpoints(checkpoints=checkpoints, key=checkpoint_key))
        faults = tuple(str(fault) for fault in islice(found, MAX_FAULTS))
    return LedgerIntegrity(
        verified=not faults,
        rows=rows,
        faults=faults,
        checked_at=now,
        seconds=round(time.perf_counter() - started, 3),
    )


def ledger_integrity_check(*, now: datetime) -> LedgerIntegrity:
    """Walk the whole hash chain now (`ledger_walk`) and keep the result for the report page."""
    result = ledger_walk(now=now)
    cache.set(CACHE_KEY, result, timeout=KEEP_RESULT.total_seconds())
    cache.delete(WALKING_KEY)
    return result


def ledger_integrity_get(*, now: datetime, refresh: bool = False) -> LedgerIntegrity:
    """The last walk's result if it is recent; otherwise a new walk, in the request for a small
    ledger, in the worker for a large one (the previous result is returned meanwhile, `walking`).
    `refresh` asks for a new walk whatever the age of the last one."""
    cached = cache.get(CACHE_KEY)
    if cached is not None and not refresh and timedelta(0) <= now - cached.checked_at < MAX_AGE:
        return cached
    if _head_seq() <= SYNC_ROWS:
        return ledger_integrity_check(now=now)
    if cache.add(WALKING_KEY, now.isoformat(), timeout=WALK_TIMEOUT.total_seconds()):
        transaction.on_commit(enqueue.verify_ledger_chain)
    return replace(cached, walking=True) if cached is not None else NEVER_WALKED
