"""Serializer fields for the API's value types: instants, durations, clock times, timezones, references."""

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from django.utils.duration import duration_string
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Ticket

# Instants outside this range are refused: calendars, shifts and holidays are not defined that far
# out, and date arithmetic near the limits of `datetime` overflows.
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2200, 1, 1, tzinfo=UTC)
LONGEST_TARGET = timedelta(days=365)

# Durations are whole seconds everywhere: `HH:MM:SS`, or `D HH:MM:SS` past a day (Django's
# `duration_string`), rounded to the nearest second when shown. What the API answers:
DURATION_PATTERN = r"^(\d+ )?\d{2}:[0-5]\d:[0-5]\d$"
# What it accepts for a target: at least 1 second, at most 365 days; with days, hours 0-23. Written out
# without lookaheads so that any JSON Schema tool (and schemathesis) can generate and check it.
_NONZERO_CLOCK = (
    r"(?:(?:0?[1-9]|[1-9]\d):[0-5]\d:[0-5]\d"  # some hours
    r"|0{1,2}:(?:0[1-9]|[1-5]\d):[0-5]\d"  # no hours, some minutes
    r"|0{1,2}:00:(?:0[1-9]|[1-5]\d))"  # seconds only
)
_DAYS_1_TO_364 = r"(?:0{0,2}[1-9]|0?[1-9]\d|[12]\d\d|3[0-5]\d|36[0-4])"
TARGET_DURATION_PATTERN = (
    rf"^(?:(?:0{{1,3}} )?{_NONZERO_CLOCK}"  # under a day (0 days written or not)
    rf"|{_DAYS_1_TO_364} (?:[01]?\d|2[0-3]):[0-5]\d:[0-5]\d"  # 1 to 364 days and hours 0-23
    r"|365 0{1,2}:00:00)$"  # 365 days exactly
)
# Instants and days are between 1970 and 2200 (EARLIEST_INSTANT, LATEST_INSTANT): the year says it.
YEAR_PATTERN = r"^(?:19[7-9]\d|2[01]\d\d)-"
MONTH_PATTERN = r"^(?:19[7-9]\d|2[01]\d\d)-(?:0[1-9]|1[0-2])$"
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"


