"""SLA targets, the deadline calculator, the SLA ledger and the SLA report."""

import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import BusinessCalendar, LedgerEntry, Metric, Region, SlaTarget
from escalation.sla.services.clock import sla_record_breach
from escalation.sla.services.ledger import ledger_verify
from tests.factories import NOW, CustomerFactory, make_engineer, make_ticket
from tickets import services
from tickets.models import Plan, Severity, Status

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
TARGETS = "/api/v1/sla-targets/"
DEADLINE = "/api/v1/sla/deadline/"
LEDGER = "/api/v1/sla-ledger/"
REPORT = "/api/v1/reports/sla/"


def target(plan: str, severity: str) -> SlaTarget:
    return SlaTarget.objects.get(plan=plan, severity=severity)


# --- Targets --------------------------------------------------------------------------------------


def test_managers_read_the_targets_with_their_calendars(as_manager):
    body = as_manager.get(TARGETS).json()
    assert body["count"] == 6
    standard_general = next(
        t for t in body["results"] if (t["plan"], t["severity"]) == ("standard", "general")
    )
    assert standard_general["first_response"] == "04:00:00"
    assert standard_general["resolution"] == "1 00:00:00"
    assert standard_general["calendar"]["kind"] == "business"
    major = target("premium", "major")
    assert as_manager.get(f"{TARGETS}{major.pk}/").json()["first_response"] == "00:15:00"


@pytest.mark.parametrize(
    ("changes", "first_response", "resolution"),
    [
        ({"first_response": "00:30:00"}, timedelta(minutes=30), timedelta(hours=8)),
        ({"resolution": "2 00:00:00"}, timedelta(minutes=15), timedelta(days=2)),
        (
            {"first_response": "1 02:03:04", "resolution": "30 00:00:00"},
            timedelta(hours=26, seconds=184),
            timedelta(days=30),
        ),
    ],
)
def test_a_manager_edits_durations(as_manager, changes, first_response, resolution):
    edited = target("standard", "major")
    response = as_manager.patch(f"{TARGETS}{edited.pk}/", changes)
    assert response.status_code == 200, response.content
    edited.refresh_from_db()
    assert (edited.first_response, edited.resolution) == (first_response, resolution)


def test_the_calendar_is_named_by_id_or_name(as_manager):
    edited = target("premium", "general")
    business = BusinessCalendar.objects.get(kind=BusinessCalendar.Kind.BUSINESS)
    by_name = as_manager.patch(f"{TARGETS}{edited.pk}/", {"calendar": business.name})
    assert by_name.json()["calendar"] == {"id": business.pk, "name": business.name, "kind": "business"}
    always = BusinessCalendar.objects.get(kind=BusinessCalendar.Kind.ALWAYS)
    assert (
        as_manager.patch(f"{TARGETS}{edited.pk}/", {"calendar": always.pk}).json()["calendar"]["id"]
        == always.pk
    )
    assert as_manager.patch(f"{TARGETS}{edited.pk}/", {"calendar": str(business.pk)}).status_code == 200
    unknown = as_manager.patch(f"{TARGETS}{edited.pk}/", {"calendar": "Moon time"})
    assert unknown.status_code == 400
    assert unknown.json()["calendar"][0].startswith("No calendar 'Moon time'; choose one of: '24x7', ")
    for odd in ("\x00", True, 1.5, [1], 10**30):
        response = as_manager.patch(f"{TARGETS}{edited.pk}/", {"calendar": odd})
        assert response.status_code == 400, odd
        assert list(response.json()) == ["calendar"]


@pytest.mark.parametrize(
    "bad", ["4h", "00:60:00", "00:00:00", "400 00:00:00", "366 00:00:00", 14400, None, "-1:00:00"]
)
def test_durations_that_are_not_durations_are_refused(as_manager, bad):
    edited = target("standard", "general")
    response = as_manager.patch(f"{TARGETS}{edited.pk}/", {"first_response": bad})
    assert response.status_code == 400
    assert list(response.json()) == ["first_response"]
    edited.refresh_from_db()
    assert edited.first_response == timedelta(hours=4)


