"""Ticket search at 1,000,000 tickets: `GET /api/v1/tickets/?search=...`. Target: p95 <= 100 ms.

    .venv/bin/python -m bench.search [--tickets 1000000] [--replies 300000] [--repeat 40]

The data is written with INSERT ... SELECT (seconds to minutes): 500 customers and 100,000 requesters
with made-up names, tickets whose subject (3 words) and description (8 words) are drawn from 5,000
made-up words (so a word is in about 0.2 % of tickets) with `stream` in one subject in ten (a common
word), and replies of 6 words on `--replies` tickets. The search rows are written by the migration's
triggers, as for any other insert (one statement each for the tickets and the replies); the GIN index
is dropped for the load and built after it, as a bulk load would.

Each search is the API request in-process through the Django test client with an engineer's token
(the count and the first page of 50, with SLA clocks, serialised), and a few of them through the queue
page's search box (`queue_page_*`: a session, every tab counted, the rows rendered): run once to warm
up, then `--repeat` times; p50, p95 and max are printed, with the number of matches and the plans of
the queries that find and order the word's matches (EXPLAIN ANALYZE).
"""

import argparse
import json
import time

from bench.common import configure_django, fresh_database, timed

configure_django("search")

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.data import analyze, insert_people
from escalation.roster.services.api_tokens import api_token_issue
from support_desk.web.forms import QueueFilterForm
from support_desk.web.selectors import queue_get
from tickets.models import Ticket
from tickets.search import SEARCH_CANDIDATES, search_filter
from tickets.selectors import SEARCH_TIE_BREAKERS, ticket_search

WORDS = 5_000
REQUESTERS = 100_000
CUSTOMERS = 500

VOCABULARY = f"""
    SELECT array_agg(translate(substr(md5('w' || i), 1, 6 + mod(i, 3)), '0123456789', 'ghijklmnop')
                     ORDER BY i)
    FROM generate_series(1, {WORDS}) i
"""  # noqa: S608 (constants only)


