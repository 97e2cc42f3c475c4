"""Odd characters in URL path segments are a 404 (or the page), never a 500 (issue 11, item 12).

`GET /t/%00%00.../` once reached PostgreSQL, which refuses NUL in text, and answered 500. A private
link's token with characters outside its alphabet is now a 404 before any query; every other path
argument (ticket references, engineer usernames, ids) is fuzzed here with NUL and friends. The Twilio
webhooks have their own tests.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.roster.services.engineers import manager_ensure
from tests.api.conftest import client_for
from tests.factories import make_engineer, make_ticket
from tickets.selectors import ticket_get_by_access_token, ticket_get_public

pytestmark = pytest.mark.django_db

# As a browser or a probe would send them, percent-encoded.
HOSTILE = [
    "%00",
    "%00" * 43,
    "abc%00def" + "A" * 30,
    "%FF%FE",
    "%C3%28",
    "%ED%A0%80",  # a lone surrogate in UTF-8
    "%E2%80%AE",
    "%C2%B2",  # ², a digit to str.isdigit() but not to int()
    "%D9%A1%D9%A0%D9%A1%D9%A2",  # Arabic-Indic digits
    "SD-%C2%B2",
    "SD-%D9%A1%D9%A0%D9%A1%D9%A2",
    "SD-1%00",
    "sd-" + "9" * 40,
    "SD--1",
    "SD-0",
    "-1",
    "1e9",
    "9" * 40,
    "%20",
    "..",
    "a" * 300,
    "lena%00",
    "%F0%9F%94%A5",
    "%25",
]

CUSTOMER_PATHS = ["/t/{x}/", "/t/{x}/received/", "/t/{x}/files/1/"]
DESK_PATHS = [
    "/tickets/{x}/",
    "/tickets/{x}/files/1/",
    "/tickets/{ref}/files/{x}/",
]
DESK_POSTS = [
    "/tickets/{x}/reply/",
    "/tickets/{x}/note/",
    "/tickets/{x}/status/",
    "/tickets/{x}/assign/",
    "/tickets/{x}/take/",
    "/tickets/{x}/severity/",
    "/tickets/{x}/acknowledge/",
]
API_GETS = [
    "/api/v1/tickets/{x}/",
    "/api/v1/public/tickets/{x}/",
    "/api/v1/customers/{x}/",
    "/api/v1/engineers/{x}/",
    "/api/v1/sla-targets/{x}/",
    "/api/v1/tickets/?assignee={x}",
    "/api/v1/tickets/?customer={x}",
    "/api/v1/tickets/?severity={x}&status={x}&ordering={x}",
    "/api/v1/tickets/?search={x}",
    "/api/v1/sla-ledger/?ticket={x}&metric={x}&from={x}",
    "/api/v1/engineers/on-shift/?at={x}",
    "/api/v1/sla/deadline/?plan=standard&severity=general&start={x}&timezone={x}",
]
API_WRITES = [
    ("patch", "/api/v1/tickets/{x}/", {"status": "open"}),
    ("post", "/api/v1/tickets/{x}/messages/", {"body": "x"}),
    ("post", "/api/v1/tickets/{x}/acknowledge/", {}),
    ("post", "/api/v1/public/tickets/{x}/messages/", {"body": "x"}),
    ("patch", "/api/v1/engineers/{x}/", {"capacity": 3}),
    ("patch", "/api/v1/customers/{x}/", {"plan": "premium"}),
]
DESK_QUERIES = [
    "/queue/?scope={x}&severity={x}&status={x}&assignee={x}&q={x}&page={x}",
    "/queue/live/?scope={x}&page={x}",
    "/reports/sla/?from={x}&to={x}&severity={x}&plan={x}&customer={x}&engineer={x}&region={x}"
    "&group_by={x}&interval={x}&timezone={x}&month={x}",
    "/reports/sla/groups.csv?from={x}&engineer={x}",
    "/reports/sla/breaches.csv?to={x}&customer={x}",
    "/reports/sla/ledger.csv?month={x}",
    "/reports/coverage/?days={x}&timezone={x}&from={x}",
]
ADMIN_PATHS = [
    "/admin/tickets/ticket/{x}/change/",
    "/admin/escalation/engineer/{x}/change/",
    "/admin/escalation/escalation/{x}/change/",
    "/admin/tickets/ticket/?q={x}",
]


@pytest.fixture
def world(client):
    ticket = make_ticket()
    engineer = make_engineer("lena")
    manager = manager_ensure(username="maria", name="Maria Santos")
    return {"ticket": ticket, "engineer": engineer.user, "manager": manager}


def _ok(response, url):
    assert response.status_code < 500, f"{response.status_code} for {url}"


@pytest.mark.parametrize("x", HOSTILE)
def test_the_customer_pages_answer_404_to_a_token_outside_its_alphabet(client, world, x):
    for path in CUSTOMER_PATHS:
        url = path.format(x=x)
        response = client.get(url)
        assert response.status_code == 404, url
    response = client.post(f"/t/{x}/", {"body": "hello"})
    assert response.status_code == 404


@pytest.mark.parametrize("x", HOSTILE)
def test_the_desk_pages_never_fail_on_an_odd_reference_or_id(client, world, x):
    client.force_login(world["manager"])
    ref = world["ticket"].reference
    for path in DESK_PATHS:
        url = path.format(x=x, ref=ref)
        _ok(client.get(url), url)
    for path in DESK_POSTS:
        url = path.format(x=x)
        _ok(client.post(url, {"severity": "major", "status": "open", "assignee": x}), url)
    url = f"/tickets/{ref}/assign/"
    _ok(client.post(url, {"assignee": x.replace("%00", "\x00")}), url)
    for path in DESK_QUERIES:
        url = path.format(x=x)
        _ok(client.get(url), url)


@pytest.mark.parametrize("x", HOSTILE)
def test_the_api_never_fails_on_an_odd_path_or_filter(world, x):
    api = client_for(world["manager"])
    for path in API_GETS:
        url = path.format(x=x)
        response = api.get(url)
        _ok(response, url)
        assert response["Content-Type"].startswith("application/json"), url
    for method, path, body in API_WRITES:
        url = path.format(x=x)
        _ok(getattr(api, method)(url, body, format="json"), url)


@pytest.mark.parametrize("x", HOSTILE)
def test_the_admin_never_fails_on_an_odd_id(client, world, x):
    client.force_login(world["manager"])
    for path in ADMIN_PATHS:
        url = path.format(x=x)
        _ok(client.get(url), url)


@pytest.mark.parametrize("token", ["\x00" * 43, "abc\x00def" + "A" * 40, "ü" * 43, "", "A" * 500])
def test_the_selectors_refuse_a_malformed_token_without_a_query(world, token):
    with CaptureQueriesContext(connection) as queries:
        assert ticket_get_public(access_token=token) is None
        assert ticket_get_by_access_token(access_token=token) is None
    assert len(queries) == 0


def test_a_real_token_still_opens_its_ticket(client, world):
    ticket = world["ticket"]
    assert client.get(f"/t/{ticket.access_token}/").status_code == 200
    assert ticket_get_by_access_token(access_token=ticket.access_token) == ticket
