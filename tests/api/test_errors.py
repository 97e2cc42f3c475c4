"""Whatever a client sends, the answer is a 4xx in JSON that says what is wrong, never a 500."""

import json

import pytest

from tests.factories import make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"
VALID = {"subject": "Down", "description": "All of it", "requester": {"email": "a@b.example"}}
UNKNOWN_ZONE = "Unknown timezone 'Europe/Atlantis'; use an IANA name such as Europe/Berlin."
NOT_AN_OBJECT = "Invalid data. Expected a dictionary, but got str."


def post_raw(client, path: str, body: bytes | str, content_type: str = "application/json", **extra):
    return client.generic("POST", path, body, content_type=content_type, **extra)


def test_malformed_json_is_a_400_saying_so(anon):
    response = post_raw(anon, TICKETS, '{"subject": "Down",')
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ([VALID], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ({**VALID, "requester": "a@b.example"}, {"requester": {"non_field_errors": [NOT_AN_OBJECT]}}),
        (
            {**VALID, "requester": {"email": "not-an-email"}},
            {"requester": {"email": ["Enter a valid email address."]}},
        ),
        ({**VALID, "severity": "critical"}, {"severity": ['"critical" is not a valid choice.']}),
        ({**VALID, "severity": ["major"]}, {"severity": ["\"['major']\" is not a valid choice."]}),
        ({**VALID, "subject": None}, {"subject": ["This field may not be null."]}),
        ({**VALID, "subject": {"text": "Down"}}, {"subject": ["Not a valid string."]}),
        (
            {**VALID, "subject": "x" * 201},
            {"subject": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {**VALID, "description": "x" * 100_001},
            {"description": ["Ensure this field has no more than 100000 characters."]},
        ),
        ({**VALID, "subject": "Down\x00"}, {"subject": ["Null characters are not allowed."]}),
        ({**VALID, "timezone": "Europe/Atlantis"}, {"timezone": [UNKNOWN_ZONE]}),
        (
            {},
            {
                "subject": ["This field is required."],
                "description": ["This field is required."],
                "requester": ["This field is required."],
            },
        ),
    ],
)
def test_wrong_input_is_a_400_naming_each_field(anon, body, errors):
    response = anon.post(TICKETS, body)
    assert response.status_code == 400
    assert response.json() == errors
    assert not Ticket.objects.exists()


def test_nan_and_infinity_are_not_json(anon):
    response = post_raw(anon, TICKETS, '{"subject": NaN}')
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_body_over_one_megabyte_is_a_413_in_json(anon, as_engineer):
    ticket = make_ticket()
    huge = json.dumps({**VALID, "description": "x" * 1_100_000})
    for client, path in [(anon, TICKETS), (as_engineer, f"{TICKETS}{ticket.reference}/messages/")]:
        response = post_raw(client, path, huge)
        assert response.status_code == 413
        assert response.json() == {
            "detail": "The request body is larger than the 1,048,576 bytes this API accepts."
        }
    # Refused on its declared length, before anything is read.
    declared = post_raw(anon, TICKETS, json.dumps(VALID), CONTENT_LENGTH="5000000")
    assert declared.status_code == 413
    assert Ticket.objects.count() == 1


def test_a_body_that_is_not_json_is_a_415(anon):
    response = post_raw(anon, TICKETS, "subject=Down", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'
    }
    undecodable = post_raw(anon, TICKETS, b'{"subject": "\xff\xfe"}')
    assert undecodable.status_code == 400


def test_an_unknown_api_path_is_a_json_404_with_a_hint(anon):
    response = anon.get("/api/v1/tickets")
    assert response.status_code == 404
    assert response.json() == {"detail": "No API endpoint at /api/v1/tickets. API paths end with a slash."}
    assert anon.get("/api/v2/anything/").json() == {"detail": "No API endpoint at /api/v2/anything/."}
    # Any method, without the CSRF page a session-less write would otherwise get.
    assert anon.patch("/api/v1/customers/null,null/", {"plan": "premium"}).status_code == 404


def test_a_method_an_endpoint_does_not_have_is_a_405(as_manager):
    response = as_manager.delete(f"{TICKETS}{make_ticket().reference}/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_out_of_range_and_odd_values_in_the_query_string_are_400s(as_engineer):
    for params in ({"customer": "-1"}, {"assignee": "a\x00b"}, {"ordering": "-"}, {"status": "new\x00"}):
        response = as_engineer.get(TICKETS, params)
        assert response.status_code == 400, params
        assert list(response.json()) == list(params)
    # An empty parameter is a mistake to point out, not "no filter" (issue 19: it was read as absent).
    empty = as_engineer.get(TICKETS, {"ordering": "", "breached": ""})
    assert empty.status_code == 400
    assert set(empty.json()) == {"ordering", "breached"}


def test_an_invalid_token_is_a_401_not_a_crash(anon):
    for header in ("Token", "Token a b", "Token " + "x" * 500, "Token \x00"):
        response = anon.get(TICKETS, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert "detail" in response.json()
