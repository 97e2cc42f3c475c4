"""The queue's search box (issue 16): labelled, keeps what was typed, combines with the filters and tabs."""

import re
from datetime import timedelta

import pytest
import time_machine

from tests.factories import NOW, make_ticket
from tickets import search, services
from tickets.models import Severity, Ticket
from tickets.search import SEARCH_MAX_LENGTH, _substrings, search_terms

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(minutes=30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield


def queue_refs(response) -> list[str]:
    return [row.ticket.reference for row in response.context["rows"]]


def test_the_queue_has_a_labelled_search_box_that_keeps_the_text(desk):
    page = desk.get("/queue/").content.decode()
    assert re.search(r'<label for="id_search">Search</label>\s*<input type="search" name="search"', page)
    assert f'maxlength="{SEARCH_MAX_LENGTH}"' in page
    searched = desk.get("/queue/", {"search": 'packager "crash" <b>'}).content.decode()
    assert 'value="packager &quot;crash&quot; &lt;b&gt;"' in searched  # kept, escaped
    assert "best match first" in searched


def test_searching_the_queue_lists_the_matches_best_first_with_the_filters(desk, lena):
    packager = make_ticket(now=NOW, subject="Packager crash on ingest", severity=Severity.MAJOR)
    mentioned = make_ticket(now=NOW, subject="Ingest slow", description="Maybe the packager again")
    services.ticket_assign(ticket=mentioned, assignee=lena.user, actor=lena.user, now=NOW)
    make_ticket(now=NOW, subject="Invoice question")
    response = desk.get("/queue/", {"search": "packager"})
    assert queue_refs(response) == [packager.reference, mentioned.reference]
    assert [(tab["label"], tab["count"]) for tab in response.context["tabs"]] == [
        ("Mine", 1),
        ("Unassigned", 1),
        ("All", 2),
    ]
    # The tabs, the pages and the live refresh keep the search.
    assert response.context["tabs"][0]["url"] == "?scope=mine&search=packager"
    assert 'data-live-url="/queue/live/?search=packager"' in response.content.decode()
    major = desk.get("/queue/", {"search": "packager", "severity": "major"})
    assert queue_refs(major) == [packager.reference]
    assert queue_refs(desk.get("/queue/", {"search": "packager", "scope": "mine"})) == [mentioned.reference]
    assert queue_refs(desk.get("/queue/live/", {"search": packager.reference})) == [packager.reference]


def test_the_queue_says_when_more_tickets_match_than_a_search_shows(desk, lena, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    tickets = [make_ticket(now=NOW, subject=f"Packager crash {i}") for i in range(3)]
    services.ticket_assign(ticket=tickets[0], assignee=lena.user, actor=lena.user, now=NOW)
    response = desk.get("/queue/", {"search": "packager"})
    assert set(queue_refs(response)) == {tickets[2].reference, tickets[1].reference}  # the newest two
    tabs = [(tab["label"], tab["count"], tab["more"]) for tab in response.context["tabs"]]
    assert tabs == [("Mine", 1, False), ("Unassigned", 2, False), ("All", 2, True)]
    page = response.content.decode()
    assert '<span class="count">2+</span>' in page
    assert "More tickets match than a search shows" in page
    mine = desk.get("/queue/", {"search": "packager", "scope": "mine"}).content.decode()
    assert "More tickets match" not in mine


def test_each_tab_counts_its_own_matches_past_the_bound(desk, lena, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    tickets = [make_ticket(now=NOW, subject=f"Packager crash {i}") for i in range(5)]
    for ticket in tickets[:2]:
        services.ticket_assign(ticket=ticket, assignee=lena.user, actor=lena.user, now=NOW)

    def tabs(scope):
        response = desk.get("/queue/", {"search": "packager", "scope": scope})
        counts = [(tab["label"], tab["count"], tab["more"]) for tab in response.context["tabs"]]
        return queue_refs(response), counts

    # Three unassigned match: that tab is past the bound, and so is All, which holds them.
    shown, counts = tabs("unassigned")
    assert set(shown) == {tickets[4].reference, tickets[3].reference}
    assert counts == [("Mine", 2, False), ("Unassigned", 2, True), ("All", 2, True)]
    # Two are Lena's: her tab holds them all, All is past the bound, Unassigned is counted on its own.
    shown, counts = tabs("mine")
    assert set(shown) == {tickets[0].reference, tickets[1].reference}
    assert counts == [("Mine", 2, False), ("Unassigned", 2, True), ("All", 2, True)]
    shown, counts = tabs("all")
    assert set(shown) == {tickets[4].reference, tickets[3].reference}
    assert counts == [("Mine", 2, False), ("Unassigned", 2, True), ("All", 2, True)]
    # Under the bound, every tab is told from the one search of All.
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 5)
    assert tabs("mine")[1] == [("Mine", 2, False), ("Unassigned", 3, False), ("All", 5, False)]


def test_a_search_too_long_is_ignored_like_any_bad_filter(desk):
    ticket = make_ticket(now=NOW)
    response = desk.get("/queue/", {"search": "x" * (SEARCH_MAX_LENGTH + 1)})
    assert response.status_code == 200
    assert queue_refs(response) == [ticket.reference]


@pytest.mark.parametrize(
    ("text", "reference_pk", "words", "prefix"),
    [
        ("SD-1042", 42, ("sd-1042",), True),
        ("sd-1042", 42, ("sd-1042",), True),
        ("1042", 42, ("1042",), True),
        ("SD-1000", None, ("sd-1000",), True),  # no ticket 0
        ("\uff11\uff10\uff14\uff12", None, ("\uff11\uff10\uff14\uff12",), True),  # fullwidth: no reference
        ("Ana Lima", None, ("ana", "lima"), True),
        ("in", None, ("in",), False),  # too short to be a prefix
        ("ana@str", None, ("ana",), True),  # an address being typed: its local part
        ("ana@streamco.example", None, ("ana@streamco.example",), True),
        ("it's a & b | !c", None, ("it", "s", "a", "b", "c"), False),  # the tsquery syntax is dropped
        ("'\\:*()", None, (), False),
    ],
)
def test_search_terms(text, reference_pk, words, prefix):
    terms = search_terms(text)
    assert (terms.reference_pk, terms.words, terms.prefix) == (reference_pk, words, prefix)


def test_the_substring_fallback_finds_the_same_kinds_of_match(lena):
    """What `make run` on SQLite uses, run here on PostgreSQL (icontains behaves the same)."""
    ticket = make_ticket(now=NOW, subject="Packager crash", email="noc@nowhere.example", name="Ana Lima")
    services.ticket_reply(
        ticket=ticket, author=lena.user, body="Shield cache suspected", internal=True, now=NOW
    )
    make_ticket(now=NOW, subject="Other")

    def found(text):
        search = _substrings(search_terms(text), exact=None)
        return [row["pk"] for row in search.candidates(Ticket.objects.all())]

    for text in ("packager", "PACK", "noc@nowhere", "lima", "shield", "ana crash", ticket.reference):
        assert found(text) == [ticket.pk], text
    assert found("packager other") == []
