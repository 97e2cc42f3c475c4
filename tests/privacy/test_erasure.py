"""Erasing a requester and an engineer who left: nothing of them anywhere in the database, no file of
theirs in storage, the ledger still verifies and the reports count the same."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, InternalError, transaction

from escalation.models import Engineer, LedgerEntry, Notification, Page
from escalation.reports.periods import Period
from escalation.reports.selectors.filters import ReportFilters
from escalation.reports.selectors.sla_report import sla_report_get
from escalation.roster.services.engineers import manager_ensure
from escalation.sla.services.ledger import ledger_verify
from privacy.models import Erasure, ErasureImmutable
from privacy.services import ErasureRefused, NothingHeld, engineer_erase, requester_erase
from tests.factories import NOW
from tickets.models import Message, Rating, Requester, Ticket

from . import scenario

pytestmark = pytest.mark.django_db
LATER = NOW + timedelta(days=3)
JUNE = Period(start=NOW - timedelta(days=10), end=NOW + timedelta(days=10), zone=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(db):
    return manager_ensure(username="maria", name="Maria Santos", email="maria@support.example")


def _figures():
    report = sla_report_get(filters=ReportFilters(period=JUNE), group_by="severity")
    return [*report.groups, report.total], LedgerEntry.objects.count()


def test_erasing_a_requester_leaves_no_trace_in_any_column_and_keeps_the_ledger(
    manager, django_capture_on_commit_callbacks
):
    s = scenario.build(manager)
    assert scenario.traces_left()  # the search finds them before (else it proves nothing)
    before = _figures()
    ratings_before = list(Rating.objects.values_list("ticket_id", "cycle", "score", "engineer_id"))
    assert all(default_storage.exists(p) for p in s.requester_files + s.engineer_files)

    with django_capture_on_commit_callbacks(execute=True):
        result = requester_erase(
            email=scenario.EMAIL.upper(), reason="GDPR request #4411", actor=manager, now=LATER
        )

    assert scenario.traces_left() == []
    assert not any(default_storage.exists(p) for p in s.requester_files)
    assert all(default_storage.exists(p) for p in s.engineer_files)  # the engineer's own file stays
    assert list(ledger_verify()) == []
    assert _figures() == before
    assert list(Rating.objects.values_list("ticket_id", "cycle", "score", "engineer_id")) == ratings_before
    # The ticket and its thread are still there: every message, the engineers' words around the quotes.
    ticket = Ticket.objects.get(pk=s.ticket.pk)
    assert ticket.status == "resolved" and ticket.access_token != s.ticket.access_token
    bodies = list(Message.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert len(bodies) == 4 and bodies[0] == bodies[2] == "[erased]"
    assert "We restarted the origin" in bodies[1] and "Fixed: the encoder was stuck." in bodies[3]
    assert Notification.objects.filter(ticket=ticket).exists() and Page.objects.count() == 1
    # The other requester's ticket is untouched.
    assert scenario.traces_left(["periwinkle", scenario.OTHER_EMAIL])
    other = Ticket.objects.get(pk=s.other.pk)
    assert (other.subject, other.requester.name) == ("Periwinkle audio drifts", "Olga Periwinkle")
    # The record: who, when, why, counts (never content).
    erasure = result.erasure
    assert (erasure.kind, erasure.erased_by, erasure.at, result.already) == (
        "requester",
        manager,
        LATER,
        False,
    )
    assert erasure.counts["messages erased"] == 2 and erasure.counts["attachments deleted"] == 1
    assert erasure.counts["rating comments erased"] == 1 and erasure.counts["contacts deleted"] == 1
    assert Requester.objects.get(pk=s.requester.pk).email == erasure.pseudonym

    # Twice: harmless, and says when it was done.
    again = requester_erase(
        email=scenario.EMAIL, reason="asked again", actor=manager, now=LATER + timedelta(days=1)
    )
    assert (again.already, again.erasure.pk) == (True, erasure.pk)
    assert Erasure.objects.count() == 1
    assert scenario.traces_left() == [] and list(ledger_verify()) == []


def test_the_erasure_record_cannot_be_changed_or_removed(manager):
    scenario.build()
    erasure = requester_erase(email=scenario.EMAIL, reason="request", actor=manager, now=LATER).erasure
    with pytest.raises(ErasureImmutable):
        erasure.save()
    with pytest.raises(ErasureImmutable):
        Erasure.objects.all().delete()
    with pytest.raises(ErasureImmutable):
        erasure.delete()
    for statement in ("UPDATE privacy_erasure SET reason = 'x'", "DELETE FROM privacy_erasure"):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert Erasure.objects.get().reason == "request"


def test_refusals_name_the_field(manager):
    scenario.build()
    with pytest.raises(NothingHeld):
        requester_erase(email="nobody@nowhere.example", reason="request", actor=manager, now=LATER)
    with pytest.raises(ErasureRefused) as refused:
        requester_erase(email=scenario.EMAIL, reason=f"{scenario.NAME} asked", actor=manager, now=LATER)
    assert refused.value.field == "reason"
    assert Requester.objects.filter(email=scenario.EMAIL).exists()  # nothing was erased


def test_an_engineer_who_left_keeps_only_their_username(manager):
    s = scenario.build()
    user = s.engineer.user
    with pytest.raises(ErasureRefused, match="switch the login off"):
        engineer_erase(username="lena", reason="left", actor=manager, now=LATER)
    user.is_active = False
    user.save()
    before = _figures()
    result = engineer_erase(username="lena", reason="left on 2025-06-30", actor=manager, now=LATER)

    assert scenario.traces_left(["Lena Fischer", "lena@support.example", "4930123456"]) == []
    user.refresh_from_db()
    assert (user.username, user.first_name, user.last_name, user.email) == ("lena", "", "", "")
    assert not user.has_usable_password()
    assert str(Engineer.objects.get(user=user).phone) == ""
    assert LedgerEntry.objects.filter(engineer=user).count() == 3  # the rows still name them
    assert list(ledger_verify()) == [] and _figures() == before
    assert result.erasure.pseudonym == "lena" and result.erasure.counts["phone numbers erased"] == 1
    assert Notification.objects.filter(recipient="erased:lena").exists()
    assert engineer_erase(username="lena", reason="again", actor=manager, now=LATER).already


def test_a_mention_in_an_earlier_erasure_record_is_counted_not_rewritten(manager):
    scenario.build()
    with pytest.raises(ErasureRefused):  # no address in a reason, anybody's
        requester_erase(email=scenario.OTHER_EMAIL, reason=f"see {scenario.EMAIL}", actor=manager, now=LATER)
    requester_erase(email=scenario.OTHER_EMAIL, reason=f"asked by {scenario.NAME}", actor=manager, now=LATER)
    erasure = requester_erase(email=scenario.EMAIL, reason="request", actor=manager, now=LATER).erasure
    assert erasure.counts["privacy.Erasure.reason mentions left (immutable)"] == 1
    assert list(ledger_verify()) == []
