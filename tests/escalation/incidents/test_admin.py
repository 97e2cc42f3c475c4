"""Integrations and incidents in the admin: managers (and superusers) manage integrations through their
services (the key shown once, never its hash) and read incidents, which nobody adds, changes or deletes
there; engineers and anonymous visitors see neither. Lists in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.admin import ALERTS_SHOWN
from escalation.incidents.keys import KEY_PATTERN, key_hash
from escalation.incidents.models import (
    Alert,
    Incident,
    IncidentCustomer,
    IncidentEvent,
    IncidentTicket,
    IncidentUpdate,
    Integration,
)
from escalation.incidents.selectors import integration_get_by_key
from escalation.incidents.services.integrations import integration_create
from escalation.roster.services.engineers import manager_ensure
from tests.factories import NOW, CustomerFactory, make_engineer, make_ticket

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "engineer", "manager", "superuser")
READERS = ("manager", "superuser")
INTEGRATIONS = "/admin/escalation/integration/"
INCIDENTS = "/admin/escalation/incident/"
ALERTS = "/admin/escalation/alert/"


def make_incident(
    integration, *, n: int, customers=(), alerts: int = 1, commander=None, **fields
) -> Incident:
    started = NOW + timedelta(minutes=n)
    incident = Incident.objects.create(
        title=fields.pop("title", f"disk full on edge-{n}"),
        dedup_key=fields.pop("dedup_key", f"disk-full-{n}"),
        integration=integration,
        started_at=started,
        severity=fields.pop("severity", "major"),
        commander=commander,
        alert_count=alerts,
        last_alert_at=started,
        created_at=started,
        updated_at=started,
        **fields,
    )
    IncidentCustomer.objects.bulk_create(IncidentCustomer(incident=incident, customer=c) for c in customers)
    Alert.objects.bulk_create(
        Alert(
            incident=incident,
            action="trigger",
            source_severity="critical",
            summary=f"alert {i} of incident {n}",
            occurred_at=started + timedelta(seconds=i),
            received_at=started + timedelta(seconds=i),
        )
        for i in range(alerts)
    )
    return incident


@pytest.fixture
def world():
    acme, globex = CustomerFactory(name="Acme"), CustomerFactory(name="Globex")
    prometheus, key = integration_create(name="Prometheus EU", kind="alertmanager", default_customer=acme)
    manager = manager_ensure(username="maria", name="Maria Santos")
    outage = make_incident(prometheus, n=1, customers=[acme, globex], alerts=3, commander=manager)
    degraded = make_incident(
        prometheus,
        n=2,
        customers=[acme],
        impact="degraded",
        severity="general",
        status="resolved",
        resolved_at=NOW + timedelta(hours=1),
        impact_ended_at=NOW + timedelta(hours=1),
        title="slow checkout",
        dedup_key="checkout-latency",
    )
    return {
        "acme": acme,
        "prometheus": prometheus,
        "key": key,
        "outage": outage,
        "degraded": degraded,
        "engineer": make_engineer("lena", name="Lena Fischer").user,
        "manager": manager,
        "superuser": get_user_model().objects.create_superuser("root", "root@x.example", "root-Very-long-9"),
    }


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _integration_form(**overrides) -> dict:
    form = {
        "name": "Grafana",
        "kind": "events_v2",
        "enabled": "on",
        "customer_label": "tenant",
        "default_customer": "",
        "severity_map": '{"critical": "major", "info": "general"}',
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


# --- who sees what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_integrations_incidents_and_alerts(client, world, role):
    _login(client, world, role)
    integration, incident = world["prometheus"], world["outage"]
    alert = incident.alerts.first()
    pages = [
        INTEGRATIONS,
        f"{INTEGRATIONS}{integration.pk}/change/",
        INCIDENTS,
        f"{INCIDENTS}{incident.pk}/change/",
        ALERTS,
        f"{ALERTS}{alert.pk}/change/",
    ]
    statuses = {url: client.get(url).status_code for url in pages}
    if role == "anonymous":
        assert set(statuses.values()) == {302}
        assert client.get(INCIDENTS)["Location"].startswith("/admin/login/")
    elif role in READERS:
        assert set(statuses.values()) == {200}
    else:
        assert set(statuses.values()) == {403}


@pytest.mark.parametrize("role", ROLES)
def test_who_adds_an_integration(client, world, role):
    _login(client, world, role)
    before = Integration.objects.count()
    add_page = client.get(f"{INTEGRATIONS}add/")
    response = client.post(f"{INTEGRATIONS}add/", _integration_form())
    if role == "anonymous":
        assert add_page.status_code == response.status_code == 302
    elif role not in READERS:
        assert add_page.status_code == response.status_code == 403
    else:
        assert add_page.status_code == 200
        assert response.status_code == 302
        assert Integration.objects.count() == before + 1
        return
    assert Integration.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_nobody_adds_changes_or_deletes_an_incident(client, world, role):
    _login(client, world, role)
    incident = world["outage"]
    counts = lambda: (Incident.objects.count(), Alert.objects.count(), Integration.objects.count())  # noqa: E731
    before = counts()
    add = client.post(f"{INCIDENTS}add/", {"title": "made up", "dedup_key": "x", "status": "triggered"})
    change = client.post(f"{INCIDENTS}{incident.pk}/change/", {"title": "renamed", "impact": "none"})
    delete = client.post(f"{INCIDENTS}{incident.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        INCIDENTS, {"action": "delete_selected", "_selected_action": [incident.pk], "post": "yes"}
    )
    alert = incident.alerts.first()
    alert_delete = client.post(f"{ALERTS}{alert.pk}/delete/", {"post": "yes"})
    integration_delete = client.post(f"{INTEGRATIONS}{world['prometheus'].pk}/delete/", {"post": "yes"})
    assert counts() == before
    incident.refresh_from_db()
    assert (incident.title, incident.impact) == ("disk full on edge-1", "outage")
    responses = (add, change, delete, alert_delete, integration_delete)
    if role == "anonymous":
        assert {r.status_code for r in (*responses, bulk)} == {302}
        return
    assert {r.status_code for r in responses} == {403}
    assert bulk.status_code == (200 if role in READERS else 403)  # no delete action: "No action selected"
    if role in READERS:
        listing = client.get(INCIDENTS).content.decode()
        assert "delete_selected" not in listing
        assert f"{INCIDENTS}add/" not in listing
        body = client.get(f"{INCIDENTS}{incident.pk}/change/").content.decode()
        assert 'name="_save"' not in body
        assert f"{INCIDENTS}{incident.pk}/delete/" not in body
        body = client.get(f"{INTEGRATIONS}{world['prometheus'].pk}/change/").content.decode()
        assert 'name="_save"' in body
        assert f"{INTEGRATIONS}{world['prometheus'].pk}/delete/" not in body


# --- integrations ------------------------------------------------------------------------------------


def test_the_integration_list_shows_the_key_prefix_never_the_key_or_its_hash(client, world):
    client.force_login(world["manager"])
    integration, key = world["prometheus"], world["key"]
    response = client.get(INTEGRATIONS)
    assert response.status_code == 200
    body = response.content.decode()
    for expected in ("Prometheus EU", "Prometheus Alertmanager", integration.key_prefix, "Acme", "customer"):
        assert expected in body
    detail = client.get(f"{INTEGRATIONS}{integration.pk}/change/").content.decode()
    for page in (body, detail):
        assert key not in page
        assert integration.key_hash not in page
    assert integration.key_prefix in detail


def test_adding_an_integration_shows_its_key_once(client, world):
    client.force_login(world["manager"])
    response = client.post(
        f"{INTEGRATIONS}add/", _integration_form(default_customer=str(world["acme"].pk)), follow=True
    )
    assert response.status_code == 200
    created = Integration.objects.get(name="Grafana")
    shown = [m for m in _messages(response) if "shown this once" in m]
    assert len(shown) == 1
    key = next(word for word in shown[0].split() if KEY_PATTERN.fullmatch(word))
    assert key_hash(key) == created.key_hash
    assert created.key_prefix == key[:8]
    assert integration_get_by_key(key) == created
    assert (created.kind, created.customer_label, created.default_customer) == (
        "events_v2",
        "tenant",
        world["acme"],
    )
    # the service's defaults fill the map's other severities
    assert created.severity_map == {
        "critical": "major",
        "error": "urgent",
        "warning": "general",
        "info": "general",
    }
    # shown once: not on the next page, nor on its own page
    again = client.get(f"{INTEGRATIONS}{created.pk}/change/")
    assert key not in again.content.decode()
    assert not [m for m in _messages(again) if "shown this once" in m]


@pytest.mark.parametrize(
    ("severity_map", "error"),
    [
        ('{"fatal": "major"}', "Unknown source severity"),
        ('{"critical": "apocalyptic"}', "is not a ticket severity"),
        ('["critical"]', "An object such as"),
        ("{not json", "Enter a valid JSON"),
    ],
)
def test_a_bad_severity_map_is_refused_on_add_and_change(client, world, severity_map, error):
    client.force_login(world["manager"])
    integration = world["prometheus"]
    add = client.post(f"{INTEGRATIONS}add/", _integration_form(severity_map=severity_map))
    assert add.status_code == 200
    assert error in add.content.decode()
    assert not Integration.objects.filter(name="Grafana").exists()
    change = client.post(
        f"{INTEGRATIONS}{integration.pk}/change/",
        _integration_form(name="Renamed", severity_map=severity_map),
    )
    assert change.status_code == 200
    assert error in change.content.decode()
    integration.refresh_from_db()
    assert integration.name == "Prometheus EU"


def test_changing_an_integration_keeps_its_kind_and_key(client, world):
    client.force_login(world["manager"])
    integration, key = world["prometheus"], world["key"]
    body = client.get(f"{INTEGRATIONS}{integration.pk}/change/").content.decode()
    assert 'name="kind"' not in body  # shown, not editable
    response = client.post(
        f"{INTEGRATIONS}{integration.pk}/change/",
        _integration_form(
            name="Prometheus EU-2",
            kind="events_v2",
            enabled=None,  # unticked
            auto_resolve="on",
            severity_map='{"warning": null}',
            key_hash="0" * 64,
            key_prefix="xxxxxxxx",
        ),
    )
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "Prometheus EU-2"
    assert integration.kind == "alertmanager"
    assert (integration.enabled, integration.auto_resolve, integration.customer_label) == (
        False,
        True,
        "tenant",
    )
    assert integration.default_customer is None
    assert integration.severity_map == {"critical": "major", "error": "urgent", "warning": None, "info": None}
    assert integration.key_hash == key_hash(key)
    assert integration_get_by_key(key) == integration


@pytest.mark.parametrize("role", ROLES)
def test_rotate_key_shows_the_new_key_once_and_the_old_one_stops(client, world, role):
    _login(client, world, role)
    integration, old_key = world["prometheus"], world["key"]
    other, other_key = integration_create(name="Grafana", kind="events_v2")
    response = client.post(
        INTEGRATIONS, {"action": "rotate_key", "_selected_action": [integration.pk]}, follow=role in READERS
    )
    if role not in READERS:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert integration_get_by_key(old_key) == integration
        return
    assert response.status_code == 200
    shown = [m for m in _messages(response) if "shown this once" in m]
    assert len(shown) == 1
    assert "new key of “Prometheus EU”" in shown[0]
    new_key = next(word for word in shown[0].split() if KEY_PATTERN.fullmatch(word))
    assert integration_get_by_key(old_key) is None
    assert integration_get_by_key(new_key) == integration
    assert integration_get_by_key(other_key) == other  # not selected: untouched
    integration.refresh_from_db()
    assert integration.key_prefix == new_key[:8]
    assert new_key not in client.get(INTEGRATIONS).content.decode()


# --- incidents -----------------------------------------------------------------------------------------


def _titles(response) -> list[str]:
    return sorted(incident.title for incident in response.context["cl"].result_list)


def test_the_incident_list_shows_its_columns(client, world):
    client.force_login(world["manager"])
    response = client.get(INCIDENTS)
    assert response.status_code == 200
    rows = {incident.pk: incident for incident in response.context["cl"].result_list}
    assert rows[world["outage"].pk].customer_count == 2
    assert rows[world["degraded"].pk].customer_count == 1
    body = response.content.decode()
    for expected in (
        "disk full on edge-1",
        "slow checkout",
        "Triggered",
        "Resolved",
        "Degraded",
        "Outage",
        "maria",
    ):
        assert expected in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=triggered", ["disk full on edge-1"]),
        ("status__exact=resolved", ["slow checkout"]),
        ("status__exact=acknowledged", []),
        ("impact__exact=degraded", ["slow checkout"]),
        ("impact__exact=outage", ["disk full on edge-1"]),
        ("severity__exact=major", ["disk full on edge-1"]),
        ("severity__exact=general", ["slow checkout"]),
        ("q=checkout", ["slow checkout"]),  # title and dedup key
        ("q=disk-full-1", ["disk full on edge-1"]),  # dedup key only
        ("q=edge", ["disk full on edge-1"]),
        ("q=nothing-like-it", []),
    ],
)
def test_incident_filters_and_search(client, world, query, expected):
    client.force_login(world["manager"])
    response = client.get(f"{INCIDENTS}?{query}")
    assert response.status_code == 200
    assert _titles(response) == expected


def test_the_incident_list_costs_the_same_queries_for_2_incidents_as_for_20(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["superuser"])
    integration, acme = world["prometheus"], world["acme"]
    customers = [acme, *CustomerFactory.create_batch(2)]
    commanders = [manager_ensure(username=f"commander{i}") for i in range(3)]

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(INCIDENTS)
        assert response.status_code == 200
        return len(captured), len(response.context["cl"].result_list)

    few, shown = queries()
    assert shown == 2
    for n in range(3, 21):
        make_incident(
            integration, n=n, customers=customers[: n % 3 + 1], alerts=2, commander=commanders[n % 3]
        )
    many, shown = queries()
    assert shown == 20
    assert many == few
    with django_assert_max_num_queries(few):
        client.get(INCIDENTS)


def test_the_incident_page_shows_its_latest_alerts_events_updates_and_tickets(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["manager"])
    incident = make_incident(world["prometheus"], n=7, alerts=ALERTS_SHOWN + 30, customers=[world["acme"]])
    ticket = make_ticket()
    IncidentTicket.objects.create(
        incident=incident, ticket=ticket, customer=world["acme"], opened_for_incident=True, linked_at=NOW
    )
    IncidentUpdate.objects.create(
        incident=incident, body="We are rerouting traffic.", author=world["manager"], created_at=NOW
    )
    IncidentEvent.objects.create(incident=incident, type="commander_assigned", at=NOW, actor=world["manager"])
    url = f"{INCIDENTS}{incident.pk}/change/"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    alerts_shown = response.context["inline_admin_formsets"][-1].formset.get_queryset()
    assert len(alerts_shown) == ALERTS_SHOWN
    newest = ALERTS_SHOWN + 30 - 1
    assert f"alert {newest} of incident 7<" in body
    assert f"alert {newest - ALERTS_SHOWN + 1} of incident 7<" in body
    assert f"alert {newest - ALERTS_SHOWN} of incident 7<" not in body
    assert "alert 0 of incident 7<" not in body
    assert "We are rerouting traffic." in body
    assert "Commander assigned" in body
    assert f"/admin/tickets/ticket/{ticket.pk}/change/" in body
    assert f'href="{ALERTS}?incident__id__exact={incident.pk}"' in body
    # no forms to submit, no query per alert
    assert 'name="_save"' not in body
    assert len(captured) < ALERTS_SHOWN
    # every alert is one link away, paginated
    alerts = client.get(f"{ALERTS}?incident__id__exact={incident.pk}")
    assert alerts.status_code == 200
    assert alerts.context["cl"].result_count == ALERTS_SHOWN + 30
    assert all(alert.incident_id == incident.pk for alert in alerts.context["cl"].result_list)
