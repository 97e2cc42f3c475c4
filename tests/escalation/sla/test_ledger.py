import itertools
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from escalation.models import LedgerEntry, LedgerHead, LedgerImmutable, Metric
from escalation.sla.services.clock import sla_record_breach, sla_record_due_breaches
from escalation.sla.services.ledger import GENESIS_HASH, entry_hash, ledger_append, ledger_verify
from tests.factories import NOW, UserFactory, make_ticket
from tickets import services
from tickets.models import Severity

pytestmark = pytest.mark.clock

MINUTE = timedelta(minutes=1)


def answered_tickets(count: int, engineer) -> list:
    tickets = []
    for i in range(count):
        ticket = make_ticket(severity=Severity.MAJOR, now=NOW + i * MINUTE)
        services.ticket_reply(ticket=ticket, author=engineer, body="On it", now=NOW + (i + 5) * MINUTE)
        tickets.append(ticket)
    return tickets


@pytest.mark.django_db
def test_rows_chain_from_the_genesis_hash_and_verify(capsys):
    answered_tickets(5, UserFactory())
    rows = list(LedgerEntry.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert all(entry_hash(r) == r.hash for r in rows)
    assert list(ledger_verify()) == []
    call_command("verify_ledger")
    assert "5 rows, chain intact" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_model_refuses_updates_and_deletes():
    [ticket] = answered_tickets(1, UserFactory())
    row = LedgerEntry.objects.get(ticket=ticket)
    row.met = False
    with pytest.raises(LedgerImmutable):
        row.save()
    with pytest.raises(LedgerImmutable):
        row.delete()
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.filter(pk=row.pk).update(met=False)
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.filter(pk=row.pk).delete()
    assert LedgerEntry.objects.get(pk=row.pk).met is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE escalation_ledgerentry SET met = NOT met WHERE seq = 1",
        "DELETE FROM escalation_ledgerentry WHERE seq = 1",
    ],
)
def test_postgresql_refuses_update_and_delete_behind_the_orms_back(statement):
    answered_tickets(1, UserFactory())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert LedgerEntry.objects.filter(seq=1).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["escalation_ledgerentry", "escalation_ledgerhead"])
def test_postgresql_refuses_truncate_of_the_ledger_and_its_head(table):
    answered_tickets(2, UserFactory())
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's inserts leave deferred checks
        cursor.execute("SET LOCAL support_desk.allow_truncate = 'off'")  # the test session allows it
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert LedgerEntry.objects.count() == 2
    assert LedgerHead.objects.get(pk=1).seq == 2
    assert list(ledger_verify()) == []


@pytest.mark.django_db
def test_the_truncate_switch_is_refused_to_a_role_that_does_not_own_the_ledger():
    answered_tickets(1, UserFactory())
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP ROLE IF EXISTS ledger_test_runtime")
        cursor.execute("CREATE ROLE ledger_test_runtime")
        cursor.execute("GRANT TRUNCATE ON escalation_ledgerentry TO ledger_test_runtime")
        cursor.execute("SET LOCAL ROLE ledger_test_runtime")
        cursor.execute("SET LOCAL support_desk.allow_truncate = 'on'")
        cursor.execute("TRUNCATE escalation_ledgerentry")
    assert LedgerEntry.objects.count() == 1


