"""Ticket search: one row of words a ticket (`TicketSearch`), GIN-indexed and kept by triggers.

Triggers rather than the services, so that every way a ticket or message is written (filing's one chained
statement, replies, notes, incidents, the admin, bulk SQL) is indexed the same way and in the same
transaction, and filing stays one statement:

- a statement that files tickets inserts their rows (subject, people, description), in one INSERT over the
  statement's new rows (a million tickets filed by one INSERT ... SELECT are indexed by one more);
- a statement that writes messages appends their words to their tickets' rows (a message whose body is
  the ticket's description, the first message of a filing, adds nothing: its words are there already);
- a change of a ticket's subject, description, requester or customer, of a message's body, a message
  deleted, and a requester's new name or email or a customer's new name rewrite the rows concerned from
  the tables, so the words of a renamed requester are the ones found.

A tsvector holds at most 1 MB: each text is cut at 100,000 characters, a rewrite keeps the thread's first
100,000 characters of messages, and messages that would take a ticket's row past the limit are left out
of it (with a warning in the database log) rather than refusing the reply.

SQLite (`make run` without DATABASE_URL) gets the table without triggers: search there matches substrings.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

TEXT_MAX = 100_000

POSTGRESQL = f"""
ALTER TABLE tickets_ticketsearch ADD CONSTRAINT ticket_search_ticket
    FOREIGN KEY (ticket_id) REFERENCES tickets_ticket (id) ON DELETE CASCADE;
CREATE INDEX ticket_search_vector ON tickets_ticketsearch USING gin (vector);
-- A search reads a few thousand rows at most through the index; parallel workers only add their start-up
-- time (measured at 1M tickets on 2 cores: a word's page 35 ms with a worker, 25 ms without).
ALTER TABLE tickets_ticketsearch SET (parallel_workers = 0);

-- Subject (A), the requester's email and name and the customer's name (B), the description (C).
CREATE FUNCTION tickets_search_base(subject text, description text, email text, name text, customer text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple', left(coalesce(subject, ''), {TEXT_MAX})), 'A')
        || setweight(to_tsvector('simple', concat_ws(' ', email, name, customer)), 'B')
        || setweight(to_tsvector('simple', left(coalesce(description, ''), {TEXT_MAX})), 'C')
$$;

-- Messages (D).
CREATE FUNCTION tickets_search_thread(bodies text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple', left(coalesce(bodies, ''), {TEXT_MAX})), 'D')
$$;

-- Rewrite the rows of tickets `ids` from the tables (NULL: every ticket, rows missing included).
CREATE FUNCTION tickets_search_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO tickets_ticketsearch (ticket_id, vector)
    SELECT t.id, tickets_search_base(t.subject, t.description, r.email, r.name, c.name)
                 || tickets_search_thread((
                        SELECT string_agg(m.body, ' ' ORDER BY m.created_at, m.id) FROM tickets_message m
                        WHERE m.ticket_id = t.id AND m.body IS DISTINCT FROM t.description))
    FROM tickets_ticket t
    JOIN tickets_requester r ON r.id = t.requester_id
    LEFT JOIN tickets_customer c ON c.id = t.customer_id
    WHERE ids IS NULL OR t.id = ANY (ids)
    ON CONFLICT (ticket_id) DO UPDATE SET vector = EXCLUDED.vector
$$;

CREATE FUNCTION tickets_search_filed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- ON CONFLICT: the same statement's messages may have been appended first.
    INSERT INTO tickets_ticketsearch (ticket_id, vector)
    SELECT a.id, tickets_search_base(a.subject, a.description, r.email, r.name, c.name)
    FROM filed a
    JOIN tickets_requester r ON r.id = a.requester_id
    LEFT JOIN tickets_customer c ON c.id = a.customer_id
    ON CONFLICT (ticket_id) DO UPDATE SET vector = EXCLUDED.vector || tickets_ticketsearch.vector;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        INSERT INTO tickets_ticketsearch (ticket_id, vector)
        SELECT m.ticket_id, tickets_search_thread(string_agg(m.body, ' ' ORDER BY m.created_at, m.id))
        FROM written m
        JOIN tickets_ticket t ON t.id = m.ticket_id
        WHERE m.body IS DISTINCT FROM t.description
        GROUP BY m.ticket_id
        ON CONFLICT (ticket_id) DO UPDATE SET vector = tickets_ticketsearch.vector || EXCLUDED.vector;
    EXCEPTION WHEN program_limit_exceeded THEN
        RAISE WARNING 'ticket search: messages left out of a full search row (%)', SQLERRM;
    END;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_ticket_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tickets_search_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_messages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tickets_search_refresh(ARRAY(SELECT DISTINCT ticket_id FROM changed));
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_requester_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tickets_search_refresh(ARRAY(SELECT id FROM tickets_ticket WHERE requester_id = NEW.id));
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_customer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tickets_search_refresh(ARRAY(SELECT id FROM tickets_ticket WHERE customer_id = NEW.id));
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_search_filed AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS filed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_filed();
CREATE TRIGGER tickets_search_ticket_changed AFTER UPDATE OF subject, description, requester_id, customer_id
    ON tickets_ticket FOR EACH ROW
    WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.description IS DISTINCT FROM NEW.description
          OR OLD.requester_id IS DISTINCT FROM NEW.requester_id
          OR OLD.customer_id IS DISTINCT FROM NEW.customer_id)
    EXECUTE FUNCTION tickets_search_ticket_changed();
CREATE TRIGGER tickets_search_written AFTER INSERT ON tickets_message
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_written();
CREATE TRIGGER tickets_search_message_edited AFTER UPDATE ON tickets_message
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_messages_changed();
CREATE TRIGGER tickets_search_message_deleted AFTER DELETE ON tickets_message
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_messages_changed();
CREATE TRIGGER tickets_search_requester_changed AFTER UPDATE OF email, name ON tickets_requester
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION tickets_search_requester_changed();
CREATE TRIGGER tickets_search_customer_changed AFTER UPDATE OF name ON tickets_customer
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION tickets_search_customer_changed();

SELECT tickets_search_refresh(NULL);
"""

DROP_POSTGRESQL = """
DROP TRIGGER tickets_search_customer_changed ON tickets_customer;
DROP TRIGGER tickets_search_requester_changed ON tickets_requester;
DROP TRIGGER tickets_search_message_deleted ON tickets_message;
DROP TRIGGER tickets_search_message_edited ON tickets_message;
DROP TRIGGER tickets_search_written ON tickets_message;
DROP TRIGGER tickets_search_ticket_changed ON tickets_ticket;
DROP TRIGGER tickets_search_filed ON tickets_ticket;
DROP FUNCTION tickets_search_customer_changed();
DROP FUNCTION tickets_search_requester_changed();
DROP FUNCTION tickets_search_messages_changed();
DROP FUNCTION tickets_search_ticket_changed();
DROP FUNCTION tickets_search_written();
DROP FUNCTION tickets_search_filed();
DROP FUNCTION tickets_search_refresh(bigint[]);
DROP FUNCTION tickets_search_thread(text);
DROP FUNCTION tickets_search_base(text, text, text, text, text);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_POSTGRESQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0015_customer_ratings_per_resolution_cycle"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketSearch",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
