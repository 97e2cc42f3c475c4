"""Naming zones and spans for pages: abbreviations where a zone has one, the city where it has a number."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.zones import clock_words, span_words, zone_label

WINTER = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2025, 7, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "instant", "label"),
    [
        ("Europe/Berlin", WINTER, "CET"),
        ("Europe/Berlin", SUMMER, "CEST"),
        ("America/New_York", WINTER, "EST"),
        ("Asia/Tokyo", SUMMER, "JST"),
        ("UTC", SUMMER, "UTC"),
        ("America/Sao_Paulo", WINTER, "Sao Paulo time"),  # its abbreviation is "-03"
        ("Asia/Singapore", SUMMER, "Singapore time"),  # "+08"
        ("America/Argentina/Buenos_Aires", SUMMER, "Buenos Aires time"),
    ],
)
def test_a_zone_is_named_never_by_a_bare_offset(zone, instant, label):
    assert zone_label(instant, ZoneInfo(zone)) == label


def test_clock_words_add_the_day_when_it_is_not_today_there():
    berlin = ZoneInfo("Europe/Berlin")
    assert clock_words(WINTER, berlin, today=WINTER) == "13:00 CET"
    assert clock_words(WINTER + timedelta(seconds=26), berlin, today=WINTER) == "13:00:26 CET"
    assert clock_words(WINTER + timedelta(days=1), berlin, today=WINTER) == "Thu 16 Jan 13:00 CET"
    # 23:30 UTC on the 15th is already the 16th in Tokyo
    late = datetime(2025, 1, 15, 23, 30, tzinfo=UTC)
    assert clock_words(late, ZoneInfo("Asia/Tokyo"), today=WINTER) == "Thu 16 Jan 08:30 JST"


@pytest.mark.parametrize(
    ("span", "short", "spoken"),
    [
        (timedelta(seconds=10), "less than a minute", "less than a minute"),
        (timedelta(minutes=2, seconds=59, milliseconds=700), "3 min", "3 minutes"),
        (timedelta(minutes=1), "1 min", "1 minute"),
        (timedelta(hours=2, minutes=5), "2 h 5 min", "2 hours 5 minutes"),
        (timedelta(days=1, hours=3, minutes=7), "1 d 3 h", "1 day 3 hours"),
        (-timedelta(minutes=15), "15 min", "15 minutes"),
    ],
)
def test_span_words(span, short, spoken):
    assert span_words(span) == short
    assert span_words(span, spoken=True) == spoken
