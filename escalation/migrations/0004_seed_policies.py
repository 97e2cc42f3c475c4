"""Seed the default escalation policies (issue: the worker)."""

from django.db import migrations

from escalation import defaults


def seed(apps, schema_editor):
    defaults.seed_policies(apps.get_model("escalation", "EscalationPolicy"), apps.get_model("escalation", "PolicyStep"))


class Migration(migrations.Migration):
    dependencies = [("escalation", "0003_escalation_policies_alarms_notifications")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
