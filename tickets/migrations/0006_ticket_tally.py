"""Ticket tallies: counts per status, severity and assignee, kept by triggers (see TicketTally)."""

from django.db import migrations, models

# Each statement that files tickets adds one row a key; each one that deletes tickets subtracts.
# An update moves a ticket only when its status, severity or assignee changes. TRUNCATE empties
# the tallies with the tickets. Nothing here updates a row in place, so no two transactions wait
# on the same counter.
POSTGRESQL = """
LOCK TABLE tickets_ticket IN SHARE MODE;

CREATE FUNCTION tickets_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_tickettally (status, severity, assignee_id, delta)
    SELECT status, severity, assignee_id, count(*) FROM added GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_tally_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_tickettally (status, severity, assignee_id, delta)
    SELECT status, severity, assignee_id, -count(*) FROM removed GROUP BY 1, 2, 3;
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_tally_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_tickettally (status, severity, assignee_id, delta)
    VALUES (OLD.status, OLD.severity, OLD.assignee_id, -1), (NEW.status, NEW.severity, NEW.assignee_id, 1);
    RETURN NULL;
END $$;

CREATE FUNCTION tickets_tally_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_tickettally;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION tickets_tally_added();
CREATE TRIGGER tickets_tally_delete AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION tickets_tally_removed();
CREATE TRIGGER tickets_tally_update AFTER UPDATE OF status, severity, assignee_id ON tickets_ticket
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.severity IS DISTINCT FROM NEW.severity
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
    EXECUTE FUNCTION tickets_tally_moved();
CREATE TRIGGER tickets_tally_truncate AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_tally_emptied();

"""

# SQLite (the development default) has row triggers only; DELETE is its TRUNCATE.
SQLITE = [
    """
    CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets_ticket BEGIN
        INSERT INTO tickets_tickettally (status, severity, assignee_id, delta)
        VALUES (NEW.status, NEW.severity, NEW.assignee_id, 1);
    END
    """,
    """
    CREATE TRIGGER tickets_tally_delete AFTER DELETE ON tickets_ticket BEGIN
        INSERT INTO tickets_tickettally (status, severity, assignee_id, delta)
        VALUES (OLD.status, OLD.severity, OLD.assignee_id, -1);
    END
    """,
    """
    CREATE TRIGGER tickets_tally_update AFTER UPDATE OF status, severity, assignee_id ON tickets_ticket
    WHEN OLD.status IS NOT NEW.status OR OLD.severity IS NOT NEW.severity
         OR OLD.assignee_id IS NOT NEW.assignee_id
    BEGIN
        INSERT INTO tickets_tickettally (status, severity, assignee_id, delta)
        VALUES (OLD.status, OLD.severity, OLD.assignee_id, -1), (NEW.status, NEW.severity, NEW.assignee_id, 1);
    END
    """,
]

BACKFILL = """
INSERT INTO tickets_tickettally (status, severity, assignee_id, delta)
SELECT status, severity, assignee_id, count(*) FROM tickets_ticket GROUP BY 1, 2, 3
"""

DROP_POSTGRESQL = """
DROP TRIGGER tickets_tally_insert ON tickets_ticket;
DROP TRIGGER tickets_tally_delete ON tickets_ticket;
DROP TRIGGER tickets_tally_update ON tickets_ticket;
DROP TRIGGER tickets_tally_truncate ON tickets_ticket;
DROP FUNCTION tickets_tally_added();
DROP FUNCTION tickets_tally_removed();
DROP FUNCTION tickets_tally_moved();
DROP FUNCTION tickets_tally_emptied();
"""
DROP_SQLITE = [
    "DROP TRIGGER tickets_tally_insert",
    "DROP TRIGGER tickets_tally_delete",
    "DROP TRIGGER tickets_tally_update",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)
    schema_editor.execute(BACKFILL, params=None)


def uninstall(apps, schema_editor):
    statements = [DROP_POSTGRESQL] if schema_editor.connection.vendor == "postgresql" else DROP_SQLITE
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0005_customer_fee_database_defaults'),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('new', 'New'), ('open', 'Open'), ('waiting_on_customer', 'Waiting on customer'), ('resolved', 'Resolved'), ('closed', 'Closed')], max_length=30)),
                ('severity', models.CharField(choices=[('general', 'General'), ('urgent', 'Urgent'), ('major', 'Major')], max_length=20)),
                ('assignee_id', models.IntegerField(null=True)),
                ('delta', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['assignee_id', 'status'], name='tally_assignee_status')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
