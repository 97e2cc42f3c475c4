"""The ticket tallies: the triggers keep them equal to a count of the tickets, through every service and
through bulk SQL, and folding them changes no count."""

import random
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.db.models import Count, OuterRef, Q

from tests.factories import NOW, UserFactory, make_ticket
from tickets import services
from tickets.models import Severity, Status, Ticket, TicketTally
from tickets.selectors import UNSET, assigned_ticket_count, ticket_count, ticket_tally_sums

pytestmark = pytest.mark.django_db


def counted() -> dict[tuple, int]:
    """What the tallies should say: tickets per status, severity and assignee."""
    rows = Ticket.objects.values_list("status", "severity", "assignee_id").annotate(n=Count("pk"))
    return {(status, severity, assignee): n for status, severity, assignee, n in rows}


def tallied() -> dict[tuple, int]:
    totals: dict[tuple, int] = {}
    for t in TicketTally.objects.all():
        key = (t.status, t.severity, t.assignee_id)
        totals[key] = totals.get(key, 0) + t.delta
    return {key: n for key, n in totals.items() if n}


def test_the_services_keep_the_tallies_equal_to_a_count_of_the_tickets():
    lena, omar = UserFactory(username="lena"), UserFactory(username="omar")
    tickets = [make_ticket(severity=severity) for severity in Severity.values for _ in range(3)]
    assert tallied() == counted() == {("new", s, None): 3 for s in Severity.values}

    now = NOW + timedelta(minutes=5)
    services.ticket_assign(ticket=tickets[0], assignee=lena, actor=lena, now=now)
    services.ticket_assign(ticket=tickets[1], assignee=omar, actor=omar, now=now)
    services.ticket_assign(ticket=tickets[1], assignee=lena, actor=lena, now=now)
    services.ticket_change_severity(ticket=tickets[2], severity=Severity.MAJOR, actor=lena, now=now)
    services.ticket_reply(ticket=tickets[0], author=lena, body="On it.", internal=False, now=now)
    services.ticket_change_status(ticket=tickets[0], status=Status.RESOLVED, actor=lena, now=now)
    assert tallied() == counted()
    assert ticket_count(now=now, assignee=lena.pk) == 2
    assert ticket_count(now=now, assignee="lena", statuses=[Status.RESOLVED]) == 1
    assert ticket_count(now=now, assignee=None, severities=[Severity.MAJOR]) == 4
    assert ticket_count(now=now) == 9

    Ticket.objects.filter(pk=tickets[8].pk).update(status=Status.CLOSED)  # a queryset update is seen too
    Ticket.objects.filter(pk=tickets[5].pk).update(subject="No key column changed")
    assert tallied() == counted()


