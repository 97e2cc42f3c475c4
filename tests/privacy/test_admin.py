"""The admin's erasure action on requesters: a manager confirms with a reason; an engineer cannot."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from escalation.roster.services.engineers import manager_ensure
from privacy.models import Erasure
from tests.factories import make_engineer, make_ticket
from tickets.models import Requester

pytestmark = pytest.mark.django_db
URL = "/admin/tickets/requester/"


def test_a_manager_erases_requesters_from_the_admin_after_giving_a_reason(client):
    make_ticket(email="ana@viewer.example", name="Ana Souza")
    requester = Requester.objects.get(email="ana@viewer.example")
    selected = {"action": "erase_requesters", ACTION_CHECKBOX_NAME: [requester.pk]}

    client.force_login(make_engineer("lena").user)  # staff, not a manager: no erasure
    client.post(URL, {**selected, "confirm": "1", "reason": "request"})
    assert Requester.objects.filter(email="ana@viewer.example").exists() and not Erasure.objects.exists()

    client.force_login(manager_ensure(username="maria", name="Maria Santos", email="maria@support.example"))
    page = client.post(URL, selected)  # the confirmation page, asking why
    assert page.status_code == 200 and b"cannot be undone" in page.content
    assert client.post(URL, {**selected, "confirm": "1", "reason": ""}).status_code == 200  # reason required
    assert not Erasure.objects.exists()
    done = client.post(URL, {**selected, "confirm": "1", "reason": "GDPR request"})
    assert done.status_code == 302
    erasure = Erasure.objects.get()
    assert (erasure.kind, erasure.erased_by.username) == ("requester", "maria")
    assert erasure.reason == "GDPR request"
    assert Requester.objects.get(pk=requester.pk).email == erasure.pseudonym
