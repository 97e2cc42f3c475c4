"""Integrations, the Alertmanager and Events v2 intakes, and incidents over the API: every role, every
refusal as JSON, bounded queries."""

import json
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from escalation.incidents.models import Alert, Incident, Integration
from escalation.incidents.services.integrations import integration_create
from tests.api.conftest import client_for
from tests.factories import CustomerFactory, make_ticket

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "non_staff", "engineer", "manager", "superuser")
EVENT = {
    "event_action": "trigger",
    "dedup_key": "edge-7-down",
    "payload": {"summary": "Edge edge-7 down", "source": "edge-7", "severity": "critical"},
}


def am_body(*alerts, status="firing"):
    return {
        "version": "4",
        "groupKey": '{}:{alertname="EdgeDown"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "support-desk",
        "groupLabels": {"alertname": "EdgeDown"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": list(alerts),
    }


def am_alert(fingerprint="f00d", status="firing", **labels):
    return {
        "status": status,
        "labels": {"alertname": "EdgeDown", "severity": "critical", **labels},
        "annotations": {"summary": f"Edge {fingerprint} down"},
        "startsAt": "2026-12-03T08:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-03T08:05:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint,
    }


@pytest.fixture
def world(engineer, manager):
    ticket = make_ticket()
    User = get_user_model()
    non_staff = User.objects.create_user("viewer", password="not-staff-2026")
    root = User.objects.create_superuser("root", "root@support.example", "root-2026")
    events, events_key = integration_create(name="Grafana", kind="events_v2")
    am, am_key = integration_create(name="Prometheus", kind="alertmanager")
    return SimpleNamespace(
        events=events,
        events_key=events_key,
        am=am,
        am_key=am_key,
        engineer=engineer,
        clients={
            "anonymous": client_for(),
            "requester": client_for(token=ticket.access_token),
            "non_staff": client_for(non_staff),
            "engineer": client_for(engineer.user),
            "manager": client_for(manager),
            "superuser": client_for(root),
        },
    )


def send_event(world, body=None, *, key=None):
    return APIClient().post(
        "/api/v1/alerts/events/", {"routing_key": key or world.events_key, **(body or EVENT)}, format="json"
    )


def send_am(world, body, *, key=None):
    return APIClient().post(
        "/api/v1/alerts/alertmanager/",
        body,
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {key or world.am_key}",
    )


# --- who may call what ----------------------------------------------------------------------------

ENDPOINTS = {
    "integrations": ("get", "/api/v1/integrations/", None, (401, 401, 403, 403, 200, 200)),
    "add an integration": (
        "post",
        "/api/v1/integrations/",
        {"name": "Zabbix", "kind": "events_v2"},
        (401, 401, 403, 403, 201, 201),
    ),
    "rotate a key": (
        "post",
        "/api/v1/integrations/{integration}/rotate/",
        None,
        (401, 401, 403, 403, 200, 200),
    ),
    "incidents": ("get", "/api/v1/incidents/", None, (401, 401, 403, 200, 200, 200)),
    "one incident": ("get", "/api/v1/incidents/{incident}/", None, (401, 401, 403, 200, 200, 200)),
    "change an incident": (
        "patch",
        "/api/v1/incidents/{incident}/",
        {"status": "acknowledged"},
        (401, 401, 403, 200, 200, 200),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_each_endpoint_answers_each_caller_as_designed(world, endpoint, role):
    assert send_event(world).status_code == 202
    method, template, body, expected = ENDPOINTS[endpoint]
    path = template.format(integration=world.events.pk, incident=Incident.objects.get().pk)
    response = getattr(world.clients[role], method)(path, body, format="json")
    assert response.status_code == expected[ROLES.index(role)], response.content
    assert response["Content-Type"] == "application/json"
    if response.status_code in (401, 403):
        assert response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
def test_the_alert_endpoints_take_the_key_not_the_callers_login(world, role):
    """The integration key is the proof; a login (or its absence) changes nothing."""
    client = world.clients[role]
    response = client.post(
        "/api/v1/alerts/events/", {"routing_key": world.events_key, **EVENT}, format="json"
    )
    assert response.status_code == 202, response.content
    assert client.post("/api/v1/alerts/events/", EVENT, format="json").status_code == 401
    assert Incident.objects.get().alert_count == 1


def test_the_alert_endpoints_need_no_csrf_token_with_a_session(world, engineer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(engineer.user)
    response = client.post(
        "/api/v1/alerts/events/", {"routing_key": world.events_key, **EVENT}, format="json"
    )
    assert response.status_code == 202


# --- integrations ---------------------------------------------------------------------------------


def test_a_new_integration_shows_its_key_once(world, manager):
    customer = CustomerFactory(name="StreamCo")
    client = world.clients["manager"]
    created = client.post(
        "/api/v1/integrations/",
        {
            "name": "Prometheus EU",
            "kind": "alertmanager",
            "customer_label": "tenant",
            "default_customer": customer.pk,
            "severity_map": {"warning": "urgent", "info": None},
            "auto_resolve": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["key"].startswith(body["key_prefix"]) and len(body["key"]) == 43
    assert body["default_customer"] == {"id": customer.pk, "name": "StreamCo"}
    assert body["severity_map"] == {"critical": "major", "error": "urgent", "warning": "urgent", "info": None}
    stored = Integration.objects.get(pk=body["id"])
    assert body["key"] not in json.dumps(list(Integration.objects.values()), default=str)
    assert stored.key_hash != body["key"]
    listed = client.get("/api/v1/integrations/").json()["results"]
    assert "key" not in json.dumps(listed).replace('"key_prefix"', "")
    assert {row["name"] for row in listed} == {"Grafana", "Prometheus", "Prometheus EU"}


def test_integration_input_is_checked_per_field(world):
    client = world.clients["manager"]
    response = client.post(
        "/api/v1/integrations/",
        {
            "kind": "nagios",
            "severity_map": {"critical": "apocalyptic"},
            "customer_label": "a b",
            "default_customer": 999,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"name", "kind", "severity_map", "customer_label", "default_customer"}


def test_rotating_a_key_retires_the_old_one(world):
    rotated = world.clients["manager"].post(f"/api/v1/integrations/{world.events.pk}/rotate/")
    assert rotated.status_code == 200
    assert send_event(world).status_code == 401
    assert send_event(world, key=rotated.json()["key"]).status_code == 202
    assert world.clients["manager"].post("/api/v1/integrations/987654/rotate/").status_code == 404


# --- Events API v2 --------------------------------------------------------------------------------


def test_an_event_is_processed_like_pagerduty_answers(world):
    response = send_event(world)
    assert response.status_code == 202
    assert response.json() == {"status": "success", "message": "Event processed", "dedup_key": "edge-7-down"}
    generated = send_event(world, {**EVENT, "dedup_key": None})
    assert generated.status_code == 202 and len(generated.json()["dedup_key"]) == 32
    ack = send_event(world, {"event_action": "acknowledge", "dedup_key": "edge-7-down"})
    assert ack.status_code == 202
    assert Incident.objects.get(dedup_key="edge-7-down").status == "acknowledged"


BAD_EVENTS = {
    "no action": {"payload": EVENT["payload"]},
    "unknown action": {**EVENT, "event_action": "explode"},
    "no payload": {"event_action": "trigger"},
    "blank summary": {**EVENT, "payload": {**EVENT["payload"], "summary": " "}},
    "bad severity": {**EVENT, "payload": {**EVENT["payload"], "severity": "sev1"}},
    "resolve without key": {"event_action": "resolve"},
    "dedup key not a string": {**EVENT, "dedup_key": ["a"]},
}


@pytest.mark.parametrize("case", list(BAD_EVENTS))
def test_a_bad_event_is_a_400_in_pagerdutys_shape_and_nothing_is_recorded(world, case):
    response = send_event(world, BAD_EVENTS[case])
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["message"]) == ("invalid event", "Event object is invalid")
    assert body["errors"] and all(isinstance(error, str) for error in body["errors"])
    assert not Incident.objects.exists()


def test_unreadable_or_non_object_bodies_are_400s_in_the_same_shape(world):
    client = APIClient()
    for raw in (b"{not json", b"[1, 2]", b'"text"'):
        response = client.post("/api/v1/alerts/events/", raw, content_type="application/json")
        assert response.status_code in (400, 401), raw
        assert set(response.json()) == {"status", "message", "errors"}
    response = client.post("/api/v1/alerts/events/", b"plain", content_type="text/plain")
    assert response.status_code == 415 and response.json()["status"] == "unsupported media type"


def test_unknown_disabled_and_wrong_kind_keys_are_refused_and_nothing_is_recorded(world):
    unknown = send_event(world, key="x" * 43)
    malformed = send_event(world, key="not-a-key")
    assert (unknown.status_code, malformed.status_code) == (401, 401)
    assert unknown.json()["status"] == "unrecognized routing key" and unknown.json()["errors"]
    wrong_kind = send_event(world, key=world.am_key)
    assert wrong_kind.status_code == 403 and "Prometheus Alertmanager" in wrong_kind.json()["message"]
    am_with_events_key = send_am(world, am_body(am_alert()), key=world.events_key)
    assert am_with_events_key.status_code == 403 and am_with_events_key.json()["detail"]
    no_header = APIClient().post("/api/v1/alerts/alertmanager/", am_body(am_alert()), format="json")
    assert no_header.status_code == 401 and "Bearer" in no_header.json()["detail"]
    Integration.objects.filter(pk=world.events.pk).update(enabled=False)
    disabled = send_event(world)
    assert disabled.status_code == 403 and "disabled" in disabled.json()["message"]
    assert not Incident.objects.exists() and not Alert.objects.exists()


def test_a_body_over_one_megabyte_is_a_413_json_answer(world):
    big = "x" * (1024 * 1024 + 10)
    events = send_event(world, {**EVENT, "payload": {**EVENT["payload"], "custom_details": {"log": big}}})
    assert events.status_code == 413 and events.json()["status"] == "request too large"
    am = send_am(world, am_body({**am_alert(), "annotations": {"summary": big}}))
    assert am.status_code == 413 and "1,048,576" in am.json()["detail"]
    assert not Incident.objects.exists()


def test_the_alert_endpoints_are_throttled_per_key(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "alert_intake": "3/minute",
        },
    }
    assert [send_event(world).status_code for _ in range(3)] == [202] * 3
    refused = send_event(world)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused.json()["status"] == "throttle event"
    assert send_am(world, am_body(am_alert())).status_code == 202  # another key, its own count


# --- Alertmanager ---------------------------------------------------------------------------------


def test_an_alertmanager_post_opens_and_its_resolved_post_ends_the_impact(world):
    customer = CustomerFactory(name="StreamCo")
    response = send_am(world, am_body(am_alert("aaa", customer="StreamCo"), am_alert("bbb")))
    assert response.status_code == 202, response.content
    assert response.json()["opened"] == 2
    assert set(Incident.objects.get(dedup_key="aaa").customers.all()) == {customer}
    assert not Incident.objects.get(dedup_key="bbb").customers.exists()  # internal
    send_am(world, am_body(am_alert("aaa", status="resolved"), status="resolved"))
    ended = Incident.objects.get(dedup_key="aaa")
    assert ended.impact_ended_at.isoformat() == "2026-12-03T08:05:00+00:00"
    assert ended.status == "triggered"


def test_a_bad_alertmanager_body_is_a_400_listing_the_alerts_refused(world):
    response = send_am(world, am_body(am_alert(), {"status": "nope"}))
    assert response.status_code == 400
    assert response.json() == {"alerts": ["alerts[1]: status must be firing or resolved."]}
    assert send_am(world, {"alerts": "many"}).status_code == 400
    assert not Incident.objects.exists()


def test_a_thousand_alerts_in_one_post_take_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    CustomerFactory(name="StreamCo")
    body = am_body(*[am_alert(f"fp{n:04}", customer="StreamCo") for n in range(1000)])
    assert len(json.dumps(body)) < 1024 * 1024
    with django_assert_max_num_queries(12):
        response = send_am(world, body)
    assert response.status_code == 202 and response.json()["opened"] == 1000
    with django_assert_max_num_queries(12):
        assert send_am(world, body).status_code == 202
    assert Incident.objects.count() == 1000 and Alert.objects.count() == 2000


# --- incidents ------------------------------------------------------------------------------------


def test_the_incident_list_filters_and_shows_the_contract(world):
    a, b = CustomerFactory(name="StreamCo"), CustomerFactory(name="VodCo")
    send_event(
        world,
        {
            **EVENT,
            "dedup_key": "one",
            "payload": {**EVENT["payload"], "custom_details": {"customer": "StreamCo"}},
        },
    )
    send_event(
        world,
        {
            **EVENT,
            "dedup_key": "two",
            "payload": {**EVENT["payload"], "custom_details": {"customer": [str(b.pk)]}},
        },
    )
    send_event(world, {"event_action": "acknowledge", "dedup_key": "two"})
    client = world.clients["engineer"]
    everything = client.get("/api/v1/incidents/").json()
    assert everything["count"] == 2
    row = next(r for r in everything["results"] if r["dedup_key"] == "one")
    assert set(row) >= {
        "id", "title", "status", "severity", "impact", "started_at", "acknowledged_at", "resolved_at",
        "impact_ended_at", "customers", "tickets", "alerts", "dedup_key", "commander",
    }  # fmt: skip
    assert row["customers"] == [{"id": a.pk, "name": "StreamCo"}]
    assert (row["severity"], row["impact"], row["tickets"], row["commander"]) == ("major", "outage", [], None)
    assert row["alerts"]["count"] == 1 and row["alerts"]["last_received_at"]
    acked = client.get("/api/v1/incidents/?status=acknowledged").json()["results"]
    assert [r["dedup_key"] for r in acked] == ["two"]
    of_a = client.get(f"/api/v1/incidents/?customer={a.pk}").json()["results"]
    assert [r["dedup_key"] for r in of_a] == ["one"]
    bad = client.get("/api/v1/incidents/?status=sleeping&customer=x")
    assert bad.status_code == 400 and set(bad.json()) == {"status", "customer"}


@pytest.mark.parametrize("incidents", [1, 25])
def test_the_incident_list_takes_the_same_queries_for_one_or_many(
    world, incidents, django_assert_num_queries
):
    customers = [CustomerFactory(name=f"C{n}") for n in range(3)]
    for n in range(incidents):
        details = {"customer": [c.name for c in customers]}
        send_event(
            world, {**EVENT, "dedup_key": f"k{n}", "payload": {**EVENT["payload"], "custom_details": details}}
        )
    client = world.clients["engineer"]
    with django_assert_num_queries(
        5
    ):  # token, count, page (integration, commander joined), customers, tickets
        response = client.get("/api/v1/incidents/")
    assert len(response.json()["results"]) == incidents
    with django_assert_num_queries(5):
        client.get(f"/api/v1/incidents/?status=triggered&customer={customers[0].pk}")


def test_an_engineer_acknowledges_sets_impact_and_commander_then_resolves(world):
    send_event(world)
    incident = Incident.objects.get()
    client = world.clients["engineer"]
    path = f"/api/v1/incidents/{incident.pk}/"
    changed = client.patch(
        path, {"status": "acknowledged", "impact": "degraded", "commander": "lena"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["status"], body["impact"], body["commander"]) == ("acknowledged", "degraded", "lena")
    assert body["acknowledged_at"]
    resolved = client.patch(path, {"status": "resolved"}, format="json").json()
    assert resolved["resolved_at"] and resolved["impact_ended_at"]
    again = client.patch(path, {"status": "acknowledged"}, format="json")
    assert again.status_code == 400 and "reopens" in again.json()["status"][0]


def test_incident_changes_are_checked_per_field(world):
    send_event(world)
    path = f"/api/v1/incidents/{Incident.objects.get().pk}/"
    response = world.clients["engineer"].patch(
        path, {"status": "triggered", "impact": "total", "commander": "viewer"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "impact", "commander"}
    assert world.clients["engineer"].get("/api/v1/incidents/987654/").status_code == 404
