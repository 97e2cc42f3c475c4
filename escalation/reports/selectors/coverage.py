"""The roster as coverage sees it: who is active, and how many are on shift each hour of a week."""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from escalation.reports.periods import week_monday
from escalation.reports.selectors.filters import UTC
from escalation.roster import coverage
from escalation.roster.selectors import coverage_member, coverage_roster_list


@dataclass(frozen=True)
class Coverage:
    local: coverage.CoverageWeek  # the week of the day asked for, Monday to Monday in the zone asked for
    utc: coverage.CoverageWeek  # the same week in UTC
    on_call_without_phone: tuple[str, ...]  # on call, but a page by SMS or voice cannot reach them


def coverage_get(*, zone: ZoneInfo, day: date) -> Coverage:
    """The week containing `day`, hour by hour, in `zone` and in UTC (one query: the roster)."""
    roster = coverage_roster_list()
    members = [coverage_member(e) for e in roster]
    monday = week_monday(day)
    return Coverage(
        local=coverage.coverage_week(members, zone, monday),
        utc=coverage.coverage_week(members, UTC, monday),
        on_call_without_phone=tuple(e.user.get_username() for e in roster if e.on_call and not e.phone),
    )
