"""The configuration version (escalation.sla.config_cache): a one-row table set to the next value of a
sequence by a statement-level trigger on every table the cache reads, on any INSERT, UPDATE, DELETE
or TRUNCATE, in the editing transaction. PostgreSQL only: on SQLite (`make run` without DATABASE_URL)
there is no version row, and the cache reads through (escalation.sla.config_cache.cached)."""

from django.db import migrations

TABLES = [
    "escalation_slatarget",
    "escalation_businesscalendar",
    "escalation_holiday",
    "escalation_escalationpolicy",
    "escalation_policystep",
]

FORWARD = [
    "CREATE SEQUENCE escalation_config_version_seq",
    """CREATE TABLE escalation_config_version (
        id smallint PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL
    )""",
    "INSERT INTO escalation_config_version (id, version) VALUES (1, nextval('escalation_config_version_seq'))",
    """CREATE FUNCTION escalation_config_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE escalation_config_version SET version = nextval('escalation_config_version_seq') WHERE id = 1;
        RETURN NULL;
    END
    $$""",
    *(
        f"""CREATE TRIGGER {table}_config_version
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION escalation_config_version_bump()"""
        for table in TABLES
    ),
]

BACKWARD = [
    *(f"DROP TRIGGER {table}_config_version ON {table}" for table in TABLES),
    "DROP FUNCTION escalation_config_version_bump()",
    "DROP TABLE escalation_config_version",
    "DROP SEQUENCE escalation_config_version_seq",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0008_pages_group_notifications_per_window"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
