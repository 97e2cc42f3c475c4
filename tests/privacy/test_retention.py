"""Retention: closed tickets past their customer's period lose their contents in resumable batches; a
requester left with nothing is erased whole; the dry run says what would go and changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from escalation.sla.services.ledger import ledger_verify
from privacy.models import Erasure, ExpiredTicket, RetentionPolicy
from privacy.services import retention_erase_batch, retention_plan
from tests.factories import NOW
from tickets.models import BlockedSender, Message, Ticket
from tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_close_stale,
    ticket_file,
    ticket_reply,
)

from . import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVACY_RETENTION_MONTHS = 24


def test_expired_tickets_are_emptied_in_resumable_batches(django_capture_on_commit_callbacks, capsys):
    s = scenario.build()
    BlockedSender.objects.filter(address=scenario.EMAIL).delete()  # else their next ticket is spam
    second = ticket_file(subject="Xylocarp again", description="It froze again.", severity="general",
                         email=scenario.EMAIL, now=NOW, trusted=True).ticket  # fmt: skip
    ticket_assign(ticket=second, assignee=s.engineer.user, actor=None, now=NOW)
    ticket_reply(ticket=second, author=s.engineer.user, body="Restarted it, Zebulon.", now=NOW)
    ticket_change_status(
        ticket=second, status="resolved", actor=s.engineer.user, now=NOW + timedelta(hours=1)
    )
    assert ticket_close_stale(now=NOW + timedelta(days=8)) == 2
    RetentionPolicy.objects.create(customer=s.ticket.customer, months=1)
    files = s.requester_files + s.engineer_files
    before = (
        list(ledger_verify()),
        list(Ticket.objects.values_list("pk", "status", "closed_at").order_by("pk")),
    )

    at = NOW + timedelta(days=60)
    assert retention_plan(now=NOW + timedelta(days=20)).tickets == 0  # not yet a month after closing
    plan = retention_plan(now=at)
    assert plan.as_dict() == {
        "tickets": 2,
        "messages": 6,
        "attachments": 2,
        "rating_comments": 1,
        "requesters": 1,
    }
    call_command("erase_expired", "--dry-run")
    assert '"tickets": 2' in capsys.readouterr().out and not ExpiredTicket.objects.exists()  # nothing written

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_erase_batch(now=at, limit=1) == 1
    # Half-way (a run stopped here): the first ticket is empty, the requester still has another.
    assert ExpiredTicket.objects.count() == 1 and scenario.traces_left()
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_erase_batch(now=at, limit=1) == 1
        assert retention_erase_batch(now=at, limit=1) == 0  # resumed, then done: nothing twice

    assert scenario.traces_left() == []
    assert not any(default_storage.exists(p) for p in files)
    assert set(Message.objects.filter(ticket__in=[s.ticket, second]).values_list("body", flat=True)) == {
        "[erased]"
    }
    assert (
        list(ledger_verify()),
        list(Ticket.objects.values_list("pk", "status", "closed_at").order_by("pk")),
    ) == before
    kinds = list(Erasure.objects.values_list("kind", flat=True))
    assert kinds == ["retention", "retention"] and Erasure.objects.filter(erased_by__isnull=True).count() == 2
    # The other requester's open ticket is not touched.
    assert Ticket.objects.get(pk=s.other.pk).subject == "Periwinkle audio drifts"
