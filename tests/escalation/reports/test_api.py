"""The reporting endpoints of the API: shapes, filters, parameters refused, roles, and query counts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Engineer, Region
from tests.api.conftest import client_for
from tests.escalation.reports.conftest import JUNE, READ_AT
from tests.escalation.sla.test_ledger import tamper
from tests.factories import NOW, CustomerFactory, make_engineer, make_ticket
from tickets import services
from tickets.models import Severity

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

REPORT = "/api/v1/reports/sla/"
BREACHES = "/api/v1/reports/sla/breaches/"
TRENDS = "/api/v1/reports/sla/trends/"
CREDITS = "/api/v1/reports/credits/"
COVERAGE = "/api/v1/reports/coverage/"
INTEGRITY = "/api/v1/reports/ledger-integrity/"


@pytest.fixture(autouse=True)
def read_later():
    with time_machine.travel(READ_AT, tick=False):
        yield


def get(client, path, **params) -> dict:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_report_has_every_figure_of_each_group(as_manager, history):
    body = get(as_manager, REPORT, **JUNE, group_by="severity")
    assert (body["from"], body["to"], body["timezone"]) == (
        "2025-06-01T00:00:00Z",
        "2025-07-01T00:00:00Z",
        "UTC",
    )
    assert body["filters"] == {
        "severity": None,
        "plan": None,
        "customer": None,
        "engineer": None,
        "region": None,
    }
    major = next(group for group in body["groups"] if group["key"] == "major")
    assert major == {
        "key": "major",
        "label": "major",
        "tickets": 3,
        "met": 2,
        "breached": 2,
        "compliance": 50.0,
        "first_response": {"p50": "00:25:00", "p90": "00:37:00"},
        "resolution": {"p50": "02:00:00", "p90": "02:00:00"},
        "first_response_wall": {"p50": "00:25:00", "p90": "00:37:00"},
        "resolution_wall": {"p50": "02:00:00", "p90": "02:00:00"},
        "paused": "00:00:00",
        "escalations": 3,
        "pages_acknowledged": 2,
        "time_to_acknowledge": {"p50": "00:06:30", "p90": "00:09:18"},
    }
    assert body["total"]["resolution_wall"] == {"p50": "15:00:00", "p90": "1 01:24:00"}


def test_days_are_read_in_the_managers_zone_or_the_one_asked_for(as_manager, manager, history):
    Engineer.objects.create(user=manager, timezone="Asia/Tokyo", region=Region.APAC, active=False)
    tokyo = get(as_manager, REPORT, **JUNE)
    assert (tokyo["from"], tokyo["to"], tokyo["timezone"]) == (
        "2025-05-31T15:00:00Z",
        "2025-06-30T15:00:00Z",
        "Asia/Tokyo",
    )
    berlin = get(as_manager, REPORT, **JUNE, timezone="Europe/Berlin")
    assert (berlin["from"], berlin["timezone"]) == ("2025-05-31T22:00:00Z", "Europe/Berlin")
    # Instants are taken as they are.
    exact = get(as_manager, REPORT, **{"from": "2025-06-11T10:15:00Z", "to": "2025-06-11T10:16:00Z"})
    assert (exact["total"]["met"], exact["total"]["breached"]) == (1, 2)  # A's, B's and C's first responses


def test_filters(as_manager, history):
    body = get(as_manager, REPORT, **JUNE, group_by="engineer", region="emea", severity="major")
    assert [(g["label"], g["tickets"], g["met"]) for g in body["groups"]] == [("lena", 1, 2)]
    assert body["filters"]["region"] == "emea"
    by_customer = get(as_manager, REPORT, **JUNE, customer=history.kabuki.pk, engineer="bob")
    assert (by_customer["total"]["tickets"], by_customer["total"]["breached"]) == (1, 1)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"from": "2025-02-30"},
            {"from": ["Enter a day (2025-06-01) or an ISO 8601 date and time (2025-06-01T09:00:00+02:00)."]},
        ),
        ({"from": "2025-06-02", "to": "2025-06-01"}, {"to": ["`to` must be after `from`."]}),
        (
            {"from": "2021-01-01", "to": "2025-01-01"},
            {"to": ["A report covers at most 731 days; choose a shorter period."]},
        ),
        ({"to": "9999-01-01"}, {"to": ["Enter a time between 1970 and 2200."]}),
        (
            {"timezone": "Mars/Olympus"},
            {"timezone": ["Unknown timezone 'Mars/Olympus'; use an IANA name such as Europe/Berlin."]},
        ),
        (
            {"group_by": "weather", "region": "moon"},
            {"group_by": ['"weather" is not a valid choice.'], "region": ['"moon" is not a valid choice.']},
        ),
    ],
)
def test_bad_parameters_are_400s_naming_each(as_manager, params, errors):
    response = as_manager.get(REPORT, params)
    assert response.status_code == 400
    assert response.json() == errors


def test_the_breach_list(as_manager, history):
    body = get(as_manager, BREACHES, **JUNE)
    assert body["count"] == 3
    d, c, b = body["results"]
    assert d == {
        "ticket": history.d.reference,
        "url": f"http://testserver/tickets/{history.d.reference}/",
        "subject": "Stats, “lag”",
        "customer": {"id": history.pixel.pk, "name": 'Pixel "Rádio", Lisboa'},
        "severity": "general",
        "plan": "standard",
        "metric": "first_response",
        "cycle": 1,
        "engineer": "lena",
        "started_at": "2025-06-11T10:00:00Z",
        "promised_at": "2025-06-11T14:00:00Z",
        "achieved_at": "2025-06-12T08:00:00Z",
        "open": False,
        "overshoot": "03:00:00",
        "late_by": "18:00:00",
        "highest_step": 0,
    }
    assert (c["open"], c["achieved_at"], c["overshoot"], c["late_by"], c["highest_step"]) == (
        True,
        None,
        None,
        "9 01:45:00",  # from 10:15 on the 11th to noon on the 20th
        1,
    )
    assert (b["ticket"], b["overshoot"], b["highest_step"]) == (history.b.reference, "00:25:00", 2)
    assert (
        get(as_manager, BREACHES, **JUNE, page_size=1, page=2)["results"][0]["ticket"] == history.c.reference
    )


def test_the_trends(as_manager, history):
    body = get(as_manager, TRENDS, **JUNE, timezone="Europe/Berlin")
    assert body["interval"] == "day" and len(body["points"]) == 30
    assert body["points"][10] == {"start": "2025-06-11", "met": 2, "breached": 3, "compliance": 40.0}
    assert body["points"][0] == {"start": "2025-06-01", "met": 0, "breached": 0, "compliance": None}
    assert len(body["heatmap"]) == 168
    assert {(c["weekday"], c["hour"]): c["breaches"] for c in body["heatmap"] if c["breaches"]} == {
        (3, 12): 2,
        (3, 16): 1,
    }
    weekly = get(as_manager, TRENDS, **JUNE, interval="week")
    assert [p["start"] for p in weekly["points"]][:3] == ["2025-05-26", "2025-06-02", "2025-06-09"]
    assert len(weekly["points"]) == 6


def test_the_credits(as_manager, history):
    body = get(as_manager, CREDITS, month="2025-06")  # read on 20 June: the month to date
    assert (body["month"], body["final"], body["from"], body["to"]) == (
        "2025-06",
        False,
        "2025-06-01T00:00:00Z",
        "2025-07-01T00:00:00Z",
    )
    kabuki, pixel = body["results"]
    assert kabuki == {
        "customer": {"id": history.kabuki.pk, "name": "Kabuki Live", "plan": "premium"},
        "monthly_fee": "1000.00",
        "currency": "USD",
        "major_first_response_breaches": 2,
        "other_breaches": 0,
        "percent": "10.00",
        "capped": False,
        "credit": "100.00",
        "terms": {
            "major_first_response_percent": "5.00",
            "other_breach_percent": "2.00",
            "cap_percent": "30.00",
        },
    }
    assert (pixel["credit"], pixel["currency"]) == ("5.00", "EUR")
    assert as_manager.get(CREDITS, {"month": "2025-13"}).json() == {
        "month": ["Write a month as YYYY-MM, e.g. 2025-06."]
    }


def test_the_credits_default_to_the_last_complete_month(as_manager, history):
    """Credits are billed per closed month: read on 20 June, May's; read on 1 July, June's (final)."""
    may = get(as_manager, CREDITS)
    assert (may["month"], may["final"], may["from"], may["results"]) == (
        "2025-05",
        True,
        "2025-05-01T00:00:00Z",
        [],
    )
    with time_machine.travel(datetime(2025, 7, 1, 0, 30, tzinfo=UTC), tick=False):
        june = get(as_manager, CREDITS)
        assert (june["month"], june["final"], [r["credit"] for r in june["results"]]) == (
            "2025-06",
            True,
            ["100.00", "5.00"],
        )
        july = get(as_manager, CREDITS, month="2025-07")
        assert (july["month"], july["final"], july["results"]) == ("2025-07", False, [])


def test_a_changed_rule_changes_the_credit(as_manager, history):
    from tickets.models import CreditRule

    CreditRule.objects.filter(plan="premium").update(major_first_response_percent=20, cap_percent=25)
    kabuki = get(as_manager, CREDITS, month="2025-06")["results"][0]
    assert (kabuki["percent"], kabuki["capped"], kabuki["credit"]) == ("25.00", True, "250.00")


def test_the_coverage(as_manager, db):
    make_engineer("lena", zone="Europe/Berlin", region=Region.EMEA)
    body = get(as_manager, COVERAGE, week="2025-06-18", timezone="Europe/Berlin")
    local, utc = body["local"], body["utc"]
    assert (local["week_start"], local["from"], local["to"]) == (
        "2025-06-16",
        "2025-06-15T22:00:00Z",
        "2025-06-22T22:00:00Z",
    )
    assert (utc["from"], utc["timezone"]) == ("2025-06-16T00:00:00Z", "UTC")
    assert len(local["hours"]) == len(utc["hours"]) == 168
    nine = local["hours"][9]
    assert (nine["day"], nine["hour"], nine["state"], nine["on_shift"], nine["gap_minutes"]) == (
        "2025-06-16",
        9,
        "covered",
        ["lena"],
        0.0,
    )
    assert local["gaps"][0] == {
        "start": "2025-06-15T22:00:00Z",
        "end": "2025-06-16T07:00:00Z",
        "minutes": 540.0,
        "text": "Mon 16 Jun 00:00-09:00 CEST",
    }
    assert utc["gaps"][0]["text"] == "Mon 16 Jun 00:00-07:00 UTC"
    assert as_manager.get(COVERAGE, {"week": "0001-01-01"}).json() == {
        "week": ["Choose a day between 1970 and 2200."]
    }


def test_the_ledger_integrity(as_manager, history):
    verified = get(as_manager, INTEGRITY)
    assert (verified["verified"], verified["rows"], verified["faults"]) == (True, 7, [])
    tamper("UPDATE escalation_ledgerentry SET met = true WHERE seq = 3")
    assert get(as_manager, INTEGRITY)["verified"] is True  # the last walk is reused for a while
    broken = get(as_manager, INTEGRITY, refresh="true")
    assert broken["verified"] is False
    assert broken["faults"][0].startswith("ledger row #3 ")
    assert "do not match its hash" in broken["faults"][0]


# --- who may read reports, and what they cost --------------------------------------------------------

ENDPOINTS = [REPORT, BREACHES, TRENDS, CREDITS, COVERAGE, INTEGRITY]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_only_managers_read_reports(path, lena, manager, history):
    visitor = get_user_model().objects.create_user("visitor", password="a-Long-password-1")
    superuser = get_user_model().objects.create_superuser("root", password="a-Long-password-2")
    assert client_for().get(path).status_code == 401
    assert client_for(token=history.a.access_token[:40]).get(path).status_code == 401
    assert client_for(visitor).get(path).status_code == 403
    forbidden = client_for(lena.user).get(path)
    assert (forbidden.status_code, forbidden.json()) == (403, {"detail": "Only managers may do this."})
    assert client_for(manager).get(path).status_code == 200
    assert client_for(superuser).get(path).status_code == 200


def late_answers(engineer, first: int, count: int) -> None:
    """`count` customers, each with a major ticket answered late (so each is a group and a breach)."""
    for i in range(first, first + count):
        CustomerFactory(name=f"Customer {i:03d}", domains=[f"c{i}.example"])
        ticket = make_ticket(severity=Severity.MAJOR, now=NOW, email=f"x@c{i}.example")
        services.ticket_assign(ticket=ticket, assignee=engineer.user, actor=None, now=NOW)
        services.ticket_reply(
            ticket=ticket, author=engineer.user, body="ok", now=NOW + timedelta(minutes=20 + i)
        )


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        # token, manager check, manager's zone, then in a transaction without JIT (in a test a savepoint
        # and its release): the report settings (jit off, custom plans), the groups, the total; the
        # voided cycles per engineer
        (REPORT, {"group_by": "customer"}, 9),
        # token, manager check, manager's zone, count, page (customer, engineer, ticket joined)
        (BREACHES, {}, 5),
        # token, manager check, manager's zone, then the same transaction without JIT: buckets, heatmap
        (TRENDS, {}, 8),
        # token, manager check, counts per customer, rules
        (CREDITS, {"month": "2025-06"}, 4),
    ],
)
def test_the_same_queries_for_one_row_or_thirty(
    as_manager, path, params, queries, django_assert_max_num_queries
):
    engineer = make_engineer("eng", zone="UTC")
    late_answers(engineer, 0, 1)
    with CaptureQueriesContext(connection) as one:
        get(as_manager, path, **JUNE, **params)
    assert len(one) == queries
    late_answers(engineer, 1, 29)
    with django_assert_max_num_queries(queries):
        body = get(as_manager, path, **JUNE, **params)
    if path == REPORT:
        assert len(body["groups"]) == 30
    elif path == BREACHES:
        assert body["count"] == 30
    elif path == CREDITS:
        assert len(body["results"]) == 30


def test_a_large_ledger_is_walked_by_the_worker_while_the_last_result_is_shown(
    as_manager, history, monkeypatch, django_capture_on_commit_callbacks
):
    from escalation import enqueue, tasks
    from escalation.sla import integrity

    queued = []
    monkeypatch.setattr(integrity, "SYNC_ROWS", 5)  # the history's 7 rows count as a large ledger
    monkeypatch.setattr(enqueue, "verify_ledger_chain", lambda: queued.append("walk"))
    with django_capture_on_commit_callbacks(execute=True):  # the walk is handed over after commit
        first = get(as_manager, INTEGRITY)
        assert (first["verified"], first["checked_at"], first["walking"]) == (None, None, True)
        assert get(as_manager, INTEGRITY)["walking"] is True
    assert queued == ["walk"]  # one walk at a time, however often the page is read
    assert tasks.verify_ledger_chain() is True  # what the worker runs
    done = get(as_manager, INTEGRITY)
    assert (done["verified"], done["rows"], done["walking"]) == (True, 7, False)
    # Five minutes later the result is stale: shown while the worker walks again.
    with (
        time_machine.travel(READ_AT + timedelta(minutes=6), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        stale = get(as_manager, INTEGRITY)
    assert (stale["verified"], stale["walking"], queued) == (True, True, ["walk", "walk"])
