from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from escalation.models import BusinessCalendar, Holiday
from escalation.sla.services.calendars import calendar_for

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_a_business_calendar_reads_hours_holidays_and_public_holidays():
    calendar = BusinessCalendar.objects.create(
        name="Berlin office", kind="business", opens=time(8), closes=time(17), workdays=[0, 1, 2, 3, 4],
        holiday_country="DE",
    )  # fmt: skip
    Holiday.objects.create(calendar=calendar, date=date(2025, 6, 13), name="Company day")
    pure = calendar_for(calendar, tz=ZoneInfo("Europe/Berlin"), around=datetime(2025, 6, 1, tzinfo=UTC))
    assert pure.tz == ZoneInfo("Europe/Berlin")
    assert {w.weekday for w in pure.windows} == {0, 1, 2, 3, 4}
    assert date(2025, 6, 13) in pure.holidays  # the calendar's own
    assert date(2025, 12, 25) in pure.holidays  # Germany's public holidays
    assert date(2026, 1, 1) in pure.holidays  # and next year's


def test_a_business_calendar_without_workdays_is_refused_not_treated_as_24x7():
    calendar = BusinessCalendar(name="Empty", kind="business", workdays=[])
    with pytest.raises(ValidationError, match="at least one workday"):
        calendar.full_clean()
    calendar.save()
    with pytest.raises(ValueError, match="weekday"):
        calendar_for(calendar, tz=ZoneInfo("UTC"), around=datetime(2025, 6, 1, tzinfo=UTC))


def test_an_unknown_holiday_country_is_refused():
    with pytest.raises(ValidationError, match="No public holidays known"):
        BusinessCalendar(name="X", kind="business", holiday_country="ZZ").full_clean()