def insert_corpus(cursor, tickets: int, replies: int, now) -> None:
    cursor.execute("SELECT setseed(0.16)")
    cursor.execute(
        f"""
        INSERT INTO tickets_customer (name, plan, timezone, created_at, statement_token)
        SELECT initcap(translate(substr(md5('c' || g), 1, 9), '0123456789', 'qrstuvwxyz')),
               CASE WHEN g % 3 = 0 THEN 'premium' ELSE 'standard' END, 'UTC', now(), md5(random()::text)
        FROM generate_series(1, {CUSTOMERS}) g
        """  # noqa: S608 (constants only)
    )
    cursor.execute(
        f"""
        WITH names AS (
            SELECT ARRAY['ana','tom','li','sara','omar','lena','aiko','juan','maria','kofi','ivan','noor',
                         'eva','raj','mia','leo','zoe','finn','yara','hugo'] AS first,
                   ARRAY['lima','berg','wang','haddad','costa','fischer','tanaka','perez','santos','mensah',
                         'petrov','khan','novak','patel','rossi','weber','dubois','silva','kim','nowak']
                       AS last
        )
        INSERT INTO tickets_requester (email, name, created_at)
        SELECT first[1 + g % 20] || '.' || last[1 + (g / 20) % 20] || g || '@host' || (g % 997) || '.example',
               initcap(first[1 + g % 20]) || ' ' || initcap(last[1 + (g / 20) % 20]) || ' ' || g, now()
        FROM generate_series(1, {REQUESTERS}) g, names
        """  # noqa: S608 (constants only)
    )
    cursor.execute("DROP INDEX ticket_search_vector")
    cursor.execute(
        f"""
        WITH v AS ({VOCABULARY}),
        people AS (
            SELECT (SELECT array_agg(id) FROM auth_user WHERE username LIKE 'eng%%') AS engineers,
                   (SELECT array_agg(id ORDER BY id) FROM tickets_customer WHERE name NOT LIKE 'Customer %%')
                       AS customers,
                   (SELECT min(id) FROM tickets_requester WHERE email LIKE '%%@host%%') AS first_requester
        ), shaped AS (
            SELECT g, %(now)s + make_interval(secs => (random() - 0.2) * 30 * 86400) AS due,
                   (SELECT array_agg(1 + floor(random() * {WORDS})::int) FROM generate_series(1, 11 + 0 * g))
                       AS w
            FROM generate_series(1, %(count)s) g
        )
        INSERT INTO tickets_ticket (subject, description, severity, status, plan, access_token,
            requester_timezone, created_at, updated_at, first_response_due_at, resolution_due_at,
            resolution_cycle, resolution_started_at, escalation_level, next_due_at, sla_breached, assignee_id,
            customer_id, requester_id)
        SELECT CASE WHEN g %% 10 = 0 THEN 'stream ' ELSE '' END
                   || v.array_agg[w[1]] || ' ' || v.array_agg[w[2]] || ' ' || v.array_agg[w[3]],
               array_to_string(ARRAY[v.array_agg[w[4]], v.array_agg[w[5]], v.array_agg[w[6]],
                                     v.array_agg[w[7]], v.array_agg[w[8]], v.array_agg[w[9]],
                                     v.array_agg[w[10]], v.array_agg[w[11]]], ' '),
               (ARRAY['general','urgent','major'])[1 + g %% 3],
               (ARRAY['new','open','open','waiting_on_customer','resolved','closed'])[1 + g %% 6],
               'standard', md5(g::text || random()::text) || md5(random()::text), 'UTC',
               due - interval '8 hours', due - interval '8 hours', due - interval '7 hours', due, 1,
               due - interval '8 hours', 0, CASE WHEN g %% 6 < 4 THEN due END, false,
               CASE WHEN g %% 4 > 0 THEN people.engineers[1 + g %% array_length(people.engineers, 1)] END,
               CASE WHEN g %% 5 > 0 THEN people.customers[1 + g %% array_length(people.customers, 1)] END,
               people.first_requester + (g::bigint * 7919) %% {REQUESTERS}
        FROM shaped, people, v
        """,  # noqa: S608 (constants and parameters)
        {"count": tickets, "now": now},
    )
    cursor.execute(
        f"""
        WITH v AS ({VOCABULARY})
        INSERT INTO tickets_message (ticket_id, author_id, body, internal, created_at)
        SELECT t.id, NULL,
               array_to_string(ARRAY(SELECT v.array_agg[1 + floor(random() * {WORDS})::int]
                                     FROM generate_series(1, 6 + 0 * t.id)), ' '),
               false, t.created_at + interval '1 hour'
        FROM tickets_ticket t, v
        WHERE t.id %% %(every)s = 0
        """,  # noqa: S608 (constants and parameters)
        {"every": max(1, tickets // max(1, replies))},
    )
    cursor.execute("CREATE INDEX ticket_search_vector ON tickets_ticketsearch USING gin (vector)")


def samples(cursor) -> dict[str, str]:
    """Texts an engineer would type, taken from the data."""
    cursor.execute(VOCABULARY)
    words = cursor.fetchone()[0]
    cursor.execute(
        "SELECT id FROM tickets_ticket ORDER BY id OFFSET (SELECT count(*) / 2 FROM tickets_ticket) LIMIT 1"
    )
    middle = cursor.fetchone()[0]
    cursor.execute(
        "SELECT r.email, r.name FROM tickets_ticket t JOIN tickets_requester r ON r.id = t.requester_id "
        "WHERE t.id = %s",
        [middle],
    )
    email, name = cursor.fetchone()
    cursor.execute(
        "SELECT name FROM tickets_customer WHERE id = (SELECT customer_id FROM tickets_ticket "
        "WHERE customer_id IS NOT NULL ORDER BY id LIMIT 1)"
    )
    customer = cursor.fetchone()[0]
    word, other = words[41], words[1234]
    return {
        "reference": f"SD-{middle + 1000}",
        "reference_number": str(middle + 1000),
        "email": email,
        "email_typed": email[: email.index("@") + 3],
        "requester_name": name.rsplit(" ", 1)[0] + " " + name.rsplit(" ", 1)[1],
        "customer_name": customer,
        "word": word,
        "two_words": f"{word} {other}",
        "prefix_typed": word[:4],
        "common_word": "stream",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--replies", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="search the data the last run wrote")
    args = parser.parse_args()

    now = timezone.now()
    started = time.perf_counter()
    load = not (args.reuse and Ticket.objects.exists())
    if load:
        fresh_database()
    with connection.cursor() as cursor:
        if load:
            insert_people(cursor, customers=0)
            insert_corpus(cursor, args.tickets, args.replies, now)
            analyze(cursor)
        load_seconds = round(time.perf_counter() - started, 1) if load else None
        texts = samples(cursor)
        cursor.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('tickets_ticketsearch')) "
            "FROM tickets_ticketsearch"
        )
        indexed, search_size = cursor.fetchone()

    from django.contrib.auth import get_user_model

    engineer = get_user_model().objects.get(username="eng1")
    _, token = api_token_issue(user=engineer, now=now)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")

    searches = {name: {"search": text} for name, text in texts.items()}
    searches["word_major_open"] = {"search": texts["word"], "severity": "major", "status": "open"}
    searches["word_mine"] = {"search": texts["word"], "assignee": "me"}
    searches["common_word_unassigned_new"] = {"search": "stream", "assignee": "none", "status": "new"}

    def measured(client: Client, path: str, params: dict, matches) -> dict:
        def get():
            response = client.get(path, params)
            assert response.status_code == 200, response.content[:300]
            return response

        with CaptureQueriesContext(connection) as captured:
            found = matches(get())
        return {"params": params, "matches": found, "queries": len(captured), "ms": timed(get, args.repeat)}

    results = {
        name: measured(client, "/api/v1/tickets/", params, lambda response: response.json()["count"])
        for name, params in searches.items()
    }
    # The queue page's search box: the same searches through the engineer's page (a session), every tab
    # counted, the page of rows rendered.
    desk = Client(HTTP_HOST="127.0.0.1")
    desk.force_login(engineer)
    pages = {
        "queue_page_word": {"search": texts["word"], "scope": "all", "status": "any"},
        "queue_page_common_word": {"search": "stream", "scope": "all", "status": "any"},
        "queue_page_common_word_unassigned_new": {"search": "stream", "scope": "unassigned", "status": "new"},
    }
    for name, params in pages.items():
        held = len(queue_get(user=engineer, filters=QueueFilterForm(params).filters()).tickets)
        results[name] = measured(desk, "/queue/", params, lambda response, held=held: held)

    tickets = Ticket.objects.count()
    plans = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        found = search_filter(texts["word"])
        newest = found.candidates(Ticket.objects.all(), narrowed=False, limit=SEARCH_CANDIDATES + 1)
        kept = [row["ticket_id"] for row in newest][:SEARCH_CANDIDATES]
        order = (*found.ordering, *SEARCH_TIE_BREAKERS)
        ranking = Ticket.objects.filter(pk__in=kept).annotate(**found.annotations).order_by(*order)
        for name, query in (("candidates", newest), ("ranking", ranking.values_list("pk", flat=True))):
            sql, params = query.query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plans[name] = [row[0] for row in cursor.fetchall()]
    print(
        json.dumps(
            {
                "tickets": tickets,
                "replies": args.replies,
                "search_rows": indexed,
                "search_table_size": search_size,
                "load_seconds": load_seconds,
                "count_check": len(ticket_search(now=now, search=texts["word"])),
                "searches": results,
                "plan_word_candidates": plans["candidates"],
                "plan_word_ranking": plans["ranking"],
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
