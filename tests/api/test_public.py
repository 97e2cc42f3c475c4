"""The requester's endpoints: one ticket per token, as the customer sees it; misses cost what hits cost."""

import json
import secrets
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tests.factories import NOW, make_ticket
from tickets import services
from tickets.models import Message, Status, Ticket

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def public_url(ticket_or_token, suffix: str = "") -> str:
    token = getattr(ticket_or_token, "access_token", ticket_or_token)
    return f"/api/v1/public/tickets/{token}/{suffix}"


@pytest.fixture
def worked_ticket(engineer):
    """A ticket an engineer assigned, noted on, answered and set waiting on the customer."""
    ticket = make_ticket(subject="Player stalls", description="After every ad break.")
    services.ticket_assign(ticket=ticket, assignee=engineer.user, actor=engineer.user, now=NOW + MINUTE)
    services.ticket_reply(
        ticket=ticket,
        author=engineer.user,
        body="SECRET: customer's origin is misconfigured",
        internal=True,
        now=NOW + 2 * MINUTE,
    )
    services.ticket_reply(
        ticket=ticket, author=engineer.user, body="Which player version?", now=NOW + 3 * MINUTE
    )
    services.ticket_change_status(
        ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=engineer.user, now=NOW + 4 * MINUTE
    )
    return Ticket.objects.get(pk=ticket.pk)


def test_the_requester_sees_public_replies_and_a_safe_timeline_only(anon, worked_ticket):
    response = anon.get(public_url(worked_ticket))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == worked_ticket.reference
    assert body["status"] == "waiting_on_customer"
    assert [(m["author"], m["from_requester"], m["body"]) for m in body["messages"]] == [
        (None, True, "After every ad break."),
        ("Lena", False, "Which player version?"),
    ]
    assert [(e["type"], e["data"]) for e in body["events"]] == [
        ("created", {}),
        ("status_changed", {"from": "new", "to": "open"}),  # an engineer picked it up
        ("status_changed", {"from": "open", "to": "waiting_on_customer"}),
    ]
    text = json.dumps(body)
    assert "SECRET" not in text
    assert "lena" not in text  # no engineer usernames (the assignment event is not shown)
    assert not {"assignee", "customer", "sla", "notifications", "plan", "escalation_level"} & set(body)


def test_a_token_opens_exactly_its_own_ticket(anon, worked_ticket):
    other = make_ticket(subject="Another customer's ticket")
    assert anon.get(public_url(other)).json()["subject"] == "Another customer's ticket"
    assert anon.get(public_url(worked_ticket)).json()["subject"] == "Player stalls"
    # The token is no API credential: it opens nothing else.
    as_requester = client_for(token=worked_ticket.access_token)
    assert as_requester.get(f"/api/v1/tickets/{worked_ticket.reference}/").status_code == 401
    assert as_requester.get("/api/v1/tickets/").status_code == 401


@pytest.mark.parametrize(
    "token",
    [
        "0" * 43,
        "flip-the-last-character",  # replaced below by the real token with its last character changed
    ],
)
def test_a_wrong_token_is_a_404_after_the_same_queries_as_a_hit(anon, worked_ticket, token):
    if token == "flip-the-last-character":
        real = worked_ticket.access_token
        token = real[:-1] + ("A" if real[-1] != "A" else "B")
    with CaptureQueriesContext(connection) as hit:
        assert anon.get(public_url(worked_ticket)).status_code == 200
    with CaptureQueriesContext(connection) as miss:
        response = anon.get(public_url(token))

    assert response.status_code == 404
    assert response.json() == {"detail": "No ticket has this link."}
    assert len(miss) == len(hit) == 4


@pytest.mark.parametrize("token", ["a-much-longer-token-that-nobody-was-ever-given-" * 2, "short-token"])
def test_a_token_no_ticket_could_have_is_a_404_without_a_query(anon, worked_ticket, token):
    """Longer than the column or shorter than any issued key: the lengths are public, no query is needed."""
    with CaptureQueriesContext(connection) as miss:
        response = anon.get(public_url(token))
    assert response.status_code == 404
    assert len(miss) == 0


def test_a_reply_to_a_wrong_token_is_a_404_after_one_query(anon, worked_ticket):
    near_miss = worked_ticket.access_token[:-1] + ("A" if worked_ticket.access_token[-1] != "A" else "B")
    for token in (near_miss, secrets.token_urlsafe(32)):
        with CaptureQueriesContext(connection) as queries:
            response = anon.post(public_url(token, "messages/"), {"body": "hello?"})
        assert response.status_code == 404
        assert len(queries) == 1
    assert Message.objects.filter(body="hello?").count() == 0


def test_malformed_tokens_are_404s(anon):
    for path in ("short/", "has.dots.in.it.that.are.not.allowed/", "x" * 200 + "/"):
        response = anon.get(f"/api/v1/public/tickets/{path}")
        assert response.status_code == 404
        assert "detail" in response.json()


def test_the_requesters_reply_resumes_a_ticket_waiting_on_them(anon, worked_ticket, time_machine):
    time_machine.move_to(NOW + 10 * MINUTE, tick=False)
    response = anon.post(public_url(worked_ticket, "messages/"), {"body": "Version 4.2"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == worked_ticket.reference
    assert body["status"] == "open"
    assert body["messages"][-1] == {
        "author": None,
        "from_requester": True,
        "body": "Version 4.2",
        "created_at": "2025-06-11T10:10:00Z",
        "attachments": [],
    }
    reply = Message.objects.get(body="Version 4.2")
    assert (reply.author, reply.internal, reply.ticket_id) == (None, False, worked_ticket.pk)


def test_a_reply_to_a_closed_ticket_opens_a_follow_up_with_its_own_token(anon, worked_ticket, engineer):
    services.ticket_reply(
        ticket=worked_ticket, author=engineer.user, body="Fixed in 4.3", now=NOW + 5 * MINUTE
    )
    for status in (Status.RESOLVED, Status.CLOSED):
        services.ticket_change_status(
            ticket=worked_ticket, status=status, actor=engineer.user, now=NOW + 6 * MINUTE
        )

    response = anon.post(public_url(worked_ticket, "messages/"), {"body": "It is back."})

    assert response.status_code == 201, response.content
    body = response.json()
    follow_up = Ticket.objects.get(follow_up_of=worked_ticket)
    assert body["reference"] == follow_up.reference != worked_ticket.reference
    assert body["access_token"] == follow_up.access_token != worked_ticket.access_token
    assert body["follow_up_of"] == worked_ticket.reference
    assert body["subject"] == "Re: Player stalls"
    assert Ticket.objects.get(pk=worked_ticket.pk).status == Status.CLOSED


def test_a_reply_needs_a_body(anon, worked_ticket):
    response = anon.post(public_url(worked_ticket, "messages/"), {"body": ""})
    assert response.status_code == 400
    assert response.json() == {"body": ["This field may not be blank."]}
    assert anon.post(public_url(worked_ticket, "messages/"), {"internal": True}).json() == {
        "body": ["This field is required."]
    }
