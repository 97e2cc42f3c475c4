"""A customer's contacts (issue 14): who the desk tells of incidents, managed by managers over the API."""

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tests.factories import CustomerFactory, make_ticket
from tickets.models import CustomerContact

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "non_staff", "engineer", "manager", "superuser")
ALLOWED = ("manager", "superuser")


def contacts_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/contacts/"


def contact_url(contact) -> str:
    return f"/api/v1/customers/{contact.customer_id}/contacts/{contact.pk}/"


def add_contact(customer, email: str, **fields) -> CustomerContact:
    return CustomerContact.objects.create(customer=customer, email=email, **fields)


@pytest.fixture
def streamco():
    return CustomerFactory(name="StreamCo", domains=["streamco.example"])


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@x.example", "root-Very-long-9")


@pytest.fixture
def clients(engineer, manager, superuser):
    ticket = make_ticket()
    non_staff = get_user_model().objects.create_user("viewer", password="not-staff-2026")
    return {
        "anonymous": client_for(),
        "requester": client_for(token=ticket.access_token),
        "non_staff": client_for(non_staff),
        "engineer": client_for(engineer.user),
        "manager": client_for(manager),  # staff in the managers group, not a superuser
        "superuser": client_for(superuser),
    }


# --- who may call what ---------------------------------------------------------------------------------


def test_the_manager_is_not_a_superuser(manager):
    assert manager.is_staff and not manager.is_superuser


@pytest.mark.parametrize("role", ROLES)
def test_each_operation_answers_each_caller_as_designed(clients, streamco, role):
    api = clients[role]
    contact = add_contact(streamco, "ops@streamco.example", name="Ops")
    refused = {"anonymous": 401, "requester": 401}.get(role, 403)

    def expect(allowed: int) -> int:
        return allowed if role in ALLOWED else refused

    listing = api.get(contacts_url(streamco))
    one = api.get(contact_url(contact))
    added = api.post(contacts_url(streamco), {"email": f"{role}@streamco.example"})
    changed = api.patch(contact_url(contact), {"name": "Operations"})
    assert listing.status_code == expect(200), listing.content
    assert one.status_code == expect(200), one.content
    assert added.status_code == expect(201), added.content
    assert changed.status_code == expect(200), changed.content
    for response in (listing, one, added, changed):
        assert response["Content-Type"] == "application/json"
        if response.status_code in (401, 403):
            assert response.json()["detail"]
    removed = api.delete(contact_url(contact))
    assert removed.status_code == expect(204), removed.content
    assert CustomerContact.objects.filter(pk=contact.pk).exists() == (role not in ALLOWED)
    emails = set(streamco.contacts.values_list("email", flat=True))
    assert emails == ({f"{role}@streamco.example"} if role in ALLOWED else {"ops@streamco.example"})
    if role not in ALLOWED:
        contact.refresh_from_db()
        assert contact.name == "Ops"


def test_an_engineer_is_refused_before_the_customer_is_looked_up(as_engineer, anon):
    # 403 (not 404) for a customer that does not exist: the refusal tells nothing about the data.
    assert as_engineer.get("/api/v1/customers/999999/contacts/").status_code == 403
    assert anon.get("/api/v1/customers/999999/contacts/").status_code == 401


# --- the flow ------------------------------------------------------------------------------------------


