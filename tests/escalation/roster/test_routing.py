from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.roster.routing import Candidate, choose_engineer, handoff_reason, on_call, on_shift_leads
from escalation.roster.shifts import Shift, is_on_shift

pytestmark = pytest.mark.clock

WEEKDAYS = frozenset(range(5))


def engineer(pk, zone, start=time(9), end=time(18), *, load=0, capacity=10, last=None, active=True, **kw):
    shift = Shift(tz=ZoneInfo(zone), start=start, end=end, workdays=kw.pop("workdays", WEEKDAYS))
    return Candidate(pk, 100 + pk, shift, capacity, load, last, active, **kw)


TEAM = [
    engineer(1, "Asia/Tokyo"),
    engineer(2, "Asia/Singapore"),
    engineer(3, "Europe/London"),
    engineer(4, "Europe/Berlin"),
    engineer(5, "America/New_York"),
    engineer(6, "America/Sao_Paulo"),
]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Wednesday 02:00 UTC: 11:00 in Tokyo, 10:00 in Singapore; Tokyo wins the tie on id.
        (datetime(2025, 6, 11, 2, 0, tzinfo=UTC), 1),
        # 09:30 UTC: Tokyo 18:30 (off), Singapore 17:30, London 10:30, Berlin 11:30.
        (datetime(2025, 6, 11, 9, 30, tzinfo=UTC), 2),
        # 17:30 UTC: London 18:30 (off), Berlin 19:30 (off), New York 13:30, Sao Paulo 14:30.
        (datetime(2025, 6, 11, 17, 30, tzinfo=UTC), 5),
        # 23:30 UTC: New York 19:30 and Sao Paulo 20:30 are off; Tokyo opens at 00:00 UTC.
        (datetime(2025, 6, 11, 23, 30, tzinfo=UTC), None),
        # Saturday: nobody works.
        (datetime(2025, 6, 14, 12, 0, tzinfo=UTC), None),
    ],
)
def test_follow_the_sun(now, expected):
    choice = choose_engineer(TEAM, now)
    assert (choice.engineer_id if choice else None) == expected


def test_least_open_work_wins_then_least_recently_assigned():
    now = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)  # London 11:00, Berlin 12:00
    long_ago, recently = now - timedelta(hours=5), now - timedelta(minutes=5)
    team = [
        engineer(3, "Europe/London", load=2, last=long_ago),
        engineer(4, "Europe/Berlin", load=1, last=recently),
        engineer(7, "Europe/Berlin", load=1, last=long_ago),
    ]
    assert choose_engineer(team, now).engineer_id == 7
    never = engineer(8, "Europe/Berlin", load=1, last=None)
    assert choose_engineer([*team, never], now).engineer_id == 8


def test_full_inactive_and_excluded_engineers_are_skipped():
    now = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)
    team = [
        engineer(3, "Europe/London", load=10, capacity=10),
        engineer(4, "Europe/Berlin", active=False),
        engineer(7, "Europe/Berlin"),
    ]
    assert choose_engineer(team, now).engineer_id == 7
    assert choose_engineer(team, now, exclude_user_ids=[107]) is None


def test_a_night_shift_crossing_midnight_counts_in_the_engineers_zone():
    night = engineer(9, "America/New_York", time(22), time(6))
    # Friday 23:00 New York (Saturday 03:00 UTC): the shift started on a workday.
    assert choose_engineer([night], datetime(2025, 6, 14, 3, 0, tzinfo=UTC)).engineer_id == 9
    # Saturday 23:00 New York: Saturday is not a workday.
    assert choose_engineer([night], datetime(2025, 6, 15, 3, 0, tzinfo=UTC)) is None
    # The night the clocks go back (Saturday 2025-11-01 22:00 EDT to Sunday 06:00 EST, nine real hours),
    # for an engineer who works every night: 05:30 EST is still inside the shift, 06:30 is not.
    every_night = engineer(9, "America/New_York", time(22), time(6), workdays=frozenset(range(7)))
    assert choose_engineer([every_night], datetime(2025, 11, 2, 10, 30, tzinfo=UTC)).engineer_id == 9
    assert choose_engineer([every_night], datetime(2025, 11, 2, 11, 30, tzinfo=UTC)) is None


def test_leads_and_on_call():
    now = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)
    team = [
        engineer(3, "Europe/London", lead=True),
        engineer(5, "America/New_York", lead=True),
        engineer(6, "America/Sao_Paulo", on_call=True),
        engineer(10, "Asia/Tokyo", on_call=True, active=False),
    ]
    assert [c.engineer_id for c in on_shift_leads(team, now)] == [3]
    assert [c.engineer_id for c in on_call(team)] == [6]


zones = st.sampled_from(
    ["Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "America/New_York", "Australia/Adelaide"]
)
hours = st.integers(0, 23).map(lambda h: time(h))
candidates = st.builds(
    lambda pk, zone, start, end, load, cap, minutes: engineer(
        pk, zone, start, end, load=load, capacity=cap,
        last=None if minutes is None else datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    ),
    st.integers(1, 10_000), zones, hours, hours, st.integers(0, 12), st.integers(1, 12),
    st.none() | st.integers(0, 500_000),
)  # fmt: skip
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=500, deadline=None)
@given(st.lists(candidates, max_size=8, unique_by=lambda c: c.engineer_id), instants)
def test_the_choice_is_on_shift_with_room_and_has_the_least_work(team, now):
    choice = choose_engineer(team, now)
    eligible = [c for c in team if is_on_shift(c.shift, now) and c.open_tickets < c.capacity]
    if not eligible:
        assert choice is None
        return
    assert choice in eligible
    assert choice.open_tickets == min(c.open_tickets for c in eligible)
    assert choose_engineer(list(reversed(team)), now) == choice  # order of the roster does not matter


BERLIN_DAY = Shift(ZoneInfo("Europe/Berlin"), time(9), time(18), frozenset(range(5)))


@pytest.mark.parametrize(
    ("active", "assigned_at", "now", "expected"),
    [
        # Wednesday 2025-06-11: Berlin 09:00-18:00 CEST is 07:00-16:00 UTC.
        pytest.param(True, datetime(2025, 6, 11, 6, tzinfo=UTC), datetime(2025, 6, 11, 6, 1, tzinfo=UTC),
                     "not on shift", id="before-the-shift"),
        pytest.param(True, datetime(2025, 6, 11, 8, tzinfo=UTC), datetime(2025, 6, 11, 16, tzinfo=UTC),
                     "shift ended", id="at-its-end"),
        pytest.param(True, datetime(2025, 6, 11, 6, tzinfo=UTC), datetime(2025, 6, 11, 16, 1, tzinfo=UTC),
                     "shift ended", id="held-through-the-shift"),
        pytest.param(True, datetime(2025, 6, 11, 16, tzinfo=UTC), datetime(2025, 6, 11, 17, tzinfo=UTC),
                     "not on shift", id="assigned-as-it-ended"),
        pytest.param(True, None, datetime(2025, 6, 11, 17, tzinfo=UTC), "shift ended", id="unknown-start"),
        pytest.param(False, datetime(2025, 6, 11, 8, tzinfo=UTC), datetime(2025, 6, 11, 9, tzinfo=UTC),
                     "deactivated", id="deactivated"),
    ],
)  # fmt: skip
def test_handoff_reason(active, assigned_at, now, expected):
    assert handoff_reason(shift=BERLIN_DAY, active=active, assigned_at=assigned_at, now=now) == expected