def test_bulk_sql_inserts_updates_and_deletes_are_tallied():
    make_ticket()
    ticket = make_ticket(severity=Severity.URGENT)
    lena = UserFactory(username="lena")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket (subject, description, severity, status, plan, access_token,
                requester_timezone, created_at, updated_at, resolution_cycle, resolution_started_at,
                escalation_level, sla_breached, requester_id)
            SELECT 'Bulk ' || g, 'x', (ARRAY['general','urgent','major'])[1 + g %% 3], 'open', 'standard',
                   md5(g::text), 'UTC', %s, %s, 1, %s, 0, false, %s
            FROM generate_series(1, 300) g
            """,
            [NOW, NOW, NOW, ticket.requester_id],  # the instants from Python: the database's now() is real
        )
        cursor.execute("UPDATE tickets_ticket SET assignee_id = %s WHERE subject LIKE 'Bulk 1%%'", [lena.pk])
        cursor.execute("DELETE FROM tickets_ticket WHERE subject LIKE 'Bulk 2%%'")
    assert tallied() == counted()
    assert ticket_count(now=NOW) == Ticket.objects.count()


def test_folding_leaves_one_row_a_key_and_every_count_unchanged():
    lena = UserFactory(username="lena")
    for i in range(12):
        ticket = make_ticket(severity=Severity.values[i % 3])
        if i % 2:
            services.ticket_assign(ticket=ticket, assignee=lena, actor=lena, now=NOW)
    before = tallied()
    assert TicketTally.objects.count() > len(before)

    folded = services.ticket_tallies_fold()

    assert folded > len(before)
    assert tallied() == before == counted()
    assert TicketTally.objects.count() == len(before)  # one row a key, no zero rows
    assert services.ticket_tallies_fold() == len(before)  # folding again changes nothing
    assert tallied() == before


def test_randomised_histories_agree_with_a_count():
    rng = random.Random(7)
    engineers = [UserFactory(username=f"eng{i}") for i in range(3)]
    tickets = []
    for step in range(120):
        action = rng.random()
        now = NOW + timedelta(minutes=step)
        if action < 0.35 or not tickets:
            tickets.append(make_ticket(severity=rng.choice(Severity.values), now=now))
        elif action < 0.6:
            ticket = rng.choice(tickets)
            if ticket.status in (Status.NEW, Status.OPEN, Status.WAITING_ON_CUSTOMER):
                who = rng.choice(engineers)
                services.ticket_assign(ticket=ticket, assignee=who, actor=who, now=now)
        elif action < 0.75:
            ticket = rng.choice(tickets)
            if ticket.status != Status.CLOSED:
                services.ticket_change_severity(
                    ticket=ticket, severity=rng.choice(Severity.values), actor=engineers[0], now=now
                )
        elif action < 0.85:
            Ticket.objects.filter(pk=rng.choice(tickets).pk).update(status=rng.choice(Status.values))
        else:
            services.ticket_tallies_fold()
        tickets = [Ticket.objects.get(pk=t.pk) for t in tickets]
        assert tallied() == counted(), f"after step {step}"


def test_scope_sums_and_engineer_loads_come_from_the_tallies():
    lena, omar = UserFactory(username="lena"), UserFactory(username="omar")
    for i in range(5):
        ticket = make_ticket(severity=Severity.MAJOR if i < 2 else Severity.GENERAL)
        if i < 3:
            services.ticket_assign(ticket=ticket, assignee=lena if i < 2 else omar, actor=lena, now=NOW)
    sums = ticket_tally_sums(
        statuses=[Status.NEW, Status.OPEN],
        mine=Q(assignee_id=lena.pk),
        unassigned=Q(assignee_id__isnull=True),
    )
    assert sums == {"total": 5, "mine": 2, "unassigned": 2}
    assert ticket_tally_sums(severities=[Severity.MAJOR], assignee=UNSET) == {"total": 2}
    assert ticket_tally_sums(assignee="nobody") == {"total": 0}

    loads = dict(
        get_user_model()
        .objects.annotate(load=assigned_ticket_count(OuterRef("pk"), [Status.OPEN]))
        .values_list("username", "load")
    )
    assert loads == {"lena": 2, "omar": 1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_do_not_wait_on_a_shared_counter():
    """Two transactions file tickets of the same key at once; neither waits for the other to commit."""
    first_inside = threading.Event()
    second_done = threading.Event()
    errors = []

    def file_and_hold():
        try:
            with transaction.atomic():
                make_ticket(severity=Severity.MAJOR)
                first_inside.set()
                # Held open until the other transaction has filed the same kind of ticket and committed.
                if not second_done.wait(timeout=10):
                    errors.append("the second filing waited for the first transaction")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    holder = threading.Thread(target=file_and_hold)
    holder.start()
    assert first_inside.wait(timeout=10)
    try:
        make_ticket(severity=Severity.MAJOR)
        second_done.set()
    finally:
        holder.join(timeout=15)
    assert not errors
    assert ticket_count(now=NOW, severities=[Severity.MAJOR]) == 2
    assert tallied() == counted()


@pytest.mark.django_db(transaction=True)
def test_truncating_the_tickets_empties_the_tallies():
    make_ticket()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticket CASCADE")
    assert not TicketTally.objects.exists()
    assert ticket_count(now=NOW) == 0
