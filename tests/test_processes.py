"""The processes in the Procfile start for real, connect, and do their work; production settings are safe."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from escalation.models import Engineer, LedgerEntry
from tests.factories import make_ticket
from tickets.models import Severity, Status, Ticket

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))


def test_check_deploy_is_clean_with_production_variables():
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "support.example.com",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "LEDGER_CHECKPOINT_KEY": "a-long-random-checkpoint-key-" + "y" * 40,
        "LEDGER_CHECKPOINT_SINK": "https://audit.example.com/ledger-checkpoints",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {"PATH": os.environ["PATH"], "DEBUG": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Ticket.objects.count(), Engineer.objects.count(), LedgerEntry.objects.count())
    call_command("seed_demo")
    assert (Ticket.objects.count(), Engineer.objects.count(), LedgerEntry.objects.count()) == counts
    assert counts[1] == 6
    zones = set(Engineer.objects.values_list("timezone", flat=True))
    assert {str(z) for z in zones} == {
        "Asia/Tokyo", "Asia/Singapore", "Europe/London", "Europe/Berlin",
        "America/New_York", "America/Sao_Paulo",
    }  # fmt: skip
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    out = capsys.readouterr().out
    assert "manager" in out and "demo-desk-2026" in out


def test_seed_demo_refuses_to_publish_logins_in_production(settings):
    settings.DEBUG = False
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_start_connect_and_record_a_due_breach(tmp_path):
    ticket = make_ticket(severity=Severity.MAJOR, now=timezone.now() - timedelta(minutes=20))
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        BREACH_SWEEP_INTERVAL_SECONDS="1",
    )
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the integration suite runs on Redis"
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no backlog left by earlier tests
    worker = subprocess.Popen(
        [CELERY, "-A", "support_desk", "worker", "--pool", "solo", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    beat = subprocess.Popen(
        [CELERY, "-A", "support_desk", "beat", "--schedule", str(tmp_path / "beat"), "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if LedgerEntry.objects.filter(ticket=ticket, kind="breach", metric="first_response").exists():
                break
            assert worker.poll() is None, worker.stdout.read()
            assert beat.poll() is None, beat.stdout.read()
            time.sleep(0.25)
        else:
            pytest.fail("no breach was recorded within 60 s by the worker and beat")
    finally:
        for process in (beat, worker):
            process.terminate()
        for process in (beat, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    row = LedgerEntry.objects.get(ticket=ticket, kind="breach", metric="first_response")
    assert row.met is False
