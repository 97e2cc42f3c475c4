"""Migrations are history: each carries its own copy of what it writes, so editing code never rewrites it.

The data migrations seed a new database with the defaults of their day, as constants in the migration
file; `escalation/defaults.py` holds today's defaults for `seed_demo` and the tests. They agree today.
When a default changes, a new data migration carries the new value to existing databases, and the
comparison below moves to that migration.
"""

import ast
import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps

from escalation.models import BusinessCalendar, EscalationPolicy, PolicyStep, SlaTarget
from escalation.roster.services.engineers import MANAGERS_GROUP
from escalation.sla import defaults

ROOT = Path(__file__).resolve().parents[2]
OUR_PACKAGES = {"support_desk", "tickets", "escalation"}
THIRD_PARTY_FIELDS = {"django", "timezone_field", "phonenumber_field"}
SEED_TARGETS = import_module("escalation.migrations.0002_seed_defaults_and_ledger_guard")
SEED_POLICIES = import_module("escalation.migrations.0004_seed_policies")
MANAGERS_LOSE_AUTH = import_module("escalation.migrations.0005_managers_lose_auth_permissions")


def migration_files() -> list[Path]:
    files = sorted(path for package in OUR_PACKAGES for path in (ROOT / package).rglob("migrations/0*.py"))
    assert len(files) >= 14  # the walk found them
    return files


def imported_modules(tree: ast.Module) -> set[str]:
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import reaches into the app"
            modules.add(node.module)
    return modules


def runs_code(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.Attribute) and node.attr == "RunPython" for node in ast.walk(tree))


@pytest.mark.parametrize("path", migration_files(), ids=lambda path: f"{path.parent.parent.name}/{path.stem}")
def test_a_migration_imports_nothing_of_ours_but_the_callables_django_serialized(path):
    """Django, the standard library and third-party field classes only. The one exception is the
    `import <app>.models` that `makemigrations` writes for a field's callable default, validator or
    `upload_to` (those must stay importable by that name); a migration that runs code imports nothing
    of ours, not even pure modules, and holds the values it writes."""
    tree = ast.parse(path.read_text())
    modules = imported_modules(tree)
    ours = {module for module in modules if module.split(".")[0] in OUR_PACKAGES}
    allowed_ours = set() if runs_code(tree) else {f"{app}.models" for app in OUR_PACKAGES}
    assert ours <= allowed_ours
    others = {module.split(".")[0] for module in modules - ours}
    assert others <= sys.stdlib_module_names | THIRD_PARTY_FIELDS


def test_the_frozen_seed_values_are_todays_defaults():
    assert SEED_TARGETS.CALENDARS == defaults.CALENDARS
    assert SEED_TARGETS.TARGETS == defaults.TARGETS
    assert SEED_POLICIES.POLICIES == defaults.POLICIES
    assert SEED_POLICIES.WARNING_AT_FRACTION == defaults.WARNING_AT_FRACTION
    assert MANAGERS_LOSE_AUTH.MANAGERS_GROUP == MANAGERS_GROUP


def seeded_rows() -> dict:
    return {
        "calendars": list(
            BusinessCalendar.objects.order_by("name").values("name", "kind", "opens", "closes", "workdays")
        ),
        "targets": list(
            SlaTarget.objects.order_by("plan", "severity").values(
                "plan", "severity", "first_response", "resolution", "calendar__name"
            )
        ),
        "policies": list(
            EscalationPolicy.objects.order_by("severity").values("severity", "warning_at_fraction")
        ),
        "steps": list(
            PolicyStep.objects.order_by("policy__severity", "number").values(
                "policy__severity", "number", "delay", "notify", "reassign"
            )
        ),
    }


def forget_the_seed() -> None:
    PolicyStep.objects.all().delete()
    EscalationPolicy.objects.all().delete()
    SlaTarget.objects.all().delete()
    BusinessCalendar.objects.all().delete()


@pytest.mark.django_db
def test_the_migrations_seed_the_rows_that_defaults_seed():
    forget_the_seed()
    SEED_TARGETS.seed(apps, None)
    SEED_POLICIES.seed(apps, None)
    by_migrations = seeded_rows()
    forget_the_seed()
    defaults.seed(BusinessCalendar, SlaTarget)
    defaults.seed_policies(EscalationPolicy, PolicyStep)
    assert seeded_rows() == by_migrations
    assert (len(by_migrations["targets"]), len(by_migrations["steps"])) == (6, 9)


def test_every_migration_applies_to_a_fresh_sqlite_database_as_make_run_uses_without_database_url(tmp_path):
    """`make run` without DATABASE_URL runs on SQLite: PostgreSQL-only SQL must be skipped there."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "1"}
    env.pop("SUPPORT_DESK_TEST_NOW", None)
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    # and alerts become incidents there too (the ingestion's advisory locks are PostgreSQL's only)
    ingest = (
        "from django.utils import timezone\n"
        "from escalation.incidents.formats import event_read\n"
        "from escalation.incidents.services.ingest import alerts_ingest\n"
        "from escalation.incidents.services.integrations import integration_create\n"
        "integration, _ = integration_create(name='prometheus', kind='events_v2')\n"
        "event = {'event_action': 'trigger', 'dedup_key': 'sp-down',\n"
        "         'payload': {'summary': 'Sao Paulo edge down', 'source': 'sp1', 'severity': 'critical'}}\n"
        "alert, errors = event_read(event, customer_label='customer', new_dedup_key=lambda: 'x')\n"
        "assert not errors, errors\n"
        "print(alerts_ingest(integration=integration, alerts=[alert], now=timezone.now()).opened)\n"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ingest],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "1"  # one incident opened
