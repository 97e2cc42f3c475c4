"""Each page runs a fixed number of queries, whatever the queue or the ticket holds.

The few-versus-many comparison is the guarantee; the expected counts document what each query is for,
so a new query shows up here as a deliberate change.
"""

from datetime import date, timedelta
from itertools import cycle
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.incidents.models import IncidentTicket
from escalation.incidents.services.ingest import alerts_ingest
from escalation.models import BusinessCalendar, Holiday, Notification
from tests.escalation.incidents.helpers import alert, integration
from tests.factories import NOW, CustomerFactory, make_engineer, make_page, make_ticket
from tickets import services
from tickets.models import Customer, CustomerContact, Plan, Severity, Status

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=1)

# session, user, policies, scope counts from the tallies (also the page count), roster (+ users,
# load from the tallies), engineer's zone, the open incidents (linked tickets and total in the same
# query), their customers' names, page of tickets (+ customer, requester, assignee, clock,
# calendar), their calendars' holidays, my tickets (+ the same), their calendars' holidays
QUEUE_QUERIES = 12
# Searched: the newest matches with their assignees instead of the tallies (they give all three tabs'
# counts unless more than SEARCH_CANDIDATES match), inside a transaction that plans them for their words
# (a savepoint in the test's, its SET LOCAL, its release), then their order; the page is read by key. On
# the Mine or Unassigned tab, that tab's newest matches first (past the bound, All's need no query).
SEARCHED_QUEUE_QUERIES = QUEUE_QUERIES + 3 + 1
SEARCHED_TAB_QUEUE_QUERIES = SEARCHED_QUEUE_QUERIES + 1
# session, user, ticket (+ requester, customer, assignee, follow-up-of, clock, calendar), messages (+
# authors), their attachments, events (+ actors), follow-ups, holidays, ledger, pages (+ who
# acknowledged), their notifications, the names of engineers the timeline mentions, engineer's zone,
# assignable engineers (+ their Engineer rows), the canned replies the engineer may use (issue 16),
# whether mail to the requester bounces (issue 17)
TICKET_PAGE_QUERIES = 16
# ticket (+ requester, customer, clock, calendar), public messages, their attachments, holidays, follow-ups,
# ratings (the rating panel of a resolved ticket)
CUSTOMER_PAGE_QUERIES = 6

# the view's transaction (a savepoint inside the test's; BEGIN and COMMIT, not counted, when served),
# the requester's standing (customer by email domain, contact, confirmed); the configuration version
# (once: the SLA target with its calendar and the escalation policy with its steps are cached per
# process and version: escalation.sla.config_cache); requester, ticket, message, event, the
# "received" email, the clock and the alarms in one statement; the savepoint's release
FORM_FILING_QUERIES = 5


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def team():
    return [
        make_engineer("lena", zone="Europe/Berlin"),
        make_engineer("aiko", zone="Asia/Tokyo"),
        make_engineer("maya", zone="America/New_York"),
    ]


@pytest.fixture
def desk(client, team):
    client.force_login(team[0].user)
    return client


@pytest.fixture(autouse=True)
def holidays():
    business = BusinessCalendar.objects.get(kind=BusinessCalendar.Kind.BUSINESS)
    Holiday.objects.create(calendar=business, date=date(2025, 12, 25), name="Christmas")
    Holiday.objects.create(calendar=business, date=date(2025, 6, 19), name="Juneteenth")


@pytest.fixture(autouse=True)
def customers():
    CustomerFactory(
        name="StreamCo", plan=Plan.PREMIUM, timezone=ZoneInfo("America/Sao_Paulo"), domains=["s.example"]
    )
    CustomerFactory(
        name="Pixel", plan=Plan.STANDARD, timezone=ZoneInfo("Europe/Berlin"), domains=["p.example"]
    )


def fill_queue(count: int, team) -> None:
    """Tickets of every severity, plan, zone, assignee and state, as a real queue holds them."""
    severities = cycle(Severity.values)
    emails = cycle(["ops@s.example", "dev@p.example", "a@nowhere.example"])
    assignees = cycle([team[0].user, None, team[1].user, team[2].user])
    for n in range(count):
        ticket = make_ticket(now=NOW - timedelta(minutes=n), severity=next(severities), email=next(emails))
        assignee = next(assignees)
        if assignee is not None:
            services.ticket_assign(ticket=ticket, assignee=assignee, actor=assignee, now=NOW)
            if n % 3 == 0:
                services.ticket_reply(ticket=ticket, author=assignee, body="On it.", now=NOW)
            if n % 6 == 0:
                services.ticket_change_status(
                    ticket=ticket, status=Status.WAITING_ON_CUSTOMER, actor=assignee, now=NOW
                )


