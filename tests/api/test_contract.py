"""The conventions of docs/api/contract.md that hold for every endpoint: strict query strings and JSON
types (`support_desk/api/strict.py`), paging, whole-second durations, and what the schema states."""

import re
from datetime import timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from support_desk.api.fields import TARGET_DURATION_PATTERN, DurationField, TargetDurationField

LEDGER = "/api/v1/sla-ledger/"
TICKETS = "/api/v1/tickets/"


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"{LEDGER}?to=", "to"),
        (f"{LEDGER}?from=%20", "from"),
        ("/api/v1/reports/sla/?to=", "to"),
        ("/api/v1/reports/credits/?month=", "month"),
        ("/api/v1/engineers/?region=", "region"),
        ("/api/v1/engineers/on-shift/?at=", "at"),
    ],
)
def test_an_empty_parameter_is_refused_by_name(as_manager, url, parameter):
    response = as_manager.get(url)
    assert response.status_code == 400
    assert response.json() == {parameter: ["Give a value, or leave the parameter out."]}


def test_a_parameter_that_takes_one_value_refuses_two_and_one_that_takes_a_list_takes_them(as_manager):
    twice = as_manager.get(LEDGER, {"to": ["2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z"]})
    assert twice.status_code == 400 and twice.json() == {"to": ["Give this parameter once."]}
    assert as_manager.get(TICKETS, {"severity": ["urgent", "major"]}).status_code == 200


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "null"}, "page_size"),
        ({"page_size": "-3"}, "page_size"),
        ({"page_size": ["5", "6"]}, "page_size"),
    ],
)
def test_paging_parameters_are_validated(as_engineer, query, parameter):
    response = as_engineer.get(TICKETS, query)
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


def test_a_large_page_size_is_still_read_as_the_largest_and_a_page_past_the_end_is_a_404(as_engineer):
    assert as_engineer.get(TICKETS, {"page_size": "500"}).status_code == 200
    assert as_engineer.get(TICKETS, {"page": "3"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"enabled": 0}, {"enabled": ["Must be true or false."]}),
        ({"enabled": "true"}, {"enabled": ["Must be true or false."]}),
        ({"name": 7}, {"name": ["Must be a string."]}),
    ],
)
def test_json_values_must_have_the_type_the_schema_states(as_manager, body, errors):
    response = as_manager.post(
        "/api/v1/integrations/", {"name": "Prometheus", "kind": "alertmanager", **body}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == errors


def test_a_nested_value_of_the_wrong_type_is_named_where_it_is(anon):
    body = {"subject": "s", "description": "d", "requester": {"email": "a@streamco.example", "name": 0}}
    response = anon.post(TICKETS, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"requester": {"name": ["Must be a string."]}}


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (timedelta(seconds=1, microseconds=644766), "00:00:02"),
        (timedelta(seconds=1, microseconds=499999), "00:00:01"),
        (timedelta(days=1, hours=4), "1 04:00:00"),
        (timedelta(seconds=-3), "00:00:00"),
    ],
)
def test_durations_are_shown_in_whole_seconds(duration, shown):
    assert DurationField().to_representation(duration) == shown


@given(
    st.from_regex(r"\A(?:\d{1,3} )?\d{1,2}:[0-5]\d:[0-5]\d\Z")
    | st.sampled_from(["00:00:00", "365 00:00:00", "365 00:00:01", "1 48:00:00", "0 00:00:01"])
)
def test_a_target_is_accepted_exactly_when_the_schema_pattern_matches(text):
    try:
        TargetDurationField().run_validation(text)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(re.fullmatch(TARGET_DURATION_PATTERN, text))


def test_the_schema_documents_every_operation_and_links_creates_to_reads():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId") and operation.get("tags") and operation.get("summary"), where
            assert {"400", "401"} <= set(operation["responses"]), where
            for error in set(operation["responses"]) - {"200", "201", "202", "204"}:
                assert "application/json" in operation["responses"][error].get("content", {}), where
    created = schema["paths"]["/api/v1/tickets/"]["post"]["responses"]["201"]["links"]
    assert created["tickets_retrieve"]["parameters"] == {"reference": "$response.body#/reference"}
    contact = schema["paths"]["/api/v1/customers/{customer_id}/contacts/"]["post"]["responses"]["201"]
    assert contact["links"]["customers_contacts_retrieve"]["parameters"] == {
        "customer_id": "$request.path.customer_id",
        "contact_id": "$response.body#/id",
    }
