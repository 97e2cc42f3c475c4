"""Every web URL and method against every kind of caller; the expected status of each is this table.

The REST API has its own table in tests/api/test_permissions.py. Callers: anonymous; the requester
(holding only the private link); a logged-in user who is not staff; an engineer; a manager.
"""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model

from escalation.roster.services.engineers import manager_ensure
from escalation.statements.services import statements_make_for_month
from tests.factories import CustomerFactory, make_engineer, make_ticket

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "non_staff", "engineer", "manager")
LOGIN = "login"  # a redirect to the login page
BACK = "back"  # a redirect back to the page the action belongs to

# (method, path, form data, expected for each of ROLES)
MATRIX = [
    ("get", "/", None, (200, 200, 200, 200, 200)),
    ("get", "/healthz", None, (200, 200, 200, 200, 200)),
    ("get", "/t/{token}/", None, (200, 200, 200, 200, 200)),
    ("get", "/t/{token}/received/", None, (200, 200, 200, 200, 200)),
    ("get", "/t/not-a-real-token-at-all-000000000000000000/", None, (404, 404, 404, 404, 404)),
    ("post", "/t/{token}/", {"body": "Any news?"}, (302, 302, 302, 302, 302)),
    # A customer's statements: the link's key is the permission, whoever holds it, logged in or not.
    ("get", "/statements/{statement_token}/", None, (200,) * 5),
    ("get", "/statements/{statement_token}/2025-05/", None, (200,) * 5),
    ("get", "/statements/{statement_token}/2025-05.json", None, (200,) * 5),
    ("get", "/statements/{statement_token}/2025-05.csv", None, (200,) * 5),
    ("get", "/statements/{statement_token}/2025-04/", None, (404,) * 5),
    ("post", "/statements/{statement_token}/", {}, (405,) * 5),
    ("get", "/statements/not-a-real-token-at-all-000000000000000000/", None, (404,) * 5),
    ("get", "/statements/{token}/", None, (404,) * 5),  # a ticket's key opens no statements
    ("get", "/queue/", None, (LOGIN, LOGIN, 403, 200, 200)),
    ("get", "/queue/live/", None, (LOGIN, LOGIN, 403, 200, 200)),
    ("get", "/tickets/{reference}/", None, (LOGIN, LOGIN, 403, 200, 200)),
    ("post", "/tickets/{reference}/note/", {"note-body": "Checked"}, (LOGIN, LOGIN, 403, BACK, BACK)),
    ("post", "/tickets/{reference}/reply/", {"reply-body": "On it"}, (LOGIN, LOGIN, 403, BACK, BACK)),
    ("post", "/tickets/{reference}/take/", {}, (LOGIN, LOGIN, 403, BACK, BACK)),
    ("post", "/tickets/{reference}/severity/", {"severity": "major"}, (LOGIN, LOGIN, 403, BACK, BACK)),
    (
        "post",
        "/tickets/{reference}/status/",
        {"status": "waiting_on_customer"},
        (LOGIN, LOGIN, 403, BACK, BACK),
    ),
    ("post", "/tickets/{reference}/acknowledge/", {}, (LOGIN, LOGIN, 403, BACK, BACK)),
    ("get", "/tickets/SD-999999/", None, (LOGIN, LOGIN, 403, 404, 404)),
    ("get", "/admin/", None, (302, 302, 302, 200, 200)),
    ("get", "/admin/escalation/slatarget/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/tickets/customer/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/tickets/customer/add/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/escalation/engineer/add/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/escalation/ledgerentry/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/escalation/ledgerentry/add/", None, (302, 302, 302, 403, 403)),
    ("get", "/admin/escalation/page/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/escalation/page/add/", None, (302, 302, 302, 403, 403)),
    ("get", "/admin/escalation/integration/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/escalation/integration/add/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/escalation/incident/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/escalation/incident/add/", None, (302, 302, 302, 403, 403)),
    ("get", "/admin/escalation/alert/", None, (302, 302, 302, 403, 200)),
    # API tokens: managers see and revoke them; nobody makes one in the admin (tests/api/test_tokens.py).
    ("get", "/admin/knox/authtoken/", None, (302, 302, 302, 403, 200)),
    ("get", "/admin/knox/authtoken/add/", None, (302, 302, 302, 403, 403)),
    ("get", "/reports/sla/", None, (LOGIN, LOGIN, 403, 403, 200)),
    ("get", "/reports/sla/groups.csv", None, (LOGIN, LOGIN, 403, 403, 200)),
    ("get", "/reports/sla/breaches.csv", None, (LOGIN, LOGIN, 403, 403, 200)),
    ("get", "/reports/sla/ledger.csv", None, (LOGIN, LOGIN, 403, 403, 200)),
    ("get", "/reports/coverage/", None, (LOGIN, LOGIN, 403, 403, 200)),
    ("get", "/api/schema/", None, (200, 200, 200, 200, 200)),
    ("get", "/api/docs/", None, (200, 200, 200, 200, 200)),
    ("post", "/twilio/status/", {"MessageSid": "SM1", "MessageStatus": "failed"}, (403,) * 5),
    ("post", "/twilio/sms/inbound/", {"From": "+4930123456", "Body": "ACK"}, (403,) * 5),
    ("post", "/twilio/voice/ack/1/", {"Digits": "1"}, (403,) * 5),
    ("get", "/twilio/status/", None, (405,) * 5),
]


@pytest.fixture
def world(client):
    ticket = make_ticket(severity="urgent")
    engineer = make_engineer("lena")
    customer = CustomerFactory(name="StreamCo")
    statements_make_for_month(month=date(2025, 5, 1), now=datetime(2025, 6, 1, 1, 0, tzinfo=UTC))
    return {
        "ticket": ticket,
        "customer": customer,
        "non_staff": get_user_model().objects.create_user("visitor", password="x-Very-long-9"),
        "engineer": engineer.user,
        "manager": manager_ensure(username="maria", name="Maria Santos"),
    }


@pytest.mark.parametrize(
    ("method", "path", "data", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX]
)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_call_what(client, world, settings, method, path, data, expected, role):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    ticket = world["ticket"]
    url = path.format(
        token=ticket.access_token,
        reference=ticket.reference,
        statement_token=world["customer"].statement_token,
    )
    if role in ("non_staff", "engineer", "manager"):
        client.force_login(world[role])
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    want = expected[ROLES.index(role)]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif want == BACK:
        assert response.status_code == 302
        assert response["Location"].startswith(f"/tickets/{ticket.reference}/")
    else:
        assert response.status_code == want, f"{role} {method} {url}"
