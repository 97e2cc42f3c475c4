"""Seed the default SLA targets (DESIGN.md) and make the ledger append-only in PostgreSQL too.

The values are this migration's own copy of the defaults of its day (`escalation/defaults.py` then), so
editing the defaults later never rewrites what a new database starts with; tests/escalation/
test_migrations.py checks they still agree.
"""

from datetime import time, timedelta

from django.db import migrations

BUSINESS_HOURS = "Business hours (Mon-Fri 09:00-18:00)"
AROUND_THE_CLOCK = "24x7"

CALENDARS = [
    {"name": AROUND_THE_CLOCK, "kind": "24x7"},
    {
        "name": BUSINESS_HOURS,
        "kind": "business",
        "opens": time(9),
        "closes": time(18),
        "workdays": [0, 1, 2, 3, 4],
    },
]

# (plan, severity, first response, resolution, calendar)
TARGETS = [
    ("standard", "general", timedelta(hours=4), timedelta(hours=24), BUSINESS_HOURS),
    ("standard", "urgent", timedelta(hours=1), timedelta(hours=24), BUSINESS_HOURS),
    ("standard", "major", timedelta(minutes=15), timedelta(hours=8), AROUND_THE_CLOCK),
    ("premium", "general", timedelta(hours=1), timedelta(hours=8), AROUND_THE_CLOCK),
    ("premium", "urgent", timedelta(minutes=30), timedelta(hours=8), AROUND_THE_CLOCK),
    ("premium", "major", timedelta(minutes=15), timedelta(hours=4), AROUND_THE_CLOCK),
]

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
    """Create the default calendars and targets that are missing; never overwrite an edited one."""
    BusinessCalendar = apps.get_model("escalation", "BusinessCalendar")
    SlaTarget = apps.get_model("escalation", "SlaTarget")
    calendars = {}
    for spec in CALENDARS:
        fields = dict(spec)
        name = fields.pop("name")
        calendars[name], _ = BusinessCalendar.objects.get_or_create(name=name, defaults=fields)
    for plan, severity, first_response, resolution, calendar in TARGETS:
        SlaTarget.objects.get_or_create(
            plan=plan,
            severity=severity,
            defaults={"first_response": first_response, "resolution": resolution, "calendar": calendars[calendar]},
        )
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
