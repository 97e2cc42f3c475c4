"""The incident page's actions and the ticket page's incident panel: who may do what, what each does
through the services, and bad input coming back with its messages and the typed text."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from escalation.incidents.models import IncidentEvent, IncidentEventType, IncidentStatus, IncidentTicket
from escalation.incidents.services.response import incident_respond
from escalation.roster.services.engineers import manager_ensure
from tests.factories import NOW, CustomerFactory, UserFactory, make_engineer, make_ticket
from tests.web.test_incident_pages import html, open_incident
from tickets.models import CustomerContact, Status, Ticket

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def lena():
    return make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin", phone="+4930123456")


@pytest.fixture
def streamco():
    customer = CustomerFactory(name="StreamCo", domains=["streamco.example"])
    CustomerContact.objects.create(customer=customer, email="noc@streamco.example", name="Noor")
    return customer


@pytest.fixture
def responded(streamco, lena):
    incident = open_incident(customers=[streamco], at=LATER - timedelta(minutes=10))
    incident_respond(incident_id=incident.pk, now=LATER - timedelta(minutes=9))
    incident.refresh_from_db()
    return incident


def path(incident, action: str = "") -> str:
    return f"/incidents/{incident.pk}/" + (f"{action}/" if action else "")


@pytest.mark.parametrize("action", ["acknowledge", "update", "commander", "resolve", "impact"])
def test_anonymous_and_non_staff_callers_cannot_act(client, responded, action):
    assert client.post(path(responded, action))["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory(username="viewer", is_staff=False))
    assert client.post(path(responded, action)).status_code == 403
    responded.refresh_from_db()
    assert responded.status == IncidentStatus.TRIGGERED


def test_the_forms_carry_a_csrf_token_and_a_post_without_one_is_refused(lena, responded):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lena.user)
    assert "csrfmiddlewaretoken" in html(strict.get(path(responded)))
    assert strict.post(path(responded, "acknowledge")).status_code == 403


def test_an_engineer_acknowledges_posts_an_update_and_resolves_with_the_tickets(desk, responded, lena):
    assert desk.post(path(responded, "acknowledge")).status_code == 302
    responded.refresh_from_db()
    assert responded.status == IncidentStatus.ACKNOWLEDGED

    sent = desk.post(path(responded, "update"), {"update-body": "Rerouted via Frankfurt."})
    assert sent.status_code == 302
    ticket = Ticket.objects.get(incident_link__incident=responded)
    assert ticket.messages.filter(body="Rerouted via Frankfurt.", author=lena.user).exists()

    done = desk.post(
        path(responded, "resolve"), {"resolve-final_update": "Fixed.", "resolve-resolve_tickets": "on"}
    )
    assert done.status_code == 302
    responded.refresh_from_db()
    ticket.refresh_from_db()
    assert responded.status == IncidentStatus.RESOLVED and ticket.status == Status.RESOLVED
    assert ticket.messages.filter(body="Fixed.").exists()


def test_an_empty_update_comes_back_with_its_message_and_changes_nothing(desk, responded):
    response = desk.post(path(responded, "update"), {"update-body": "   "})
    assert response.status_code == 400
    assert "Write the update first." in html(response)
    assert not IncidentEvent.objects.filter(type=IncidentEventType.PUBLIC_UPDATE).exists()


def test_a_commander_is_chosen_among_active_engineers_and_paged(desk, responded):
    otto = make_engineer("otto", name="Otto Berg", phone="+4930999999")
    bad = desk.post(path(responded, "commander"), {"commander-commander": "987654"})
    assert bad.status_code == 400 and "Choose an active engineer." in html(bad)
    assert (
        desk.post(path(responded, "commander"), {"commander-commander": str(otto.user_id)}).status_code == 302
    )
    responded.refresh_from_db()
    assert responded.commander == otto.user
    assert responded.pages.filter(recipient_user=otto.user).exists()


def test_the_impact_window_is_for_managers_and_keeps_what_was_typed_when_refused(client, desk, responded):
    start = (LATER - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    body = {"window-impact": "outage", "window-started_at": start, "window-reason": "Errors in the CDN logs"}
    assert desk.post(path(responded, "impact"), body).status_code == 403  # an engineer

    maria = manager_ensure(username="maria", name="Maria Santos")
    assert not maria.is_superuser
    client.force_login(maria)
    assert f'action="{path(responded, "impact")}"' in html(client.get(path(responded)))
    backwards = {**body, "window-impact_ended_at": (LATER - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
    refused = client.post(path(responded, "impact"), backwards)
    assert refused.status_code == 400
    assert "cannot end before it starts" in html(refused) and "Errors in the CDN logs" in html(refused)

    assert client.post(path(responded, "impact"), body).status_code == 302
    responded.refresh_from_db()
    assert responded.started_at == LATER - timedelta(minutes=30)  # the manager's zone is UTC here
    edit = IncidentEvent.objects.get(type=IncidentEventType.IMPACT_WINDOW_EDITED)
    assert (edit.actor, edit.data["reason"]) == (maria, "Errors in the CDN logs")


def test_the_ticket_page_suggests_the_customers_open_incident_and_links_it(desk, responded):
    own = make_ticket(email="viewer@streamco.example", now=LATER - timedelta(minutes=5))
    page = html(desk.get(f"/tickets/{own.reference}/"))
    assert f"Link to incident {responded.pk}" in page

    linked = desk.post(f"/tickets/{own.reference}/incident/", {"incident": str(responded.pk)})
    assert linked.status_code == 302 and linked["Location"].endswith("#incident")
    assert IncidentTicket.objects.filter(ticket=own, incident=responded).exists()
    page = html(desk.get(f"/tickets/{own.reference}/"))
    assert f"Incident {responded.pk}: {responded.title}" in page and "Unlink" in page

    desk.post(f"/tickets/{own.reference}/incident/", {"incident": ""})
    assert not IncidentTicket.objects.filter(ticket=own).exists()

    opened = Ticket.objects.get(incident_link__opened_for_incident=True)
    refused = desk.post(f"/tickets/{opened.reference}/incident/", {"incident": ""}, follow=True)
    assert "stays linked" in html(refused)
    nonsense = desk.post(f"/tickets/{own.reference}/incident/", {"incident": "seven"}, follow=True)
    assert "Enter a whole number." in html(nonsense)
    assert desk.post("/tickets/SD-99999999/incident/", {"incident": "1"}).status_code == 404


def test_a_ticket_of_another_customer_gets_no_suggestion(desk, responded):
    other = CustomerFactory(name="Pixel", domains=["pixel.example"])
    ticket = make_ticket(email="a@pixel.example", now=LATER)
    assert ticket.customer == other
    assert f"Link to incident {responded.pk}" not in html(desk.get(f"/tickets/{ticket.reference}/"))
