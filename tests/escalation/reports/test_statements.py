"""Customers' monthly SLA statements (issue 15, item 4): the month's figures as the reports count them,
frozen once with a signed checkpoint of the ledger's head; a signed JSON and CSV that
`verify_statement` checks against the ledger, naming a row rewritten after the customer downloaded it."""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from escalation.models import LedgerEntry, Statement
from escalation.reports.periods import month_period
from escalation.reports.selectors.credits import credit_list_for_month
from escalation.reports.selectors.filters import ReportFilters
from escalation.reports.selectors.sla_report import sla_report_get
from escalation.sla.services.checkpoints import checkpoint_signature, checkpoints_read
from escalation.statements.document import statement_csv, statement_json, statement_read
from escalation.statements.services import StatementError, statements_make_for_month
from escalation.tasks import make_monthly_statements
from tests.escalation.sla.test_checkpoints import rewrite_as_the_owner

pytestmark = [pytest.mark.clock, pytest.mark.django_db]

KEY = "a-statement-key-kept-out-of-the-database"
JUNE = date(2025, 6, 1)
MADE_AT = datetime(2025, 7, 1, 0, 5, tzinfo=UTC)


@pytest.fixture
def keyed(settings, tmp_path):
    settings.LEDGER_CHECKPOINT_KEY = KEY
    settings.LEDGER_CHECKPOINT_SINK = str(tmp_path / "checkpoints.jsonl")
    return tmp_path / "checkpoints.jsonl"


def make_june() -> list[Statement]:
    with time_machine.travel(MADE_AT, tick=False):
        return statements_make_for_month(month=JUNE, now=MADE_AT)


def kabuki_statement(history) -> Statement:
    return Statement.objects.get(customer=history.kabuki, month=JUNE)


def test_a_statement_freezes_what_the_reports_count(history, keyed):
    made = make_june()
    assert {s.customer_id for s in made} == {history.kabuki.pk, history.pixel.pk}
    document = kabuki_statement(history).document
    assert document["month"] == "2025-06"
    assert document["period"] == {"start": "2025-06-01T00:00:00+00:00", "end": "2025-07-01T00:00:00+00:00"}
    rows = LedgerEntry.objects.filter(customer=history.kabuki).order_by("seq")
    assert [(r["seq"], r["hash"]) for r in document["rows"]] == [(r.seq, r.hash) for r in rows]
    assert {r["ticket"] for r in document["rows"]} == {
        history.a.reference,
        history.b.reference,
        history.c.reference,
    }
    report = sla_report_get(
        filters=ReportFilters(period=month_period(JUNE), customer_id=history.kabuki.pk), group_by="customer"
    )
    assert document["totals"]["all"] == {
        "met": report.total.met,
        "breached": report.total.breached,
        "compliance": f"{report.total.compliance:.2f}",
    }
    assert document["totals"]["first_response"] == {"met": 1, "breached": 2, "compliance": "33.33"}
    assert document["totals"]["resolution"] == {"met": 1, "breached": 0, "compliance": "100.00"}
    credit = next(
        c for c in credit_list_for_month(month=JUNE, now=MADE_AT).customers if c.name == "Kabuki Live"
    )
    assert document["credits"]["amount"] == str(credit.credit.amount) == "100.00"
    assert document["availability"]["percent"] == "100.000"
    # No person: references and times only.
    body = kabuki_statement(history).body
    assert "@kabuki.example" not in body and "lena" not in body and "Origin 502" not in body


def test_the_checkpoint_is_the_signed_head_and_is_published_to_the_sink(history, keyed):
    make_june()
    statement = kabuki_statement(history)
    checkpoint = statement.document["checkpoint"]
    head = LedgerEntry.objects.order_by("-seq").first()
    assert (checkpoint["seq"], checkpoint["hash"]) == (head.seq, head.hash)
    assert checkpoint["at"] == "2025-07-01T00:05:00+00:00"
    assert checkpoint["signature"] == checkpoint_signature(
        seq=head.seq, hash=head.hash, at=checkpoint["at"], key=KEY
    )
    assert [c.as_dict() for c in checkpoints_read(keyed)] == [checkpoint]  # one checkpoint for the run


