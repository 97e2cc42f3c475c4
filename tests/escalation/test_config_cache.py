"""The SLA targets and escalation policies filing reads are cached per process (issue 13), and every way
of editing them is seen by the very next filing: the services, a plain ORM save or delete (the admin's
path), a queryset update, raw SQL."""

from datetime import date, time, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from escalation.paging.models import Alarm, EscalationPolicy
from escalation.sla.models import BusinessCalendar, Holiday, SlaTarget
from escalation.sla.services.targets import sla_target_update
from tests.factories import NOW, make_ticket
from tickets.models import Severity

pytestmark = pytest.mark.django_db

# NOW is Wednesday 11 June 2025, 10:00 UTC.


def file():
    return make_ticket(now=NOW, severity=Severity.URGENT)


def target_of(ticket) -> SlaTarget:
    return SlaTarget.objects.get(plan=ticket.plan, severity=ticket.severity)


def alarms_of(ticket) -> set[tuple]:
    return set(Alarm.objects.filter(ticket=ticket).values_list("metric", "step", "due_at"))


def test_a_target_edited_by_the_service_is_seen_by_the_next_filing():
    first = file()
    target = target_of(first)
    sla_target_update(target=target, first_response=target.first_response + timedelta(minutes=7))

    assert file().first_response_due_at == first.first_response_due_at + timedelta(minutes=7)


def test_a_target_saved_through_the_orm_as_the_admin_does_is_seen_by_the_next_filing():
    first = file()
    target = target_of(first)
    target.resolution += timedelta(hours=1)
    target.save()

    assert file().resolution_due_at == first.resolution_due_at + timedelta(hours=1)


def test_a_queryset_update_and_raw_sql_are_seen_by_the_next_filing():
    first = file()
    SlaTarget.objects.filter(pk=target_of(first).pk).update(first_response=timedelta(minutes=11))
    assert file().first_response_due_at == NOW + timedelta(minutes=11)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE escalation_slatarget SET first_response = interval '13 minutes' WHERE id = %s",
            [target_of(first).pk],
        )
    assert file().first_response_due_at == NOW + timedelta(minutes=13)


def test_calendar_and_holiday_edits_are_seen_by_the_next_filing():
    first = file()
    calendar = BusinessCalendar.objects.create(
        name="Office", kind=BusinessCalendar.Kind.BUSINESS, opens=time(9), closes=time(17), timezone="UTC"
    )
    target = target_of(first)
    target.first_response = timedelta(hours=1)
    target.calendar = calendar
    target.save()
    assert file().first_response_due_at == NOW + timedelta(hours=1)  # open 9-17: 11:00

    calendar.opens = time(10, 30)
    calendar.save()
    assert file().first_response_due_at == NOW.replace(hour=11, minute=30)  # opens at 10:30 now

    Holiday.objects.create(calendar=calendar, date=date(2025, 6, 11), name="Closed")
    assert file().first_response_due_at == NOW.replace(day=12, hour=11, minute=30)

    Holiday.objects.filter(calendar=calendar).delete()
    assert file().first_response_due_at == NOW.replace(hour=11, minute=30)


def test_policy_and_step_edits_are_seen_by_the_next_filing():
    first = file()
    policy = EscalationPolicy.objects.get(severity=Severity.URGENT)
    step = policy.steps.order_by("number").first()
    assert alarms_of(first)

    step.delay += timedelta(minutes=5)
    step.save()
    moved = alarms_of(file())
    assert (
        "first_response",
        step.number,
        first.first_response_due_at + step.delay,
    ) in moved

    policy.warning_at_fraction = "0.50"
    policy.save()
    half = NOW + (first.first_response_due_at - NOW) / 2
    assert ("first_response", 0, half) in alarms_of(file())

    policy.steps.all().delete()
    warning_only = {(metric, number) for metric, number, _ in alarms_of(file())}
    assert all(number == 0 for _, number in warning_only), warning_only

    EscalationPolicy.objects.filter(pk=policy.pk).delete()
    assert alarms_of(file()) == set()


def test_a_filing_without_edits_does_not_read_the_targets_or_policies_again():
    file()
    with CaptureQueriesContext(connection) as second:
        file()
    tables = " ".join(q["sql"] for q in second)
    for table in ("escalation_slatarget", "escalation_escalationpolicy", "escalation_policystep"):
        assert f'FROM "{table}"' not in tables, tables


class Abandoned(Exception):
    pass


def test_an_edit_rolled_back_is_not_seen_by_the_next_filing():
    first = file()
    target = target_of(first)
    with pytest.raises(Abandoned), transaction.atomic():
        sla_target_update(target=target, first_response=timedelta(minutes=3))
        assert file().first_response_due_at == NOW + timedelta(minutes=3)
        raise Abandoned

    assert file().first_response_due_at == first.first_response_due_at
