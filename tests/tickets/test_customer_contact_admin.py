"""A customer's contacts in the admin (issue 14): an inline of the customer, for managers and superusers
as the customer admin is; addresses lower-cased and once per customer there too."""

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from escalation.roster.services.engineers import manager_ensure
from tests.factories import CustomerFactory, make_engineer
from tickets.models import CustomerContact

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "engineer", "manager", "superuser")
EDITORS = ("manager", "superuser")


@pytest.fixture
def world():
    customer = CustomerFactory(name="StreamCo", domains=["streamco.example"])
    contact = CustomerContact.objects.create(customer=customer, email="ops@streamco.example", name="Ops")
    return {
        "customer": customer,
        "contact": contact,
        "engineer": make_engineer("lena").user,
        "manager": manager_ensure(username="maria", name="Maria Santos"),
        "superuser": get_user_model().objects.create_superuser("root", "root@x.example", "root-Very-long-9"),
    }


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])


def change_form(world, *new_contacts: dict, contact: dict | None = None) -> dict:
    """The customer's change form as the browser posts it: the customer unchanged, its domain, its contact
    (`contact` overrides fields of it) and `new_contacts` as extra inline rows."""
    customer, existing = world["customer"], world["contact"]
    domain = customer.domains.get()
    data = {
        "name": customer.name,
        "plan": customer.plan,
        "timezone": "UTC",
        "monthly_fee": "0.00",
        "currency": "USD",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "1",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
        "domains-0-id": domain.pk,
        "domains-0-customer": customer.pk,
        "domains-0-domain": domain.domain,
        "contacts-TOTAL_FORMS": str(1 + len(new_contacts)),
        "contacts-INITIAL_FORMS": "1",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
    }
    rows = [
        {
            "id": existing.pk,
            "email": existing.email,
            "name": existing.name,
            "language": existing.language,
            "timezone": "UTC",
            "notify_incidents": "on",
            **(contact or {}),
        },
        *new_contacts,
    ]
    for i, row in enumerate(rows):
        data[f"contacts-{i}-customer"] = customer.pk
        for field, value in row.items():
            if value is not None:
                data[f"contacts-{i}-{field}"] = value
    return data


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_and_edits_contacts_on_the_customer_page(client, world, role):
    _login(client, world, role)
    customer = world["customer"]
    url = f"/admin/tickets/customer/{customer.pk}/change/"
    page = client.get(url)
    saved = client.post(
        url,
        change_form(
            world,
            {"email": "NOC@StreamCo.example", "name": "NOC", "language": "ja", "timezone": "Asia/Tokyo"},
            contact={"notify_incidents": None},  # unticked
        ),
    )
    contacts = {c.email: c for c in customer.contacts.all()}
    if role == "anonymous":
        assert page.status_code == saved.status_code == 302
        assert page["Location"].startswith("/admin/login/")
    elif role not in EDITORS:
        assert page.status_code == saved.status_code == 403
    if role not in EDITORS:
        assert list(contacts) == ["ops@streamco.example"]
        assert contacts["ops@streamco.example"].notify_incidents is True
        return
    assert page.status_code == 200
    body = page.content.decode()
    assert "ops@streamco.example" in body
    assert 'name="contacts-TOTAL_FORMS"' in body
    assert saved.status_code == 302, saved.context["inline_admin_formsets"][1].formset.errors
    assert sorted(contacts) == ["noc@streamco.example", "ops@streamco.example"]
    noc = contacts["noc@streamco.example"]
    assert (noc.name, noc.language, noc.timezone) == ("NOC", "ja", ZoneInfo("Asia/Tokyo"))
    assert contacts["ops@streamco.example"].notify_incidents is False


@pytest.mark.parametrize("role", EDITORS)
def test_a_contact_is_deleted_from_the_customer_page(client, world, role):
    _login(client, world, role)
    customer = world["customer"]
    response = client.post(
        f"/admin/tickets/customer/{customer.pk}/change/", change_form(world, contact={"DELETE": "on"})
    )
    assert response.status_code == 302
    assert not customer.contacts.exists()


@pytest.mark.parametrize(
    ("new", "existing"),
    [
        ({"email": "OPS@streamco.example"}, None),  # the existing address in another case
        ({"email": "x@streamco.example"}, None),
        ({"email": "Twice@streamco.example"}, {"email": "twice@streamco.example"}),  # two new rows alike
    ],
)
def test_an_address_the_customer_has_is_refused_on_the_form_not_with_a_500(client, world, new, existing):
    client.force_login(world["manager"])
    customer = world["customer"]
    rows = [{"language": "en", "timezone": "UTC", "notify_incidents": "on", **new}]
    if existing:
        rows.append({"language": "en", "timezone": "UTC", "notify_incidents": "on", **existing})
    response = client.post(f"/admin/tickets/customer/{customer.pk}/change/", change_form(world, *rows))
    if new["email"] == "x@streamco.example":  # the control: a new address is saved
        assert response.status_code == 302
        assert customer.contacts.filter(email="x@streamco.example").exists()
        return
    assert response.status_code == 200  # the form again, with the error
    formset = response.context["inline_admin_formsets"][1].formset
    assert formset.model is CustomerContact
    # Lower-cased before the comparison: the same address in another case is the duplicate it names.
    assert formset.non_form_errors() == ["Please correct the duplicate data for email."]
    assert list(customer.contacts.values_list("email", flat=True)) == ["ops@streamco.example"]


def test_a_customer_is_found_by_a_contacts_address(client, world):
    client.force_login(world["manager"])
    CustomerFactory(name="Agency")
    response = client.get("/admin/tickets/customer/", {"q": "ops@streamco"})
    assert [c.name for c in response.context["cl"].result_list] == ["StreamCo"]


def test_managers_hold_the_contact_permissions_the_inline_needs(world):
    manager = get_user_model().objects.get(pk=world["manager"].pk)  # fresh permission cache
    for action in ("view", "add", "change", "delete"):
        assert manager.has_perm(f"tickets.{action}_customercontact"), action
    engineer = get_user_model().objects.get(pk=world["engineer"].pk)
    assert not engineer.has_perm("tickets.view_customercontact")
