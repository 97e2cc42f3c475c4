"""The clock rule has one definition (tickets/clock_rules.py): its database filters agree with it."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickets import clock_rules
from tickets.clock_rules import FIRST_RESPONSE, METRICS, RESOLUTION
from tickets.models import Requester, Severity, Status, Ticket

BASE = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)

# Few distinct instants, so that equal and neighbouring times (due == now, achieved == due) come up often.
instants = st.integers(min_value=0, max_value=6).map(lambda n: BASE + timedelta(minutes=30 * n))
maybe_instants = st.none() | instants

ticket_fields = st.fixed_dictionaries(
    {
        "status": st.sampled_from(Status.values),
        "first_response_due_at": maybe_instants,
        "first_responded_at": maybe_instants,
        "resolution_due_at": maybe_instants,
        "resolved_at": maybe_instants,
        "paused_at": maybe_instants,
        "sla_breached": st.booleans(),
    }
)


def _ticket(**fields) -> Ticket:
    return Ticket(
        subject="s",
        description="d",
        severity=Severity.GENERAL,
        created_at=BASE,
        updated_at=BASE,
        resolution_started_at=BASE,
        **fields,
    )


def _selected(q) -> set[int]:
    return set(Ticket.objects.filter(q).values_list("pk", flat=True))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(ticket_fields, min_size=1, max_size=8), now=instants)
def test_the_database_filters_select_the_tickets_the_pure_rule_names(specs, now):
    requester = Requester.objects.create(email="clock-rules@nowhere.example")
    tickets = []
    try:
        for spec in specs:
            ticket = _ticket(requester=requester, **spec)
            ticket.save()  # derives next_due_at from the running clocks
            tickets.append(ticket)

        def expected(predicate) -> set[int]:
            return {t.pk for t in tickets if predicate(t)}

        for metric in METRICS:
            assert _selected(clock_rules.q_metric_counting(metric)) == expected(
                lambda t, m=metric: clock_rules.metric_counting(t, m)
            ), metric
            assert _selected(clock_rules.q_metric_running(metric)) == expected(
                lambda t, m=metric: clock_rules.metric_running(t, m)
            ), metric
            assert _selected(clock_rules.q_metric_overdue(metric, now)) == expected(
                lambda t, m=metric: clock_rules.metric_overdue(t, m, now)
            ), metric
            assert _selected(clock_rules.q_metric_breached(metric, now)) == expected(
                lambda t, m=metric: clock_rules.metric_breached(t, m, now)
            ), metric
        assert _selected(clock_rules.q_ticket_breached(now)) == expected(
            lambda t: clock_rules.ticket_breached(t, now)
        )
        breached = Ticket.objects.filter(clock_rules.q_ticket_breached(now))
        assert set(Ticket.objects.exclude(pk__in=breached).values_list("pk", flat=True)) == expected(
            lambda t: not clock_rules.ticket_breached(t, now)
        )
    finally:
        Ticket.objects.filter(requester=requester).delete()
        requester.delete()


def test_the_partial_due_indexes_are_built_from_the_rule():
    indexes = {index.name: index for index in Ticket._meta.indexes}
    assert indexes["ticket_fr_due_open"].condition == clock_rules.q_metric_counting(FIRST_RESPONSE)
    assert indexes["ticket_fr_due_open"].fields == ["first_response_due_at"]
    assert indexes["ticket_res_due_open"].condition == clock_rules.q_metric_counting(RESOLUTION)
    assert indexes["ticket_res_due_open"].fields == ["resolution_due_at"]


T0, T1, T2 = BASE, BASE + timedelta(hours=1), BASE + timedelta(hours=2)


@pytest.mark.parametrize(
    ("fields", "metric", "now", "running", "paused", "breached"),
    [
        # first response: running until answered, never paused, breached at its due time or answered late
        ({"first_response_due_at": T1}, FIRST_RESPONSE, T0, True, False, False),
        ({"first_response_due_at": T1}, FIRST_RESPONSE, T1, True, False, True),
        ({"first_response_due_at": T1, "paused_at": T0}, FIRST_RESPONSE, T2, True, False, True),
        ({"first_response_due_at": T1, "first_responded_at": T1}, FIRST_RESPONSE, T2, False, False, False),
        ({"first_response_due_at": T1, "first_responded_at": T2}, FIRST_RESPONSE, T2, False, False, True),
        ({"first_responded_at": T2}, FIRST_RESPONSE, T2, False, False, False),
        # resolution: a pause stops it, even resolved late it then counts as not breached
        ({"resolution_due_at": T1}, RESOLUTION, T1, True, False, True),
        ({"resolution_due_at": T1, "paused_at": T0}, RESOLUTION, T2, False, True, False),
        ({"resolution_due_at": T1, "resolved_at": T2}, RESOLUTION, T2, False, False, True),
        ({"resolution_due_at": T1, "resolved_at": T2, "paused_at": T0}, RESOLUTION, T2, False, True, False),
        ({"resolution_due_at": T1, "resolved_at": T0}, RESOLUTION, T2, False, False, False),
    ],
)
def test_the_rule_in_examples(fields, metric, now, running, paused, breached):
    ticket = _ticket(**fields)
    assert clock_rules.metric_running(ticket, metric) is running
    assert clock_rules.metric_paused(ticket, metric) is paused
    assert clock_rules.metric_breached(ticket, metric, now) is breached


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="unknown metric"):
        clock_rules.metric_running(_ticket(), "availability")
