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
        INSERT INTO tickets_customer (name, plan, timezone, created_at)
        SELECT 'Customer ' || g, CASE WHEN g %% 3 = 0 THEN 'premium' ELSE 'standard' END, 'UTC', now()
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
    cursor.execute("ANALYZE")