def fill_incidents(count: int, start: int = 0) -> None:
    """Open incidents: internal ones and ones affecting one or both customers, some with tickets."""
    source = integration()
    names = cycle([(), ("StreamCo",), ("StreamCo", "Pixel")])
    for n in range(start, start + count):
        key = f"edge-{n}"
        alerts_ingest(
            integration=source,
            alerts=[alert(key=key, customers=next(names), occurred_at=NOW - timedelta(minutes=n))],
            now=NOW,
        )
        if n % 2:
            IncidentTicket.objects.create(
                incident=source.incidents.get(dedup_key=key), ticket=make_ticket(now=NOW), linked_at=NOW
            )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/queue/",
        "/queue/live/",
        "/queue/?scope=mine&status=any&page=2",
        # Searched: see SEARCHED_QUEUE_QUERIES.
        "/queue/?search=stream",
        "/queue/live/?search=drops&scope=unassigned&severity=general",
    ],
)
def test_the_queue_runs_the_same_queries_for_1_and_40_tickets_and_2_and_22_incidents(
    desk, team, url, django_assert_max_num_queries
):
    fill_queue(1, team)
    fill_incidents(2)
    desk.get(url)  # warm up the session
    few = count_queries(desk, url)
    fill_queue(39, team)
    fill_incidents(20, start=2)
    with django_assert_max_num_queries(few):
        response = desk.get(url)
    assert response.context["page"].paginator.count >= 10
    assert len(response.context["incidents"]) == 20 and response.context["incidents_more"] == 2
    if "search=" not in url:
        assert few == QUEUE_QUERIES
    else:
        assert few == (SEARCHED_TAB_QUEUE_QUERIES if "scope=" in url else SEARCHED_QUEUE_QUERIES)


def _busy_ticket(team, messages: int):
    ticket = make_ticket(now=NOW, severity=Severity.URGENT)
    lena, aiko = team[0].user, team[1].user
    services.ticket_assign(ticket=ticket, assignee=lena, actor=lena, now=NOW)
    for n in range(messages):
        at = NOW + timedelta(seconds=n)
        author = (lena, aiko, None)[n % 3]
        message = services.ticket_reply(
            ticket=ticket,
            author=author,
            body=f"message {n}",
            internal=author is not None and n % 4 == 1,
            now=at,
        )
        services.attachment_add(
            message=message,
            file=SimpleUploadedFile(f"log{n}.txt", b"x"),
            name=f"log{n}.txt",
            content_type="text/plain",
            now=at,
        )
        if author is not None and n % 5 == 0:
            services.ticket_assign(
                ticket=ticket,
                assignee=aiko if author == lena else lena,
                actor=author,
                now=at,
                confirm_off_shift=True,  # Aiko (Tokyo) is off shift at NOW
            )
    for step in range(1, 1 + messages // 5):
        page = make_page(ticket, step=step, fired_at=NOW + timedelta(minutes=step))
        for channel in ("sms", "voice"):
            Notification.objects.create(
                ticket=ticket,
                escalation=page,
                purpose=Notification.Purpose.ESCALATION,
                channel=channel,
                recipient="+4930123456",
                body="SD page",
                created_at=NOW,
                updated_at=NOW,
            )
    ticket.refresh_from_db()
    if messages >= 10:
        services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=lena, now=LATER)
        services.ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=lena, now=LATER)
        for n in range(messages // 10):
            services.ticket_reply(ticket=ticket, author=None, body=f"again {n}", now=LATER)  # follow-ups
    return ticket


def test_the_ticket_page_runs_the_same_queries_for_few_and_many_messages(
    desk, team, django_assert_max_num_queries
):
    quiet, busy = _busy_ticket(team, 5), _busy_ticket(team, 40)
    assert quiet.messages.count() == 6 and quiet.escalations.count() == 1
    assert busy.messages.count() == 41 and busy.events.count() > 50 and busy.follow_ups.count() == 4
    desk.get(f"/tickets/{quiet.reference}/")
    few = count_queries(desk, f"/tickets/{quiet.reference}/")
    with django_assert_max_num_queries(few):
        desk.get(f"/tickets/{busy.reference}/")
    assert few == TICKET_PAGE_QUERIES


def test_the_customer_page_runs_the_same_queries_for_few_and_many_messages(
    client, team, django_assert_max_num_queries
):
    quiet, busy = _busy_ticket(team, 5), _busy_ticket(team, 40)
    few = count_queries(client, f"/t/{quiet.access_token}/")
    with django_assert_max_num_queries(few):
        client.get(f"/t/{busy.access_token}/")
    assert few == CUSTOMER_PAGE_QUERIES


def test_filing_the_public_form_costs_a_fixed_number_of_queries(client):
    form = {
        "severity": Severity.MAJOR,
        "subject": "Stream down in Lisbon",
        "description": "Viewers see a black screen since 10:55.",
        "email": "ops@s.example",
        "name": "Ana Costa",
        "timezone": "Europe/Lisbon",
        "website": "",
    }
    streamco = Customer.objects.get(name="StreamCo")
    for contact in ("ops@s.example", "noc@s.example"):  # the customer's contacts: trusted
        CustomerContact.objects.create(customer=streamco, email=contact)
    # Warm: the first request of a connection may read more (content types), and each plan's targets
    # are read once, then cached (a contact files on premium, an unconfirmed address on standard).
    client.post("/", form)
    client.post("/", {**form, "email": "warm@s.example"})
    with CaptureQueriesContext(connection) as filing:
        response = client.post("/", {**form, "email": "noc@s.example"})
    assert response.status_code == 302
    assert len(filing) == FORM_FILING_QUERIES, "\n".join(q["sql"] for q in filing)
    # An unconfirmed address at the domain: the hourly claim on a confirmation email, and that email.
    with CaptureQueriesContext(connection) as filing:
        response = client.post("/", {**form, "email": "new@s.example"})
    assert response.status_code == 302
    assert len(filing) == FORM_FILING_QUERIES + 2, "\n".join(q["sql"] for q in filing)
