"""Canned replies over the API: who sees and changes which, placeholders, rendering in the customer's zone."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from tests.factories import NOW, make_engineer, make_ticket
from tickets.models import Macro

from .conftest import client_for

pytestmark = pytest.mark.django_db

BODY = "Hello {{requester_name}}, {{ reference }} is due {{due_local}}. {{engineer_name}}"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def other(db):
    return make_engineer("omar", name="Omar Haddad")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@x.example", "root-Very-long-9")


def _create(client, **fields):
    return client.post("/api/v1/macros/", {"name": "Hi", "body": BODY, **fields}, format="json")


def test_the_manager_is_not_a_superuser(manager):
    assert manager.is_staff and not manager.is_superuser


def test_anonymous_and_non_staff_get_nothing(anon):
    non_staff = get_user_model().objects.create_user("viewer", password="not-staff-2026")
    assert anon.get("/api/v1/macros/").status_code == 401
    assert _create(anon).status_code == 401
    assert client_for(non_staff).get("/api/v1/macros/").status_code == 403
    assert _create(client_for(non_staff)).status_code == 403
    assert Macro.objects.count() == 0


def test_an_engineer_keeps_personal_macros_that_nobody_else_sees(as_engineer, engineer, other, as_manager):
    created = _create(as_engineer, status="resolved")
    assert created.status_code == 201, created.json()
    macro = created.json()
    assert macro["shared"] is False and macro["owner"] == "lena" and macro["status"] == "resolved"
    url = f"/api/v1/macros/{macro['id']}/"
    assert as_engineer.patch(url, {"name": "Hello"}, format="json").json()["name"] == "Hello"
    assert as_engineer.patch(url, {"status": None}, format="json").json()["status"] is None
    assert Macro.objects.get().status == ""
    # Nobody else sees it, managers included: a 404, not a 403, and not in their lists.
    for client in (client_for(other.user), as_manager):
        assert client.get(url).status_code == 404
        assert client.patch(url, {"name": "x"}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
        assert client.get("/api/v1/macros/").json()["count"] == 0
    assert as_engineer.delete(url).status_code == 204
    assert not Macro.objects.exists()


def test_only_managers_create_and_change_shared_macros(as_engineer, engineer, as_manager, manager, superuser):
    refused = _create(as_engineer, shared=True)
    assert refused.status_code == 403
    assert "managers" in refused.json()["detail"]
    made = _create(as_manager, shared=True)
    assert made.status_code == 201
    url = f"/api/v1/macros/{made.json()['id']}/"
    # Every engineer sees it, and cannot change or delete it.
    assert as_engineer.get("/api/v1/macros/").json()["results"][0]["shared"] is True
    assert as_engineer.patch(url, {"body": "Bye"}, format="json").status_code == 403
    assert as_engineer.delete(url).status_code == 403
    # A personal one cannot be made shared by an engineer.
    mine = _create(as_engineer, name="Mine").json()
    assert (
        as_engineer.patch(f"/api/v1/macros/{mine['id']}/", {"shared": True}, format="json").status_code == 403
    )
    assert client_for(superuser).patch(url, {"body": "Bye {{reference}}"}, format="json").status_code == 200
    assert as_manager.delete(url).status_code == 204
    assert list(Macro.objects.values_list("name", flat=True)) == ["Mine"]


def test_unknown_placeholders_and_statuses_are_refused_by_name(as_engineer):
    response = _create(as_engineer, body="Hi {{customer}} {{ requester_name }} {{__class__}} {{customer}}")
    assert response.status_code == 400
    assert response.json()["body"] == [
        "Unknown placeholders: {{customer}}, {{__class__}}. Known: {{requester_name}}, {{reference}}, "
        "{{engineer_name}}, {{due_local}}."
    ]
    assert _create(as_engineer, status="new").json() == {"status": ['"new" is not a valid choice.']}
    assert _create(as_engineer).status_code == 201
    assert _create(as_engineer).json() == {"name": ["A personal canned reply is already called 'Hi'."]}
    assert Macro.objects.count() == 1


def test_the_list_runs_the_same_queries_for_one_macro_or_thirty(
    as_engineer, engineer, manager, django_assert_num_queries
):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert as_engineer.get("/api/v1/macros/").status_code == 200
        return len(queries)

    Macro.objects.create(name="a", body="x", owner=engineer.user, created_at=NOW, updated_at=NOW)
    few = count()
    for n in range(15):
        Macro.objects.create(name=f"s{n}", body="x", owner=None, created_at=NOW, updated_at=NOW)
        Macro.objects.create(name=f"p{n}", body="x", owner=engineer.user, created_at=NOW, updated_at=NOW)
    assert count() == few == 3  # token, count, page (owner joined): support_desk/api/README.md


def test_rendering_fills_in_the_ticket_in_the_customers_zone_without_evaluating_anything(
    as_engineer, engineer
):
    # A value that looks like a placeholder is not filled in again; template tags are only text.
    ticket = make_ticket(name="Ana {{reference}}", requester_timezone=ZoneInfo("America/Sao_Paulo"))
    macro = Macro.objects.create(
        name="m",
        body=BODY + " {% debug %}",
        status="resolved",
        owner=None,
        created_at=NOW,
        updated_at=NOW,
    )
    response = as_engineer.get(f"/api/v1/macros/{macro.pk}/render/", {"ticket": ticket.reference})
    assert response.status_code == 200, response.json()
    due = ticket.resolution_due_at.astimezone(ZoneInfo("America/Sao_Paulo"))
    expected_due = f"{due:%a} {due.day} {due:%b %Y, %H:%M} Sao Paulo time"
    assert response.json() == {
        "macro": macro.pk,
        "ticket": ticket.reference,
        "body": f"Hello Ana {{{{reference}}}}, {ticket.reference} is due {expected_due}. Lena Fischer"
        " {% debug %}",
        "status": "resolved",
    }
    assert due.utcoffset() == timedelta(hours=-3)
    assert as_engineer.get(f"/api/v1/macros/{macro.pk}/render/", {"ticket": "SD-1"}).status_code == 404
    assert as_engineer.get(f"/api/v1/macros/{macro.pk}/render/").json() == {
        "ticket": ["This field is required."]
    }


def test_the_due_time_follows_daylight_saving_in_the_customers_zone(as_engineer, time_machine):
    winter = NOW.replace(month=1, day=15)
    time_machine.move_to(winter, tick=False)
    ticket = make_ticket(now=winter, name="Jo", requester_timezone=ZoneInfo("Europe/Berlin"))
    macro = Macro.objects.create(name="m", body="{{due_local}}", created_at=NOW, updated_at=NOW)
    body = as_engineer.get(f"/api/v1/macros/{macro.pk}/render/", {"ticket": ticket.reference}).json()["body"]
    assert body.endswith(" CET")
    assert f"{ticket.resolution_due_at.astimezone(ZoneInfo('Europe/Berlin')):%H:%M}" in body
