"""How a timezone is named next to a time, for people: `14:05 CET`, `10:00 Sao Paulo time`.

Pure: no ORM, no clock. The IANA database gives many zones no abbreviation, only an offset such as
`-03` or `+0545`; an offset beside a time reads as arithmetic, so those zones are named by their
place instead. A zone whose abbreviation is its whole name (`UTC`) is not named twice.
"""

from datetime import datetime, tzinfo


def zone_key(zone: tzinfo) -> str:
    """`America/Sao_Paulo`: the IANA name, or what the zone calls itself when it has none."""
    return getattr(zone, "key", None) or str(zone)


def zone_place(zone: tzinfo) -> str:
    """`Sao Paulo` for America/Sao_Paulo, `Buenos Aires` for America/Argentina/Buenos_Aires."""
    return zone_key(zone).rsplit("/", 1)[-1].replace("_", " ")


def zone_abbreviation(local: datetime) -> str:
    """The zone's name at the aware datetime `local`: its abbreviation (`CEST`, `EST`, `IST`, `UTC`)
    where it has one, else `<place> time` (`Sao Paulo time`, `Kathmandu time`)."""
    name = local.tzname() or ""
    if name[:1].isalpha():
        return name
    return f"{zone_place(local.tzinfo)} time"


def zone_words(local: datetime) -> str:
    """The abbreviation with the IANA name for a reader who wants to be sure: `WEST (Europe/Lisbon)`,
    `Sao Paulo time (America/Sao_Paulo)`; just `UTC` when the two are the same."""
    abbreviation, key = zone_abbreviation(local), zone_key(local.tzinfo)
    return abbreviation if abbreviation == key else f"{abbreviation} ({key})"