def test_the_beat_task_is_idempotent_and_a_running_month_is_refused(history, keyed, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["make-monthly-statements"]
    assert entry["task"] == "escalation.tasks.make_monthly_statements"
    assert entry["schedule"].day_of_month == {1}
    with time_machine.travel(MADE_AT, tick=False):
        assert make_monthly_statements() == 2
        assert make_monthly_statements() == 0
        call_command("ledger_statements", "--month", "2025-06")
        with pytest.raises(CommandError, match="has not ended"):
            call_command("ledger_statements", "--month", "2025-07")
    assert Statement.objects.filter(month=JUNE).count() == 2
    with pytest.raises(StatementError):
        statements_make_for_month(month=JUNE, now=datetime(2025, 6, 30, 23, 59, tzinfo=UTC))


def test_without_a_key_statements_are_made_and_say_they_are_unsigned(history, settings):
    settings.LEDGER_CHECKPOINT_KEY = ""
    make_june()
    statement = kabuki_statement(history)
    assert statement.signature == "" and statement.document["signed"] is False
    assert statement.document["checkpoint"]["signature"] == ""


@pytest.mark.parametrize("form", ["json", "csv"])
def test_a_downloaded_statement_verifies_and_any_edited_byte_fails(history, keyed, tmp_path, capsys, form):
    make_june()
    statement = kabuki_statement(history)
    if form == "json":
        data = statement_json(statement.document, signature=statement.signature).encode()
    else:
        data = statement_csv(statement.document, key=KEY).encode()
    path = tmp_path / f"statement.{form}"
    path.write_bytes(data)
    call_command("verify_statement", str(path))
    assert "verified" in capsys.readouterr().out
    assert statement_read(data, key=KEY).signed_ok is True
    assert statement_read(data, key="another key").signed_ok is False
    # Every byte of the file, changed in turn (a few thousand HMACs: well under a second).
    for index in range(len(data)):
        edited = bytearray(data)
        edited[index] = ord("0") if edited[index] != ord("0") else ord("1")
        try:
            read = statement_read(bytes(edited), key=KEY)
        except ValueError:
            continue  # no longer a statement at all: refused as such
        assert read.signed_ok is not True, f"byte {index} changed and the signature still matched"


def test_a_row_rewritten_after_the_download_is_named(history, keyed, tmp_path):
    make_june()
    statement = kabuki_statement(history)
    path = tmp_path / "statement.json"
    path.write_text(statement_json(statement.document, signature=statement.signature))
    b_breach = LedgerEntry.objects.get(ticket=history.b, kind="breach")
    rewrite_as_the_owner(b_breach.seq, met=True)  # the chain verifies again without checkpoints
    call_command("verify_ledger")
    with pytest.raises(CommandError) as caught:
        call_command("verify_statement", str(path))
    message = str(caught.value)
    assert f"ledger row #{b_breach.seq} ({history.b.reference}): rewritten after the statement" in message
    with pytest.raises(CommandError, match=f"#{statement.document['checkpoint']['seq']}"):
        call_command("verify_ledger", "--checkpoints", str(path))


def test_verify_ledger_takes_a_statement_json_as_its_checkpoint(history, keyed, tmp_path, capsys):
    make_june()
    statement = kabuki_statement(history)
    path = tmp_path / "statement.json"
    path.write_text(statement_json(statement.document, signature=statement.signature))
    call_command("verify_ledger", "--checkpoints", str(path))
    assert "matches 1 signed checkpoints" in capsys.readouterr().out
    document = json.loads(path.read_text())
    document["checkpoint"]["hash"] = "f" * 64
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="signature does not match"):
        call_command("verify_ledger", "--checkpoints", str(path))


def test_a_rewrite_is_named_from_the_csv_too_and_an_edited_csv_is_refused(history, keyed, tmp_path):
    make_june()
    statement = kabuki_statement(history)
    path = tmp_path / "statement.csv"
    data = statement_csv(statement.document, key=KEY)
    path.write_text(data, encoding="utf-8", newline="")
    a_first = LedgerEntry.objects.get(ticket=history.a, metric="first_response")
    rewrite_as_the_owner(a_first.seq, met=False)
    with pytest.raises(
        CommandError, match=rf"ledger row #{a_first.seq} \({history.a.reference}\): rewritten"
    ):
        call_command("verify_statement", str(path))
    path.write_text(data.replace(",yes\r\n", ",no\r\n", 1), encoding="utf-8", newline="")  # a row's "met"
    with pytest.raises(CommandError, match="signature does not match"):
        call_command("verify_statement", str(path))


def test_an_unsigned_statement_is_checked_against_the_ledger_and_says_it_proves_little(
    history, settings, tmp_path, capsys
):
    settings.LEDGER_CHECKPOINT_KEY = ""
    make_june()
    statement = kabuki_statement(history)
    path = tmp_path / "statement.json"
    path.write_text(statement_json(statement.document, signature=statement.signature))
    settings.LEDGER_CHECKPOINT_KEY = KEY  # set since
    call_command("verify_statement", str(path))
    captured = capsys.readouterr()
    assert "unsigned" in captured.err and "verified: no signature" in captured.out
    settings.LEDGER_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="LEDGER_CHECKPOINT_KEY is not set"):
        call_command("verify_statement", str(path))
