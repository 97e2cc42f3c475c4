"""The SLA ledger refuses TRUNCATE: a statement-level trigger on the ledger and its chain head raises.

The row trigger of 0002 refuses UPDATE and DELETE, but TRUNCATE fires no row trigger, so an emptied
ledger with a reset head used to verify. Only a role that could disable the trigger anyway (the table's
owner, or a superuser) may truncate, and only after saying so in its transaction or session:
`SET LOCAL support_desk.allow_truncate = 'on'` (the test suite's flush between transactional tests does,
see tests/conftest.py). PostgreSQL only: SQLite (`make run` without DATABASE_URL) has no TRUNCATE.
"""

from django.db import migrations

TABLES = ["escalation_ledgerentry", "escalation_ledgerhead"]

FUNCTION = """
CREATE OR REPLACE FUNCTION escalation_ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('support_desk.allow_truncate', true), '') = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'SLA ledger is append-only: TRUNCATE refused on %', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def refuse_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION escalation_ledger_refuse_truncate()",
            params=None,
        )


def allow_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS escalation_ledger_refuse_truncate()", params=None)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0014_drop_plaintext_api_tokens")]

    operations = [migrations.RunPython(refuse_truncate, allow_truncate)]
