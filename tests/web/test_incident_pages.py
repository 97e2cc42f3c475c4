"""The incident page (who may see it, what it shows, its merged timeline) and the open incidents at
the top of the queue; both read in a fixed number of queries."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.incidents.models import (
    Impact,
    Incident,
    IncidentEvent,
    IncidentEventType,
    IncidentStatus,
    IncidentTicket,
    IncidentUpdate,
)
from escalation.incidents.selectors import (
    PAGE_ALERTS_LIMIT,
    EntryKind,
    TimelineEntry,
    incident_for_page,
    incidents_for_queue,
)
from escalation.incidents.services.ingest import alerts_ingest
from escalation.models import Notification
from escalation.roster.services.engineers import manager_ensure
from support_desk.web.presenters import describe_incident_entry
from tests.escalation.incidents.helpers import alert, integration
from tests.factories import NOW, CustomerFactory, UserFactory, make_ticket
from tickets.models import Severity

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=1)  # the pages are looked at an hour after the first alert


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def streamco():
    return CustomerFactory(name="StreamCo", timezone=ZoneInfo("America/Sao_Paulo"))


@pytest.fixture
def pixel():
    return CustomerFactory(name="Pixel")


def open_incident(key: str = "edge-down", *, customers=(), at=NOW, source=None, **fields) -> Incident:
    """An incident opened by a real alert (the ingestion service), as the senders open them."""
    source = source or integration()
    alerts_ingest(
        integration=source,
        alerts=[alert(key=key, customers=tuple(c.name for c in customers), occurred_at=at, **fields)],
        now=at,
    )
    return Incident.objects.get(integration=source, dedup_key=key)


def link_ticket(incident: Incident, *, customer=None, at=NOW, **ticket_fields) -> IncidentTicket:
    ticket = make_ticket(now=at, **ticket_fields)
    return IncidentTicket.objects.create(
        incident=incident,
        ticket=ticket,
        customer=customer,
        opened_for_incident=customer is not None,
        linked_at=at,
    )


def commander_page(incident: Incident, user, *, channel: str, at) -> Notification:
    return Notification.objects.create(
        incident=incident,
        purpose=Notification.Purpose.INCIDENT_PAGE,
        channel=channel,
        recipient="+4930123456" if channel != "email" else user.email,
        recipient_user=user,
        body=f"SD incident {incident.pk}: {incident.title}",
        status=Notification.Status.SENT,
        created_at=at,
        updated_at=at,
    )


def busy_incident(lena, *, alerts: int, customers=(), links: int = 1, updates: int = 1) -> Incident:
    """An incident with `alerts` alerts, a commander who was paged, events, updates and linked tickets."""
    source = integration()
    incident = open_incident(customers=customers, source=source)
    for n in range(1, alerts):
        action = "resolve" if n % 7 == 0 else "trigger"
        alerts_ingest(
            integration=source,
            alerts=[alert(action, key="edge-down", title=f"alert {n}")],
            now=NOW + timedelta(seconds=n),
        )
    Incident.objects.filter(pk=incident.pk).update(commander=lena.user)
    IncidentEvent.objects.create(
        incident=incident,
        type=IncidentEventType.COMMANDER_ASSIGNED,
        at=NOW + timedelta(seconds=1),
        data={"commander": "lena", "by": "follow-the-sun routing"},
    )
    for channel in ("sms", "voice"):
        commander_page(incident, lena.user, channel=channel, at=NOW + timedelta(seconds=2))
    for n in range(updates):
        IncidentUpdate.objects.create(
            incident=incident, body=f"update {n}", author=lena.user, created_at=NOW + timedelta(minutes=5 + n)
        )
    for _ in range(links):
        link_ticket(incident, subject="Players stall", severity=Severity.MAJOR)
    incident.refresh_from_db()
    return incident


def html(response) -> str:
    return response.content.decode()


# --- who may see it --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, streamco):
    incident = open_incident(customers=[streamco])
    url = f"/incidents/{incident.pk}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_a_requesters_private_link_opens_no_incident_page(client, streamco):
    incident = open_incident(customers=[streamco])
    link = link_ticket(incident, customer=streamco)
    assert client.get(f"/t/{link.ticket.access_token}/").status_code == 200  # the private link works
    response = client.get(f"/incidents/{incident.pk}/")
    assert response["Location"].startswith("/accounts/login/")
    # The customer's page names the incident (as the proactive notice does) but never links the desk's page.
    assert f"/incidents/{incident.pk}/" not in html(client.get(f"/t/{link.ticket.access_token}/"))


def test_a_logged_in_user_who_is_not_an_engineer_is_refused(client):
    incident = open_incident()
    client.force_login(UserFactory(username="viewer", is_staff=False))
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 403
    assert "This page is for support engineers" in html(response)


def test_an_engineer_a_manager_and_a_superuser_see_it(client, lena):
    incident = open_incident()
    manager = manager_ensure(username="maria", name="Maria Santos")
    assert not manager.is_superuser
    root = UserFactory(username="root", is_superuser=True)
    for user in (lena.user, manager, root):
        client.force_login(user)
        response = client.get(f"/incidents/{incident.pk}/")
        assert response.status_code == 200, user.username
        assert incident.title in html(response)


def test_an_unknown_incident_is_a_404_and_the_page_is_read_only(desk):
    assert desk.get("/incidents/999999/").status_code == 404
    incident = open_incident()
    assert desk.post(f"/incidents/{incident.pk}/").status_code == 405


# --- what it shows ---------------------------------------------------------------------------------


def test_the_page_shows_the_incident_in_the_engineers_zone(desk, lena, streamco, pixel):
    incident = open_incident(customers=[streamco, pixel])
    Incident.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.RESOLVED,
        acknowledged_at=NOW + timedelta(minutes=2),
        resolved_at=NOW + timedelta(minutes=40),
        impact_ended_at=NOW + timedelta(minutes=30),
        impact=Impact.DEGRADED,
        commander=lena.user,
    )
    response = desk.get(f"/incidents/{incident.pk}/")
    page = html(response)
    assert response.context["zone"] == ZoneInfo("Europe/Berlin")
    assert "edge-down on edge-1" in page
    # NOW is 10:00 UTC, 12:00 in Berlin (CEST) in June.
    assert response.context["incident"].started_at == NOW
    for testid, text in [
        ("started", "Wed 11 Jun, 12:00 CEST"),
        ("acknowledged", "Wed 11 Jun, 12:02 CEST"),
        ("resolved", "Wed 11 Jun, 12:40 CEST"),
        ("impact-ended", "Wed 11 Jun, 12:30 CEST"),
        ("commander", "Lena Fischer"),
        ("customers", "Pixel, StreamCo"),
        ("alert-count", "1, the last Wed 11 Jun, 12:00 CEST"),
        ("status", "Resolved"),
        ("severity", "Major"),
        ("impact", "Impact: degraded"),
    ]:
        assert f'data-testid="{testid}">{text}' in page, testid
    assert "Times are in Europe/Berlin." in page


def test_an_open_incident_says_what_has_not_happened_yet(desk):
    incident = open_incident(source_severity="info")
    page = html(desk.get(f"/incidents/{incident.pk}/"))
    assert incident.severity is None
    assert 'data-testid="severity">No severity (info only)' in page
    assert 'data-testid="acknowledged"><span class="muted">not yet' in page
    assert 'data-testid="impact-ended"><span class="muted">still going on' in page
    assert 'data-testid="commander"><span class="muted">Nobody' in page
    assert 'data-testid="customers">internal' in page
    assert "No ticket is linked to this incident." in page


def test_linked_tickets_link_to_their_ticket_pages(desk, streamco):
    incident = open_incident(customers=[streamco])
    opened = link_ticket(incident, customer=streamco, subject="StreamCo: edge down", email="ops@s.example")
    linked = link_ticket(incident, at=NOW + timedelta(minutes=3), subject="Players stall in Lisbon")
    page = html(desk.get(f"/incidents/{incident.pk}/"))
    for link, words in ((opened, "opened for the incident"), (linked, "linked")):
        ticket = link.ticket
        assert f'href="/tickets/{ticket.reference}/"' in page
        assert ticket.subject in page
        assert f"{ticket.requester.email} · {words}" in page
    assert page.index(opened.ticket.reference) < page.index(linked.ticket.reference)


def test_the_timeline_merges_alerts_events_updates_and_pages_by_time(desk, lena):
    source = integration()
    incident = open_incident(source=source, title="Edge 5xx above 5 %")

    def at(**span):
        return NOW + timedelta(**span)

    IncidentEvent.objects.create(
        incident=incident,
        type=IncidentEventType.COMMANDER_ASSIGNED,
        at=at(seconds=1),
        data={"commander": "lena", "by": "follow-the-sun routing"},
    )
    commander_page(incident, lena.user, channel="sms", at=at(seconds=2))
    IncidentEvent.objects.create(
        incident=incident, type=IncidentEventType.ACKNOWLEDGED, at=at(minutes=3), actor=lena.user
    )
    IncidentUpdate.objects.create(
        incident=incident, body="We are rerouting traffic.", author=lena.user, created_at=at(minutes=4)
    )
    alerts_ingest(integration=source, alerts=[alert("resolve", key="edge-down")], now=at(minutes=9))

    selected = incident_for_page(incident_id=incident.pk)
    assert [e.kind for e in selected.timeline] == [
        EntryKind.ALERT,
        EntryKind.EVENT,
        EntryKind.PAGE,
        EntryKind.EVENT,
        EntryKind.UPDATE,
        EntryKind.ALERT,
    ]
    assert [e.at for e in selected.timeline] == sorted(e.at for e in selected.timeline)

    response = desk.get(f"/incidents/{incident.pk}/")
    texts = [text for _entry, text in response.context["timeline"]]
    assert texts == [
        "Alert fired (critical): Edge 5xx above 5 %",
        "Commander: Lena Fischer (follow-the-sun routing)",
        "SMS page to Lena Fischer: sent",
        "Acknowledged by Lena Fischer",
        "Public update from Lena Fischer",
        "Alert resolved (critical): edge-down on edge-1",
    ]
    page = html(response)
    assert "We are rerouting traffic." in page
    assert "Wed 11 Jun, 12:04 CEST" in page  # the update, in the engineer's zone


def test_the_timeline_holds_the_latest_alerts_and_counts_them_all(desk, lena, settings):
    settings.INCIDENT_REOPEN_SECONDS = 0
    incident = busy_incident(lena, alerts=PAGE_ALERTS_LIMIT + 5)
    selected = incident_for_page(incident_id=incident.pk)
    alerts = [e.item for e in selected.timeline if e.kind == EntryKind.ALERT]
    assert (selected.alerts_total, selected.alerts_shown, selected.alerts_hidden) == (205, 200, 5)
    assert len(alerts) == PAGE_ALERTS_LIMIT
    assert alerts[0].summary == "alert 5" and alerts[-1].summary == f"alert {PAGE_ALERTS_LIMIT + 4}"
    page = html(desk.get(f"/incidents/{incident.pk}/"))
    assert 'data-testid="alert-count">205,' in page
    assert "5 earlier alerts not shown: the timeline holds the latest 200." in page


def test_the_actions_are_on_an_open_incidents_page_and_gone_once_it_is_resolved(desk, lena):
    incident = open_incident()
    page = html(desk.get(f"/incidents/{incident.pk}/"))
    for action in ("acknowledge", "update", "commander", "resolve"):
        assert f'action="/incidents/{incident.pk}/{action}/"' in page
    assert f'action="/incidents/{incident.pk}/impact/"' not in page  # managers only
    desk.post(f"/incidents/{incident.pk}/resolve/", {"resolve-final_update": ""})
    page = html(desk.get(f"/incidents/{incident.pk}/"))
    assert f'action="/incidents/{incident.pk}/update/"' not in page


# --- the queue's incident rows ---------------------------------------------------------------------


def test_open_incidents_top_the_queue_newest_first_and_resolved_ones_do_not(desk, streamco, pixel):
    older = open_incident("origin-5xx", customers=[streamco, pixel], at=NOW - timedelta(minutes=20))
    newer = open_incident("cpu-high", at=NOW - timedelta(minutes=5), source_severity="warning")
    gone = open_incident("disk-full", at=NOW - timedelta(minutes=1))
    Incident.objects.filter(pk=gone.pk).update(status=IncidentStatus.RESOLVED, resolved_at=NOW)
    link_ticket(older, customer=streamco)
    link_ticket(older)
    Incident.objects.filter(pk=newer.pk).update(
        status=IncidentStatus.ACKNOWLEDGED, acknowledged_at=NOW - timedelta(minutes=4)
    )
    ticket = make_ticket(now=NOW, subject="A ticket in the queue")

    response = desk.get("/queue/")
    page = html(response)
    assert [incident.pk for incident, _ in response.context["incidents"]] == [newer.pk, older.pk]
    rows = {incident.pk: (incident, words) for incident, words in response.context["incidents"]}
    assert rows[older.pk][0].linked_tickets == 2 and rows[older.pk][1] == "Pixel, StreamCo"
    assert rows[newer.pk][0].linked_tickets == 0 and rows[newer.pk][1] == "internal"
    assert f'href="/incidents/{older.pk}/"' in page and f'href="/incidents/{newer.pk}/"' in page
    assert f'href="/incidents/{gone.pk}/"' not in page
    assert f'data-incident="{newer.pk}"' in page
    assert "Acknowledged" in page and "General" in page
    assert page.index('data-testid="open-incidents"') < page.index(ticket.reference)
    assert "open-incidents" in html(desk.get("/queue/live/"))  # the part that refreshes holds them


def test_the_queue_has_no_incident_section_when_none_is_open(desk):
    assert 'data-testid="open-incidents"' not in html(desk.get("/queue/"))


def test_the_queue_shows_the_newest_open_incidents_and_says_how_many_more():
    source = integration()
    for n in range(23):
        open_incident(f"key-{n}", at=NOW - timedelta(minutes=n), source=source)
    selected = incidents_for_queue(limit=20)
    assert selected.total == 23
    assert [i.dedup_key for i in selected.incidents] == [f"key-{n}" for n in range(20)]


def test_the_queue_page_says_how_many_open_incidents_it_leaves_out(desk):
    source = integration()
    for n in range(22):
        open_incident(f"key-{n}", at=NOW - timedelta(minutes=n), source=source)
    page = html(desk.get("/queue/"))
    assert "and 2 older open incidents not shown" in page


# --- query counts ----------------------------------------------------------------------------------

# incident (+ integration, commander), customers, ticket links (+ ticket, customer, requester), the
# latest alerts with their total, events (+ actor), updates (+ author), the commander's pages
# (+ recipient)
INCIDENT_SELECTOR_QUERIES = 7
# session, user, the selector's 7, the names of the commanders the events mention, engineer's zone,
# whether the viewer is a manager (the impact window's form), the engineers who may command it
INCIDENT_PAGE_QUERIES = 13


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_incident_selector_reads_in_a_fixed_number_of_queries(
    lena, streamco, pixel, django_assert_num_queries, settings
):
    settings.INCIDENT_REOPEN_SECONDS = 0
    quiet = busy_incident(lena, alerts=2, customers=[streamco], links=1, updates=1)
    busy = busy_incident(lena, alerts=20, customers=[streamco, pixel], links=6, updates=5)
    for incident, tickets, customers in ((quiet, 1, ["StreamCo"]), (busy, 6, ["Pixel", "StreamCo"])):
        with django_assert_num_queries(INCIDENT_SELECTOR_QUERIES):
            selected = incident_for_page(incident_id=incident.pk)
            # everything the page reads, related rows included, comes with those queries
            emails = {link.ticket.requester.email for link in selected.ticket_links}
            people = {
                person.username
                for entry in selected.timeline
                for person in (
                    getattr(entry.item, "actor", None),
                    getattr(entry.item, "author", None),
                    getattr(entry.item, "recipient_user", None),
                )
                if person is not None
            }
            names = [c.name for c in selected.incident.customers.all()]
            source = selected.incident.integration.name
            commander = selected.incident.commander.username
        assert (len(selected.ticket_links), len(emails), names) == (tickets, tickets, customers)
        assert people == {"lena"} and commander == "lena" and source == "events_v2 source"
        kinds = {entry.kind for entry in selected.timeline}
        assert kinds == {EntryKind.ALERT, EntryKind.EVENT, EntryKind.UPDATE, EntryKind.PAGE}
    with django_assert_num_queries(1):
        assert incident_for_page(incident_id=999999) is None


def test_the_incident_page_runs_the_same_queries_for_2_and_20_alerts(desk, lena, streamco, pixel, settings):
    settings.INCIDENT_REOPEN_SECONDS = 0
    quiet = busy_incident(lena, alerts=2, customers=[streamco], links=1, updates=1)
    busy = busy_incident(lena, alerts=20, customers=[streamco, pixel], links=6, updates=5)
    desk.get(f"/incidents/{quiet.pk}/")  # warm up the session
    few = count_queries(desk, f"/incidents/{quiet.pk}/")
    many = count_queries(desk, f"/incidents/{busy.pk}/")
    assert few == many == INCIDENT_PAGE_QUERIES


def test_the_queue_selector_is_two_queries_for_2_and_20_incidents(streamco, pixel, django_assert_num_queries):
    source = integration()

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            incident = open_incident(
                f"key-{n}", customers=[streamco, pixel][: n % 3], at=NOW - timedelta(minutes=n), source=source
            )
            for _ in range(n % 3):
                link_ticket(incident)

    add(2, 0)
    with django_assert_num_queries(2):  # the incidents with their counts, their customers
        few = incidents_for_queue()
        [(i.customer_names, i.linked_tickets) for i in few.incidents]
    add(18, 2)
    with django_assert_num_queries(2):
        many = incidents_for_queue()
        [(i.customer_names, i.linked_tickets) for i in many.incidents]
    assert (few.total, many.total, len(many.incidents)) == (2, 20, 20)
    by_key = {i.dedup_key: i for i in many.incidents}
    assert by_key["key-2"].customer_names == ["Pixel", "StreamCo"] and by_key["key-2"].linked_tickets == 2
    assert by_key["key-3"].customer_names == [] and by_key["key-3"].linked_tickets == 0


# --- the timeline in words (pure) ------------------------------------------------------------------

EVENT_DATA = {
    IncidentEventType.OPENED: ({}, "Opened by an alert"),
    IncidentEventType.REOPENED: ({}, "Reopened: the alert fired again soon after it resolved"),
    IncidentEventType.ACKNOWLEDGED: ({}, "Acknowledged by Lena Fischer"),
    IncidentEventType.RESOLVED: ({}, "Resolved by Lena Fischer"),
    IncidentEventType.IMPACT_CHANGED: (
        {"from": "outage", "to": "degraded"},
        "Impact outage → degraded by Lena Fischer",
    ),
    IncidentEventType.IMPACT_WINDOW_EDITED: (
        {"reason": "The CDN was up until 10:05", "started_at": {}, "impact_ended_at": {}},
        "Impact window edited by Lena Fischer: The CDN was up until 10:05",
    ),
    IncidentEventType.COMMANDER_ASSIGNED: ({"commander": "aiko"}, "Commander: Aiko Tanaka by Lena Fischer"),
    IncidentEventType.COMMANDER_PAGED: (
        {"commander": "aiko", "channels": ["sms", "voice"], "statuses": ["sent", "queued"]},
        "Commander Aiko Tanaka paged (sms, voice)",
    ),
    IncidentEventType.CUSTOMERS_CHANGED: (
        {"added": ["Pixel"], "removed": [3]},
        "Customers changed: added Pixel; removed 1 by Lena Fischer",
    ),
    IncidentEventType.TICKET_OPENED: (
        {"ticket": "SD-1001", "customer": "StreamCo"},
        "Ticket SD-1001 opened for StreamCo",
    ),
    IncidentEventType.TICKET_LINKED: ({"ticket": "SD-1002"}, "Ticket SD-1002 linked by Lena Fischer"),
    IncidentEventType.TICKET_UNLINKED: ({"ticket": "SD-1002"}, "Ticket SD-1002 unlinked by Lena Fischer"),
    IncidentEventType.PUBLIC_UPDATE: ({"update": 4}, "Public update posted by Lena Fischer"),
    IncidentEventType.TICKETS_RESOLVED: (
        {"resolved": ["SD-1001", "SD-1002"], "refused": {"SD-1003": "closed"}},
        "Linked tickets resolved: 2, 1 could not be",
    ),
}


def test_every_event_type_has_its_words():
    assert set(EVENT_DATA) == set(IncidentEventType.values)
    lena = UserFactory.build(username="lena", first_name="Lena", last_name="Fischer")
    for kind, (data, words) in EVENT_DATA.items():
        event = IncidentEvent(type=kind, at=NOW, actor=lena, data=data)
        entry = TimelineEntry(NOW, EntryKind.EVENT, event)
        assert describe_incident_entry(entry, {"aiko": "Aiko Tanaka"}) == words, kind
