"""Signed checkpoints of the SLA ledger (issue 15, item 4): the chain head, HMAC-signed with a key the
database never holds, published outside it; `verify_ledger --checkpoints` catches an owner's rewrite."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from escalation.checks import check_ledger_checkpoints
from escalation.models import LedgerEntry, LedgerHead
from escalation.sla.services.checkpoints import (
    Checkpoint,
    CheckpointError,
    checkpoint_signed,
    checkpoints_read,
    ledger_checkpoint,
)
from escalation.sla.services.ledger import GENESIS_HASH, entry_hash, ledger_verify
from escalation.tasks import checkpoint_ledger
from tests.factories import NOW, UserFactory, make_ticket
from tickets import services
from tickets.models import Severity

pytestmark = pytest.mark.clock

MINUTE = timedelta(minutes=1)
KEY = "a-checkpoint-key-kept-out-of-the-database"


@pytest.fixture
def sink(settings, tmp_path):
    settings.LEDGER_CHECKPOINT_KEY = KEY
    settings.LEDGER_CHECKPOINT_SINK = str(tmp_path / "checkpoints.jsonl")
    return tmp_path / "checkpoints.jsonl"


def answer_tickets(count: int, *, start: int = 0) -> None:
    engineer = UserFactory()
    for i in range(start, start + count):
        ticket = make_ticket(severity=Severity.MAJOR, now=NOW + i * MINUTE)
        services.ticket_reply(ticket=ticket, author=engineer, body="On it", now=NOW + (i + 5) * MINUTE)


def rewrite_as_the_owner(seq: int, *, met: bool) -> None:
    """What the issue's attacker does as the tables' owner: switch the guard off, change row `seq`, and
    recompute every later hash and the head, so that the chain verifies again."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's inserts leave deferred checks
        cursor.execute("ALTER TABLE escalation_ledgerentry DISABLE TRIGGER USER")
        prev = LedgerEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
        for entry in LedgerEntry.objects.filter(seq__gte=seq).order_by("seq"):
            if entry.seq == seq:
                entry.met = met
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(entry)
            cursor.execute(
                "UPDATE escalation_ledgerentry SET met = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [entry.met, entry.prev_hash, entry.hash, entry.pk],
            )
        cursor.execute("UPDATE escalation_ledgerhead SET hash = %s WHERE id = 1", [prev])
        cursor.execute("ALTER TABLE escalation_ledgerentry ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_a_checkpoint_signs_the_chain_head_and_is_appended_to_the_file_sink(sink, capsys):
    answer_tickets(3)
    call_command("ledger_checkpoint")
    assert "Checkpoint of row #3" in capsys.readouterr().out
    answer_tickets(2, start=3)
    checkpoint = ledger_checkpoint(now=NOW + 10 * MINUTE)
    lines = sink.read_text().splitlines()
    assert len(lines) == 2  # appended, never rewritten
    assert json.loads(lines[1]) == checkpoint.as_dict()
    head = LedgerHead.objects.get(pk=1)
    assert (checkpoint.seq, checkpoint.hash, checkpoint.at) == (5, head.hash, "2025-06-11T10:10:00+00:00")
    first, second = checkpoints_read(sink)
    assert first.seq == 3 and first.hash == LedgerEntry.objects.get(seq=3).hash
    assert checkpoint_signed(second, key=KEY)
    assert not checkpoint_signed(second, key="another key")
    forged = Checkpoint(seq=second.seq, hash="f" * 64, at=second.at, signature=second.signature)
    assert not checkpoint_signed(forged, key=KEY)


@pytest.mark.django_db
def test_the_beat_writes_a_checkpoint_on_its_schedule(sink):
    answer_tickets(1)
    entry = settings.CELERY_BEAT_SCHEDULE["checkpoint-ledger"]
    assert entry == {"task": "escalation.tasks.checkpoint_ledger", "schedule": 3600.0}
    assert checkpoint_ledger() == 1
    assert [c.seq for c in checkpoints_read(sink)] == [1]


@pytest.mark.django_db
@pytest.mark.parametrize("unset", ["LEDGER_CHECKPOINT_KEY", "LEDGER_CHECKPOINT_SINK"])
def test_without_a_key_or_a_sink_nothing_is_written_and_the_deploy_check_warns(sink, settings, unset):
    setattr(settings, unset, "")
    assert ledger_checkpoint(now=NOW) is None
    assert checkpoint_ledger() is None
    assert not sink.exists()
    with pytest.raises(CommandError, match="Set LEDGER_CHECKPOINT_KEY and LEDGER_CHECKPOINT_SINK"):
        call_command("ledger_checkpoint")
    [warning] = check_ledger_checkpoints()
    assert warning.id == "support_desk.W001" and unset in warning.msg


def test_the_deploy_check_is_quiet_when_both_are_set(settings):
    settings.LEDGER_CHECKPOINT_KEY, settings.LEDGER_CHECKPOINT_SINK = KEY, "/var/log/ledger.jsonl"
    assert check_ledger_checkpoints() == []


class _Collector(BaseHTTPRequestHandler):
    received: list = []
    status = 201

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_sink(settings):
    handler = type("Collector", (_Collector,), {"received": [], "status": 201})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LEDGER_CHECKPOINT_KEY = KEY
    settings.LEDGER_CHECKPOINT_SINK = f"http://127.0.0.1:{server.server_port}/checkpoints"
    yield handler
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_a_checkpoint_is_posted_as_json_to_an_http_sink(http_sink):
    answer_tickets(2)
    checkpoint = ledger_checkpoint(now=NOW)
    assert http_sink.received == [("application/json", checkpoint.as_dict())]
    assert checkpoint.seq == 2


@pytest.mark.django_db
def test_an_http_sink_that_refuses_fails_the_checkpoint_loudly(http_sink):
    http_sink.status = 503
    with pytest.raises(CheckpointError, match="503"):
        ledger_checkpoint(now=NOW)
    with pytest.raises(CommandError, match="503"):
        call_command("ledger_checkpoint")


@pytest.mark.django_db
def test_verify_with_checkpoints_passes_on_an_untouched_ledger(sink, capsys):
    answer_tickets(2)
    ledger_checkpoint(now=NOW)
    answer_tickets(2, start=2)
    ledger_checkpoint(now=NOW + MINUTE)
    answer_tickets(1, start=4)  # rows after the last checkpoint are fine
    call_command("verify_ledger", checkpoints=str(sink))
    assert "5 rows, chain intact, and matches 2 signed checkpoints" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_rewrite_with_recomputed_hashes_passes_plain_verify_but_not_the_checkpoints(sink, capsys):
    answer_tickets(3)
    ledger_checkpoint(now=NOW)  # seq 3
    answer_tickets(3, start=3)
    ledger_checkpoint(now=NOW + MINUTE)  # seq 6
    assert LedgerEntry.objects.get(seq=5).met is True
    rewrite_as_the_owner(5, met=False)  # a met deadline becomes a breach: the customer is owed a credit
    assert LedgerEntry.objects.get(seq=5).met is False
    assert list(ledger_verify()) == []
    call_command("verify_ledger")
    assert "6 rows, chain intact." in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"row #6 \(id \d+\): its hash differs from the checkpoint of "
                       r"2025-06-11T10:01:00\+00:00: a row from #4 to #6 was rewritten"):  # fmt: skip
        call_command("verify_ledger", checkpoints=str(sink))