def test_a_target_edit_applies_to_later_tickets_and_never_rewrites_the_ledger(as_manager, engineer):
    premium = CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    assert premium
    before = make_ticket(severity=Severity.URGENT, email="a@streamco.example", now=NOW)
    services.ticket_reply(ticket=before, author=engineer.user, body="On it", now=NOW + 20 * MINUTE)
    ledger_before = list(LedgerEntry.objects.values())

    response = as_manager.patch(
        f"{TARGETS}{target('premium', 'urgent').pk}/",
        {"first_response": "00:10:00", "resolution": "02:00:00"},
    )
    assert response.status_code == 200
    after = make_ticket(severity=Severity.URGENT, email="b@streamco.example", now=NOW)

    before.refresh_from_db()
    assert before.first_response_due_at == NOW + 30 * MINUTE
    assert before.resolution_due_at == NOW + 8 * HOUR
    assert before.clock.first_response_target == 30 * MINUTE
    assert (after.first_response_due_at, after.resolution_due_at) == (NOW + 10 * MINUTE, NOW + 2 * HOUR)
    assert list(LedgerEntry.objects.values()) == ledger_before
    assert list(ledger_verify()) == []


# --- The deadline calculator ----------------------------------------------------------------------


def deadline(client, **params):
    return client.get(DEADLINE, params)


