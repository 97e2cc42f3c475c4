"""The SLA ledger: append-only rows, each hash-chained to the one before it."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from escalation.sla.models import LedgerEntry, LedgerHead
from tickets.models import Ticket
from tickets.sla_writes import ticket_sla_mark

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq", "kind", "ticket_id", "metric", "cycle", "severity", "plan", "customer_id", "engineer_id",
    "target", "started_at", "due_at", "achieved_at", "elapsed", "paused", "met", "overshoot",
    "escalation_level", "recorded_at", "prev_hash",
)  # fmt: skip
# Hashed only when set (on `voided` rows): every row written before these columns existed has them
# empty and keeps the hash it was written with.
VOID_FIELDS = ("voided_by_id", "void_reason")


def _canonical(value) -> str | int | bool | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    return value


def entry_hash(entry: LedgerEntry) -> str:
    """SHA-256 over the row's fields in a fixed order; datetimes in UTC ISO form, durations in µs."""
    payload = {name: _canonical(getattr(entry, name)) for name in HASHED_FIELDS}
    if entry.voided_by_id is not None or entry.void_reason:
        payload |= {name: getattr(entry, name) for name in VOID_FIELDS}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _locked_head() -> LedgerHead:
    try:
        return LedgerHead.objects.select_for_update().get(pk=1)
    except LedgerHead.DoesNotExist:
        try:
            with transaction.atomic():
                LedgerHead.objects.create(pk=1)
        except IntegrityError:
            pass  # another appender created it first
        return LedgerHead.objects.select_for_update().get(pk=1)


