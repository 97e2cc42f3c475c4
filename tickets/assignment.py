"""What the ticket services need to know about an assignee's shift, and the refusal to assign off shift.

`tickets` knows nothing of rosters or shifts; `escalation` registers a `ShiftBook` when the app is
ready (as it registers the `SlaClock`). `ticket_assign` asks it, inside its transaction, whether the
engineer a person assigns is on shift now, and until when that deliberate assignment holds.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured

from .zone_labels import zone_words


@dataclass(frozen=True)
class AssigneeShift:
    """An engineer's shift as seen at one instant. Times are aware UTC; `zone` is the engineer's."""

    name: str
    username: str
    zone: ZoneInfo
    on_shift: bool
    shift_ends_at: datetime | None  # the end of the shift they are on (None when off shift)
    next_shift_starts_at: datetime | None  # the next start after now (None: no workdays)
    next_shift_ends_at: datetime | None

    @property
    def holds_until(self) -> datetime | None:
        """Until when a deliberate assignment stays with them: the end of this shift, else of the next."""
        return self.shift_ends_at if self.on_shift else self.next_shift_ends_at


class ShiftBook(Protocol):
    def assignee_shift(self, *, user, now: datetime) -> AssigneeShift | None:
        """`user`'s shift at `now`; None when they are no engineer (nothing to check)."""


class AssigneeOffShift(Exception):
    """A person assigned an engineer who is off shift and has not confirmed it (`confirm_off_shift`)."""

    def __init__(self, shift: AssigneeShift) -> None:
        self.shift = shift
        super().__init__(off_shift_words(shift))


def zoned_stamp(instant: datetime, zone: ZoneInfo) -> str:
    """`Thu 12 Jun, 09:00 JST (Asia/Tokyo)`, `Thu 12 Jun, 09:00 Sao Paulo time (America/Sao_Paulo)`:
    the local time with the zone named as `zone_labels.zone_words` names it."""
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {zone_words(local)}"


def off_shift_words(shift: AssigneeShift) -> str:
    """Why confirmation is asked, in words: who is off shift and when their next shift starts."""
    if shift.next_shift_starts_at is None:
        return f"{shift.name} is off shift and has no shift on the roster."
    return (
        f"{shift.name} is off shift; their next shift starts "
        f"{zoned_stamp(shift.next_shift_starts_at, shift.zone)}."
    )


_book: ShiftBook | None = None


def register_shift_book(book: ShiftBook) -> None:
    global _book
    _book = book


def shift_book() -> ShiftBook:
    if _book is None:
        raise ImproperlyConfigured("No shift book is registered; is the escalation app installed?")
    return _book