def test_a_manager_adds_lists_changes_and_removes_a_contact(as_manager, streamco):
    added = as_manager.post(
        contacts_url(streamco),
        {
            "email": "  Beatriz.Souza@StreamCo.example ",
            "name": "  Beatriz Souza ",
            "language": "pt-br",
            "timezone": "America/Sao_Paulo",
            "notify_incidents": True,
        },
    )
    assert added.status_code == 201, added.content
    contact = CustomerContact.objects.get()
    assert added.json() == {
        "id": contact.pk,
        "email": "beatriz.souza@streamco.example",
        "name": "Beatriz Souza",
        "language": "pt-br",
        "timezone": "America/Sao_Paulo",
        "notify_incidents": True,
    }
    assert (contact.customer, contact.email, contact.timezone) == (
        streamco,
        "beatriz.souza@streamco.example",
        ZoneInfo("America/Sao_Paulo"),
    )

    minimal = as_manager.post(contacts_url(streamco), {"email": "noc@streamco.example"})
    assert minimal.status_code == 201, minimal.content
    assert minimal.json() | {"id": 0} == {
        "id": 0,
        "email": "noc@streamco.example",
        "name": "",
        "language": "en",
        "timezone": "UTC",
        "notify_incidents": True,
    }

    listing = as_manager.get(contacts_url(streamco)).json()
    assert listing["count"] == 2
    assert [row["email"] for row in listing["results"]] == [
        "beatriz.souza@streamco.example",
        "noc@streamco.example",
    ]  # oldest first (by id)
    assert listing["results"][0] == added.json()

    changed = as_manager.patch(contact_url(contact), {"notify_incidents": False, "language": "ja"})
    assert changed.status_code == 200, changed.content
    assert changed.json() == added.json() | {"notify_incidents": False, "language": "ja"}
    assert as_manager.get(contact_url(contact)).json() == changed.json()

    renamed = as_manager.patch(
        contact_url(contact), {"email": "BEA@streamco.example", "timezone": "Asia/Tokyo"}
    )
    assert renamed.json()["email"] == "bea@streamco.example"
    assert renamed.json()["timezone"] == "Asia/Tokyo"
    assert renamed.json()["language"] == "ja"  # kept

    removed = as_manager.delete(contact_url(contact))
    assert removed.status_code == 204
    assert not removed.content
    assert as_manager.get(contact_url(contact)).status_code == 404
    assert [row["email"] for row in as_manager.get(contacts_url(streamco)).json()["results"]] == [
        "noc@streamco.example"
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans", "es", "pt-br", "ja", "ar"])
def test_every_language_of_the_desk_is_accepted(as_manager, streamco, language):
    response = as_manager.post(contacts_url(streamco), {"email": "a@streamco.example", "language": language})
    assert response.status_code == 201, response.content
    assert CustomerContact.objects.get().language == language


def test_a_contact_list_is_paged(as_manager, streamco):
    for i in range(3):
        add_contact(streamco, f"c{i}@streamco.example")
    page = as_manager.get(contacts_url(streamco), {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3
    assert [row["email"] for row in page["results"]] == ["c2@streamco.example"]
    assert page["previous"] and not page["next"]


# --- bad input -----------------------------------------------------------------------------------------


def test_contact_input_is_checked_field_by_field(as_manager, streamco):
    response = as_manager.post(
        contacts_url(streamco),
        {
            "email": "not an address",
            "name": "x" * 201,
            "language": "de",
            "timezone": "Mars/Olympus",
            "notify_incidents": "sometimes",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "email": ["Enter a valid email address."],
        "name": ["Ensure this field has no more than 200 characters."],
        "language": ['"de" is not a valid choice.'],
        "timezone": ["Unknown timezone 'Mars/Olympus'; use an IANA name such as Europe/Berlin."],
        "notify_incidents": ["Must be a valid boolean."],
    }
    assert not CustomerContact.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": ""}, "email"),
        ({"email": None}, "email"),
        ({"email": ["a@streamco.example"]}, "email"),
        ({"email": "a@b@streamco.example"}, "email"),
        ({"email": "a\x00@streamco.example"}, "email"),
        ({"email": "a" * 250 + "@streamco.example"}, "email"),
        ({"email": "a@streamco.example", "name": None}, "name"),
        ({"email": "a@streamco.example", "language": "EN"}, "language"),
        ({"email": "a@streamco.example", "language": ""}, "language"),
        ({"email": "a@streamco.example", "timezone": "europe/berlin"}, "timezone"),
        ({"email": "a@streamco.example", "timezone": ""}, "timezone"),
        ({"email": "a@streamco.example", "timezone": 3}, "timezone"),
        ({"email": "a@streamco.example", "timezone": "../../etc/passwd"}, "timezone"),
        ({"email": "a@streamco.example", "notify_incidents": None}, "notify_incidents"),
    ],
)
def test_each_bad_value_is_a_400_on_its_field(as_manager, streamco, body, field):
    response = as_manager.post(contacts_url(streamco), body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not CustomerContact.objects.exists()


def test_a_bad_patch_changes_nothing(as_manager, streamco):
    contact = add_contact(streamco, "ops@streamco.example", name="Ops", timezone=ZoneInfo("Europe/Lisbon"))
    response = as_manager.patch(contact_url(contact), {"name": "Operations", "timezone": "Nowhere/Land"})
    assert response.status_code == 400
    assert list(response.json()) == ["timezone"]
    contact.refresh_from_db()
    assert (contact.name, contact.timezone) == ("Ops", ZoneInfo("Europe/Lisbon"))
    for body in ({"email": "nope"}, {"language": "klingon"}, {"notify_incidents": "perhaps"}):
        assert list(as_manager.patch(contact_url(contact), body).json()) == list(body)


@pytest.mark.parametrize("email", ["ops@streamco.example", "OPS@StreamCo.Example", "  Ops@streamco.example "])
def test_an_address_the_customer_has_already_is_refused_in_any_case(as_manager, streamco, email):
    add_contact(streamco, "ops@streamco.example")
    response = as_manager.post(contacts_url(streamco), {"email": email})
    assert response.status_code == 400
    assert response.json() == {"email": ["StreamCo already has a contact ops@streamco.example."]}
    assert streamco.contacts.count() == 1


def test_a_patch_onto_another_contacts_address_is_refused_and_onto_its_own_is_fine(as_manager, streamco):
    add_contact(streamco, "ops@streamco.example")
    noc = add_contact(streamco, "noc@streamco.example")
    response = as_manager.patch(contact_url(noc), {"email": "Ops@StreamCo.example"})
    assert response.status_code == 400
    assert response.json() == {"email": ["StreamCo already has a contact ops@streamco.example."]}
    noc.refresh_from_db()
    assert noc.email == "noc@streamco.example"
    same = as_manager.patch(contact_url(noc), {"email": "NOC@streamco.example", "name": "NOC"})
    assert same.status_code == 200, same.content
    assert (same.json()["email"], same.json()["name"]) == ("noc@streamco.example", "NOC")


def test_two_customers_may_have_the_same_contact(as_manager, streamco):
    agency = CustomerFactory(name="Agency")
    add_contact(agency, "ops@streamco.example")
    response = as_manager.post(contacts_url(streamco), {"email": "ops@streamco.example"})
    assert response.status_code == 201, response.content
    assert CustomerContact.objects.filter(email="ops@streamco.example").count() == 2


def test_fields_the_api_does_not_write_are_ignored(as_manager, streamco):
    agency = CustomerFactory(name="Agency")
    contact = add_contact(streamco, "ops@streamco.example")
    response = as_manager.patch(
        contact_url(contact), {"customer": agency.pk, "id": 999, "created_at": "2020-01-01T00:00:00Z"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == contact.pk
    moved = CustomerContact.objects.get(pk=contact.pk)
    assert moved.customer == streamco
    assert moved.created_at == contact.created_at
    created = as_manager.post(
        contacts_url(streamco), {"email": "new@streamco.example", "customer": agency.pk}
    )
    assert CustomerContact.objects.get(pk=created.json()["id"]).customer == streamco


def test_a_body_that_is_not_json_is_refused(as_manager, streamco):
    response = as_manager.generic(
        "POST", contacts_url(streamco), "email=a@streamco.example", content_type="text/plain"
    )
    assert response.status_code == 415
    assert not CustomerContact.objects.exists()


# --- 404s ----------------------------------------------------------------------------------------------


def test_an_unknown_customer_or_contact_is_a_404(as_manager, streamco):
    contact = add_contact(streamco, "ops@streamco.example")
    assert as_manager.get("/api/v1/customers/999999/contacts/").status_code == 404
    assert as_manager.post("/api/v1/customers/999999/contacts/", {"email": "a@b.example"}).status_code == 404
    assert as_manager.post("/api/v1/customers/999999/contacts/", {"email": "bad"}).status_code == 404
    assert as_manager.get(f"/api/v1/customers/999999/contacts/{contact.pk}/").status_code == 404
    for missing in (f"{contacts_url(streamco)}999999/", f"{contacts_url(streamco)}{'9' * 30}/"):
        assert as_manager.get(missing).status_code == 404
        assert as_manager.patch(missing, {"name": "x"}).status_code == 404
        assert as_manager.delete(missing).status_code == 404
    assert as_manager.get(f"{contacts_url(streamco)}abc/").status_code == 404
    assert as_manager.get(f"{contacts_url(streamco)}-1/").status_code == 404
    assert not CustomerContact.objects.filter(email="a@b.example").exists()


def test_a_contact_of_another_customer_is_a_404_for_every_method(as_manager, streamco):
    agency = CustomerFactory(name="Agency")
    theirs = add_contact(agency, "ops@agency.example", name="Theirs")
    wrong = f"{contacts_url(streamco)}{theirs.pk}/"
    assert as_manager.get(wrong).status_code == 404
    assert as_manager.get(wrong).json() == {"detail": f"Customer {streamco.pk} has no contact {theirs.pk}."}
    assert as_manager.patch(wrong, {"name": "Mine now"}).status_code == 404
    assert as_manager.delete(wrong).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert as_manager.get(contact_url(theirs)).status_code == 200


def test_an_empty_customer_lists_no_contacts(as_manager, streamco):
    add_contact(CustomerFactory(name="Agency"), "ops@agency.example")
    assert as_manager.get(contacts_url(streamco)).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


# --- queries -------------------------------------------------------------------------------------------


def test_the_contact_list_runs_the_same_queries_for_one_or_thirty(
    as_manager, streamco, django_assert_max_num_queries
):
    add_contact(streamco, "c00@streamco.example")
    with CaptureQueriesContext(connection) as one:
        assert as_manager.get(contacts_url(streamco)).json()["count"] == 1
    # token, manager check, the customer exists, count, page
    assert len(one) == 5, [q["sql"] for q in one.captured_queries]
    for i in range(1, 30):
        add_contact(streamco, f"c{i:02}@streamco.example", language="ja", timezone=ZoneInfo("Asia/Tokyo"))
    with django_assert_max_num_queries(len(one)):
        body = as_manager.get(contacts_url(streamco)).json()
    assert body["count"] == 30
    assert [row["email"] for row in body["results"]][:2] == ["c00@streamco.example", "c01@streamco.example"]
    assert body["results"][7]["timezone"] == "Asia/Tokyo"
