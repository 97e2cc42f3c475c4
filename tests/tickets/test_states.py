import pytest

from tickets.models import Status
from tickets.states import InvalidTransition, TicketFacts, check_transition

ASSIGNED = TicketFacts(status=Status.OPEN, has_assignee=True, has_public_reply=True)


@pytest.mark.parametrize(
    ("facts", "target", "lands"),
    [
        (TicketFacts(Status.NEW, True, False), Status.OPEN, Status.OPEN),
        (TicketFacts(Status.NEW, False, True), Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_CUSTOMER),
        (TicketFacts(Status.OPEN, True, True), Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_CUSTOMER),
        (TicketFacts(Status.OPEN, True, True), Status.RESOLVED, Status.RESOLVED),
        (TicketFacts(Status.WAITING_ON_CUSTOMER, True, True), Status.OPEN, Status.OPEN),
        (TicketFacts(Status.WAITING_ON_CUSTOMER, False, True), Status.OPEN, Status.NEW),
        (TicketFacts(Status.RESOLVED, True, True), Status.OPEN, Status.OPEN),
        (TicketFacts(Status.RESOLVED, False, True), Status.OPEN, Status.NEW),
        (TicketFacts(Status.RESOLVED, True, True), Status.CLOSED, Status.CLOSED),
    ],
)
def test_allowed_transitions_land_where_expected(facts, target, lands):
    assert check_transition(facts, target) == lands


@pytest.mark.parametrize(
    ("facts", "target", "reason"),
    [
        (TicketFacts(Status.NEW, False, False), Status.OPEN, "nobody is assigned"),
        (TicketFacts(Status.OPEN, True, False), Status.RESOLVED, "reply to the customer before resolving"),
        (TicketFacts(Status.OPEN, True, True), Status.CLOSED, "open tickets can only move to"),
        (TicketFacts(Status.OPEN, True, True), Status.NEW, "open tickets can only move to"),
        (TicketFacts(Status.OPEN, True, True), Status.OPEN, "already open"),
        (TicketFacts(Status.WAITING_ON_CUSTOMER, True, True), Status.CLOSED, "can only move to"),
        (TicketFacts(Status.RESOLVED, True, True), Status.WAITING_ON_CUSTOMER, "can only move to"),
        (TicketFacts(Status.CLOSED, True, True), Status.OPEN, "a closed ticket cannot change"),
        (TicketFacts(Status.OPEN, True, True), "archived", "is not a status"),
    ],
)
def test_refused_transitions_name_the_transition_and_the_reason(facts, target, reason):
    with pytest.raises(InvalidTransition) as caught:
        check_transition(facts, target)
    assert caught.value.current == facts.status
    assert caught.value.target == target
    assert reason in str(caught.value)
    assert f"from {facts.status} to {target}" in str(caught.value)


@pytest.mark.parametrize("status", Status.values)
def test_every_status_has_a_rule(status):
    for target in Status.values:
        try:
            check_transition(TicketFacts(status, True, True), target)
        except InvalidTransition as refused:
            assert refused.reason


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.CLOSED])
def test_closing_as_spam_or_duplicate_needs_no_reply_from_any_open_status(status):
    from tickets.states import check_close_without_reply

    assert check_close_without_reply(status) == Status.CLOSED


def test_a_closed_ticket_cannot_be_closed_again_without_a_reply():
    from tickets.states import check_close_without_reply

    with pytest.raises(InvalidTransition, match="already closed"):
        check_close_without_reply(Status.CLOSED)
