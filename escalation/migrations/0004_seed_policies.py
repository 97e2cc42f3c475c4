"""Seed the default escalation policies (issue: the worker).

The values are this migration's own copy of the defaults of its day (`escalation/defaults.py` then), so
editing the defaults later never rewrites what a new database starts with; tests/escalation/
test_migrations.py checks they still agree.
"""

from datetime import timedelta

from django.db import migrations

WARNING_AT_FRACTION = 0.8

# severity -> ordered steps; the delay counts from the missed deadline
POLICIES = {
    "general": [
        {"number": 1, "delay": timedelta(0), "notify": [{"target": "assignee", "channel": "sms"}], "reassign": False},
        {"number": 2, "delay": timedelta(minutes=15), "notify": [{"target": "lead", "channel": "voice"}], "reassign": True},
        {
            "number": 3,
            "delay": timedelta(minutes=30),
            "notify": [{"target": "managers", "channel": "sms"}, {"target": "managers", "channel": "email"}],
            "reassign": False,
        },
    ],
    "urgent": [
        {"number": 1, "delay": timedelta(0), "notify": [{"target": "assignee", "channel": "sms"}], "reassign": False},
        {"number": 2, "delay": timedelta(minutes=15), "notify": [{"target": "lead", "channel": "voice"}], "reassign": True},
        {
            "number": 3,
            "delay": timedelta(minutes=30),
            "notify": [{"target": "managers", "channel": "sms"}, {"target": "managers", "channel": "email"}],
            "reassign": False,
        },
    ],
    "major": [
        {
            "number": 1,
            "delay": timedelta(0),
            "notify": [{"target": "assignee", "channel": "sms"}, {"target": "on_call", "channel": "voice"}],
            "reassign": False,
        },
        {"number": 2, "delay": timedelta(minutes=5), "notify": [{"target": "lead", "channel": "voice"}], "reassign": True},
        {
            "number": 3,
            "delay": timedelta(minutes=15),
            "notify": [{"target": "managers", "channel": "sms"}, {"target": "managers", "channel": "email"}],
            "reassign": False,
        },
    ],
}


def seed(apps, schema_editor):
    """Create the default escalation policy of each severity that has none."""
    EscalationPolicy = apps.get_model("escalation", "EscalationPolicy")
    PolicyStep = apps.get_model("escalation", "PolicyStep")
    for severity, steps in POLICIES.items():
        policy, created = EscalationPolicy.objects.get_or_create(
            severity=severity, defaults={"warning_at_fraction": WARNING_AT_FRACTION}
        )
        if created:
            for step in steps:
                PolicyStep.objects.create(policy=policy, **step)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0003_escalation_policies_alarms_notifications")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
