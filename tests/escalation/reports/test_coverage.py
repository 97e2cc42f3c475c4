"""Coverage of the roster: hours of the week, gaps in 24x7 coverage, DST weeks (pure), and the warning
before a roster change that opens a gap is saved (API and admin)."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.models import Engineer, Region
from escalation.reports.selectors.coverage import coverage_get
from escalation.roster import coverage
from escalation.roster.coverage import Interval, Member, describe_interval
from escalation.roster.shifts import Shift, is_on_shift
from tests.factories import make_engineer

pytestmark = pytest.mark.clock

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def member(label, zone, start, end, days=WEEKDAYS, on_call=False) -> Member:
    return Member(label, Shift(tz=zone, start=time(*start), end=time(*end), workdays=days), on_call)


DAYTIME_BERLIN = member("lena", BERLIN, (9,), (18,))
NIGHT_TOKYO = member("aiko", TOKYO, (22,), (6,), EVERY_DAY)  # crosses midnight


def test_a_night_shift_is_cut_to_the_period_and_found_from_the_day_before():
    # Aiko's Sunday night shift (22:00 JST = 13:00 UTC) runs into Monday; the period starts Monday 00:00 JST.
    found = coverage.shift_intervals(NIGHT_TOKYO.shift, utc(2025, 6, 15, 15), utc(2025, 6, 16, 15))
    assert found == [
        Interval(utc(2025, 6, 15, 15), utc(2025, 6, 15, 21)),
        Interval(utc(2025, 6, 16, 13), utc(2025, 6, 16, 15)),
    ]


def test_a_24_hour_shift_every_day_is_one_unbroken_interval():
    always = member("max", BERLIN, (0,), (0,), EVERY_DAY)
    assert coverage.shift_intervals(always.shift, utc(2025, 6, 16), utc(2025, 6, 23)) == [
        Interval(utc(2025, 6, 16), utc(2025, 6, 23))
    ]


def test_headcount_and_gaps_over_a_day():
    start, end = utc(2025, 6, 16), utc(2025, 6, 17)  # a Monday
    segments = coverage.headcount([DAYTIME_BERLIN, NIGHT_TOKYO], start, end)
    assert [(s.start.hour, s.end.hour if s.end.day == 16 else 24, s.on_shift) for s in segments] == [
        (0, 7, ()),  # aiko's Sunday night ended at 21:00 UTC Sunday; lena starts 07:00 UTC
        (7, 13, ("lena",)),
        (13, 16, ("aiko", "lena")),
        (16, 21, ("aiko",)),
        (21, 24, ()),
    ]
    assert coverage.gaps([DAYTIME_BERLIN, NIGHT_TOKYO], start, end) == [
        Interval(start, utc(2025, 6, 16, 7)),
        Interval(utc(2025, 6, 16, 21), end),
    ]
    on_call = member("omar", NEW_YORK, (9,), (17,), WEEKDAYS, on_call=True)
    assert coverage.gaps([DAYTIME_BERLIN, on_call], start, end) == []  # someone can always be paged


def test_a_change_opens_only_the_gap_time_that_was_not_there_before():
    start, end = utc(2025, 6, 16), utc(2025, 6, 17)
    # Lena 07:00-16:00 UTC, Aiko 13:00-21:00 UTC. Ending Lena's day at 13:00 UTC (15:00 CEST) opens nothing.
    shorter = member("lena", BERLIN, (9,), (15,))
    assert coverage.gaps_opened([DAYTIME_BERLIN, NIGHT_TOKYO], [shorter, NIGHT_TOKYO], start, end) == []
    shortest = member("lena", BERLIN, (9,), (10,))
    opened = coverage.gaps_opened([DAYTIME_BERLIN, NIGHT_TOKYO], [shortest, NIGHT_TOKYO], start, end)
    assert opened == [Interval(utc(2025, 6, 16, 8), utc(2025, 6, 16, 13))]
    assert coverage.gaps_opened([DAYTIME_BERLIN], [DAYTIME_BERLIN], start, end) == []


def test_subtracting_intervals():
    a = Interval(utc(2025, 1, 1, 0), utc(2025, 1, 1, 10))
    cuts = [
        Interval(utc(2025, 1, 1, 2), utc(2025, 1, 1, 3)),
        Interval(utc(2025, 1, 1, 9), utc(2025, 1, 1, 12)),
    ]
    assert coverage.subtract([a], cuts) == [
        Interval(utc(2025, 1, 1, 0), utc(2025, 1, 1, 2)),
        Interval(utc(2025, 1, 1, 3), utc(2025, 1, 1, 9)),
    ]
    assert coverage.subtract([a], [a]) == []


def test_the_week_grid_counts_each_local_hour():
    week = coverage.coverage_week([DAYTIME_BERLIN, NIGHT_TOKYO], BERLIN, date(2025, 6, 16))
    monday = dict(week.days)[date(2025, 6, 16)]
    # Aiko's Sunday night ends at 23:00 CEST Sunday and her Monday night starts at 15:00 CEST; Lena 09-18.
    assert [cell.fewest for cell in monday] == [0] * 9 + [1] * 6 + [2] * 3 + [1] * 5 + [0]
    nine = monday[9]
    assert (nine.state, nine.on_shift, nine.start, nine.end) == (
        "covered",
        ("lena",),
        utc(2025, 6, 16, 7),
        utc(2025, 6, 16, 8),
    )
    eight = monday[8]
    assert (eight.state, eight.gap, eight.on_shift) == ("gap", timedelta(hours=1), ())
    fifteen = monday[15]
    assert (fifteen.fewest, fifteen.most, fifteen.on_shift) == (2, 2, ("aiko", "lena"))
    assert week.gap_total == sum((g.duration for g in week.gaps), timedelta(0))


def test_a_spring_forward_hour_does_not_exist_and_a_fall_back_hour_lasts_two():
    everyone = [member("max", BERLIN, (0,), (0,), EVERY_DAY)]
    spring = dict(coverage.coverage_week(everyone, BERLIN, date(2025, 3, 24)).days)[date(2025, 3, 30)]
    assert (spring[2].exists, spring[2].state) == (False, "skipped")
    assert spring[1].end - spring[1].start == spring[3].end - spring[3].start == timedelta(hours=1)
    autumn = dict(coverage.coverage_week(everyone, BERLIN, date(2025, 10, 20)).days)[date(2025, 10, 26)]
    assert autumn[2].end - autumn[2].start == timedelta(hours=2)
    assert all(cell.state in ("covered", "skipped") for cell in spring + autumn)


@settings(max_examples=60, deadline=None)
@given(
    shifts=st.lists(
        st.tuples(
            st.sampled_from([BERLIN, TOKYO, NEW_YORK, ZoneInfo("Asia/Kolkata"), ZoneInfo("UTC")]),
            st.integers(0, 23),
            st.sampled_from([0, 30]),
            st.integers(0, 23),
            st.frozensets(st.integers(0, 6), min_size=1),
        ),
        min_size=1,
        max_size=4,
    ),
    start_day=st.dates(date(2025, 1, 1), date(2025, 12, 31)),
)
def test_headcount_agrees_with_is_on_shift_at_every_segment(shifts, start_day):
    members = [member(f"e{i}", zone, (h, m), (e,), days) for i, (zone, h, m, e, days) in enumerate(shifts)]
    start = datetime.combine(start_day, time(0), UTC)
    end = start + timedelta(days=3)
    segments = coverage.headcount(members, start, end)
    assert segments[0].start == start and segments[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
    for segment in segments:
        for instant in (segment.start, segment.end - timedelta(seconds=1)):
            expected = sorted(m.label for m in members if is_on_shift(m.shift, instant))
            assert list(segment.on_shift) == expected, (instant, segment)


@pytest.mark.parametrize(
    ("interval", "zone", "words"),
    [
        (Interval(utc(2025, 6, 16, 0), utc(2025, 6, 16, 4)), BERLIN, "Mon 16 Jun 02:00-06:00 CEST"),
        (
            Interval(utc(2025, 6, 21, 20), utc(2025, 6, 22, 4)),
            BERLIN,
            "Sat 21 Jun 22:00 CEST to Sun 22 Jun 06:00 CEST",
        ),
        (Interval(utc(2025, 6, 21, 22), utc(2025, 6, 22, 22)), BERLIN, "Sun 22 Jun 00:00-24:00 CEST"),
    ],
)
def test_gaps_in_words(interval, zone, words):
    assert describe_interval(interval, zone) == words


# --- the roster in the database ---------------------------------------------------------------------


@pytest.fixture
def roster(db):
    """A test roster with holes: Berlin and New York office hours on weekdays, nobody on call."""
    lena = make_engineer("lena", zone="Europe/Berlin", region=Region.EMEA, phone="+4930123456")
    maya = make_engineer("maya", zone="America/New_York", region=Region.AMERICAS)
    return lena, maya


@pytest.mark.django_db
def test_the_coverage_flags_the_gaps_the_roster_leaves(roster):
    found = coverage_get(zone=BERLIN, day=date(2025, 6, 18))
    assert found.local.monday == date(2025, 6, 16) and found.utc.monday == date(2025, 6, 16)
    # Weekdays: Berlin 09-18 CEST (07-16 UTC), New York 09-18 EDT (13-22 UTC); so 22:00-07:00 UTC is open.
    assert Interval(utc(2025, 6, 16, 22), utc(2025, 6, 17, 7)) in found.utc.gaps
    utc_monday = dict(found.utc.days)[date(2025, 6, 16)]
    assert [cell.hour for cell in utc_monday if cell.state == "gap"] == [0, 1, 2, 3, 4, 5, 6, 22, 23]
    berlin_saturday = dict(found.local.days)[date(2025, 6, 21)]
    assert {cell.state for cell in berlin_saturday} == {"gap"}
    assert found.on_call_without_phone == ()

    Engineer.objects.filter(user__username="maya").update(on_call=True)
    paged = coverage_get(zone=BERLIN, day=date(2025, 6, 18))
    assert paged.local.gaps == [] and paged.local.on_call == ("maya",)
    assert paged.on_call_without_phone == ("maya",)  # on call, but a page cannot reach her
    assert {cell.state for cell in dict(paged.local.days)[date(2025, 6, 21)]} == {"on_call"}


MONDAY_NOON = utc(2025, 6, 16, 12)


@pytest.mark.django_db
def test_the_api_refuses_a_change_that_opens_a_gap_until_it_is_confirmed(roster, as_manager, manager):
    make_engineer("omar", zone="Asia/Tokyo", region=Region.APAC, on_call=True, phone="+81312345678")
    make_engineer("nina", zone="Europe/Berlin", region=Region.EMEA)
    with time_machine.travel(MONDAY_NOON, tick=False):
        # With Omar on call nothing is a gap. Off call, Tokyo (00-09 UTC), Berlin (07-16 UTC) and New
        # York (13-22 UTC) leave weekday evenings from 22:00 UTC and the weekends to nobody.
        refused = as_manager.patch("/api/v1/engineers/omar/", {"on_call": False}, format="json")
        assert refused.status_code == 409, refused.content
        body = refused.json()
        assert body["detail"].startswith(
            "This change leaves nobody on shift and nobody on call to page for a 24x7 ticket during: "
            "Mon 16 Jun 22:00-24:00 UTC; Tue 17 Jun 22:00-24:00 UTC;"  # the manager has no zone: UTC
        )
        assert body["detail"].endswith('Send "confirm_coverage_gap": true to save it anyway.')
        assert body["coverage_gaps"][0] == {
            "start": "2025-06-16T22:00:00Z",
            "end": "2025-06-17T00:00:00Z",
            "minutes": 120.0,
            "text": "Mon 16 Jun 22:00-24:00 UTC",
        }
        assert body["coverage_gaps"][4]["text"] == "Fri 20 Jun 22:00 UTC to Mon 23 Jun 00:00 UTC"
        assert Engineer.objects.get(user__username="omar").on_call is True  # nothing saved

        # A change that opens nothing goes through: Nina duplicates Lena's hours.
        assert (
            as_manager.patch("/api/v1/engineers/nina/", {"active": False}, format="json").status_code == 200
        )
        confirmed = as_manager.patch(
            "/api/v1/engineers/omar/", {"on_call": False, "confirm_coverage_gap": True}, format="json"
        )
        assert confirmed.status_code == 200, confirmed.content
        assert "confirm_coverage_gap" not in confirmed.json()
        assert Engineer.objects.get(user__username="omar").on_call is False
        # Gaps already there are not the change's doing: an unrelated edit is not refused.
        assert as_manager.patch("/api/v1/engineers/lena/", {"capacity": 12}, format="json").status_code == 200
        # Shortening Lena's shift opens Berlin afternoons that Maya does not cover yet.
        late = as_manager.patch("/api/v1/engineers/lena/", {"shift_end": "12:00"}, format="json")
        assert late.status_code == 409
        assert [gap["text"] for gap in late.json()["coverage_gaps"]][:2] == [
            "Mon 16 Jun 12:00-13:00 UTC",
            "Tue 17 Jun 10:00-13:00 UTC",
        ]


@pytest.mark.django_db
def test_the_gaps_are_named_in_the_managers_zone(roster, as_manager, manager):
    Engineer.objects.create(user=manager, timezone=BERLIN, region=Region.EMEA, active=False)
    with time_machine.travel(MONDAY_NOON, tick=False):
        refused = as_manager.patch("/api/v1/engineers/maya/", {"active": False}, format="json")
    assert refused.status_code == 409
    # Without Maya nobody works 16:00-22:00 UTC, after Lena's day in Berlin.
    assert refused.json()["coverage_gaps"][0]["text"] == "Mon 16 Jun 18:00-24:00 CEST"


@pytest.mark.django_db
def test_the_admin_warns_before_deleting_an_engineer_whose_hours_nobody_else_covers(roster, admin_client):
    omar = make_engineer("omar", zone="Asia/Tokyo", region=Region.APAC, on_call=True, phone="+81312345678")
    lena = Engineer.objects.get(user__username="lena")
    with time_machine.travel(MONDAY_NOON, tick=False):
        warned = admin_client.get(f"/admin/escalation/engineer/{omar.pk}/delete/")
        # Lena's Berlin hours are covered by nobody else only while Omar is on call to page.
        unwarned = admin_client.get(f"/admin/escalation/engineer/{lena.pk}/delete/")
    assert warned.status_code == 200
    assert "Deleting this engineer leaves nobody on shift and nobody on call" in warned.content.decode()
    assert "during: Mon 16 Jun 22:00" in warned.content.decode()
    assert unwarned.status_code == 200
    assert "Deleting this engineer leaves nobody" not in unwarned.content.decode()
