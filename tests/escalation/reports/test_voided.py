"""Voiding: a ticket closed as spam leaves the report, and only its own cycles do (figures by hand from
`history`, reports/conftest.py); the chain still verifies with the voided rows in it."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from escalation.models import LedgerEntry
from escalation.reports.periods import period_resolve
from escalation.reports.selectors.filters import ReportFilters, decided_cycles
from escalation.reports.selectors.sla_report import sla_report_get, sla_totals_by_metric
from escalation.sla.integrity import ledger_walk
from escalation.sla.services.ledger import entry_hash
from tests.escalation.reports.conftest import HOUR, JUNE, READ_AT
from tests.factories import NOW
from tickets import services
from tickets.models import CloseReason, Status

pytestmark = pytest.mark.django_db


def june() -> ReportFilters:
    return ReportFilters(
        period=period_resolve(
            start=date(2025, 6, 1), end=date(2025, 6, 30), zone=ZoneInfo("UTC"), now=READ_AT
        )
    )


def figures(report) -> dict:
    return {
        row.key: (row.tickets, row.met, row.breached, row.compliance, row.escalations, row.pages_acknowledged)
        for row in [*report.groups, report.total]
    }


def test_voiding_c_removes_its_breached_first_response_and_nothing_else(history):
    before = sla_report_get(filters=june(), group_by="severity")
    # By hand: met A fr, A res, D res; breached B fr, C fr (open), D fr. Major: A, B, C; steps fired
    # B 1 and 2, C 1, acknowledged B 1 and C 1.
    assert figures(before) == {
        "general": (1, 1, 1, 50.0, 0, 0),
        "major": (3, 2, 2, 50.0, 3, 2),
        None: (4, 3, 3, 50.0, 3, 2),
    }
    assert before.voided == [] and before.voided_total == 0

    services.ticket_close_as_spam(ticket=history.c, actor=history.lena.user, now=NOW + HOUR)

    after = sla_report_get(filters=june(), group_by="severity")
    # C's one decided cycle (its breached first response, with its step 1 page) goes; the rest stays:
    # major 2 tickets, 2 met of 3 decided (66.67 %); in all 3 met of 5 (60 %).
    assert figures(after) == {
        "general": (1, 1, 1, 50.0, 0, 0),
        "major": (2, 2, 1, 66.67, 2, 1),
        None: (3, 3, 2, 60.0, 2, 1),
    }
    # Two cycles voided: C's first response and its open resolution (never decided, so it was not in
    # the figures before either).
    assert [(v.username, v.cycles) for v in after.voided] == [("lena", 2)]
    assert [(t.metric, t.met, t.breached) for t in sla_totals_by_metric(filters=june())] == [
        ("first_response", 1, 2),
        ("resolution", 2, 0),
        (None, 3, 2),
    ]
    assert history.c.pk not in {row.ticket_id for row in decided_cycles(june())}


def test_the_voided_rows_name_who_and_why_are_hashed_and_the_chain_verifies(history):
    head_before = LedgerEntry.objects.order_by("-seq").first()
    services.ticket_close_as_spam(ticket=history.c, actor=history.lena.user, now=NOW + HOUR)
    voided = list(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.VOIDED).order_by("seq"))
    assert [(v.ticket_id, v.metric, v.cycle, v.voided_by_id, v.void_reason) for v in voided] == [
        (history.c.pk, "first_response", 1, history.lena.user.pk, "closed as spam"),
        (history.c.pk, "resolution", 1, history.lena.user.pk, "closed as spam"),
    ]
    assert voided[0].prev_hash == head_before.hash and voided[0].seq == head_before.seq + 1
    # The breach row's figures are repeated; the rows written before keep their hash.
    breach = LedgerEntry.objects.get(ticket=history.c, kind="breach")
    assert (voided[0].due_at, voided[0].elapsed, voided[0].met) == (breach.due_at, breach.elapsed, False)
    assert all(entry_hash(e) == e.hash for e in LedgerEntry.objects.all())
    # Who voided it is part of the hash: naming someone else would not match.
    voided[0].voided_by_id = history.bob.user.pk
    assert entry_hash(voided[0]) != voided[0].hash
    assert ledger_walk(now=READ_AT).verified
    call_command("verify_ledger")  # raises CommandError on a fault

    c = history.c
    c.refresh_from_db()
    assert (c.status, c.close_reason, c.first_response_due_at, c.resolution_due_at, c.next_due_at) == (
        Status.CLOSED,
        CloseReason.SPAM,
        None,
        None,
        None,
    )


def test_the_report_api_counts_the_voided_cycles_and_who_voided_them(history, as_manager):
    services.ticket_close_as_spam(ticket=history.c, actor=history.lena.user, now=NOW + HOUR)
    body = as_manager.get("/api/v1/reports/sla/", {**JUNE, "group_by": "severity"}).json()
    assert (body["total"]["met"], body["total"]["breached"], body["total"]["compliance"]) == (3, 2, 60.0)
    assert body["voided_cycles"] == 2
    assert body["voided_by"] == [{"engineer": "lena", "cycles": 2}]


def test_the_report_page_shows_the_voided_count_and_who(history, client, manager):
    services.ticket_close_as_spam(ticket=history.c, actor=history.lena.user, now=NOW + HOUR)
    client.force_login(manager)
    page = client.get("/reports/sla/", JUNE).content.decode()
    tile = page[page.index('data-testid="voided"') :][:400]
    assert ">2<" in tile and "lena 2" in tile


def test_the_ledger_export_carries_who_voided_a_row_so_its_hash_can_be_recomputed(history):
    import csv
    import hashlib
    import io
    import json

    from escalation.reports.exports import ledger_csv
    from escalation.sla.services.ledger import HASHED_FIELDS

    services.ticket_close_as_spam(ticket=history.c, actor=history.lena.user, now=NOW + HOUR)
    text = "".join(ledger_csv(LedgerEntry.objects.select_related("customer").order_by("seq")))
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    voided = [r for r in rows if r["kind"] == "voided"]
    assert [(r["voided_by_id"], r["void_reason"]) for r in voided] == [
        (str(history.lena.user.pk), "closed as spam")
    ] * 2

    def recomputed(row: dict) -> str:
        def value(name):  # the CSV's text back to the hashed JSON value
            raw = row[name]
            if raw == "":
                return None
            if raw in ("true", "false"):
                return raw == "true"
            return int(raw) if raw.lstrip("-").isdigit() and not name.endswith("hash") else raw

        payload = {name: value(name) for name in HASHED_FIELDS}
        if row["voided_by_id"] or row["void_reason"]:
            payload |= {"voided_by_id": int(row["voided_by_id"]), "void_reason": row["void_reason"]}
        encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(encoded.encode()).hexdigest()

    assert all(recomputed(r) == r["hash"] for r in rows)
