"""One lookup by private-link token: the web page's and the API's reads agree on every token."""

import pytest

from support_desk.web.selectors import ticket_get_for_requester
from tests.factories import make_ticket
from tickets.selectors import ticket_get_by_access_token, ticket_get_public

pytestmark = pytest.mark.django_db


def test_every_reader_of_a_private_link_agrees_on_which_tokens_open_it():
    ticket = make_ticket()
    token = ticket.access_token
    cases = {
        token: ticket.pk,
        token.swapcase(): None,  # the comparison is exact
        token[:-1] + ("A" if token[-1] != "A" else "B"): None,  # one character off
        "x" * 19: None,  # too short to have been issued
        token + "\x00": None,  # outside the alphabet: a miss before any query
    }
    for candidate, expected in cases.items():
        found = [
            ticket_get_by_access_token(access_token=candidate),
            ticket_get_for_requester(access_token=candidate),
            getattr(ticket_get_public(access_token=candidate), "ticket", None),
        ]
        assert [t.pk if t else None for t in found] == [expected] * 3, repr(candidate)
