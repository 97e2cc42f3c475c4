"""Follow-the-sun routing choices. Pure: no ORM, no clock; `now` and plain data in, a choice out."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from escalation.roster.shifts import Shift, is_on_shift, previous_shift_end

_NEVER = datetime.min.replace(tzinfo=UTC)

# Why a ticket was handed off (the `reason` of its `handed_off` event).
SHIFT_ENDED = "shift ended"
NOT_ON_SHIFT = "not on shift"
DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class Candidate:
    """An engineer as routing sees them."""

    engineer_id: int
    user_id: int
    shift: Shift
    capacity: int
    open_tickets: int
    last_assigned_at: datetime | None = None
    active: bool = True
    on_call: bool = False
    lead: bool = False

    def on_shift(self, now: datetime) -> bool:
        return self.active and is_on_shift(self.shift, now)

    @property
    def has_room(self) -> bool:
        return self.open_tickets < self.capacity


def available(candidates: Iterable[Candidate], now: datetime, *, exclude_user_ids=()) -> list[Candidate]:
    """Active engineers on shift at `now` with room under their capacity."""
    excluded = set(exclude_user_ids)
    return [c for c in candidates if c.user_id not in excluded and c.on_shift(now) and c.has_room]


def choose_engineer(
    candidates: Sequence[Candidate], now: datetime, *, exclude_user_ids: Iterable[int] = ()
) -> Candidate | None:
    """The on-shift engineer with the least open work; ties go to the one assigned least recently.

    Equal on both counts (e.g. two engineers never assigned), the lower engineer id wins, so the
    choice is deterministic.
    """
    pool = available(candidates, now, exclude_user_ids=exclude_user_ids)
    if not pool:
        return None
    return min(pool, key=lambda c: (c.open_tickets, c.last_assigned_at or _NEVER, c.engineer_id))


def on_shift_leads(candidates: Iterable[Candidate], now: datetime) -> list[Candidate]:
    return [c for c in candidates if c.lead and c.on_shift(now)]


def on_call(candidates: Iterable[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c.active and c.on_call]


def handoff_reason(*, shift: Shift, active: bool, assigned_at: datetime | None, now: datetime) -> str:
    """Why a ticket moves away from its assignee at `now`, in the words of its handoff event.

    `deactivated` when the engineer left the rotation; `shift ended` only when one of their shifts
    ended since the ticket was given to them (`assigned_at`; unknown counts as long ago); otherwise
    `not on shift` (assigned before their shift started, or on a day off).
    """
    if not active:
        return DEACTIVATED
    ended = previous_shift_end(shift, now)
    if ended is not None and (assigned_at is None or ended > assigned_at):
        return SHIFT_ENDED
    return NOT_ON_SHIFT
