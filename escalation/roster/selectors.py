"""Roster reads: engineers, who is on shift (each in their own timezone), the shift book the ticket
services ask, the roster as coverage sees it, and the zone a manager reads times in."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from escalation.roster import coverage
from escalation.roster.models import Engineer
from escalation.roster.shifts import local_time, next_shift_window, shift_window_at
from tickets.assignment import AssigneeShift


def engineer_list(*, region: str | None = None, active: bool | None = None) -> QuerySet[Engineer]:
    engineers = Engineer.objects.select_related("user")
    if region is not None:
        engineers = engineers.filter(region=region)
    if active is not None:
        engineers = engineers.filter(active=active)
    return engineers.order_by("user__username")


def engineer_get(*, username: str) -> Engineer | None:
    return Engineer.objects.select_related("user").filter(user__username=username).first()


def engineer_get_assignable(*, username: str) -> Engineer | None:
    """The engineer called `username` if tickets may be given to them: active, with an active staff login."""
    return Engineer.objects.assignable().select_related("user").filter(user__username=username).first()


@dataclass(frozen=True)
class OnShift:
    engineer: Engineer
    local_time: datetime  # `at` in the engineer's timezone
    shift_started_at: datetime  # in the engineer's timezone
    shift_ends_at: datetime  # in the engineer's timezone


def engineer_list_on_shift(*, at: datetime) -> list[OnShift]:
    """Active engineers on shift at the instant `at` (each in their own timezone), the soonest end first."""
    on_shift = []
    engineers = Engineer.objects.active().select_related("user")
    for engineer in engineers.order_by("user__username"):
        window = shift_window_at(engineer.shift, at)
        if window is not None:
            zone = engineer.timezone
            on_shift.append(
                OnShift(
                    engineer=engineer,
                    local_time=local_time(zone, at),
                    shift_started_at=local_time(zone, window[0]),
                    shift_ends_at=local_time(zone, window[1]),
                )
            )
    return sorted(on_shift, key=lambda entry: entry.shift_ends_at)


def engineer_shift_at(engineer: Engineer, now: datetime) -> AssigneeShift:
    """Whether `engineer` is on shift at `now`, until when, and when their next shift starts and ends.

    A deactivated engineer is never on shift (routing would hand their tickets on at once)."""
    shift = engineer.shift
    window = shift_window_at(shift, now) if engineer.active else None
    upcoming = next_shift_window(shift, now) if engineer.active else None
    return AssigneeShift(
        name=engineer.user.get_full_name() or engineer.user.get_username(),
        username=engineer.user.get_username(),
        zone=engineer.timezone,
        on_shift=window is not None,
        shift_ends_at=window[1] if window else None,
        next_shift_starts_at=upcoming[0] if upcoming else None,
        next_shift_ends_at=upcoming[1] if upcoming else None,
    )


class RosterShiftBook:
    """The `tickets.assignment.ShiftBook` the ticket services ask about an assignee's shift."""

    def assignee_shift(self, *, user, now: datetime) -> AssigneeShift | None:
        try:
            engineer = user.engineer  # loaded with the user by the assignable-engineer selectors
        except Engineer.DoesNotExist:
            return None
        return engineer_shift_at(engineer, now)


# --- The roster as coverage sees it --------------------------------------------------------------


def coverage_member(engineer: Engineer) -> coverage.Member:
    """An engineer as coverage (and routing) sees them."""
    return coverage.Member(label=engineer.user.get_username(), shift=engineer.shift, on_call=engineer.on_call)


def coverage_roster_list(*, lock: bool = False) -> list[Engineer]:
    """Active engineers with an active login (one query); `lock` holds their rows until commit."""
    engineers = Engineer.objects.active().select_related("user")
    if lock:
        engineers = engineers.select_for_update(of=("self",))
    return list(engineers.order_by("user__username"))


def manager_zone_get(user) -> ZoneInfo:
    """The zone a manager or engineer reads times in: their engineer profile's timezone, else UTC."""
    zone = Engineer.objects.filter(user_id=user.pk).values_list("timezone", flat=True).first()
    return zone or ZoneInfo("UTC")