@transaction.atomic(
    savepoint=False
)  # no savepoint when nested: a failure here fails the caller's transaction
def ledger_append(
    *,
    ticket: Ticket,
    kind: str,
    metric: str,
    cycle: int,
    target: timedelta,
    started_at: datetime,
    due_at: datetime,
    achieved_at: datetime | None,
    elapsed: timedelta,
    paused: timedelta = timedelta(0),
    now: datetime,
    mark_ticket: bool = True,
) -> LedgerEntry | None:
    """Append one row, or return None when the row for (ticket, metric, cycle, kind) already exists.

    Callers hold the ticket's row lock (every ledger write of a ticket happens under it), so the
    duplicate check is stable before the chain head is taken. The head is locked last, for the insert:
    appends serialize there and the sequence has no gaps.
    """
    if LedgerEntry.objects.filter(ticket=ticket, metric=metric, cycle=cycle, kind=kind).exists():
        return None
    met = achieved_at is not None and elapsed <= target
    if not met:  # with `mark_ticket` off, the caller saves the flag with its own changes
        ticket_sla_mark(ticket=ticket, breached=True, save=mark_ticket)
    head = _locked_head()
    entry = LedgerEntry(
        seq=head.seq + 1,
        kind=kind,
        ticket=ticket,
        metric=metric,
        cycle=cycle,
        severity=ticket.severity,
        plan=ticket.plan,
        customer_id=ticket.customer_id,
        engineer_id=ticket.assignee_id,
        target=target,
        started_at=started_at,
        due_at=due_at,
        achieved_at=achieved_at,
        elapsed=elapsed,
        paused=paused,
        met=met,
        overshoot=max(elapsed - target, timedelta(0)),
        escalation_level=ticket.escalation_level,
        recorded_at=now,
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class VoidedCycle:
    """One metric cycle of a ticket to void, as the ledger row that voids it records it."""

    metric: str
    cycle: int
    target: timedelta
    started_at: datetime
    due_at: datetime
    achieved_at: datetime | None
    elapsed: timedelta
    paused: timedelta
    met: bool


@transaction.atomic(savepoint=False)
def ledger_void(
    *, ticket: Ticket, cycles: list[VoidedCycle], voided_by, reason: str, now: datetime
) -> list[LedgerEntry]:
    """Append a `voided` row for each cycle not voided yet: the cycle leaves the reports
    (`escalation.reports.selectors.filters.decided_cycles`), its earlier rows stay as they were.

    The row repeats what the cycle's decided row said (or what the clock stood at, for a cycle never
    decided), names who voided it and why, and never marks the ticket breached. The caller holds the
    ticket's row lock."""
    kind = LedgerEntry.Kind.VOIDED
    present = set(LedgerEntry.objects.filter(ticket=ticket, kind=kind).values_list("metric", "cycle"))
    fresh = [c for c in cycles if (c.metric, c.cycle) not in present]
    if not fresh:
        return []
    entries = []
    for c in fresh:
        entry = LedgerEntry(
            kind=kind,
            ticket=ticket,
            metric=c.metric,
            cycle=c.cycle,
            severity=ticket.severity,
            plan=ticket.plan,
            customer_id=ticket.customer_id,
            engineer_id=ticket.assignee_id,
            target=c.target,
            started_at=c.started_at,
            due_at=c.due_at,
            achieved_at=c.achieved_at,
            elapsed=c.elapsed,
            paused=c.paused,
            met=c.met,
            overshoot=max(c.elapsed - c.target, timedelta(0)),
            escalation_level=ticket.escalation_level,
            voided_by=voided_by,
            void_reason=reason,
            recorded_at=now,
        )
        entries.append(entry)
    return _chain_insert(entries)


@dataclass(frozen=True)
class LedgerRow:
    """What `ledger_append` is told about one row, for `ledger_append_many`."""

    ticket: Ticket
    kind: str
    metric: str
    cycle: int
    target: timedelta
    started_at: datetime
    due_at: datetime
    achieved_at: datetime | None
    elapsed: timedelta
    paused: timedelta = timedelta(0)


@transaction.atomic(savepoint=False)
def ledger_append_many(*, rows: list[LedgerRow], now: datetime) -> list[LedgerEntry]:
    """Append several rows with one chain-head lock: the rows, their order, seqs and hashes are exactly
    those that calling `ledger_append` for each row in turn (with `mark_ticket=False`) would write.

    Rows already in the ledger (and repeats within `rows`) are skipped, as `ledger_append` skips them.
    Callers hold the row lock of every ticket named. Three statements whatever the count: the duplicate
    check, the head lock, the insert; and the head's update.
    """
    if not rows:
        return []
    keys = {(r.ticket.pk, r.metric, r.cycle, r.kind) for r in rows}
    present = set(
        LedgerEntry.objects.filter(ticket_id__in={k[0] for k in keys}).values_list(
            "ticket_id", "metric", "cycle", "kind"
        )
    )
    fresh: list[LedgerRow] = []
    for row in rows:
        key = (row.ticket.pk, row.metric, row.cycle, row.kind)
        if key in keys and key not in present:
            present.add(key)
            fresh.append(row)
    if not fresh:
        return []
    entries = []
    for row in fresh:
        ticket = row.ticket
        met = row.achieved_at is not None and row.elapsed <= row.target
        if not met:  # as ledger_append with mark_ticket=False: the caller saves the flag
            ticket_sla_mark(ticket=ticket, breached=True, save=False)
        entry = LedgerEntry(
            kind=row.kind,
            ticket=ticket,
            metric=row.metric,
            cycle=row.cycle,
            severity=ticket.severity,
            plan=ticket.plan,
            customer_id=ticket.customer_id,
            engineer_id=ticket.assignee_id,
            target=row.target,
            started_at=row.started_at,
            due_at=row.due_at,
            achieved_at=row.achieved_at,
            elapsed=row.elapsed,
            paused=row.paused,
            met=met,
            overshoot=max(row.elapsed - row.target, timedelta(0)),
            escalation_level=ticket.escalation_level,
            recorded_at=now,
        )
        entries.append(entry)
    return _chain_insert(entries)


def _chain_insert(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Chain `entries` (built without seq or hashes) onto the head, in order, and insert them: one lock
    of the head, one INSERT, one update of the head. The caller's transaction holds the head till commit."""
    head = _locked_head()
    seq, prev = head.seq, head.hash
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(entry)
    LedgerEntry.objects.bulk_create(entries)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return entries


@dataclass(frozen=True)
class ChainFault:
    seq: int
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        return f"ledger row #{self.seq} (id {self.entry_id}): {self.problem}"


def ledger_verify(*, chunk_size: int = 5000) -> Iterator[ChainFault]:
    """Walk the chain in order and yield each fault found (a caller may stop at the first).

    Detects edited rows (hash mismatch), removed or inserted rows (sequence gaps, broken links) and
    a head that disagrees with the last row.
    """
    expected_seq, expected_prev = 1, GENESIS_HASH
    for entry in LedgerEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            yield ChainFault(expected_seq, None, f"row missing: the next row found is #{entry.seq}")
        if entry.prev_hash != expected_prev:
            yield ChainFault(entry.seq, entry.pk, "does not link to the row before it")
        if entry_hash(entry) != entry.hash:
            yield ChainFault(entry.seq, entry.pk, "its contents do not match its hash (edited)")
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    head = LedgerHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq, head.hash) != (last_seq, expected_prev):
        if head.seq > last_seq:
            yield ChainFault(head.seq, None, f"the chain ends at #{last_seq} but its head says #{head.seq}")
        else:
            yield ChainFault(head.seq, None, "the chain head does not match the last row")
