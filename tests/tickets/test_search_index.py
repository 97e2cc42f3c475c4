"""The search rows the triggers keep (migration 0016_ticket_search): right after every kind of write."""

import secrets
from datetime import timedelta

import pytest
from django.db import connection

from tests.factories import NOW, CustomerFactory, make_engineer, make_ticket
from tickets import services
from tickets.models import Message, Plan, Ticket, TicketSearch
from tickets.search import search_filter

pytestmark = pytest.mark.django_db


def found(text: str) -> set[int]:
    return {row["pk"] for row in search_filter(text).candidates(Ticket.objects.all())}


def lexemes(ticket: Ticket) -> dict[str, str]:
    """Each word of the ticket's search row with its weights (A subject ... D messages)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme, array_to_string(weights, '') FROM tickets_ticketsearch, unnest(vector) "
            "WHERE ticket_id = %s",
            [ticket.pk],
        )
        return dict(cursor.fetchall())


def test_filing_writes_the_row_with_each_part_weighted():
    CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    ticket = make_ticket(
        subject="Encoder down", description="Ingest stalls", email="noc@streamco.example", name="Ana"
    )
    words = lexemes(ticket)
    assert words["encoder"] == "A"
    assert words["noc@streamco.example"] == "B" and words["ana"] == "B" and words["streamco"] == "B"
    assert words["ingest"] == "C"  # once: the first message repeats the description and adds nothing


def test_replies_and_notes_append_and_edits_and_deletions_rewrite():
    lena = make_engineer("lena")
    ticket = make_ticket(subject="Encoder down")
    reply = services.ticket_reply(ticket=ticket, author=lena.user, body="Restarted packager", now=NOW)
    services.ticket_reply(ticket=ticket, author=lena.user, body="Watching graphs", internal=True, now=NOW)
    assert lexemes(ticket)["packager"] == "D"
    assert found("packager graphs") == {ticket.pk}
    Message.objects.filter(pk=reply.pk).update(body="Restarted origin")
    assert found("packager") == set() and found("origin") == {ticket.pk}
    Message.objects.filter(pk=reply.pk).delete()
    assert found("origin") == set() and found("graphs encoder") == {ticket.pk}


def test_tickets_written_by_bulk_sql_are_indexed_and_deleted_ones_take_their_row():
    template = make_ticket(subject="Template")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket (subject, description, severity, status, plan, access_token,
                requester_timezone, created_at, updated_at, resolution_cycle, resolution_started_at,
                escalation_level, sla_breached, requester_id, requester_trusted)
            SELECT 'Bulk ' || g, 'Loaded word' || g, 'general', 'new', 'standard', md5(g::text), 'UTC',
                   now(), now(), 1, now(), 0, false, %s, false
            FROM generate_series(1, 3) g
            """,
            [template.requester_id],
        )
    assert len(found("bulk")) == 3
    assert len(found("loaded")) == 3 and len(found("word2")) == 1
    Ticket.objects.filter(subject="Bulk 2").delete()
    assert len(found("bulk")) == 2
    assert TicketSearch.objects.count() == Ticket.objects.count()


def test_a_confirmed_requester_brings_the_customers_name():
    CustomerFactory(name="Pixelworks", plan=Plan.STANDARD, domains=["pixel.example"])
    ticket = make_ticket(subject="Player", email="new@pixel.example", trusted=False)
    assert found("pixelworks") == set()  # no customer until the address is confirmed
    services.requester_confirm(requester=ticket.requester, actor=make_engineer("lena").user, now=NOW)
    assert found("pixelworks") == {ticket.pk}


def test_a_thread_too_big_for_one_row_keeps_the_replies_coming():
    """A tsvector's words take at most 1 MB: replies past it are left out of the row, never refused."""
    lena = make_engineer("lena")
    ticket = make_ticket(subject="Log dumps")
    for n in range(12):  # each about 100 kB of distinct words in the row
        body = " ".join(secrets.token_hex(6) for _ in range(12_000))[:100_000]
        services.ticket_reply(
            ticket=ticket, author=lena.user, body=f"dump{n} {body}", now=NOW + timedelta(minutes=n)
        )
    assert Message.objects.filter(ticket=ticket).count() == 13
    assert found("dump0") == {ticket.pk} and found("log dumps") == {ticket.pk}
    assert found("dump11") == set()  # did not fit
