"""Serializer fields for the API's value types: instants, durations, clock times, timezones, references."""

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from django.utils.duration import duration_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Ticket

# Instants outside this range are refused: calendars, shifts and holidays are not defined that far
# out, and date arithmetic near the limits of `datetime` overflows.
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2200, 1, 1, tzinfo=UTC)
LONGEST_TARGET = timedelta(days=365)

DURATION_PATTERN = r"^(\d+ )?\d{1,2}:[0-5]\d:[0-5]\d$"
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"


@extend_schema_field(OpenApiTypes.DATETIME)
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
        "oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
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


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-06"})
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


@extend_schema_field({"type": "string", "pattern": DURATION_PATTERN, "example": "04:00:00"})
class DurationField(serializers.Field):
    """A duration written `HH:MM:SS`, or `D HH:MM:SS` with whole days; between 1 second and 365 days."""

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
        return duration_string(value)


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


@extend_schema_field({"type": "string", "example": "Europe/Berlin"})
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
