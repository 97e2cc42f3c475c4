"""The published contract: an OpenAPI 3 schema with every endpoint of DESIGN.md, documented, and its docs."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# Every row of DESIGN.md's REST API table (and the token endpoint above it).
DESIGNED = {
    ("post", "/api/v1/requesters/erase/"),
    ("get", "/api/v1/requesters/export/"),
    ("post", "/api/v1/engineers/{username}/erase/"),
    ("post", "/api/v1/auth/token/"),
    ("post", "/api/v1/auth/logout/"),
    ("post", "/api/v1/auth/logout-all/"),
    ("post", "/api/v1/tickets/"),
    ("get", "/api/v1/tickets/"),
    ("get", "/api/v1/tickets/{reference}/"),
    ("patch", "/api/v1/tickets/{reference}/"),
    ("post", "/api/v1/tickets/{reference}/messages/"),
    ("post", "/api/v1/tickets/{reference}/acknowledge/"),
    ("post", "/api/v1/tickets/{reference}/confirm-requester/"),
    ("get", "/api/v1/public/tickets/{access_token}/"),
    ("post", "/api/v1/public/tickets/{access_token}/messages/"),
    ("get", "/api/v1/customers/"),
    ("post", "/api/v1/customers/"),
    ("get", "/api/v1/customers/{customer_id}/"),
    ("patch", "/api/v1/customers/{customer_id}/"),
    ("get", "/api/v1/customers/{customer_id}/contacts/"),
    ("post", "/api/v1/customers/{customer_id}/contacts/"),
    ("get", "/api/v1/customers/{customer_id}/contacts/{contact_id}/"),
    ("patch", "/api/v1/customers/{customer_id}/contacts/{contact_id}/"),
    ("delete", "/api/v1/customers/{customer_id}/contacts/{contact_id}/"),
    ("get", "/api/v1/engineers/"),
    ("post", "/api/v1/engineers/"),
    ("get", "/api/v1/engineers/{username}/"),
    ("patch", "/api/v1/engineers/{username}/"),
    ("get", "/api/v1/engineers/on-shift/"),
    ("get", "/api/v1/sla-targets/"),
    ("patch", "/api/v1/sla-targets/{target_id}/"),
    ("get", "/api/v1/sla/deadline/"),
    ("get", "/api/v1/sla-ledger/"),
    ("get", "/api/v1/reports/sla/"),
    ("get", "/api/v1/reports/availability/"),
    ("get", "/api/v1/integrations/"),
    ("post", "/api/v1/integrations/"),
    ("post", "/api/v1/integrations/{integration_id}/rotate/"),
    ("post", "/api/v1/customers/{customer_id}/statement-link/"),
    ("get", "/api/v1/customers/{customer_id}/statements/"),
    ("get", "/api/v1/customers/{customer_id}/statements/{month}/"),
    ("post", "/api/v1/alerts/alertmanager/"),
    ("post", "/api/v1/alerts/events/"),
    ("get", "/api/v1/incidents/"),
    ("get", "/api/v1/incidents/{incident_id}/"),
    ("patch", "/api/v1/incidents/{incident_id}/"),
}
BODYLESS_WRITES = {
    ("post", "/api/v1/auth/logout/"),
    ("post", "/api/v1/auth/logout-all/"),
    ("post", "/api/v1/tickets/{reference}/acknowledge/"),
    ("post", "/api/v1/tickets/{reference}/confirm-requester/"),
    ("post", "/api/v1/integrations/{integration_id}/rotate/"),
    ("post", "/api/v1/customers/{customer_id}/statement-link/"),
    ("post", "/api/v1/mail/quarantine/{mail_id}/release/"),
}


@pytest.fixture(scope="module")
def openapi():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield method, path, operation


def test_the_schema_is_openapi_3_and_has_every_designed_endpoint(openapi):
    assert openapi["openapi"].startswith("3.")
    assert {(method, path) for method, path, _ in operations(openapi)} >= DESIGNED


def test_the_schema_generates_without_a_warning(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/tickets/" in (tmp_path / "schema.yaml").read_text()


def test_every_operation_has_a_summary_schemas_examples_and_its_errors(openapi):
    for method, path, operation in operations(openapi):
        label = f"{method.upper()} {path}"
        assert operation.get("summary"), label
        success = next(code for code in operation["responses"] if code.startswith("2"))
        if success == "204":  # no body (a DELETE): nothing to describe but the status
            assert "content" not in operation["responses"][success], label
            assert operation["responses"][success]["description"], label
        elif "application/zip" in operation["responses"][success]["content"]:  # a download: bytes
            assert operation["responses"][success]["content"]["application/zip"].get("schema"), label
        else:
            content = operation["responses"][success]["content"]["application/json"]
            assert content.get("schema"), label
            assert content.get("examples"), f"{label} has no response example"
        if method in {"post", "patch"} and (method, path) not in BODYLESS_WRITES:
            request = operation["requestBody"]["content"]["application/json"]
            assert request.get("schema"), label
            assert request.get("examples"), f"{label} has no request example"
        documented = set(operation["responses"])
        if "/public/" in path:
            assert "404" in documented, label
        elif path != "/api/v1/":  # the root takes no input: nothing to refuse
            assert "400" in documented, label
        if operation.get("security"):  # needs a login
            assert {"401", "403"} <= documented, label


def test_write_only_and_read_only_fields_are_where_they_belong(openapi):
    schemas = openapi["components"]["schemas"]
    assert "password" in schemas["EngineerCreateRequest"]["properties"]
    assert "password" not in schemas["Engineer"]["properties"]
    assert "access_token" in schemas["PublicTicket"]["properties"]
    assert "access_token" not in schemas["Ticket"]["properties"]
    assert set(schemas["Ticket"]["properties"]) >= {
        "reference", "subject", "description", "severity", "status", "customer", "requester", "assignee",
        "created_at", "first_response_due_at", "first_responded_at", "resolution_due_at", "resolved_at",
        "escalation_level", "breached", "sla",
    }  # fmt: skip
    assert set(schemas["TicketDetail"]["properties"]) >= {"messages", "events", "notifications"}


def test_the_docs_render(client):
    swagger = client.get("/api/docs/")
    assert swagger.status_code == 200
    assert b"swagger-ui" in swagger.content
    # Its start-up script is a file of its own (the Content-Security-Policy allows no inline script).
    assert b"/api/schema/" in client.get("/api/docs/?script=").content
    redoc = client.get("/api/docs/redoc/")
    assert redoc.status_code == 200
    assert b"redoc" in redoc.content


def test_filing_documents_both_representations_of_the_new_ticket(openapi):
    created = openapi["paths"]["/api/v1/tickets/"]["post"]["responses"]["201"]
    schema = created["content"]["application/json"]["schema"]
    component = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert sorted(option["$ref"].rsplit("/", 1)[-1] for option in component["oneOf"]) == [
        "PublicTicket",
        "TicketDetail",
    ]
    assert "engineer" in created["description"] and "access_token" in created["description"]
