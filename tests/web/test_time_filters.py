"""The queue's time filters print what Django's `timezone` + `date` filters print, in any zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

pytestmark = pytest.mark.clock

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham"]
INSTANTS = [
    datetime(2025, 3, 30, 0, 59, tzinfo=UTC),  # Berlin springs forward at 01:00 UTC
    datetime(2025, 3, 30, 1, 0, tzinfo=UTC),
    datetime(2025, 11, 2, 5, 59, 59, tzinfo=UTC),  # New York falls back at 06:00 UTC
    datetime(2025, 11, 2, 6, 0, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 7, 4, 23, 30, tzinfo=UTC) + timedelta(microseconds=123456),
]

DJANGO = Template(
    "{% load tz %}"
    '{{ at|timezone:zone|date:"D H:i T" }}|{{ at|timezone:zone|date:"D j M, H:i T" }}|'
    '{{ at|timezone:zone|date:"H:i" }}|{{ at|timezone:zone|date:"T" }}|{{ at|date:"c" }}'
)
OURS = Template(
    "{% load desk_time %}"
    "{{ at|local_time:zone }}|{{ at|local_stamp:zone }}|{{ at|clock_time:zone }}|"
    "{{ at|zone_abbreviation:zone }}|{{ at.isoformat }}"
)


# Django's `T` prints nothing for a wall time that occurs twice; ours names the offset in force.
AMBIGUOUS = {
    ("America/New_York", datetime(2025, 11, 2, 5, 59, 59, tzinfo=UTC)): "EDT",  # 01:59:59, the first time
    ("America/New_York", datetime(2025, 11, 2, 6, 0, tzinfo=UTC)): "EST",  # 01:00, the second time
}


# Where `T` prints a bare offset, ours names the zone by its place.
PLACES = {"Asia/Kathmandu": "Kathmandu time", "Pacific/Chatham": "Chatham time"}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("at", INSTANTS, ids=lambda at: at.isoformat())
def test_the_fast_filters_print_what_the_date_filter_prints(zone, at):
    context = Context({"at": at, "zone": ZoneInfo(zone)})
    expected = DJANGO.render(context)
    if abbreviation := AMBIGUOUS.get((zone, at)):
        expected = expected.replace(" |", f" {abbreviation}|").replace("||", f"|{abbreviation}|")
    if zone in PLACES:
        offset = at.astimezone(ZoneInfo(zone)).tzname()
        expected = expected.replace(offset, PLACES[zone])
    assert OURS.render(context) == expected


@pytest.mark.parametrize("zone", ["America/Sao_Paulo", "Asia/Singapore", "Asia/Dubai"])
def test_no_filter_prints_a_bare_offset_for_a_zone(zone):
    context = Context({"at": INSTANTS[-1], "zone": ZoneInfo(zone)})
    rendered = OURS.render(context)
    assert " -0" not in rendered and " +0" not in rendered
    place = zone.split("/")[-1].replace("_", " ")
    assert rendered.count(f"{place} time") == 3  # local_time, local_stamp and zone_abbreviation


def test_nothing_prints_for_no_time():
    context = Context({"at": None, "zone": ZoneInfo("UTC")})
    assert OURS.render(context) == "||||"
