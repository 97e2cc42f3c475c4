from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.paging.schedule import RunningClock, Step, plan_alarms, warning_offset
from escalation.sla.business_time import Calendar, elapsed

pytestmark = pytest.mark.clock

UTC_24X7 = Calendar.around_the_clock(ZoneInfo("UTC"))
STEPS = [Step(1, timedelta(0)), Step(2, timedelta(minutes=15)), Step(3, timedelta(minutes=30))]
START = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)


def first_response(target=timedelta(hours=1), start=START, calendar=UTC_24X7, due=None):
    from escalation.sla.business_time import deadline

    due = due or deadline(start, target, calendar)
    return RunningClock("first_response", 1, start, target, timedelta(0), due)


def test_warning_at_eighty_percent_then_steps_after_the_deadline():
    alarms = plan_alarms([first_response()], STEPS, Decimal("0.80"), UTC_24X7)
    assert [(a.step, a.due_at - START) for a in alarms] == [
        (0, timedelta(minutes=48)),
        (1, timedelta(hours=1)),
        (2, timedelta(hours=1, minutes=15)),
        (3, timedelta(hours=1, minutes=30)),
    ]


def test_the_warning_counts_business_time_and_the_steps_elapsed_time():
    berlin = Calendar.business_hours(ZoneInfo("Europe/Berlin"))
    friday_5pm = datetime(2025, 6, 13, 15, 0, tzinfo=UTC)  # 17:00 CEST
    clock = first_response(timedelta(hours=4), friday_5pm, berlin)
    alarms = plan_alarms([clock], STEPS, Decimal("0.80"), berlin)
    warning, step1, step2, _ = alarms
    # 3h12m of business time: 1 h on Friday, 2h12m on Monday from 09:00 CEST.
    assert warning.due_at == datetime(2025, 6, 16, 9, 12, tzinfo=UTC)
    assert step1.due_at == datetime(2025, 6, 16, 10, 0, tzinfo=UTC)
    assert step2.due_at == step1.due_at + timedelta(minutes=15)


def test_a_paused_resolution_cycle_warns_later():
    clock = RunningClock(
        "resolution", 2, START, timedelta(hours=8), timedelta(hours=2), START + timedelta(hours=10)
    )
    warning = plan_alarms([clock], [], Decimal("0.5"), UTC_24X7)[0]
    assert (warning.metric, warning.cycle, warning.step) == ("resolution", 2, 0)
    assert warning.due_at == START + timedelta(hours=6)


def test_no_running_clock_no_alarms():
    assert plan_alarms([], STEPS, Decimal("0.8"), UTC_24X7) == []


@settings(max_examples=300, deadline=None)
@given(
    st.integers(60, 40 * 3600).map(lambda s: timedelta(seconds=s)),
    st.decimals(min_value=Decimal("0.05"), max_value=Decimal("0.99"), places=2),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kathmandu", "UTC"]),
)
def test_the_warning_lands_at_its_fraction_of_business_time_before_the_deadline(
    target, fraction, start, zone
):
    calendar = Calendar.business_hours(ZoneInfo(zone))
    clock = first_response(target, start, calendar)
    alarms = plan_alarms([clock], STEPS, fraction, calendar)
    warning = alarms[0]
    assert warning.step == 0
    assert elapsed(start, warning.due_at, calendar) == warning_offset(target, fraction)
    assert warning.due_at < clock.due_at
    assert [a.step for a in alarms] == [0, 1, 2, 3]
    assert alarms == sorted(alarms)
