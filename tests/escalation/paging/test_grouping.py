"""The grouping window (pure): which window a notification falls in, and what a grouped page says."""

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from escalation.paging.grouping import LastWindow, PagedTicket, Placement, group_summary, place

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
W = timedelta(seconds=30)
S = timedelta(seconds=1)


def window(opened_at, *, sequence=1, collecting=True, sends=False):
    return LastWindow(
        sequence=sequence,
        opened_at=opened_at,
        closes_at=opened_at + W,
        collecting=collecting,
        sends_message=sends,
    )


def test_the_first_notification_of_a_quiet_period_opens_a_window_and_goes_out_at_once():
    first = place(None, now=T0, length=W)
    assert (first.placement, first.sequence, first.opened_at, first.closes_at) == (
        Placement.OPEN_ALONE,
        1,
        T0,
        T0 + W,
    )


def test_notifications_while_the_window_is_open_join_it():
    joined = place(window(T0), now=T0 + 29 * S, length=W)
    assert (joined.placement, joined.sequence) == (Placement.JOIN, 1)


def test_after_a_window_that_sent_a_message_the_next_one_chains_from_its_close():
    last = window(T0, collecting=False, sends=True)
    chained = place(last, now=T0 + 31 * S, length=W)
    assert (chained.placement, chained.sequence, chained.opened_at, chained.closes_at) == (
        Placement.OPEN_CHAINED,
        2,
        T0 + W,
        T0 + 2 * W,
    )
    # A window whose close is due but whose sender has not run yet chains too, when it has something to send.
    assert place(window(T0, sends=True), now=T0 + 30 * S, length=W).placement == Placement.OPEN_CHAINED


def test_quiet_again_after_a_window_alone_or_a_whole_window_after_the_last_message():
    alone = window(T0, collecting=False, sends=False)
    assert place(alone, now=T0 + 30 * S, length=W).placement == Placement.OPEN_ALONE
    sent = window(T0, collecting=False, sends=True)
    later = place(sent, now=T0 + 2 * W, length=W)
    assert (later.placement, later.sequence, later.opened_at) == (Placement.OPEN_ALONE, 2, T0 + 2 * W)


@given(st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=60))
def test_messages_to_one_recipient_are_always_at_least_a_window_apart(arrivals_ms):
    """Simulate arrivals (ms after T0) with closes run on time: every message is >= W after the previous."""
    arrivals = sorted(T0 + timedelta(milliseconds=ms) for ms in arrivals_ms)
    messages: list[datetime] = []
    last: LastWindow | None = None
    grouped = 0
    for now in arrivals:
        # close the last window if its time has come (its sender runs at `closes_at`)
        if last is not None and last.collecting and now >= last.closes_at:
            if grouped:
                messages.append(last.closes_at)
            last = LastWindow(last.sequence, last.opened_at, last.closes_at, False, bool(grouped))
        chosen = place(last, now=now, length=W)
        assert chosen.opened_at <= now < chosen.closes_at
        if chosen.placement == Placement.JOIN:
            grouped += 1
            continue
        grouped = 0 if chosen.placement == Placement.OPEN_ALONE else 1
        if chosen.placement == Placement.OPEN_ALONE:
            messages.append(now)
        last = LastWindow(chosen.sequence, chosen.opened_at, chosen.closes_at, True, False)
    if last is not None and grouped:
        messages.append(last.closes_at)
    assert all(b - a >= W for a, b in itertools.pairwise(messages))
    assert len(messages) <= len(arrivals)


def ticket(n, *, customer="StreamCo", overdue_min=1, breached=True, severity="major"):
    return PagedTicket(
        reference=f"SD-{1000 + n}",
        customer=customer,
        severity=severity,
        deadline=T0 - timedelta(minutes=overdue_min),
        breached=breached,
    )


def test_the_grouped_sms_says_how_many_for_which_customers_the_most_overdue_and_links_the_page():
    grouped = [ticket(n, overdue_min=n % 7) for n in range(1, 30)] + [
        ticket(n, customer="Acme", overdue_min=20) for n in range(30, 50)
    ]
    body = group_summary(
        grouped=grouped,
        total=50,
        channel="sms",
        now=T0,
        link="https://desk.example.com/pages/7/",
        acknowledgeable=True,
    )
    assert body.startswith("[Support Desk] 49 more tickets breached: StreamCo 29, Acme 20.")
    assert "Most urgent: SD-1030 (major, 20 min overdue), SD-1031 (major, 20 min overdue), SD-1032" in body
    assert "All 50: https://desk.example.com/pages/7/" in body
    assert body.endswith("Reply ACK to acknowledge all 50.")
    assert len(body) < 400


def test_a_ticket_twice_in_a_window_counts_once_and_warnings_are_not_called_breaches():
    grouped = [ticket(1, breached=False, overdue_min=-3), ticket(1, overdue_min=0), ticket(2, customer="")]
    body = group_summary(grouped=grouped, total=3, channel="sms", now=T0, link="", acknowledgeable=False)
    assert body.startswith("[Support Desk] 2 more tickets breached: StreamCo 1, no customer 1.")
    assert "SD-1002 (major, 1 min overdue), SD-1001 (major, less than a minute overdue)." in body
    assert "ACK" not in body and "3 in all." in body
    warned = [ticket(1, breached=False, overdue_min=-3), ticket(2)]
    body = group_summary(grouped=warned, total=2, channel="sms", now=T0, link="", acknowledgeable=True)
    assert body.startswith("[Support Desk] 2 more tickets need you: StreamCo 2.")
    assert "SD-1002 (major, 1 min overdue), SD-1001 (major, due in 3 min)." in body


def test_many_customers_are_summed_up_and_the_call_is_spoken():
    grouped = [ticket(n, customer=f"C{n}") for n in range(1, 6)]
    sms = group_summary(grouped=grouped, total=6, channel="sms", now=T0, link="", acknowledgeable=True)
    assert "C1 1, C2 1, C3 1, 2 more customers." in sms
    call = group_summary(grouped=grouped, total=6, channel="voice", now=T0, link="", acknowledgeable=True)
    assert call.startswith("Support Desk. 5 more tickets breached, for C1 1; C2 1; C3 1; 2 more customers.")
    assert "ticket S D 1 0 0 1, major, 1 minute overdue" in call
    assert call.endswith("Pressing 1 acknowledges all 6.")
