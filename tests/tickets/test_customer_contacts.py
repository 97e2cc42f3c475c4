"""The contact services (issue 14): lower-cased addresses, each once per customer, also under a race."""

import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from tests.factories import CustomerFactory
from tickets.models import ContactLanguage, CustomerContact
from tickets.services import customer_contact_create, customer_contact_delete, customer_contact_update


@pytest.mark.django_db
def test_a_contact_is_stored_lower_cased_with_its_language_and_zone():
    customer = CustomerFactory(name="StreamCo")
    contact = customer_contact_create(
        customer=customer,
        email=" Beatriz@StreamCo.EXAMPLE ",
        name=" Beatriz ",
        language=ContactLanguage.PORTUGUESE_BRAZIL,
        timezone="America/Sao_Paulo",
    )
    contact = CustomerContact.objects.get(pk=contact.pk)
    assert (contact.email, contact.name, contact.language) == ("beatriz@streamco.example", "Beatriz", "pt-br")
    assert contact.timezone == ZoneInfo("America/Sao_Paulo")
    assert contact.notify_incidents is True
    defaults = customer_contact_create(customer=customer, email="noc@streamco.example")
    assert (defaults.language, defaults.timezone, defaults.name) == ("en", ZoneInfo("UTC"), "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a" * 250 + "@x.example"}, "email"),
        ({"email": "a@x.example", "name": "n" * 201}, "name"),
        ({"email": "a@x.example", "language": "de"}, "language"),
        ({"email": "a@x.example", "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_the_service_names_the_field_it_refuses(fields, field):
    customer = CustomerFactory(name="StreamCo")
    with pytest.raises(ValidationError) as refused:
        customer_contact_create(customer=customer, **fields)
    assert list(refused.value.message_dict) == [field]
    assert not CustomerContact.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_in_another_case_is_an_error_on_email_and_the_transaction_goes_on():
    customer = CustomerFactory(name="StreamCo")
    customer_contact_create(customer=customer, email="ops@streamco.example")
    with transaction.atomic():
        with pytest.raises(ValidationError) as refused:
            customer_contact_create(customer=customer, email="OPS@streamco.example")
        # the savepoint was rolled back: the surrounding transaction is still usable
        other = customer_contact_create(customer=customer, email="noc@streamco.example")
    assert refused.value.message_dict == {"email": ["StreamCo already has a contact ops@streamco.example."]}
    assert set(customer.contacts.values_list("email", flat=True)) == {other.email, "ops@streamco.example"}


@pytest.mark.django_db
def test_an_update_changes_only_what_is_given_and_refuses_a_taken_address():
    customer = CustomerFactory(name="StreamCo")
    customer_contact_create(customer=customer, email="ops@streamco.example")
    noc = customer_contact_create(customer=customer, email="noc@streamco.example", name="NOC", language="es")
    updated = customer_contact_update(contact=noc, notify_incidents=False, timezone=ZoneInfo("Europe/Madrid"))
    assert (updated.name, updated.language, updated.notify_incidents) == ("NOC", "es", False)
    assert updated.timezone == ZoneInfo("Europe/Madrid")
    with pytest.raises(ValidationError) as refused:
        customer_contact_update(contact=noc, email="Ops@StreamCo.example", name="Renamed")
    assert list(refused.value.message_dict) == ["email"]
    noc.refresh_from_db()
    assert (noc.email, noc.name) == ("noc@streamco.example", "NOC")
    customer_contact_delete(contact=noc)
    assert list(customer.contacts.values_list("email", flat=True)) == ["ops@streamco.example"]


def _a_backend_waits_on_a_lock(timeout: float = 10.0) -> bool:
    """True as soon as another session of this database waits on a lock (the unique index's row)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the transaction sees its first look
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_requests_adding_the_same_address_at_once_one_wins_the_other_gets_a_field_error():
    """The second insert runs while the first is not yet committed, so no read before it could have seen
    the first: the unique constraint decides, and the loser gets an error on `email`, not a 500."""
    customer = CustomerFactory(name="StreamCo")
    first_inserted = threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                customer_contact_create(customer=customer, email="ops@streamco.example")
                first_inserted.set()
                outcomes["second_waited"] = _a_backend_waits_on_a_lock()
            outcomes["first"] = "created"
        finally:
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(timeout=10)
            try:
                customer_contact_create(customer=customer, email="OPS@streamco.example")
                outcomes["second"] = "created"
            except ValidationError as refused:
                outcomes["second"] = refused.message_dict
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {
        "second_waited": True,  # its insert ran before the first committed: a true race
        "first": "created",
        "second": {"email": ["StreamCo already has a contact ops@streamco.example."]},
    }
    assert list(CustomerContact.objects.values_list("email", flat=True)) == ["ops@streamco.example"]


@pytest.mark.django_db
def test_incident_readers_get_the_contacts_to_notify_by_id():
    """What the incident services read: a customer's contacts with `notify_incidents`, ordered by id."""
    customer = CustomerFactory(name="StreamCo")
    a = customer_contact_create(customer=customer, email="a@streamco.example")
    customer_contact_create(customer=customer, email="b@streamco.example", notify_incidents=False)
    c = customer_contact_create(customer=customer, email="c@streamco.example")
    customer_contact_create(customer=CustomerFactory(name="Agency"), email="d@agency.example")
    notified = customer.contacts.filter(notify_incidents=True).order_by("id")
    assert list(notified) == [a, c]
