"""Seed the default SLA targets (DESIGN.md) and make the ledger append-only in PostgreSQL too."""

from django.db import migrations

from escalation import defaults

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION escalation_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'SLA ledger rows are append-only: % refused on row %', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
GUARD_TRIGGER = """
CREATE TRIGGER escalation_ledgerentry_append_only
BEFORE UPDATE OR DELETE ON escalation_ledgerentry
FOR EACH ROW EXECUTE FUNCTION escalation_ledger_refuse_change();
"""
DROP_GUARD = """
DROP TRIGGER IF EXISTS escalation_ledgerentry_append_only ON escalation_ledgerentry;
DROP FUNCTION IF EXISTS escalation_ledger_refuse_change();
"""


def seed(apps, schema_editor):
    defaults.seed(apps.get_model("escalation", "BusinessCalendar"), apps.get_model("escalation", "SlaTarget"))
    apps.get_model("escalation", "LedgerHead").objects.get_or_create(pk=1)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_FUNCTION, params=None)
        schema_editor.execute(GUARD_TRIGGER, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