def test_the_calculator_places_a_business_hours_deadline_across_a_weekend(as_engineer):
    response = deadline(
        as_engineer,
        plan="standard",
        severity="general",
        start="2025-06-13T15:00:00Z",
        timezone="Europe/Berlin",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    # Friday 17:00 in Berlin: one business hour on Friday, three on Monday (10:00 UTC is 12:00 CEST).
    assert body["first_response_due_at"] == "2025-06-16T10:00:00Z"
    # 24 business hours: 1 on Friday, 9 on Monday, 9 on Tuesday, 5 on Wednesday.
    assert body["resolution_due_at"] == "2025-06-18T12:00:00Z"
    assert (body["first_response_target"], body["resolution_target"]) == ("04:00:00", "1 00:00:00")
    assert body["calendar"]["kind"] == "business"
    assert body["timezone"] == "Europe/Berlin"
    assert body["explanation"]["first_response"] == [
        "Started Friday 2025-06-13 17:00 CEST (Europe/Berlin), inside business hours 09:00-18:00.",
        "Used 1h of Friday's window (until 18:00 CEST).",
        "Skipped Saturday and Sunday (no business hours).",
        "Used 3h of Monday's window (09:00-12:00 CEST).",
        "Due Monday 2025-06-16 12:00 CEST.",
    ]
    assert body["explanation"]["resolution"][-1] == "Due Wednesday 2025-06-18 14:00 CEST."


def test_the_calculator_explains_a_clock_change(as_engineer):
    # Friday 2025-03-28 16:00 CET; Berlin moves to summer time on Sunday the 30th.
    body = deadline(
        as_engineer,
        plan="standard",
        severity="urgent",
        start="2025-03-28T16:00:00+01:00",
        timezone="Europe/Berlin",
    ).json()
    assert body["first_response_due_at"] == "2025-03-28T16:00:00Z"  # 1 h: 17:00 CET the same day
    assert any("Clocks moved from CET to CEST" in step for step in body["explanation"]["resolution"])
    # 24 business hours: 2 on Friday, then 9 Mon, 9 Tue, 4 Wed -> Wednesday 13:00 CEST = 11:00 UTC.
    assert body["resolution_due_at"] == "2025-04-02T11:00:00Z"


def test_an_around_the_clock_target_is_plain_elapsed_time(as_engineer):
    body = deadline(
        as_engineer,
        plan="premium",
        severity="major",
        start="2025-06-14T23:50:00-03:00",
        timezone="America/Sao_Paulo",
    ).json()
    assert (body["first_response_due_at"], body["resolution_due_at"]) == (
        "2025-06-15T03:05:00Z",
        "2025-06-15T06:50:00Z",
    )
    assert body["explanation"]["first_response"][0] == "Around-the-clock calendar: due 15m after the start."


def test_the_calculator_names_each_bad_or_missing_parameter(as_engineer):
    assert deadline(as_engineer).json() == {
        "plan": ["This field is required."],
        "severity": ["This field is required."],
        "start": ["This field is required."],
        "timezone": ["This field is required."],
    }
    response = deadline(
        as_engineer, plan="gold", severity="major", start="yesterday", timezone="Europe/Paris"
    )
    assert response.status_code == 400
    assert response.json() == {
        "plan": ['"gold" is not a valid choice.'],
        "start": ["Enter an ISO 8601 date and time, e.g. 2025-06-11T10:00:00+02:00."],
    }
    far = deadline(
        as_engineer, plan="premium", severity="major", start="9999-12-31T23:00:00Z", timezone="UTC"
    )
    assert far.json() == {"start": ["Enter a time between 1970 and 2200."]}


def test_a_missing_target_is_a_conflict_not_a_crash(as_engineer):
    target("standard", "general").delete()
    response = deadline(
        as_engineer,
        plan="standard",
        severity="general",
        start="2025-06-13T15:00:00Z",
        timezone="Europe/Berlin",
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "No SLA target for plan 'standard' and severity 'general'."}


# --- The ledger -----------------------------------------------------------------------------------


@pytest.fixture
def history(engineer):
    """Ledger rows of four tickets, a mix of severities, metrics, met and breached."""
    bob = make_engineer("bob", region=Region.AMERICAS)
    kabuki = CustomerFactory(name="Kabuki", plan=Plan.PREMIUM, domains=["kabuki.example"])
    on_time = make_ticket(severity=Severity.MAJOR, now=NOW, email="a@kabuki.example")  # 15 min / 4 h
    services.ticket_assign(ticket=on_time, assignee=engineer.user, actor=None, now=NOW)
    services.ticket_reply(ticket=on_time, author=engineer.user, body="Here", now=NOW + 10 * MINUTE)
    services.ticket_change_status(ticket=on_time, status=Status.RESOLVED, actor=None, now=NOW + 2 * HOUR)
    late = make_ticket(severity=Severity.MAJOR, now=NOW, email="b@kabuki.example")
    services.ticket_assign(ticket=late, assignee=bob.user, actor=None, now=NOW)
    services.ticket_reply(ticket=late, author=bob.user, body="Sorry", now=NOW + 40 * MINUTE)
    silent = make_ticket(severity=Severity.MAJOR, now=NOW, email="c@kabuki.example")  # still unanswered
    sla_record_breach(ticket_id=silent.pk, metric=Metric.FIRST_RESPONSE, now=NOW + 16 * MINUTE)
    breached_then_answered = make_ticket(severity=Severity.MAJOR, now=NOW, email="d@kabuki.example")
    services.ticket_assign(ticket=breached_then_answered, assignee=bob.user, actor=None, now=NOW)
    sla_record_breach(
        ticket_id=breached_then_answered.pk, metric=Metric.FIRST_RESPONSE, now=NOW + 16 * MINUTE
    )
    services.ticket_reply(ticket=breached_then_answered, author=bob.user, body="Late", now=NOW + 50 * MINUTE)
    general = make_ticket(severity=Severity.GENERAL, now=NOW)  # standard: 4 business hours
    services.ticket_reply(ticket=general, author=engineer.user, body="Hi", now=NOW + HOUR)
    return SimpleNamespace(
        on_time=on_time,
        late=late,
        silent=silent,
        breached_then_answered=breached_then_answered,
        general=general,
        kabuki=kabuki,
    )


def ledger(client, **params) -> dict:
    response = client.get(LEDGER, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_ledger_lists_rows_in_chain_order_with_their_hashes(as_manager, history):
    body = ledger(as_manager)
    assert body["count"] == 7
    rows = body["results"]
    assert [row["seq"] for row in rows] == list(range(1, 8))
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    first = rows[0]
    assert first == {
        **first,
        "kind": "completed",
        "ticket": history.on_time.reference,
        "metric": "first_response",
        "cycle": 1,
        "severity": "major",
        "plan": "premium",
        "customer": {"id": history.kabuki.pk, "name": "Kabuki"},
        "engineer": "lena",
        "target": "00:15:00",
        "due_at": "2025-06-11T10:15:00Z",
        "achieved_at": "2025-06-11T10:10:00Z",
        "elapsed": "00:10:00",
        "met": True,
        "breached": False,
    }


def test_the_ledger_filters(as_manager, history):
    def seqs(**params) -> list[int]:
        return [row["seq"] for row in ledger(as_manager, **params)["results"]]

    breached = ledger(as_manager, breached="true")["results"]
    assert {(row["ticket"], row["kind"]) for row in breached} == {
        (history.late.reference, "completed"),
        (history.silent.reference, "breach"),
        (history.breached_then_answered.reference, "breach"),
        (history.breached_then_answered.reference, "completed"),
    }
    assert len(seqs(breached="false")) == 3
    assert len(seqs(metric="resolution")) == 1
    assert len(seqs(severity="general")) == 1
    assert [row["ticket"] for row in ledger(as_manager, ticket=history.late.reference)["results"]] == [
        history.late.reference
    ]
    # Due times: the major tickets' first responses were due at 10:15, the general one's at 14:00.
    assert len(seqs(**{"from": "2025-06-11T10:15:00Z", "to": "2025-06-11T10:16:00Z"})) == 5
    assert len(seqs(**{"from": "2025-06-11T12:00:00Z"})) == 2
    assert len(seqs(to="2025-06-11T10:15:00Z")) == 0


def test_bad_ledger_filters_are_400s(as_manager):
    response = as_manager.get(LEDGER, {"ticket": "1042", "metric": "speed", "breached": "perhaps"})
    assert response.json() == {
        "ticket": ["Not a ticket reference; write it like SD-1042."],
        "metric": ['"speed" is not a valid choice.'],
        "breached": ["Must be a valid boolean."],
    }
    backwards = as_manager.get(LEDGER, {"from": "2025-06-12T00:00:00Z", "to": "2025-06-11T00:00:00Z"})
    assert backwards.json() == {"to": ["`to` must be after `from`."]}


def test_the_ledger_runs_the_same_queries_for_one_row_or_many(
    as_manager, engineer, django_assert_max_num_queries
):
    def answered(i: int) -> None:
        customer = CustomerFactory(name=f"C{i}", domains=[f"c{i}.example"])
        ticket = make_ticket(severity=Severity.MAJOR, now=NOW, email=f"x@{customer.domains.get().domain}")
        services.ticket_assign(ticket=ticket, assignee=engineer.user, actor=None, now=NOW)
        services.ticket_reply(ticket=ticket, author=engineer.user, body="ok", now=NOW + i * MINUTE)

    answered(1)
    with CaptureQueriesContext(connection) as one:
        assert ledger(as_manager)["count"] == 1
    for i in range(2, 31):
        answered(i)
    with django_assert_max_num_queries(len(one)):
        assert len(ledger(as_manager)["results"]) == 30
    assert len(one) == 4  # token, manager's groups, count, page (customer and engineer joined)


# --- The report -----------------------------------------------------------------------------------


def report(client, **params) -> dict:
    response = client.get(REPORT, {"from": "2025-06-01T00:00:00Z", "to": "2025-07-01T00:00:00Z", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_report_counts_each_cycle_once_and_an_open_breach_as_breached(as_manager, history):
    body = report(as_manager, group_by="severity")
    assert (body["from"], body["to"], body["group_by"]) == (
        "2025-06-01T00:00:00Z",
        "2025-07-01T00:00:00Z",
        "severity",
    )
    groups = {group["key"]: group for group in body["groups"]}
    assert set(groups) == {"general", "major"}
    major = groups["major"]
    # Met: on_time's first response and resolution. Breached: late's and breached_then_answered's first
    # responses (the breach row and the completed row of that cycle count once), and silent's open one.
    assert (major["tickets"], major["met"], major["breached"]) == (4, 2, 3)
    assert major["compliance"] == 40.0
    # Completed first responses: 10, 40 and 50 minutes; percentile_cont interpolates.
    assert major["first_response"] == {"p50": "00:40:00", "p90": "00:48:00"}
    assert major["resolution"] == {"p50": "02:00:00", "p90": "02:00:00"}
    assert groups["general"]["first_response"] == {"p50": "01:00:00", "p90": "01:00:00"}
    assert groups["general"]["resolution"] == {"p50": None, "p90": None}
    assert (body["total"]["tickets"], body["total"]["met"], body["total"]["breached"]) == (5, 3, 3)
    assert body["total"]["compliance"] == 50.0
    assert body["total"]["key"] is None


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("plan", {("premium", "premium"): (4, 2, 3), ("standard", "standard"): (1, 1, 0)}),
        # Rows name the assignee when they were written: the general ticket and `silent` had none.
        ("engineer", {("lena", "lena"): (1, 2, 0), ("bob", "bob"): (2, 0, 2), (None, None): (2, 1, 1)}),
        (
            "region",
            {("emea", "emea"): (1, 2, 0), ("americas", "americas"): (2, 0, 2), (None, None): (2, 1, 1)},
        ),
    ],
)
def test_the_report_groups(as_manager, history, group_by, expected):
    groups = report(as_manager, group_by=group_by)["groups"]
    keyed = {}
    for group in groups:
        key = group["key"] if group_by != "engineer" or group["key"] is None else group["label"]
        keyed[(key, group["label"])] = (group["tickets"], group["met"], group["breached"])
    assert keyed == expected


def test_the_report_groups_by_customer_with_its_name(as_manager, history):
    groups = report(as_manager, group_by="customer")["groups"]
    assert [(g["key"], g["label"], g["tickets"]) for g in groups] == [
        (history.kabuki.pk, "Kabuki", 4),
        (None, None, 1),
    ]


def test_the_report_window_is_on_due_times(as_manager, history):
    body = report(as_manager, **{"from": "2025-06-11T12:00:00Z", "to": "2025-06-11T15:00:00Z"})
    # Only the general ticket's first response (due 14:00) and on_time's resolution (due 14:00).
    assert (body["total"]["tickets"], body["total"]["met"], body["total"]["breached"]) == (2, 2, 0)


def test_the_report_defaults_to_the_last_thirty_days(as_manager, history, time_machine):
    time_machine.move_to(NOW + timedelta(days=29), tick=False)
    body = as_manager.get(REPORT).json()
    assert body["to"] == "2025-07-10T10:00:00Z"
    assert body["from"] == "2025-06-10T10:00:00Z"
    assert body["total"]["tickets"] == 5
    time_machine.move_to(NOW + timedelta(days=31), tick=False)
    assert as_manager.get(REPORT).json()["total"]["tickets"] == 0


def test_the_report_refuses_bad_parameters(as_manager):
    response = as_manager.get(REPORT, {"group_by": "weather", "from": "soon"})
    assert response.status_code == 400
    assert set(response.json()) == {"group_by", "from"}
    backwards = as_manager.get(REPORT, {"from": "2025-06-12T00:00:00Z", "to": "2025-06-11T00:00:00Z"})
    assert backwards.json() == {"to": ["`to` must be after `from`."]}


# The percentile maths and its SQLite form: tests/escalation/reports/test_sql.py.
