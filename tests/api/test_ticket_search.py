"""`GET /api/v1/tickets/?search=`: what it finds, in what order, with the other filters (issue 16)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import NOW, CustomerFactory, make_ticket
from tickets import search, services
from tickets.models import Customer, Plan, Requester, Severity, Ticket
from tickets.search import SEARCH_MAX_LENGTH

TICKETS = "/api/v1/tickets/"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def found(client, text: str, **params) -> list[str]:
    response = client.get(TICKETS, {"search": text, **params})
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture
def desk(engineer):
    """Tickets from StreamCo (a customer) and from strangers, with replies and a note."""
    CustomerFactory(name="StreamCo Media", plan=Plan.PREMIUM, domains=["streamco.example"])
    outage = make_ticket(
        subject="Origin returns 502 for HLS manifests",
        description="Since 09:40 UTC our players get errors for every manifest in eu-west.",
        email="noc@streamco.example",
        name="Ana Lima",
        severity=Severity.URGENT,
        now=NOW,
    )
    billing = make_ticket(
        subject="Invoice question",
        description="Why was March billed twice?",
        email="finance@elsewhere.example",
        name="Tom Berg",
        now=NOW + MINUTE,
    )
    chinese = make_ticket(
        subject="直播 卡顿",
        description="用户 反映 数据库 连接失败，请 帮助",  # noqa: RUF001 (a Chinese comma, on purpose)
        email="li@cn.example",
        now=NOW + 2 * MINUTE,
    )
    arabic = make_ticket(
        subject="مشكلة في البث",
        description="الخادم لا يستجيب منذ الصباح",
        email="sara@ae.example",
        now=NOW + 3 * MINUTE,
    )
    services.ticket_reply(
        ticket=billing, author=engineer.user, body="Refund issued via Stripe", now=NOW + 1 * MINUTE
    )
    services.ticket_reply(
        ticket=outage,
        author=engineer.user,
        body="Suspect the shield cache",
        internal=True,
        now=NOW + 5 * MINUTE,
    )
    services.ticket_reply(ticket=outage, author=None, body="Still broken in Frankfurt", now=NOW + 6 * MINUTE)
    return {"outage": outage, "billing": billing, "chinese": chinese, "arabic": arabic}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("manifests", "outage"),  # a word of the subject
        ("PLAYERS", "outage"),  # of the description, any case
        ("frankfurt", "outage"),  # of the requester's reply
        ("shield", "outage"),  # of an internal note: engineers search notes too
        ("stripe", "billing"),  # of an engineer's reply
        ("noc@streamco.example", "outage"),  # the requester's email
        ("noc@stream", "outage"),  # an address still being typed
        ("Ana Lima", "outage"),  # the requester's name
        ("streamco media", "outage"),  # the customer's name
        ("invo", "billing"),  # a prefix, while typing
        ("invoice twi", "billing"),  # every word; the last one as typed so far
        ("invoice tw", None),  # a prefix of fewer than three letters must be a whole word
        ("数据库", "chinese"),  # Chinese by simple tokens
        ("الخادم", "arabic"),  # Arabic
    ],
)
def test_search_finds_each_kind_of_match(as_engineer, desk, text, expected):
    assert found(as_engineer, text) == ([desk[expected].reference] if expected else [])


def test_a_reference_is_found_in_both_forms(as_engineer, desk):
    billing = desk["billing"]
    assert found(as_engineer, billing.reference) == [billing.reference]
    assert found(as_engineer, billing.reference.lower()) == [billing.reference]
    assert found(as_engineer, str(billing.pk + 1000)) == [billing.reference]
    assert found(as_engineer, "SD-999999") == []


def test_a_reference_comes_before_tickets_that_mention_its_number(as_engineer, desk):
    billing = desk["billing"]
    number = str(billing.pk + 1000)
    mention = make_ticket(subject=f"Error {number} again", now=NOW + 9 * MINUTE)
    assert found(as_engineer, number) == [billing.reference, mention.reference]


def test_words_that_match_nothing_together_find_nothing(as_engineer, desk):
    assert found(as_engineer, "invoice frankfurt") == []
    assert found(as_engineer, "nothing-like-this") == []
    assert found(as_engineer, "'; DROP TABLE x; --") == []
    assert found(as_engineer, "!!!") == []


def test_matches_are_ranked_subject_first_then_by_time_left(as_engineer, engineer):
    in_message = make_ticket(subject="Player stalls", description="See the logs", now=NOW)
    services.ticket_reply(ticket=in_message, author=engineer.user, body="Is it the encoder?", now=NOW)
    in_description = make_ticket(subject="Stalls", description="The encoder restarts", now=NOW + MINUTE)
    in_subject = make_ticket(subject="Encoder restarts", description="Nightly", now=NOW + 2 * MINUTE)
    in_subject_later = make_ticket(
        subject="Encoder restarts", description="Nightly", severity=Severity.GENERAL, now=NOW + 3 * MINUTE
    )
    assert found(as_engineer, "encoder") == [
        in_subject.reference,  # due first of the two equal subject matches
        in_subject_later.reference,
        in_description.reference,
        in_message.reference,
    ]
    # An explicit ordering wins over the rank.
    assert found(as_engineer, "encoder", ordering="-created_at") == [
        in_subject_later.reference,
        in_subject.reference,
        in_description.reference,
        in_message.reference,
    ]


def test_search_combines_with_the_other_filters(as_engineer, engineer, desk):
    other = make_ticket(subject="HLS manifests slow", severity=Severity.MAJOR, now=NOW + 7 * MINUTE)
    services.ticket_assign(ticket=other, assignee=engineer.user, actor=None, now=NOW + 7 * MINUTE)
    outage = desk["outage"]
    assert set(found(as_engineer, "manifests")) == {outage.reference, other.reference}
    assert found(as_engineer, "manifests", severity="major") == [other.reference]
    assert found(as_engineer, "manifests", assignee="me") == [other.reference]
    assert found(as_engineer, "manifests", assignee="none") == [outage.reference]
    assert found(as_engineer, "manifests", customer=outage.customer_id) == [outage.reference]
    assert found(as_engineer, "manifests", status="resolved") == []
    # Counted on the search rows alone, and joined to the tickets under other filters.
    assert as_engineer.get(TICKETS, {"search": "manifests"}).json()["count"] == 2
    assert as_engineer.get(TICKETS, {"search": outage.reference}).json()["count"] == 1
    page = as_engineer.get(TICKETS, {"search": "manifests", "severity": "major"}).json()
    assert page["count"] == 1


def test_a_requesters_new_name_is_found_and_the_old_one_no_longer(as_engineer, desk):
    outage = desk["outage"]
    # Filing again under a new name renames the requester (the intake's upsert).
    again = make_ticket(subject="Another one", email="noc@streamco.example", name="Ana Souza", now=NOW + HOUR)
    assert set(found(as_engineer, "souza")) == {outage.reference, again.reference}
    assert found(as_engineer, "lima") == []
    Customer.objects.filter(pk=outage.customer_id).update(name="Streamline Media")
    assert set(found(as_engineer, "streamline")) == {outage.reference, again.reference}
    Requester.objects.filter(email="noc@streamco.example").update(email="ops@streamco.example")
    assert set(found(as_engineer, "ops@streamco.example")) == {outage.reference, again.reference}


def test_an_edited_subject_is_found(as_engineer, desk):
    billing = desk["billing"]
    Ticket.objects.filter(pk=billing.pk).update(subject="Credit note")
    assert found(as_engineer, "credit") == [billing.reference]
    assert found(as_engineer, "stripe") == [billing.reference]  # its messages are still there
    assert found(as_engineer, "invoice") == []


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_search_is_refused(as_engineer, desk, text):
    response = as_engineer.get(TICKETS, {"search": text})
    assert response.status_code == 400
    assert set(response.json()) == {"search"}


def test_a_search_longer_than_the_limit_is_refused(as_engineer, desk):
    response = as_engineer.get(TICKETS, {"search": "x" * (SEARCH_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert set(response.json()) == {"search"}
    assert as_engineer.get(TICKETS, {"search": "x" * SEARCH_MAX_LENGTH}).status_code == 200


def test_searching_is_for_engineers_only(anon, desk):
    assert anon.get(TICKETS, {"search": "manifests"}).status_code in (401, 403)


def test_a_search_runs_the_same_queries_for_one_match_or_thirty(as_engineer, engineer):
    make_ticket(subject="Packager crash", email="p0@streamco.example", now=NOW)
    with CaptureQueriesContext(connection) as one:
        assert len(found(as_engineer, "packager")) == 1
    for i in range(1, 30):
        ticket = make_ticket(subject="Packager crash", email=f"p{i}@streamco.example", now=NOW + i * MINUTE)
        services.ticket_assign(ticket=ticket, assignee=engineer.user, actor=None, now=NOW + i * MINUTE)
    with CaptureQueriesContext(connection) as thirty:
        assert len(found(as_engineer, "packager")) == 30
    assert len(thirty) == len(one)


def test_a_search_holds_the_newest_matches_up_to_its_bound_and_says_when_more_match(
    as_engineer, engineer, monkeypatch
):
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    tickets = [make_ticket(subject=f"Packager crash {i}", now=NOW + i * MINUTE) for i in range(5)]
    named = tickets[0]  # the oldest: outside the newest three, found by its reference all the same
    newest = {ticket.reference for ticket in tickets[2:]}

    response = as_engineer.get(TICKETS, {"search": "packager"})
    assert set(found(as_engineer, "packager")) == newest
    assert response.json()["count"] == 3
    assert response["Search-Capped"] == "3"
    # Other filters apply before the bound: the newest three *major* matches, not a third of the newest.
    Ticket.objects.filter(pk__in=[tickets[0].pk, tickets[1].pk]).update(severity=Severity.MAJOR)
    response = as_engineer.get(TICKETS, {"search": "packager", "severity": "major"})
    assert (response.json()["count"], response.has_header("Search-Capped")) == (2, False)
    majors = {tickets[0].reference, tickets[1].reference}
    assert set(found(as_engineer, "packager", severity="major")) == majors
    # One past the bound is capped; exactly at the bound is all of them, not capped.
    Ticket.objects.filter(pk=tickets[2].pk).update(subject="Other")
    response = as_engineer.get(TICKETS, {"search": "packager"})
    assert (response.json()["count"], response.has_header("Search-Capped")) == (3, True)
    Ticket.objects.filter(pk=tickets[3].pk).update(subject="Other")
    response = as_engineer.get(TICKETS, {"search": "packager"})
    assert (response.json()["count"], response.has_header("Search-Capped")) == (3, False)
    # The reference is found however many newer tickets mention its number.
    for i in range(4):
        make_ticket(subject=f"About {named.reference} again", now=NOW + (10 + i) * MINUTE)
    assert found(as_engineer, named.reference)[0] == named.reference


def test_the_schema_documents_the_search_parameter(as_engineer):
    schema = as_engineer.get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/tickets/"]["get"]["parameters"]
    search = next(p for p in parameters if p["name"] == "search")
    assert search["schema"]["maxLength"] == SEARCH_MAX_LENGTH
    assert "reference" in search["description"]