def tamper(statement: str) -> None:
    """Change the ledger as an attacker with superuser rights would: with the guard trigger bypassed."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(statement)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_verify_ledger_names_the_first_edited_row():
    answered_tickets(4, UserFactory())
    tamper("UPDATE escalation_ledgerentry SET met = false WHERE seq = 3")
    with pytest.raises(CommandError, match=r"row #3 .*do not match its hash"):
        call_command("verify_ledger")


@pytest.mark.django_db
def test_verify_ledger_detects_a_removed_row():
    answered_tickets(4, UserFactory())
    tamper("DELETE FROM escalation_ledgerentry WHERE seq = 2")
    with pytest.raises(CommandError, match=r"row #2 .*row missing"):
        call_command("verify_ledger")


@pytest.mark.django_db
def test_verify_ledger_detects_a_rewritten_row_even_with_a_recomputed_hash():
    answered_tickets(3, UserFactory())
    row = LedgerEntry.objects.get(seq=2)
    row.elapsed = timedelta(minutes=1)
    forged = entry_hash(row)
    tamper(
        f"UPDATE escalation_ledgerentry SET elapsed = interval '1 minute', hash = '{forged}' WHERE seq = 2"
    )
    faults = list(ledger_verify())
    assert [(f.seq, "does not link" in f.problem) for f in faults] == [(3, True)]


@pytest.mark.django_db
def test_appending_the_same_cycle_twice_writes_one_row():
    ticket = make_ticket(severity=Severity.MAJOR)
    kwargs = dict(
        ticket=ticket, kind=LedgerEntry.Kind.COMPLETED, metric=Metric.FIRST_RESPONSE, cycle=1,
        target=15 * MINUTE, started_at=NOW, due_at=NOW + 15 * MINUTE, achieved_at=NOW + MINUTE,
        elapsed=MINUTE, now=NOW + MINUTE,
    )  # fmt: skip
    assert ledger_append(**kwargs) is not None
    assert ledger_append(**kwargs) is None
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_breach_is_recorded_once_at_the_moment_it_happens():
    ticket = make_ticket(severity=Severity.MAJOR)  # due NOW + 15 min
    assert sla_record_breach(ticket_id=ticket.pk, metric=Metric.FIRST_RESPONSE, now=NOW + 14 * MINUTE) is None
    row = sla_record_breach(ticket_id=ticket.pk, metric=Metric.FIRST_RESPONSE, now=NOW + 15 * MINUTE)
    assert row is not None
    assert (row.kind, row.met, row.achieved_at, row.elapsed) == (
        LedgerEntry.Kind.BREACH,
        False,
        None,
        15 * MINUTE,
    )
    assert sla_record_breach(ticket_id=ticket.pk, metric=Metric.FIRST_RESPONSE, now=NOW + 16 * MINUTE) is None
    # Answering late still completes the cycle: the completed row stands beside the breach row.
    services.ticket_reply(ticket=ticket, author=UserFactory(), body="Sorry", now=NOW + 20 * MINUTE)
    kinds = list(LedgerEntry.objects.filter(ticket=ticket).order_by("seq").values_list("kind", "met"))
    assert kinds == [("breach", False), ("completed", False)]


@pytest.mark.django_db
def test_no_breach_for_a_paused_or_answered_ticket():
    engineer = UserFactory()
    ticket = make_ticket(severity=Severity.MAJOR)
    services.ticket_reply(ticket=ticket, author=engineer, body="Hi", now=NOW + MINUTE)
    services.ticket_change_status(
        ticket=ticket, status="waiting_on_customer", actor=engineer, now=NOW + 2 * MINUTE
    )
    later = NOW + timedelta(days=3)
    assert sla_record_breach(ticket_id=ticket.pk, metric=Metric.FIRST_RESPONSE, now=later) is None
    assert sla_record_breach(ticket_id=ticket.pk, metric=Metric.RESOLUTION, now=later) is None


@pytest.mark.django_db
def test_the_sweep_records_every_due_breach_once():
    due = [make_ticket(severity=Severity.MAJOR) for _ in range(3)]
    make_ticket(severity=Severity.MAJOR, now=NOW + timedelta(hours=9))  # not due yet
    at = NOW + timedelta(hours=9)  # first responses (15 min) and resolutions (8 h) of the first three
    assert sla_record_due_breaches(now=at) == 6
    assert sla_record_due_breaches(now=at) == 0
    assert LedgerEntry.objects.filter(ticket__in=due, kind="breach").count() == 6
    assert list(ledger_verify()) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_serialize_on_the_chain_head():
    engineer = UserFactory()
    tickets = [make_ticket(severity=Severity.MAJOR) for _ in range(12)]
    errors = []
    barrier = threading.Barrier(4)

    def reply(batch):
        try:
            barrier.wait()
            for ticket in batch:
                services.ticket_reply(ticket=ticket, author=engineer, body="On it", now=NOW + MINUTE)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reply, args=(tickets[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(LedgerEntry.objects.values_list("seq", flat=True)) == list(range(1, 13))
    assert list(ledger_verify()) == []
