"""Audit records are read-only for everyone, superusers included (issue 11, item 9).

A manager once deleted a fired escalation, and its notifications with it, in the admin. Escalations,
notifications, ticket events and SLA ledger rows can be read there (by those who may read them) but
never added, changed or deleted, in the admin or through the API.
"""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from escalation.models import Escalation, LedgerEntry, Notification
from escalation.roster.services.engineers import manager_ensure
from tests.api.conftest import client_for
from tests.factories import NOW, make_engineer, make_page, make_ticket
from tickets import services
from tickets.models import Event, Severity

pytestmark = pytest.mark.django_db

User = get_user_model()
ROLES = ("anonymous", "engineer", "manager", "superuser")
READERS = ("manager", "superuser")  # who may read these in the admin


@pytest.fixture
def world():
    engineer = make_engineer("lena", name="Lena Fischer")
    ticket = make_ticket(severity=Severity.MAJOR)
    services.ticket_reply(ticket=ticket, author=engineer.user, body="On it", now=NOW)  # a ledger row
    page = make_page(ticket)
    notification = Notification.objects.create(
        ticket=ticket,
        escalation=page,
        purpose=Notification.Purpose.ESCALATION,
        channel="sms",
        recipient="+4930123456",
        body="SD page",
        created_at=NOW,
        updated_at=NOW,
    )
    return {
        "ticket": ticket,
        "escalation": page,
        "notification": notification,
        "event": ticket.events.first(),
        "ledgerentry": LedgerEntry.objects.get(ticket=ticket),
        "engineer": engineer.user,
        "manager": manager_ensure(username="maria", name="Maria Santos"),
        "superuser": User.objects.create_superuser("root", "root@support.example", "root-Very-long-9"),
    }


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])


def _counts():
    models = (Escalation, Notification, Event, LedgerEntry)
    return tuple(model.objects.count() for model in models)


ADMIN_MODELS = ["escalation", "notification", "ledgerentry"]


@pytest.mark.parametrize("model", ADMIN_MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_nobody_deletes_an_audit_record_in_the_admin(client, world, role, model):
    _login(client, world, role)
    obj = world[model]
    before = _counts()
    page = client.get(f"/admin/escalation/{model}/{obj.pk}/delete/")
    done = client.post(f"/admin/escalation/{model}/{obj.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        f"/admin/escalation/{model}/",
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert _counts() == before
    if role == "anonymous":
        assert page.status_code == done.status_code == bulk.status_code == 302
        assert page["Location"].startswith("/admin/login/")
    else:
        assert page.status_code == done.status_code == 403
        # The list has no delete action: the post is answered with the list ("No action selected").
        assert bulk.status_code == (200 if role in READERS else 403)


@pytest.mark.parametrize("model", ADMIN_MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_nobody_adds_or_changes_an_audit_record_in_the_admin(client, world, role, model):
    _login(client, world, role)
    obj = world[model]
    add = client.get(f"/admin/escalation/{model}/add/")
    change = client.get(f"/admin/escalation/{model}/{obj.pk}/change/")
    listing = client.get(f"/admin/escalation/{model}/")
    if role == "anonymous":
        assert add.status_code == change.status_code == listing.status_code == 302
        return
    assert add.status_code == 403
    if role not in READERS:
        assert change.status_code == listing.status_code == 403
        return
    # Readers see the record, without a save or a delete button, and a list without the delete action.
    assert change.status_code == listing.status_code == 200
    body = change.content.decode()
    assert 'name="_save"' not in body
    assert f"/admin/escalation/{model}/{obj.pk}/delete/" not in body
    assert "delete_selected" not in listing.content.decode()


@pytest.mark.parametrize("role", READERS)
def test_an_escalation_cannot_be_edited_by_posting_its_form(client, world, role):
    _login(client, world, role)
    page = world["escalation"]
    response = client.post(
        f"/admin/escalation/escalation/{page.pk}/change/",
        {"acknowledged_at_0": "2025-06-11", "acknowledged_at_1": "10:05:00", "step": "3"},
    )
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.acknowledged_at is None
    assert page.step == 1


@pytest.mark.parametrize("role", READERS)
def test_events_are_read_only_on_the_ticket_page(client, world, role):
    _login(client, world, role)
    ticket, event = world["ticket"], world["event"]
    count = ticket.events.count()
    url = f"/admin/tickets/ticket/{ticket.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    client.post(
        url,
        {
            "events-TOTAL_FORMS": "2",
            "events-INITIAL_FORMS": "1",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "1000",
            "events-0-id": event.pk,
            "events-0-ticket": ticket.pk,
            "events-0-DELETE": "on",
            "events-0-type": "note",
            "events-1-ticket": ticket.pk,
            "events-1-type": "note",
            "events-1-at_0": "2025-06-11",
            "events-1-at_1": "10:00:00",
            "events-1-data": "{}",
        },
    )
    assert ticket.events.count() == count
    event.refresh_from_db()
    assert event.type == world["event"].type
    assert not ticket.events.filter(type="note").exists()
    for path in ("/admin/tickets/event/", f"/admin/tickets/event/{event.pk}/delete/"):
        assert client.get(path).status_code == 404  # no admin of its own


# --- API: no write method on any of them -------------------------------------------------------------

API_ROLES = ("anonymous", "engineer", "manager", "superuser")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("role", API_ROLES)
def test_the_api_writes_no_ledger_row(world, role, method):
    api = client_for(world[role]) if role != "anonymous" else client_for()
    before = _counts()
    response = getattr(api, method)("/api/v1/sla-ledger/", {"met": True})
    assert _counts() == before
    expected = {"anonymous": 401, "engineer": 403}.get(role, 405)
    assert response.status_code == expected


@pytest.mark.parametrize("role", API_ROLES)
def test_the_api_changes_no_event_escalation_or_notification_through_a_ticket(world, role):
    api = client_for(world[role]) if role != "anonymous" else client_for()
    ticket = world["ticket"]
    before = _counts()
    url = f"/api/v1/tickets/{ticket.reference}/"
    deleted = api.delete(url)
    api.patch(url, {"events": [], "notifications": [], "escalations": []})
    api.put(url, {"events": [], "notifications": []})
    assert deleted.status_code == {"anonymous": 401}.get(role, 405)
    assert _counts() == before
    world["escalation"].refresh_from_db()
    assert world["escalation"].fired_at == NOW
    assert timezone.is_aware(world["escalation"].fired_at)
