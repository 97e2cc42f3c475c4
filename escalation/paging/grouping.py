"""One page per engineer per storm: which window a notification falls in, and what a grouped page says.

Pure: no ORM, no clock. Times are aware UTC datetimes passed in; the caller reads the rows and the clock.

A recipient's SMS (or calls) are cut into windows of `length` (PAGE_GROUP_WINDOW_SECONDS, 30 s):

- quiet (no window open, and the last message went out at least `length` ago): the notification opens a
  window at `now` and goes out at once, alone, worded as it always was;
- a window is open: the notification joins it and goes out in the window's one message when it closes;
- the last window has closed with a message (or will: its close is due), and `now` is within `length`
  of that close: the next window opens at the close, chained, and the notification joins it.

So every message to one recipient on one channel is at least `length` after the previous one.
"""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from escalation.zones import span_words

MOST_URGENT_SHOWN = 3
CUSTOMERS_SHOWN = 3


class Placement(StrEnum):
    JOIN = "join"  # join the open window: sent with its message at the close
    OPEN_ALONE = "open_alone"  # open a window at now and go out at once, alone
    OPEN_CHAINED = "open_chained"  # open the window that follows the last one, and join it


@dataclass(frozen=True)
class LastWindow:
    """What the placement needs to know about a recipient's latest window on a channel."""

    sequence: int
    opened_at: datetime
    closes_at: datetime
    collecting: bool  # not yet closed by its sender: notifications may still join it
    sends_message: bool  # its close sends (or sent, or is sending) a message of its own


@dataclass(frozen=True)
class Window:
    placement: Placement
    sequence: int
    opened_at: datetime
    closes_at: datetime


def place(last: LastWindow | None, *, now: datetime, length: timedelta) -> Window:
    """The window a notification arriving at `now` belongs to (see the module's docstring)."""
    if last is not None and last.collecting and now < last.closes_at:
        return Window(Placement.JOIN, last.sequence, last.opened_at, last.closes_at)
    if last is not None and last.sends_message and now < last.closes_at + length:
        return Window(Placement.OPEN_CHAINED, last.sequence + 1, last.closes_at, last.closes_at + length)
    return Window(Placement.OPEN_ALONE, (last.sequence + 1) if last else 1, now, now + length)


# --- what a grouped page says ----------------------------------------------------------------------


@dataclass(frozen=True)
class PagedTicket:
    """One ticket on a page, as the summary needs it."""

    reference: str
    customer: str
    severity: str
    deadline: datetime  # the missed (or nearing) promise: the soonest / most overdue first
    breached: bool  # a missed deadline (an escalation step), not a warning


def most_urgent(tickets: list[PagedTicket]) -> list[PagedTicket]:
    """One entry a ticket (its soonest deadline; breached if any of its pages was a breach), the soonest /
    most overdue deadline first."""
    by_reference: dict[str, PagedTicket] = {}
    for ticket in sorted(tickets, key=lambda t: (t.deadline, not t.breached, t.reference)):
        seen = by_reference.get(ticket.reference)
        if seen is None:
            by_reference[ticket.reference] = ticket
        elif ticket.breached and not seen.breached:
            by_reference[ticket.reference] = replace(seen, breached=True)
    return sorted(by_reference.values(), key=lambda t: (t.deadline, t.reference))


def _customers(tickets: list[PagedTicket]) -> str:
    counts = Counter(t.customer or "no customer" for t in tickets)
    named = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    words = [f"{name} {count}" for name, count in named[:CUSTOMERS_SHOWN]]
    if len(named) > CUSTOMERS_SHOWN:
        others = len(named) - CUSTOMERS_SHOWN
        words.append(f"{others} more customer{'s' if others != 1 else ''}")
    return ", ".join(words)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _lateness(ticket: PagedTicket, now: datetime, spoken: bool) -> str:
    left = span_words(ticket.deadline - now, spoken=spoken)
    return f"{left} overdue" if ticket.deadline <= now else f"due in {left}"


def group_summary(
    *, grouped: list[PagedTicket], total: int, channel: str, now: datetime, link: str, acknowledgeable: bool
) -> str:
    """The window's one message: how many tickets it adds, for which customers, the most urgent few.

    `grouped` are the tickets that joined the window after its first message; `total` counts every ticket
    of the window (the page lists them all, and ACK acknowledges them all).
    """
    tickets = most_urgent(grouped)
    what = "breached" if all(t.breached for t in tickets) else "need you"
    count = _plural(len(tickets), "more ticket")
    if channel == "voice":
        urgent = "; ".join(
            f"ticket {' '.join(t.reference.replace('-', ''))}, {t.severity}, {_lateness(t, now, True)}"
            for t in tickets[:MOST_URGENT_SHOWN]
        )
        customers = _customers(tickets).replace(",", ";")
        ack = f" Pressing 1 acknowledges all {total}." if acknowledgeable else ""
        return f"Support Desk. {count} {what}, for {customers}. Most urgent: {urgent}.{ack}"
    urgent = ", ".join(
        f"{t.reference} ({t.severity}, {_lateness(t, now, False)})" for t in tickets[:MOST_URGENT_SHOWN]
    )
    tail = f" All {total}: {link}" if link else f" {total} in all."
    ack = f" Reply ACK to acknowledge all {total}." if acknowledgeable else ""
    return f"[Support Desk] {count} {what}: {_customers(tickets)}. Most urgent: {urgent}.{tail}{ack}"
