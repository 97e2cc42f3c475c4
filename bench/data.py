"""Large data sets written straight into PostgreSQL with INSERT ... SELECT generate_series (seconds for
a million rows), shaped like what the services write. Every function takes a cursor and `now`.
"""


def insert_people(cursor, engineers: int = 20, customers: int = 50) -> None:
    cursor.execute(
        """
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                               is_active, date_joined)
        SELECT '!', false, 'eng' || g, 'Engineer', g::text, 'eng' || g || '@support.example', true, true,
               now()
        FROM generate_series(1, %s) g
        """,
        [engineers],
    )
    cursor.execute(
        """
        INSERT INTO escalation_engineer (user_id, timezone, shift_start, shift_end, workdays, phone, region,
                                         lead, on_call, capacity, active)
        SELECT id, 'UTC', '00:00', '00:00', '[0,1,2,3,4,5,6]', '+4930' || lpad(id::text, 7, '0'),
               (ARRAY['apac','emea','americas'])[1 + id % 3], id % 7 = 0, id % 5 = 0, 500, true
        FROM auth_user WHERE username LIKE 'eng%%'
        """
    )
    cursor.execute(
        """
        INSERT INTO tickets_customer (name, plan, timezone, created_at, statement_token)
        SELECT 'Customer ' || g, CASE WHEN g %% 3 = 0 THEN 'premium' ELSE 'standard' END, 'UTC', now(),
               md5(random()::text || g) || md5(g::text || random()::text)  -- unique, unguessable enough here
        FROM generate_series(1, %s) g
        """,
        [customers],
    )
    cursor.execute(
        "INSERT INTO tickets_requester (email, name, created_at) VALUES ('noc@bench.example', 'NOC', now())"
    )


def insert_open_tickets(cursor, count: int, now, overdue_fraction: float = 0.001) -> None:
    """`count` open tickets with first responses pending, due over the next 30 days (a few overdue)."""
    cursor.execute(
        """
        WITH people AS (
            SELECT (SELECT array_agg(id) FROM auth_user WHERE username LIKE 'eng%%') AS engineers,
                   (SELECT array_agg(id) FROM tickets_customer) AS customers,
                   (SELECT id FROM tickets_requester LIMIT 1) AS requester
        ), shaped AS (
            SELECT g,
                   CASE WHEN random() < %(overdue)s
                        THEN %(now)s - make_interval(secs => 1 + random() * 3600)
                        ELSE %(now)s + make_interval(secs => 60 + random() * 30 * 86400) END AS due
            FROM generate_series(1, %(count)s) g
        )
        INSERT INTO tickets_ticket (subject, description, severity, status, plan, access_token,
            requester_timezone, created_at, updated_at, assigned_at, first_response_due_at, resolution_due_at,
            resolution_cycle, resolution_started_at, escalation_level, next_due_at, sla_breached, assignee_id,
            customer_id, requester_id)
        SELECT 'Edge outage ' || g, 'Viewers see buffering', (ARRAY['general','urgent','major'])[1 + g %% 3],
               (ARRAY['new','open','open','waiting_on_customer'])[1 + g %% 4],
               CASE WHEN g %% 3 = 0 THEN 'premium' ELSE 'standard' END,
               md5(g::text || random()::text) || md5(random()::text), 'UTC',
               due - interval '1 hour', due - interval '1 hour', due - interval '50 minutes', due,
               due + interval '7 hours', 1, due - interval '1 hour', 0, due, false,
               people.engineers[1 + g %% array_length(people.engineers, 1)],
               people.customers[1 + g %% array_length(people.customers, 1)], people.requester
        FROM shaped, people
        """,
        {"count": count, "now": now, "overdue": overdue_fraction},
    )


def insert_alarms_for_open_tickets(cursor) -> None:
    """Step 1 of each pending first response, as the planner would have written it."""
    cursor.execute(
        """
        INSERT INTO escalation_alarm (metric, cycle, step, due_at, enqueued_at, ticket_id)
        SELECT 'first_response', 1, 1, first_response_due_at, NULL, id
        FROM tickets_ticket WHERE first_responded_at IS NULL
        """
    )


def analyze(cursor) -> None:
    """Statistics and the visibility map, as autovacuum leaves a settled database: bulk-loaded tables
    have no visibility map yet, so index-only scans would read every row's page (VACUUM sets it)."""
    cursor.execute("VACUUM ANALYZE")


