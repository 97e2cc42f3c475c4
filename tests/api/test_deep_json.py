"""JSON nested deeper than the API accepts is a 400 with a JSON error, on every endpoint (issue 11, item 12).

JSON nested 3,000 deep once raised RecursionError inside the parser: a 500 on /api/v1/auth/token/,
/api/v1/tickets/ and the public messages endpoint. The parser refuses anything deeper than
JSON_MAX_DEPTH before a view sees it.
"""

import pytest

from support_desk.api.parsers import JSON_MAX_DEPTH
from tests.api.conftest import client_for
from tests.factories import make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def nested(depth: int, *, opener: str = "[", closer: str = "]", leaf: str = "1") -> str:
    return opener * depth + leaf + closer * depth


def deep_objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.fixture
def paths(db):
    ticket = make_ticket()
    return {
        "token": "/api/v1/auth/token/",
        "intake": "/api/v1/tickets/",
        "public reply": f"/api/v1/public/tickets/{ticket.access_token}/messages/",
        "staff reply": f"/api/v1/tickets/{ticket.reference}/messages/",
        "ticket change": f"/api/v1/tickets/{ticket.reference}/",
    }


@pytest.mark.parametrize("depth", [3_000, 100_000])
@pytest.mark.parametrize("shape", ["arrays", "objects", "inside a field"])
@pytest.mark.parametrize("name", ["token", "intake", "public reply", "staff reply", "ticket change"])
def test_json_nested_too_deep_is_a_400(engineer, paths, name, shape, depth):
    body = {
        "arrays": nested(depth),
        "objects": deep_objects(depth),
        "inside a field": '{"subject": "x", "description": ' + nested(depth) + "}",
    }[shape]
    api = client_for(engineer.user)
    method = "patch" if name == "ticket change" else "post"
    response = getattr(api, method)(paths[name], body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert f"{JSON_MAX_DEPTH}" in response.json()["detail"]


def test_nesting_up_to_the_limit_is_parsed(engineer):
    """At the limit the body is parsed and judged by the endpoint (here: not a valid ticket)."""
    body = '{"subject": "x", "description": "y", "requester": ' + nested(JSON_MAX_DEPTH - 1) + "}"
    response = client_for(engineer.user).post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 400
    assert "requester" in response.json()
    assert Ticket.objects.count() == 0


def test_ordinary_bodies_are_unaffected(anon):
    response = anon.post(
        "/api/v1/tickets/",
        {"subject": "Down", "description": "All of it", "requester": {"email": "a@b.example", "name": "A"}},
        format="json",
    )
    assert response.status_code == 201


def test_brackets_inside_strings_do_not_count(anon):
    text = "[" * 5_000 + "{" * 5_000
    response = anon.post(
        "/api/v1/tickets/",
        {"subject": "Brackets", "description": text, "requester": {"email": "a@b.example"}},
        format="json",
    )
    assert response.status_code == 201
    assert Ticket.objects.get().description == text
