"""Customers and their email domains, managed by managers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CustomerFactory, make_ticket
from tickets.models import Customer, CustomerDomain, Plan

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"


def test_a_manager_adds_a_customer_and_its_requesters_file_under_its_plan(as_manager):
    response = as_manager.post(
        CUSTOMERS,
        {
            "name": "  Kabuki Live ",
            "plan": "premium",
            "timezone": "Asia/Tokyo",
            "email_domains": [" Kabuki.Example. ", "kabuki.example", "live.kabuki.example"],
        },
    )

    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    assert response.json() == {
        "id": customer.pk,
        "name": "Kabuki Live",
        "plan": "premium",
        "timezone": "Asia/Tokyo",
        "email_domains": ["kabuki.example", "live.kabuki.example"],
        "monthly_fee": "0.00",
        "currency": "USD",
        "created_at": response.json()["created_at"],
        "statement_link": f"http://testserver/statements/{customer.statement_token}/",
    }
    ticket = make_ticket(email="noc@eu.kabuki.example")
    assert (ticket.customer, ticket.plan) == (customer, Plan.PREMIUM)


def test_a_domain_belongs_to_one_customer_and_the_error_names_it(as_manager):
    CustomerFactory(name="StreamCo", domains=["streamco.example"])
    response = as_manager.post(
        CUSTOMERS, {"name": "Copycat", "email_domains": ["STREAMCO.example", "not a domain", "ok.example"]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "email_domains": [
            "'not a domain' is not a domain name (write international names in their xn-- form).",
            "streamco.example already belongs to StreamCo.",
        ]
    }
    assert not Customer.objects.filter(name="Copycat").exists()
    assert not CustomerDomain.objects.filter(domain="ok.example").exists()


def test_customer_input_is_checked_field_by_field(as_manager):
    CustomerFactory(name="StreamCo")
    response = as_manager.post(
        CUSTOMERS, {"name": "", "plan": "gold", "timezone": "Mars/Olympus", "email_domains": "a.example"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field may not be blank."],
        "plan": ['"gold" is not a valid choice.'],
        "timezone": ["Unknown timezone 'Mars/Olympus'; use an IANA name such as Europe/Berlin."],
        "email_domains": ['Expected a list of items but got type "str".'],
    }
    assert as_manager.post(CUSTOMERS, {"name": "StreamCo"}).json() == {
        "name": ["A customer called 'StreamCo' already exists."]
    }


def test_a_patch_changes_only_what_it_gives_and_domains_are_replaced_whole(as_manager):
    customer = CustomerFactory(name="Pixel Radio", domains=["pixelradio.example", "pixel.example"])
    url = f"{CUSTOMERS}{customer.pk}/"

    upgraded = as_manager.patch(url, {"plan": "premium"})
    assert upgraded.status_code == 200, upgraded.content
    assert upgraded.json()["plan"] == "premium"
    assert upgraded.json()["email_domains"] == ["pixel.example", "pixelradio.example"]
    assert upgraded.json()["timezone"] == "UTC"

    moved = as_manager.patch(
        url, {"email_domains": ["pixel.example", "radio.example"], "timezone": "Europe/Berlin"}
    )
    assert moved.json()["email_domains"] == ["pixel.example", "radio.example"]
    assert moved.json()["timezone"] == "Europe/Berlin"
    assert as_manager.get(url).json() == moved.json()
    assert as_manager.patch(url, {"name": ""}).status_code == 400


def test_a_new_plan_applies_to_tickets_filed_afterwards(as_manager):
    customer = CustomerFactory(name="Pixel Radio", domains=["pixel.example"])
    before = make_ticket(email="a@pixel.example")
    as_manager.patch(f"{CUSTOMERS}{customer.pk}/", {"plan": "premium"})
    after = make_ticket(email="b@pixel.example")
    before.refresh_from_db()
    assert (before.plan, after.plan) == (Plan.STANDARD, Plan.PREMIUM)


def test_an_unknown_customer_is_a_404(as_manager):
    assert as_manager.get(f"{CUSTOMERS}999999/").status_code == 404
    assert as_manager.patch(f"{CUSTOMERS}999999/", {"plan": "premium"}).status_code == 404
    assert as_manager.get(f"{CUSTOMERS}{'9' * 30}/").status_code == 404


def test_the_customer_list_runs_the_same_queries_for_one_or_twenty(as_manager, django_assert_max_num_queries):
    CustomerFactory(name="Customer 00", domains=["c00.example", "c00b.example"])
    with CaptureQueriesContext(connection) as one:
        assert as_manager.get(CUSTOMERS).json()["count"] == 1
    for i in range(1, 20):
        CustomerFactory(name=f"Customer {i:02}", domains=[f"c{i:02}.example", f"c{i:02}b.example"])
    with django_assert_max_num_queries(len(one)):
        body = as_manager.get(CUSTOMERS).json()
    assert [c["name"] for c in body["results"]][:2] == ["Customer 00", "Customer 01"]
    assert body["results"][5]["email_domains"] == ["c05.example", "c05b.example"]
