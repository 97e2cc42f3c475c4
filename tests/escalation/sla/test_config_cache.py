"""The per-process cache of SLA targets and escalation policies (escalation/sla/config_cache.py): every
kind of write to the configuration is seen by the next filing, and filing reads the version once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Alarm, PolicyStep, SlaTarget
from escalation.sla import config_cache
from tests.factories import NOW
from tickets import services
from tickets.models import Plan, Severity

pytestmark = pytest.mark.django_db


def _file(email="noc@example.org"):
    return services.ticket_file(
        subject="Down", description="All of it", severity=Severity.MAJOR, email=email, now=NOW
    ).ticket


def _version_reads(queries) -> int:
    return sum(1 for q in queries if "escalation_config_version" in q["sql"])


def test_a_queryset_update_of_a_target_is_seen_by_the_next_filing():
    first = _file("a@example.org")
    SlaTarget.objects.filter(plan=Plan.STANDARD, severity=Severity.MAJOR).update(
        first_response=timedelta(minutes=5)
    )
    second = _file("b@example.org")
    assert first.first_response_due_at == NOW + timedelta(minutes=15)
    assert second.first_response_due_at == NOW + timedelta(minutes=5)


def test_a_raw_sql_edit_of_a_policy_step_is_seen_by_the_next_filing():
    before = Alarm.objects.filter(ticket=_file("a@example.org")).count()
    with connection.cursor() as cursor:  # no ORM, no signals: only the trigger can tell
        cursor.execute(
            "DELETE FROM escalation_policystep WHERE number = 3 AND policy_id IN "
            "(SELECT id FROM escalation_escalationpolicy WHERE severity = 'major')"
        )
    after = Alarm.objects.filter(ticket=_file("b@example.org")).count()
    assert before - after == 2  # step 3 of each of the two clocks


def test_every_configuration_table_bumps_the_version():
    target = SlaTarget.objects.select_related("calendar").first()
    writes = [
        lambda: SlaTarget.objects.filter(pk=target.pk).update(first_response=target.first_response),
        lambda: target.calendar.save(),
        lambda: target.calendar.holidays.create(date=NOW.date()),
        lambda: PolicyStep.objects.filter(number=1).update(reassign=False),
        lambda: PolicyStep.objects.first().policy.save(),
    ]
    for write in writes:
        before = config_cache.config_version()
        write()
        assert config_cache.config_version() != before


def test_filing_reads_the_version_once_for_its_target_and_its_policy():
    _file("warm@example.org")
    with CaptureQueriesContext(connection) as filing:
        _file("a@example.org")
    assert _version_reads(filing.captured_queries) == 1


def test_outside_one_version_each_read_checks_the_version():
    config_cache.cached("x", lambda: 1)
    with CaptureQueriesContext(connection) as reads:
        assert config_cache.cached("x", lambda: 2) == 1
        assert config_cache.cached("x", lambda: 3) == 1
        with config_cache.one_version():
            assert config_cache.cached("x", lambda: 4) == 1
            assert config_cache.cached("y", lambda: 5) == 5
        assert config_cache.cached("y", lambda: 6) == 5
    assert _version_reads(reads.captured_queries) == 4  # two, one for the block, one after it