@extend_schema_field({"type": "string", "format": "date-time", "pattern": YEAR_PATTERN})
class InstantField(serializers.DateTimeField):
    """An ISO 8601 instant; without an offset it is read as UTC. Between 1970 and 2200."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date and time, e.g. 2025-06-11T10:00:00+02:00.",
        "out_of_range": "Enter a time between 1970 and 2200.",
    }

    def to_internal_value(self, value):
        try:
            instant = super().to_internal_value(value)
            if not EARLIEST_INSTANT <= instant < LATEST_INSTANT:
                self.fail("out_of_range")
        except (OverflowError, OSError):
            self.fail("out_of_range")
        return instant


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "date", "pattern": YEAR_PATTERN},
            {"type": "string", "format": "date-time", "pattern": YEAR_PATTERN},
        ],
        "example": "2025-06-01",
    }
)
class PeriodBoundField(serializers.Field):
    """A day (`YYYY-MM-DD`, read in the report's timezone) or an ISO 8601 instant, between 1970 and 2200."""

    default_error_messages = {
        "invalid": "Enter a day (2025-06-01) or an ISO 8601 date and time (2025-06-01T09:00:00+02:00).",
        "out_of_range": "Enter a time between 1970 and 2200.",
    }

    def to_internal_value(self, data) -> date | datetime:
        if isinstance(data, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", data):
            try:
                day = date.fromisoformat(data)
            except ValueError:
                self.fail("invalid")
            if not EARLIEST_INSTANT.date() <= day < LATEST_INSTANT.date():
                self.fail("out_of_range")
            return day
        try:
            return InstantField().to_internal_value(data)
        except serializers.ValidationError as refused:
            codes = {getattr(detail, "code", None) for detail in refused.detail}
            self.fail("out_of_range" if "out_of_range" in codes else "invalid")


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2025-06"})
class MonthField(serializers.Field):
    """A calendar month written `YYYY-MM`, read as its first day."""

    default_error_messages = {"invalid": "Write a month as YYYY-MM, e.g. 2025-06."}

    def to_internal_value(self, data) -> date:
        match = isinstance(data, str) and re.fullmatch(r"(\d{4})-(\d{2})", data)
        if not match or not 1 <= int(match.group(2)) <= 12 or not 1970 <= int(match.group(1)) < 2200:
            self.fail("invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)

    def to_representation(self, value: date) -> str:
        return f"{value:%Y-%m}"


@extend_schema_field(
    {
        "type": "string",
        "pattern": DURATION_PATTERN,
        "example": "04:00:00",
        "description": "Whole seconds: `HH:MM:SS`, or `D HH:MM:SS` from one day on (rounded to the second).",
    }
)
class DurationField(serializers.Field):
    """A duration shown as `HH:MM:SS`, or `D HH:MM:SS` with whole days, rounded to the second.

    As input (SLA targets: `TargetDurationField`), between 1 second and 365 days."""

    default_error_messages = {
        "invalid": "Write a duration as HH:MM:SS or D HH:MM:SS, e.g. 04:00:00 or 1 00:00:00.",
        "too_short": "A duration must be at least one second.",
        "too_long": "A duration may be at most 365 days.",
    }

    def to_internal_value(self, data):
        match = isinstance(data, str) and re.fullmatch(r"(?:(\d{1,3}) )?(\d{1,2}):([0-5]\d):([0-5]\d)", data)
        if not match:
            self.fail("invalid")
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if duration < timedelta(seconds=1):
            self.fail("too_short")
        if duration > LONGEST_TARGET:
            self.fail("too_long")
        return duration

    def to_representation(self, value: timedelta) -> str:
        # Whole seconds, half up: the ledger measures elapsed business time to the microsecond.
        # Never negative: every duration the API shows is a length of time (a target, elapsed, paused,
        # overshoot or lateness), and the schema's pattern has no sign.
        return duration_string(timedelta(seconds=max(int(value.total_seconds() + 0.5), 0)))


@extend_schema_field(
    {
        "type": "string",
        "pattern": TARGET_DURATION_PATTERN,
        "example": "04:00:00",
        "description": "Whole seconds, from 00:00:01 to 365 00:00:00: `HH:MM:SS` (hours up to 99), or "
        "`D HH:MM:SS` with hours 0-23.",
    }
)
class TargetDurationField(DurationField):
    """A target as a client writes it; the pattern the schema states is the whole rule."""

    default_error_messages = {
        "hours_with_days": "With days, write hours 0-23: 3 00:00:00 rather than 1 48:00:00.",
    }

    def to_internal_value(self, data):
        duration = super().to_internal_value(data)
        if not re.fullmatch(TARGET_DURATION_PATTERN, data):
            self.fail("hours_with_days")  # the only form the base field reads that the pattern does not
        return duration


@extend_schema_field({"type": "string", "pattern": CLOCK_PATTERN, "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A local wall-clock time written `HH:MM`."""

    default_error_messages = {"invalid": "Write a time of day as HH:MM, e.g. 09:00 or 22:30."}

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(CLOCK_PATTERN, value):
            self.fail("invalid")
        return super().to_internal_value(value)


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# The shape of an IANA zone name. Which names exist is the server's tz database (it changes with tzdata
# releases), so the schema states the shape and the description the rule, not an enum of ~600 names (as
# an enum, schemathesis's coverage phase sent every one of them to every operation that takes a zone).
TIME_ZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": TIME_ZONE_PATTERN,
        "example": "Europe/Berlin",
        "description": "An IANA timezone name this server's tz database knows (an unknown one is a 400).",
    }
)
class TimeZoneField(serializers.Field):
    """An IANA timezone name such as `Europe/Berlin`; read as a ZoneInfo."""

    default_error_messages = {
        "invalid": "Unknown timezone {value!r}; use an IANA name such as Europe/Berlin."
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in timezone_names():
            self.fail("invalid", value=str(data)[:100])
        return zoneinfo.ZoneInfo(data)

    def to_representation(self, value) -> str:
        return getattr(value, "key", None) or str(value)


@extend_schema_field({"type": "string", "pattern": r"^SD-\d+$", "example": "SD-1042"})
class TicketReferenceField(serializers.Field):
    """A ticket reference such as `SD-1042`, read as the primary key it names."""

    default_error_messages = {"invalid": "Not a ticket reference; write it like SD-1042."}

    def to_internal_value(self, data) -> int:
        pk = Ticket.pk_from_reference(data) if isinstance(data, str) else None
        if pk is None or pk > 2**63 - 1:
            self.fail("invalid")
        return pk

    def to_representation(self, value) -> str:
        return Ticket(pk=value).reference


@extend_schema_field({"type": "string", "format": "date", "pattern": YEAR_PATTERN, "example": "2025-06-16"})
class DayField(serializers.DateField):
    """A calendar day written `YYYY-MM-DD`, between 1970 and 2200."""

    default_error_messages = {
        "invalid": "Write a day as YYYY-MM-DD, e.g. 2025-06-16.",
        "out_of_range": "Choose a day between 1970 and 2200.",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_INSTANT.date() <= day < LATEST_INSTANT.date():
            self.fail("out_of_range")
        return day


@extend_schema_field({"type": "string", "format": "date-time", "example": "2025-06-11T19:00:00+09:00"})
class LocalDateTimeField(serializers.Field):
    """An aware datetime shown with its own offset (not converted to UTC)."""

    read_only = True

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class GivenTextField(serializers.CharField):
    """Optional text that, when given, must say something: DRF reads an empty query parameter as absent,
    so `?search=` would silently list everything; here it is a 400 naming the parameter."""

    def get_value(self, dictionary):
        if self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)
