"""The promises Support Desk makes out of the box (DESIGN.md, "The numbers it promises").

Plain data and the get-or-create that restores what is missing without overwriting an edit, used by
`seed_demo` and by the tests' fixtures (the desk's queue also falls back on `WARNING_AT_FRACTION` for a
severity without a policy). The data migrations that seed a new database (0002 and 0004)
hold their own frozen copy of these values, so editing them here never rewrites history: a changed
default reaches existing databases through a new data migration (tests/escalation/test_migrations.py
checks the copies agree with this file).
"""

from datetime import time, timedelta

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


WARNING_AT_FRACTION = 0.8


def _steps(severity: str) -> list[dict]:
    major = severity == "major"
    first = [{"target": "assignee", "channel": "sms"}]
    if major:
        first.append({"target": "on_call", "channel": "voice"})
    return [
        {"number": 1, "delay": timedelta(0), "notify": first, "reassign": False},
        {
            "number": 2,
            "delay": timedelta(minutes=5 if major else 15),
            "notify": [{"target": "lead", "channel": "voice"}],
            "reassign": True,
        },
        {
            "number": 3,
            "delay": timedelta(minutes=15 if major else 30),
            "notify": [{"target": "managers", "channel": "sms"}, {"target": "managers", "channel": "email"}],
            "reassign": False,
        },
    ]


# severity -> ordered steps; the delay counts from the missed deadline
POLICIES = {severity: _steps(severity) for severity in ("general", "urgent", "major")}


def seed_policies(policy_model, step_model) -> None:
    """Create the default escalation policy of each severity that has none."""
    for severity, steps in POLICIES.items():
        policy, created = policy_model.objects.get_or_create(
            severity=severity, defaults={"warning_at_fraction": WARNING_AT_FRACTION}
        )
        if created:
            for step in steps:
                step_model.objects.create(policy=policy, **step)


def seed(calendar_model, target_model) -> None:
    """Create the default calendars and targets that are missing; never overwrite an edited one."""
    calendars = {}
    for spec in CALENDARS:
        fields = dict(spec)
        name = fields.pop("name")
        calendars[name], _ = calendar_model.objects.get_or_create(name=name, defaults=fields)
    for plan, severity, first_response, resolution, calendar in TARGETS:
        target_model.objects.get_or_create(
            plan=plan,
            severity=severity,
            defaults={
                "first_response": first_response,
                "resolution": resolution,
                "calendar": calendars[calendar],
            },
        )