def insert_ledger_history(cursor, rows: int, now, days: int = 365) -> None:
    """About `rows` SLA ledger rows for tickets filed over the last `days` (uniformly), shaped like the
    services write them: per ticket a completed first response (1 in 10 late, with its breach row), a
    completed resolution for 9 in 10 (1 in 12 late or still open past due, with its breach row), paused
    time on 1 in 5; escalation steps 1-3 for every breached cycle, 4 in 5 acknowledged. Hashes are
    random (the chain is not meant to verify); `seq` is gapless. Needs `insert_people` first.
    """
    tickets = max(1, rows * 12 // 25)  # 2.083 rows a ticket
    cursor.execute("SELECT setseed(0.42)")
    cursor.execute(
        """
        WITH people AS (
            SELECT (SELECT array_agg(id) FROM auth_user WHERE username LIKE 'eng%%') AS engineers,
                   (SELECT array_agg(id) FROM tickets_customer) AS customers,
                   (SELECT id FROM tickets_requester LIMIT 1) AS requester
        )
        INSERT INTO tickets_ticket (subject, description, severity, status, plan, access_token,
            requester_timezone, created_at, updated_at, assigned_at, first_response_due_at,
            first_responded_at, resolution_due_at, resolved_at, resolution_cycle, resolution_started_at,
            escalation_level, next_due_at, sla_breached, assignee_id, customer_id, requester_id)
        SELECT 'History ' || g, 'Viewers see buffering', (ARRAY['general','urgent','major'])[1 + g %% 3],
               'resolved', CASE WHEN g %% 3 = 0 THEN 'premium' ELSE 'standard' END,
               md5(g::text || random()::text) || md5(random()::text), 'UTC',
               created, created, created, NULL, NULL, NULL, NULL, 1, created, 0, NULL, g %% 10 = 0,
               people.engineers[1 + g %% array_length(people.engineers, 1)],
               people.customers[1 + g %% array_length(people.customers, 1)], people.requester
        FROM (
            SELECT g, %(now)s - make_interval(secs => random() * %(days)s * 86400) AS created
            FROM generate_series(1, %(tickets)s) g
        ) filed, people
        """,
        {"tickets": tickets, "now": now, "days": days},
    )
    cursor.execute(
        """
        WITH shaped AS (
            SELECT t.id, t.severity, t.plan, t.customer_id, t.assignee_id, t.created_at AS created,
                   CASE t.severity WHEN 'major' THEN interval '15 minutes'
                        WHEN 'urgent' THEN interval '1 hour' ELSE interval '4 hours' END AS fr_target,
                   CASE t.severity WHEN 'major' THEN interval '4 hours'
                        WHEN 'urgent' THEN interval '8 hours' ELSE interval '24 hours' END AS res_target,
                   t.id % 10 = 0 AS fr_late, t.id % 10 <> 7 AS res_done, t.id % 12 = 0 AS res_late,
                   CASE WHEN t.id % 5 = 0 THEN interval '30 minutes' ELSE interval '0' END AS paused,
                   random() AS r1, random() AS r2
            FROM tickets_ticket t WHERE t.subject LIKE 'History %'
        ), timed AS (
            SELECT *, fr_target * CASE WHEN fr_late THEN 1.1 + 3 * r1 ELSE 0.1 + 0.85 * r1 END AS fr_elapsed,
                      res_target * CASE WHEN res_late THEN 1.05 + r2 ELSE 0.2 + 0.75 * r2 END AS res_elapsed
            FROM shaped
        ), cycles AS (
            SELECT id AS ticket_id, 'completed' AS kind, 'first_response' AS metric, severity, plan,
                   customer_id, assignee_id, fr_target AS target, created AS started,
                   created + fr_target AS due, created + fr_elapsed AS achieved, fr_elapsed AS elapsed,
                   interval '0' AS paused, NOT fr_late AS met, created + fr_elapsed AS recorded
            FROM timed
            UNION ALL
            SELECT id, 'breach', 'first_response', severity, plan, customer_id, assignee_id, fr_target,
                   created, created + fr_target, NULL, fr_target, interval '0', false, created + fr_target
            FROM timed WHERE fr_late
            UNION ALL
            SELECT id, 'completed', 'resolution', severity, plan, customer_id, assignee_id, res_target,
                   created, created + res_target + paused, created + res_elapsed + paused, res_elapsed,
                   paused, NOT res_late, created + res_elapsed + paused
            FROM timed WHERE res_done
            UNION ALL
            SELECT id, 'breach', 'resolution', severity, plan, customer_id, assignee_id, res_target,
                   created, created + res_target + paused, NULL, res_target, paused, false,
                   created + res_target + paused
            FROM timed WHERE res_late
        )
        INSERT INTO escalation_ledgerentry (seq, kind, ticket_id, metric, cycle, severity, plan, customer_id,
            engineer_id, target, started_at, due_at, achieved_at, elapsed, paused, met, overshoot,
            escalation_level, recorded_at, prev_hash, hash)
        SELECT row_number() OVER (ORDER BY recorded, ticket_id, metric, kind), kind, ticket_id, metric, 1,
               severity, plan, customer_id, assignee_id, target, started, due, achieved, elapsed, paused, met,
               greatest(elapsed - target, interval '0'), CASE WHEN met THEN 0 ELSE 1 END, recorded,
               repeat('0', 64), md5(ticket_id::text || metric || kind) || md5(random()::text)
        FROM cycles
        """
    )
    cursor.execute(
        """
        INSERT INTO escalation_ledgerhead (id, seq, hash)
        SELECT 1, seq, hash FROM escalation_ledgerentry ORDER BY seq DESC LIMIT 1
        ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash
        """
    )
    cursor.execute(
        """
        INSERT INTO escalation_escalation (ticket_id, metric, cycle, step, due_at, fired_at, acknowledged_at,
                                           acknowledged_via)
        SELECT b.ticket_id, b.metric, 1, s, b.due_at + (s - 1) * interval '10 minutes',
               b.due_at + (s - 1) * interval '10 minutes' + interval '1 second',
               CASE WHEN random() < 0.8
                    THEN b.due_at + (s - 1) * interval '10 minutes'
                         + make_interval(secs => 30 + random() * 1200)
               END, 'sms'
        FROM escalation_ledgerentry b, LATERAL generate_series(1, 1 + b.ticket_id % 3) s
        WHERE b.kind = 'breach'
        """
    )
