"""The ticket state machine. Pure: no ORM, no clock."""

from dataclasses import dataclass

from .models import Status

# Where a status may go by an explicit change. Other moves happen as side effects of a service
# (a customer reply reopens a resolved ticket; assigning opens a new one), and go through here too.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.WAITING_ON_CUSTOMER, Status.RESOLVED}),
    Status.OPEN: frozenset({Status.WAITING_ON_CUSTOMER, Status.RESOLVED}),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.OPEN, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class InvalidTransition(Exception):
    """A status change the state machine refuses; the message says why in words a user understands."""

    def __init__(self, current: str, target: str, reason: str) -> None:
        self.current = current
        self.target = target
        self.reason = reason
        super().__init__(f"Cannot change status from {current} to {target}: {reason}")


@dataclass(frozen=True)
class TicketFacts:
    status: str
    has_assignee: bool
    has_public_reply: bool


def check_transition(facts: TicketFacts, target: str) -> str:
    """The status the ticket lands in when asked to move to `target`, or InvalidTransition.

    An active ticket with nobody assigned is `new`; with an assignee it is `open`. Asking for
    `open` on an unassigned ticket therefore lands in `new` (a resumed or reopened ticket waits for
    routing); `new` is never asked for: unassigning a ticket makes it new.
    """
    current = facts.status
    if target not in Status.values:
        raise InvalidTransition(current, target, f"{target!r} is not a status")
    if target == current:
        raise InvalidTransition(current, target, f"the ticket is already {current}")
    if current == Status.CLOSED:
        raise InvalidTransition(
            current, target, "a closed ticket cannot change; a customer reply opens a follow-up"
        )
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(current, target, f"{current} tickets can only move to {_listing(current)}")
    if target == Status.OPEN and current == Status.NEW and not facts.has_assignee:
        raise InvalidTransition(current, target, "nobody is assigned; assign the ticket to open it")
    if target == Status.RESOLVED and not facts.has_public_reply:
        raise InvalidTransition(current, target, "reply to the customer before resolving")
    if target == Status.OPEN and not facts.has_assignee:
        return Status.NEW
    return target


def check_close_without_reply(current: str) -> str:
    """Closing as spam or as a duplicate (`tickets.services.closing`): from any status but `closed`,
    with no public reply needed. Returns `closed`, or raises InvalidTransition."""
    if current == Status.CLOSED:
        raise InvalidTransition(current, Status.CLOSED, "the ticket is already closed")
    return Status.CLOSED


def status_after_assignment(status: str, *, has_assignee: bool) -> str | None:
    """The status an assignment moves a ticket to, or None when it stays where it is.

    The other half of "an active ticket with nobody assigned is `new`, with an assignee `open`":
    assigning a new ticket opens it, unassigning an open one makes it new. Waiting, resolved and
    closed tickets keep their status (a closed one cannot be reassigned at all).
    """
    if status == Status.NEW and has_assignee:
        return Status.OPEN
    if status == Status.OPEN and not has_assignee:
        return Status.NEW
    return None


def _listing(current: str) -> str:
    names = sorted(TRANSITIONS[current])
    return ", ".join(names) if names else "nothing"