@pytest.mark.django_db
def test_a_truncated_ledger_with_a_reset_head_is_caught_by_the_checkpoints(sink, capsys):
    answer_tickets(3)
    ledger_checkpoint(now=NOW)
    with connection.cursor() as cursor:  # the owner, with the guards off
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE escalation_ledgerentry DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE escalation_ledgerentry")
        cursor.execute("ALTER TABLE escalation_ledgerentry ENABLE TRIGGER USER")
        cursor.execute("UPDATE escalation_ledgerhead SET seq = 0, hash = %s", [GENESIS_HASH])
    call_command("verify_ledger")
    assert "0 rows, chain intact." in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"row #3 .*row missing: the checkpoint of .* signed it"):
        call_command("verify_ledger", checkpoints=str(sink))


@pytest.mark.django_db
def test_a_forged_checkpoint_is_named_by_its_bad_signature(sink, settings):
    answer_tickets(2)
    checkpoint = ledger_checkpoint(now=NOW)
    forged = {**checkpoint.as_dict(), "hash": LedgerEntry.objects.get(seq=1).hash, "seq": 1}
    with sink.open("a") as published:
        published.write(json.dumps(forged) + "\n")
    with pytest.raises(CommandError, match=r"row #1 .*bad signature"):
        call_command("verify_ledger", checkpoints=str(sink))
    settings.LEDGER_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="LEDGER_CHECKPOINT_KEY is not set"):
        call_command("verify_ledger", checkpoints=str(sink))


@pytest.mark.django_db
def test_a_malformed_checkpoints_file_is_named_not_a_crash(sink):
    sink.write_text('{"seq": 1}\n')
    with pytest.raises(CommandError, match=r"line 1: not a checkpoint"):
        call_command("verify_ledger", checkpoints=str(sink))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("verify_ledger", checkpoints=str(sink.with_name("absent.jsonl")))
