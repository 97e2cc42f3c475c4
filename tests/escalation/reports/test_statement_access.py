"""Who reads a customer's statements, and how (issue 15, item 4): the key in the statement link opens the
pages and downloads (no cache, not indexed), managers see the link in the API and rotate it, and a page
costs the same few queries whatever the month holds."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

from escalation.models import Statement
from escalation.sla.services.clock import sla_record_due_breaches
from escalation.statements.document import statement_read
from escalation.statements.services import statements_make_for_month
from tests.api.conftest import client_for
from tests.factories import NOW, CustomerFactory, make_ticket
from tickets.models import Customer, Severity

pytestmark = [pytest.mark.clock, pytest.mark.django_db]

KEY = "a-statement-key-kept-out-of-the-database"
JUNE = date(2025, 6, 1)
MADE_AT = datetime(2025, 7, 1, 0, 5, tzinfo=UTC)


@pytest.fixture
def june(history, settings):
    settings.LEDGER_CHECKPOINT_KEY = KEY
    with time_machine.travel(MADE_AT, tick=False):
        statements_make_for_month(month=JUNE, now=MADE_AT)
    return history


def page_of(customer: Customer, suffix: str = "") -> str:
    return f"/statements/{customer.statement_token}/{suffix}"


def test_the_link_opens_the_months_the_page_and_both_signed_downloads(june, client):
    kabuki = june.kabuki
    months = client.get(page_of(kabuki))
    assert months.status_code == 200
    assert b"June 2025" in months.content and page_of(kabuki, "2025-06/").encode() in months.content
    page = client.get(page_of(kabuki, "2025-06/"))
    text = page.content.decode()
    assert page.status_code == 200
    for ticket in (june.a, june.b, june.c):
        assert ticket.reference in text
    assert june.d.reference not in text  # another customer's ticket
    assert "a@kabuki.example" not in text and "Origin 502" not in text  # no person, no subject
    assert "verify_statement" in text  # how to check it
    for response in (months, page):
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
        assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    for suffix in ("2025-06.json", "2025-06.csv"):
        download = client.get(page_of(kabuki, suffix))
        assert download.status_code == 200
        assert download["Content-Disposition"] == f'attachment; filename="sla-statement-{suffix}"'
        assert "max-age=0" in download["Cache-Control"] and download["X-Robots-Tag"]
        statement = statement_read(download.content, key=KEY)
        assert statement.signed_ok is True and statement.month == "2025-06"
        assert {ticket for _, _, ticket in statement.rows} == {
            june.a.reference,
            june.b.reference,
            june.c.reference,
        }


@pytest.mark.parametrize(
    "suffix",
    ["", "2025-06/", "2025-06.json", "2025-06.csv"],
)
def test_a_wrong_token_or_month_opens_nothing(june, client, suffix):
    assert client.get(f"/statements/{'x' * 43}/{suffix}").status_code == 404
    assert client.get(f"/statements/{june.a.access_token}/{suffix}").status_code == 404  # a ticket's key
    assert client.get(f"/statements/short/{suffix}").status_code == 404
    if suffix:
        other = suffix.replace("2025-06", "2025-05")
        assert client.get(page_of(june.kabuki, other)).status_code == 404  # no statement that month
        assert client.get(page_of(june.kabuki, suffix.replace("2025-06", "2025-13"))).status_code == 404


def test_managers_see_the_link_and_rotate_it_and_the_old_link_stops_working(june, as_manager, as_engineer):
    kabuki = june.kabuki
    old = page_of(kabuki)
    detail = as_manager.get(f"/api/v1/customers/{kabuki.pk}/").json()
    assert detail["statement_link"] == f"http://testserver{old}"
    assert as_engineer.get(f"/api/v1/customers/{kabuki.pk}/").status_code == 403
    assert client_for().post(f"/api/v1/customers/{kabuki.pk}/statement-link/").status_code == 401
    assert as_engineer.post(f"/api/v1/customers/{kabuki.pk}/statement-link/").status_code == 403
    assert Client().get(old).status_code == 200

    rotated = as_manager.post(f"/api/v1/customers/{kabuki.pk}/statement-link/")
    assert rotated.status_code == 200
    new = rotated.json()["statement_link"]
    assert new != f"http://testserver{old}"
    assert Client().get(old).status_code == 404
    assert Client().get(new.removeprefix("http://testserver") + "2025-06/").status_code == 200
    missing = as_manager.post("/api/v1/customers/999999/statement-link/")
    assert missing.status_code == 404 and missing.json() == {"detail": "No customer 999999."}


def test_managers_get_the_same_statements_through_the_api(june, as_manager, as_engineer, client):
    kabuki = june.kabuki
    listed = as_manager.get(f"/api/v1/customers/{kabuki.pk}/statements/").json()
    assert [(s["month"], s["signed"]) for s in listed] == [("2025-06", True)]
    assert listed[0]["json"] == f"http://testserver{page_of(kabuki, '2025-06.json')}"
    api = as_manager.get(f"/api/v1/customers/{kabuki.pk}/statements/2025-06/")
    assert api.status_code == 200
    download = client.get(page_of(kabuki, "2025-06.json")).json()
    assert api.json() == download
    assert as_manager.get(f"/api/v1/customers/{kabuki.pk}/statements/2025-05/").status_code == 404
    assert as_engineer.get(f"/api/v1/customers/{kabuki.pk}/statements/").status_code == 403


def test_a_statement_page_costs_the_same_queries_however_many_rows(
    settings, client, django_assert_num_queries
):
    """One customer with one ticket, another with four: the page reads the link's customer and the
    statement, nothing per row."""
    settings.LEDGER_CHECKPOINT_KEY = KEY
    small = CustomerFactory(name="Small", domains=["small.example"])
    large = CustomerFactory(name="Large", domains=["large.example"])
    make_ticket(severity=Severity.MAJOR, email="x@small.example", now=NOW)
    for i in range(4):
        make_ticket(severity=Severity.MAJOR, email=f"y{i}@large.example", now=NOW)
    sla_record_due_breaches(now=datetime(2025, 6, 12, tzinfo=UTC))
    statements_make_for_month(month=JUNE, now=MADE_AT)
    counts = [len(Statement.objects.get(customer=c).document["rows"]) for c in (small, large)]
    assert 0 < counts[0] < counts[1]
    for customer, rows in zip((small, large), counts, strict=True):
        with django_assert_num_queries(2):
            response = client.get(page_of(customer, "2025-06/"))
        assert response.status_code == 200
        assert response.content.decode().count('<code class="hash" title=') == rows
        with django_assert_num_queries(2):
            assert client.get(page_of(customer)).status_code == 200
