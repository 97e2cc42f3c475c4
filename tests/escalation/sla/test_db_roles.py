"""Least-privilege roles (issue 15, item 4): the runtime role runs the application, appends to the SLA
ledger, and cannot UPDATE, DELETE, TRUNCATE or ALTER the ledger (so cannot switch its triggers off)."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from escalation.management.commands.db_roles import db_roles_sql
from escalation.models import LedgerEntry, LedgerHead
from escalation.sla.services.ledger import ledger_verify
from tests.factories import NOW, UserFactory, make_ticket
from tickets import services
from tickets.models import Severity

pytestmark = pytest.mark.clock

MINUTE = timedelta(minutes=1)
DENIED = "permission denied for table"


def answer_ticket(engineer, i: int) -> None:
    ticket = make_ticket(severity=Severity.MAJOR, now=NOW + i * MINUTE)
    services.ticket_reply(ticket=ticket, author=engineer, body="On it", now=NOW + (i + 5) * MINUTE)


@pytest.fixture
def roles():
    """The roles, set up by the command in the test's transaction (roles and grants roll back with it)."""
    suffix = uuid.uuid4().hex[:8]
    owner, runtime = f"sd_owner_{suffix}", f"sd_app_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no pending deferred checks
    call_command("db_roles", "--owner", owner, "--runtime", runtime, "--execute", stdout=io.StringIO())
    return owner, runtime


@pytest.fixture
def runtime_role(roles):
    return roles[1]


@pytest.mark.django_db
def test_the_owner_role_owns_every_table_and_the_runtime_role_none(roles):
    owner, runtime = roles
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchall() == [(owner,)]
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = 'escalation_ledgerentry' ORDER BY 1",
            [runtime],
        )
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]


def refused(statement: str, *, as_role: str) -> str:
    """Run one statement as the role, in a savepoint; the database's error message."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {as_role}")
        cursor.execute(statement)
    return str(refusal.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "UPDATE escalation_ledgerentry SET met = NOT met",
            f"{DENIED} escalation_ledgerentry",
        ),
        ("DELETE FROM escalation_ledgerentry", f"{DENIED} escalation_ledgerentry"),
        ("TRUNCATE escalation_ledgerentry", f"{DENIED} escalation_ledgerentry"),
        ("TRUNCATE escalation_ledgerhead", f"{DENIED} escalation_ledgerhead"),
        ("DELETE FROM escalation_ledgerhead", f"{DENIED} escalation_ledgerhead"),
        ("ALTER TABLE escalation_ledgerentry DISABLE TRIGGER USER", "must be owner of table"),
        ("ALTER TABLE escalation_ledgerentry DISABLE TRIGGER ALL", "must be owner of table"),
        ("ALTER TABLE escalation_ledgerhead DISABLE TRIGGER USER", "must be owner of table"),
        ("ALTER TABLE escalation_ledgerentry ADD COLUMN note text", "must be owner of table"),
        ("DROP TRIGGER escalation_ledgerentry_append_only ON escalation_ledgerentry", "must be owner of"),
        ("SET session_replication_role = replica", "permission denied to set parameter"),
        ("TRUNCATE tickets_ticket CASCADE", f"{DENIED} tickets_ticket"),
    ],
)
def test_the_runtime_role_cannot_change_or_unguard_the_ledger(runtime_role, statement, message):
    answer_ticket(UserFactory(), 0)
    assert message in refused(statement, as_role=runtime_role)
    assert LedgerEntry.objects.count() == 1
    assert list(ledger_verify()) == []


@pytest.mark.django_db
def test_the_runtime_role_runs_the_application_and_appends_to_the_ledger(runtime_role):
    engineer = UserFactory()
    answer_ticket(engineer, 0)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {runtime_role}")
    try:
        answer_ticket(engineer, 1)  # filing, replying, the SLA clock and the ledger append, as the app
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime_role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert LedgerHead.objects.get(pk=1).seq == 2
    assert list(ledger_verify()) == []


def test_role_names_are_checked_before_any_sql():
    with pytest.raises(ValueError, match="lower-case"):
        db_roles_sql(owner="owner; DROP TABLE x", runtime="app", database="d")
    with pytest.raises(ValueError, match="must differ"):
        db_roles_sql(owner="same", runtime="same", database="d")


@pytest.mark.django_db
def test_the_command_prints_the_sql_for_psql(capsys):
    call_command("db_roles", "--owner", "sd_owner", "--runtime", "sd_app")
    out = capsys.readouterr().out
    assert "REVOKE UPDATE, DELETE ON escalation_ledgerentry FROM sd_app;" in out
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sd_app;" in out
    with pytest.raises(CommandError, match="lower-case"):
        call_command("db_roles", "--owner", "Bad-Name")
