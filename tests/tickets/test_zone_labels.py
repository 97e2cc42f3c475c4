"""Zones are named beside times by abbreviation or by place, never by a bare offset, and never twice."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.zone_labels import zone_abbreviation, zone_place, zone_words

JANUARY, JULY = datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "at", "abbreviation", "words"),
    [
        ("UTC", JANUARY, "UTC", "UTC"),
        ("Europe/Berlin", JANUARY, "CET", "CET (Europe/Berlin)"),
        ("Europe/Berlin", JULY, "CEST", "CEST (Europe/Berlin)"),
        ("America/New_York", JULY, "EDT", "EDT (America/New_York)"),
        ("Asia/Kolkata", JULY, "IST", "IST (Asia/Kolkata)"),
        ("America/Sao_Paulo", JULY, "Sao Paulo time", "Sao Paulo time (America/Sao_Paulo)"),
        ("Asia/Singapore", JULY, "Singapore time", "Singapore time (Asia/Singapore)"),
        ("Asia/Kathmandu", JULY, "Kathmandu time", "Kathmandu time (Asia/Kathmandu)"),
        ("America/Argentina/Salta", JULY, "Salta time", "Salta time (America/Argentina/Salta)"),
    ],
)  # fmt: skip
def test_zones_are_named_by_abbreviation_or_place(zone, at, abbreviation, words):
    local = at.astimezone(ZoneInfo(zone))
    assert zone_abbreviation(local) == abbreviation
    assert zone_words(local) == words


def test_a_place_is_the_last_part_of_the_zone_name():
    assert zone_place(ZoneInfo("America/Argentina/Buenos_Aires")) == "Buenos Aires"
    assert zone_place(ZoneInfo("UTC")) == "UTC"


ZONES = sorted(available_timezones() - {"Factory", "localtime"})


@given(
    zone=st.sampled_from(ZONES),
    at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
)
def test_no_zone_is_ever_named_by_a_bare_offset(zone, at):
    label = zone_abbreviation(at.astimezone(ZoneInfo(zone)))
    assert label and label[0].isalpha(), (zone, label)
    assert not zone_words(at.astimezone(ZoneInfo(zone))).endswith(f"({label})")
