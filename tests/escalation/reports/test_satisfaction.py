"""The satisfaction report: figures per grouping worked out by hand, who may read it, its period, its panel
on the report page (the same figures, a fixed number of queries), and the public rating endpoint."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.reports.selectors.satisfaction import COMMENTS_SHOWN
from tests.api.conftest import client_for
from tests.escalation.reports.test_pages import table
from tests.factories import CustomerFactory, make_ticket
from tickets import services
from tickets.models import Rating, Score, Severity, Status

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

URL = "/api/v1/reports/satisfaction/"
PAGE = "/reports/sla/"
JUNE = {"from": "2025-06-01", "to": "2025-06-30"}
READ_AT = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def read_later():
    with time_machine.travel(READ_AT, tick=False):
        yield


def resolve(engineer, *, at, severity, email, replier=None):
    """A ticket filed an hour before `at`, answered, and resolved at `at` (assigned to `engineer`, if any)."""
    ticket = make_ticket(now=at - HOUR, severity=severity, email=email)
    if engineer is not None:
        services.ticket_assign(ticket=ticket, assignee=engineer, actor=engineer, now=at - HOUR)
    services.ticket_reply(ticket=ticket, author=engineer or replier, body="Fixed.", now=at - HOUR / 2)
    return services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=None, now=at)


def rate(ticket, score, comment=""):
    ticket.refresh_from_db()
    return services.ticket_rate(ticket=ticket, score=score, comment=comment, now=ticket.resolved_at + HOUR)


@pytest.fixture
def ratings(lena, bob):
    """Six ratings in June 2025 (and one in May, outside the period):

    T1  lena, Kabuki, major,   resolved Mon 06-02 10:00 UTC  good "Fast"      (week 23)
    T2  lena, Kabuki, general, resolved Wed 06-04 10:00 UTC  bad  "Slow"      (week 23)
    T3  bob,  Pixel,  general, resolved Sun 06-08 22:30 UTC  good             (week 23 in UTC; Monday
                                                                              00:30 in Berlin: week 24)
    T4  bob,  none,   urgent,  resolved Tue 06-10 10:00 UTC  good
    T5  nobody, Pixel, major,  resolved Tue 06-10 12:00 UTC  bad  "Nobody came"
    T1  again (reopened), resolved Thu 06-12 10:00 UTC      bad  "Back again" (week 24)
    T6  lena, Kabuki, general, resolved Fri 05-30 10:00 UTC  good             (May: not in the period)
    """
    CustomerFactory(name="Kabuki Live", domains=["kabuki.example"])
    CustomerFactory(name="Pixel Rádio", domains=["pixel.example"])
    t1 = resolve(
        lena.user, at=datetime(2025, 6, 2, 10, tzinfo=UTC), severity=Severity.MAJOR, email="a@kabuki.example"
    )
    rate(t1, Score.GOOD, "Fast")
    t2 = resolve(
        lena.user,
        at=datetime(2025, 6, 4, 10, tzinfo=UTC),
        severity=Severity.GENERAL,
        email="b@kabuki.example",
    )
    rate(t2, Score.BAD, "Slow")
    t3 = resolve(
        bob.user,
        at=datetime(2025, 6, 8, 22, 30, tzinfo=UTC),
        severity=Severity.GENERAL,
        email="c@pixel.example",
    )
    rate(t3, Score.GOOD)
    t4 = resolve(
        bob.user, at=datetime(2025, 6, 10, 10, tzinfo=UTC), severity=Severity.URGENT, email="d@else.example"
    )
    rate(t4, Score.GOOD)
    t5 = resolve(
        None,
        at=datetime(2025, 6, 10, 12, tzinfo=UTC),
        severity=Severity.MAJOR,
        email="e@pixel.example",
        replier=bob.user,
    )
    rate(t5, Score.BAD, "Nobody came")
    services.ticket_reply(
        ticket=t1, author=None, body="It is back.", now=datetime(2025, 6, 11, 10, tzinfo=UTC)
    )
    services.ticket_change_status(
        ticket=t1, status=Status.RESOLVED, actor=lena.user, now=datetime(2025, 6, 12, 10, tzinfo=UTC)
    )
    rate(t1, Score.BAD, "Back again")
    t6 = resolve(
        lena.user,
        at=datetime(2025, 5, 30, 10, tzinfo=UTC),
        severity=Severity.GENERAL,
        email="f@kabuki.example",
    )
    rate(t6, Score.GOOD)
    assert Rating.objects.count() == 7
    return {"t1": t1, "t2": t2, "t5": t5}


def rows(group) -> list[tuple]:
    return [(row["label"], row["good"], row["bad"], row["rated"], row["rate"]) for row in group]


def test_the_figures_per_grouping_as_worked_out_by_hand(as_manager, ratings):
    report = as_manager.get(URL, {**JUNE, "timezone": "UTC"}).json()
    assert rows([report["total"]]) == [("All", 3, 3, 6, 50.0)]
    assert rows(report["engineer"]) == [
        ("Bob Díaz", 2, 0, 2, 100.0),  # T3, T4
        ("Lena Fischer", 1, 2, 3, 33.3),  # T1, T2, T1 again
        ("Nobody assigned", 0, 1, 1, 0.0),  # T5
    ]
    assert [row["key"] for row in report["engineer"]] == ["bob", "lena", None]
    assert rows(report["customer"]) == [
        ("Kabuki Live", 1, 2, 3, 33.3),
        ("Pixel Rádio", 1, 1, 2, 50.0),
        ("No customer", 1, 0, 1, 100.0),
    ]
    assert rows(report["severity"]) == [
        ("General", 1, 1, 2, 50.0),  # T2, T3
        ("Urgent", 1, 0, 1, 100.0),  # T4
        ("Major", 1, 2, 3, 33.3),  # T1, T5, T1 again
    ]
    assert rows(report["week"]) == [("2025-W23", 2, 1, 3, 66.7), ("2025-W24", 1, 2, 3, 33.3)]
    assert [row["key"] for row in report["week"]] == ["2025-06-02", "2025-06-09"]
    assert report["comments_total"] == 4
    assert [(c["ticket"], c["score"], c["comment"]) for c in report["comments"]] == [
        (ratings["t1"].reference, "bad", "Back again"),
        (ratings["t5"].reference, "bad", "Nobody came"),
        (ratings["t2"].reference, "bad", "Slow"),
        (ratings["t1"].reference, "good", "Fast"),
    ]
    assert report["comments"][1]["engineer"] is None and report["comments"][1]["customer"] == "Pixel Rádio"
    assert report["period"] == {
        "start": "2025-06-01T00:00:00Z",
        "end": "2025-07-01T00:00:00Z",
        "timezone": "UTC",
    }


def test_weeks_and_days_are_the_zone_asked_for(as_manager, ratings):
    report = as_manager.get(URL, {**JUNE, "timezone": "Europe/Berlin"}).json()
    # T3 was resolved Monday 00:30 in Berlin: week 24 there.
    assert rows(report["week"]) == [("2025-W23", 1, 1, 2, 50.0), ("2025-W24", 2, 2, 4, 50.0)]
    assert report["period"]["start"] == "2025-05-31T22:00:00Z"
    # The period too: from Monday 06-09 in Berlin takes T3 (Sunday 22:30 UTC) in, in UTC it does not.
    berlin = as_manager.get(
        URL, {"from": "2025-06-09", "to": "2025-06-30", "timezone": "Europe/Berlin"}
    ).json()
    utc = as_manager.get(URL, {"from": "2025-06-09", "to": "2025-06-30", "timezone": "UTC"}).json()
    assert (berlin["total"]["rated"], utc["total"]["rated"]) == (4, 3)


def test_the_default_period_is_the_last_30_days(as_manager, ratings):
    report = as_manager.get(URL).json()  # 2025-05-21 12:00 to 2025-06-20 12:00 UTC: May's T6 too
    assert report["total"]["rated"] == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": ""}, "from"),
        ({"to": ""}, "to"),
        ({"from": "2025-13-01"}, "from"),
        ({"from": "2025-06-10", "to": "2025-06-01"}, "to"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(as_manager, params, field):
    response = as_manager.get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_only_managers_read_it(lena, manager, ratings):
    visitor = get_user_model().objects.create_user("visitor", password="a-Long-password-1")
    assert not manager.is_superuser
    assert client_for().get(URL, JUNE).status_code == 401
    assert client_for(token=ratings["t1"].access_token[:40]).get(URL, JUNE).status_code == 401
    assert client_for(visitor).get(URL, JUNE).status_code == 403
    forbidden = client_for(lena.user).get(URL, JUNE)
    assert (forbidden.status_code, forbidden.json()) == (403, {"detail": "Only managers may do this."})
    assert client_for(manager).get(URL, JUNE).status_code == 200


def test_the_comments_are_capped_and_counted(as_manager, ratings):
    t2 = ratings["t2"]
    base = Rating.objects.get(ticket=t2)
    Rating.objects.bulk_create(
        Rating(
            ticket=t2,
            cycle=100 + n,
            score=Score.GOOD,
            comment=f"note {n}",
            severity=base.severity,
            resolved_at=base.resolved_at + timedelta(minutes=n),
            created_at=base.created_at,
            updated_at=base.created_at,
        )
        for n in range(COMMENTS_SHOWN)
    )
    report = as_manager.get(URL, JUNE).json()
    assert report["comments_total"] == 4 + COMMENTS_SHOWN
    assert len(report["comments"]) == COMMENTS_SHOWN
    assert report["comments"][0]["comment"] == "Back again"  # the newest resolution first


# --- the panel on the report page -----------------------------------------------------------------


@pytest.fixture
def desk(client, manager):
    client.force_login(manager)
    return client


def test_the_panel_shows_what_the_api_says(desk, as_manager, ratings):
    response = desk.get(PAGE, {**JUNE, "timezone": "UTC"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "50.0 % good" in page and "3 good, 3 bad" in page
    api = as_manager.get(URL, {**JUNE, "timezone": "UTC"}).json()
    for group in ("engineer", "customer", "severity", "week"):
        shown = [cells for _, cells in table(response, f"satisfaction-{group}")][1:]  # after the head
        assert shown == [
            [row["label"], str(row["good"]), str(row["bad"]), f"{row['rate']} %"] for row in api[group]
        ]
    assert "Nobody came" in page and "Back again" in page


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"severity": "general"}, "1 good, 1 bad"),  # T2 bad, T3 good
        ({"engineer": "lena"}, "1 good, 2 bad"),  # T1 good, T2 bad, T1 again bad
        ({"engineer": "bob", "severity": "urgent"}, "1 good, 0 bad"),  # T4
        ({"plan": "premium"}, "No resolution in this period was rated."),  # all on the standard plan
    ],
)
def test_the_panel_follows_the_pages_other_filters(desk, as_manager, ratings, params, shown):
    response = desk.get(PAGE, {**JUNE, "timezone": "UTC", **params})
    assert shown in response.content.decode()
    # Its JSON link carries the same filters, and the API counts the same.
    link = response.context["satisfaction_api_url"]
    assert all(f"{key}={value}" in link for key, value in params.items())
    total = as_manager.get(link).json()["total"]
    assert (total["good"], total["bad"]) == (
        (0, 0) if "No resolution" in shown else tuple(int(n) for n in re.findall(r"\d+", shown))
    )


def test_the_panel_says_when_nothing_was_rated(desk, manager):
    page = desk.get(PAGE, JUNE).content.decode()
    assert "No resolution in this period was rated." in page


def test_the_panel_costs_the_same_queries_for_few_ratings_or_many(desk, ratings, lena):
    desk.get(PAGE, JUNE)  # warm: the ledger's verification is cached
    with CaptureQueriesContext(connection) as few:
        desk.get(PAGE, JUNE)
    for n in range(12):
        customer = CustomerFactory(name=f"Customer {n:02d}", domains=[f"c{n}.example"])
        ticket = resolve(
            lena.user,
            at=datetime(2025, 6, 3 + n, 9, tzinfo=UTC),
            severity=Severity.URGENT,
            email=f"x@{customer.domains.first().domain}",
        )
        rate(ticket, (Score.GOOD, Score.BAD)[n % 2], f"comment {n}")
    with CaptureQueriesContext(connection) as many:
        response = desk.get(PAGE, JUNE)
    assert len(table(response, "satisfaction-customer")) == 1 + 3 + 12
    assert len(many) == len(few)


def test_the_report_queries_once_per_grouping(as_manager, ratings):
    as_manager.get(URL, JUNE)
    with CaptureQueriesContext(connection) as queries:
        as_manager.get(URL, JUNE)
    rating_queries = [q for q in queries if "tickets_rating" in q["sql"]]
    assert len(rating_queries) == 6  # the total, engineer, customer, severity, week, the comments


# --- the public endpoint --------------------------------------------------------------------------


def test_the_requester_rates_through_the_api(ratings, lena):
    anon = client_for()
    t5 = ratings["t5"]
    late = anon.post(f"/api/v1/public/tickets/{t5.access_token}/rating/", {"score": "good"}, format="json")
    assert late.status_code == 409 and "can be changed for 7 days only" in late.json()["detail"]
    wrong = anon.post(f"/api/v1/public/tickets/{'x' * 43}/rating/", {"score": "good"}, format="json")
    assert wrong.status_code == 404

    fresh = make_ticket(now=READ_AT - HOUR)
    url = f"/api/v1/public/tickets/{fresh.access_token}/rating/"
    refused = anon.post(url, {"score": "good"}, format="json")
    assert refused.status_code == 409 and "not resolved yet" in refused.json()["detail"]
    services.ticket_assign(ticket=fresh, assignee=lena.user, actor=lena.user, now=READ_AT - HOUR)
    services.ticket_reply(ticket=fresh, author=lena.user, body="Fixed.", now=READ_AT - HOUR)
    services.ticket_change_status(ticket=fresh, status=Status.RESOLVED, actor=lena.user, now=READ_AT - HOUR)
    assert anon.post(url, {"score": "meh"}, format="json").status_code == 400
    created = anon.post(url, {"score": "bad"}, format="json")
    assert (created.status_code, created.json()) == (
        201,
        {
            "ticket": fresh.reference,
            "cycle": 1,
            "score": "bad",
            "comment": "",
            "created_at": "2025-06-20T12:00:00Z",
            "updated_at": "2025-06-20T12:00:00Z",
        },
    )
    with time_machine.travel(READ_AT + HOUR, tick=False):
        changed = anon.post(url, {"score": "good", "comment": "Sorted after all"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["score"], changed.json()["updated_at"]) == ("good", "2025-06-20T13:00:00Z")
    assert Rating.objects.get(ticket=fresh).engineer == lena.user
