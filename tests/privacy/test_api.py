"""The personal-data endpoints: managers only (per role), erasure's answers, the export's round trip."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model

from escalation.roster.services.engineers import manager_ensure
from tests.api.conftest import client_for
from tests.factories import UserFactory
from tickets.models import Attachment, Message, Requester, RequesterNotification, Ticket

from . import scenario

pytestmark = pytest.mark.django_db
ERASE = "/api/v1/requesters/erase/"
EXPORT = "/api/v1/requesters/export/"


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def built():
    return scenario.build()


@pytest.fixture
def manager():
    return manager_ensure(username="maria", name="Maria Santos", email="maria@support.example")


def _clients(built):
    non_staff = UserFactory(username="viewer", is_staff=False)
    superuser = get_user_model().objects.create_superuser("root", "root@support.example", "pw")
    return {
        "anonymous": (client_for(None), 401),
        "non-staff": (client_for(non_staff), 403),
        "engineer": (client_for(built.engineer.user), 403),
        "superuser": (client_for(superuser), None),
    }


def test_only_managers_may_erase_or_export(built, manager):
    body = {"email": scenario.EMAIL, "reason": "request"}
    for role, (client, refused) in _clients(built).items():
        if refused is None:
            continue
        assert client.post(ERASE, body, format="json").status_code == refused, role
        assert client.get(EXPORT, {"email": scenario.EMAIL}).status_code == refused, role
        assert (
            client.post("/api/v1/engineers/lena/erase/", {"reason": "x"}, format="json").status_code
            == refused
        )
    assert Requester.objects.filter(email=scenario.EMAIL).exists()  # nobody got through
    superuser = client_for(get_user_model().objects.get(username="root"))
    assert superuser.get(EXPORT, {"email": scenario.EMAIL}).status_code == 200
    assert client_for(manager).get(EXPORT, {"email": scenario.EMAIL}).status_code == 200


def test_a_manager_erases_with_clear_errors_and_a_second_time_harmlessly(built, manager):
    api = client_for(manager)
    refused = api.post(ERASE, {"email": "not an address", "reason": ""}, format="json")
    assert refused.status_code == 400 and set(refused.json()) == {"email", "reason"}
    named = api.post(ERASE, {"email": scenario.EMAIL, "reason": f"{scenario.EMAIL} asked"}, format="json")
    assert named.status_code == 400 and "reason" in named.json()
    assert api.post(ERASE, {"email": "nobody@x.example", "reason": "r"}, format="json").status_code == 404

    first = api.post(ERASE, {"email": scenario.EMAIL, "reason": "GDPR request"}, format="json")
    assert first.status_code == 201, first.json()
    record = first.json()
    assert (record["kind"], record["erased_by"], record["already_erased"]) == ("requester", "maria", False)
    assert record["counts"]["messages erased"] == 2
    second = api.post(ERASE, {"email": scenario.EMAIL, "reason": "again"}, format="json")
    assert second.status_code == 200 and second.json() == {**record, "already_erased": True}
    assert api.get(EXPORT, {"email": scenario.EMAIL}).status_code == 404


def test_the_export_round_trips_every_field_and_file(built, manager):
    api = client_for(manager)
    assert api.get(EXPORT, {"email": "bad"}).status_code == 400
    response = api.get(EXPORT, {"email": scenario.EMAIL.upper()})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    document = json.loads(archive.read("export.json"))
    requester = Requester.objects.get(email=scenario.EMAIL)
    assert document["made_at"] and document["email"] == scenario.EMAIL
    assert document["requester"]["name"] == requester.name == scenario.NAME
    assert document["requester"]["created_at"] == requester.created_at.isoformat()
    (ticket,) = document["tickets"]
    assert (ticket["reference"], ticket["subject"], ticket["description"]) == (
        built.ticket.reference, scenario.SUBJECT, scenario.DESCRIPTION,
    )  # fmt: skip
    db_ticket = Ticket.objects.get(pk=built.ticket.pk)
    for name in ("severity", "status", "plan", "requester_trusted", "resolution_cycle", "close_reason"):
        assert ticket[name] == getattr(db_ticket, name), name
    for name in ("created_at", "updated_at", "first_responded_at", "resolved_at", "resolution_due_at"):
        assert ticket[name] == getattr(db_ticket, name).isoformat(), name
    rows = Message.objects.filter(ticket=built.ticket).order_by("created_at", "pk")
    assert [(m["body"], m["internal"], m["from_requester"]) for m in ticket["messages"]] == [
        (m.body, m.internal, m.from_requester) for m in rows
    ]
    for attachment in Attachment.objects.filter(message__ticket=built.ticket):
        (entry,) = [a for m in ticket["messages"] for a in m["attachments"] if a["id"] == attachment.pk]
        assert (entry["name"], entry["size"], entry["content_type"]) == (
            attachment.name, attachment.size, attachment.content_type,
        )  # fmt: skip
        with attachment.file.open("rb") as stored:
            assert archive.read(entry["file"]) == stored.read()
    assert ticket["ratings"][0]["comment"] == scenario.COMMENT
    assert {e["type"] for e in ticket["events"]} >= {"created", "escalated", "replied", "rated"}
    assert len(ticket["emails"]) == RequesterNotification.objects.filter(ticket=built.ticket).count()
    assert document["customer_contacts"][0]["name"] == scenario.NAME
    assert document["blocked_sender"][0]["address"] == scenario.EMAIL


def test_a_manager_erases_an_engineer_who_left(built, manager):
    api = client_for(manager)
    url = "/api/v1/engineers/lena/erase/"
    assert api.post("/api/v1/engineers/nobody/erase/", {"reason": "left"}, format="json").status_code == 404
    still_in = api.post(url, {"reason": "left"}, format="json")
    assert still_in.status_code == 400 and "username" in still_in.json()
    user = built.engineer.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    done = api.post(url, {"reason": "left in June"}, format="json")
    assert done.status_code == 201 and done.json()["pseudonym"] == "lena"
    assert api.post(url, {"reason": "again"}, format="json").json()["already_erased"] is True
