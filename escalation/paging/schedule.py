"""When each escalation step of a ticket is due. Pure: no ORM, no clock.

For every clock still running (an unanswered first response; an unresolved, unpaused resolution
cycle) the policy gives a warning at a fraction of the target (in business time) and its steps at
the deadline plus each step's delay (in elapsed time: "fifteen minutes after the breach").
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from escalation.sla.business_time import Calendar, deadline

WARNING_STEP = 0


@dataclass(frozen=True)
class RunningClock:
    metric: str
    cycle: int
    started_at: datetime
    target: timedelta
    paused: timedelta  # business time already spent paused in this cycle
    due_at: datetime


@dataclass(frozen=True)
class Step:
    number: int
    delay: timedelta


@dataclass(frozen=True, order=True)
class PlannedAlarm:
    due_at: datetime
    metric: str
    cycle: int
    step: int

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.metric, self.cycle, self.step)


def warning_offset(target: timedelta, fraction: Decimal | float) -> timedelta:
    """`fraction` of `target`, to the microsecond (no float rounding for Decimal fractions)."""
    micros = target // timedelta(microseconds=1)
    return timedelta(microseconds=int(Decimal(micros) * Decimal(str(fraction))))


def plan_alarms(
    clocks: list[RunningClock], steps: list[Step], warning_fraction: Decimal | float, calendar: Calendar
) -> list[PlannedAlarm]:
    """Every alarm the running clocks need, in due order."""
    planned = []
    for clock in clocks:
        warn_at = deadline(
            clock.started_at, warning_offset(clock.target, warning_fraction) + clock.paused, calendar
        )
        if warn_at < clock.due_at:
            planned.append(PlannedAlarm(warn_at, clock.metric, clock.cycle, WARNING_STEP))
        for step in steps:
            planned.append(PlannedAlarm(clock.due_at + step.delay, clock.metric, clock.cycle, step.number))
    return sorted(planned)
