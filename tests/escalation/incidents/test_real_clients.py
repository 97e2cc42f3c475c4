"""The intakes against real senders, started by the suite: Debian's Prometheus Alertmanager (its own
grouping and its `resolved` notification drive the test) and the `pdpyras` Events API v2 client, both
pointed at the live server; and a storm over HTTP."""

import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from django.core.cache import cache
from django.db.models import Sum

from escalation.incidents.models import Incident, IncidentStatus
from escalation.incidents.services.integrations import integration_create
from tests.conftest import stop_process
from tests.factories import CustomerFactory
from tests.system_packages import ensure_installed

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ALERTMANAGER = Path("/usr/bin/prometheus-alertmanager")
ALERTMANAGER_PACKAGES = ["prometheus-alertmanager"]
ALERTMANAGER_CONFIG = """\
global:
  resolve_timeout: 5s
route:
  receiver: support-desk
  group_by: ["alertname"]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: support-desk
    webhook_configs:
      - url: "{url}"
        send_resolved: true
        http_config:
          authorization:
            credentials: "{key}"
"""


@pytest.fixture(autouse=True)
def _high_alert_rate(settings):
    """The storms here are the point: a rate per key that they stay under; fresh counters."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "alert_intake": "100000/minute"},
    }
    cache.clear()
    yield
    cache.clear()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float = 60.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def alertmanager(live_server, tmp_path):
    """A real Alertmanager whose webhook receiver is the live server's intake, with the key of a new
    Alertmanager integration; yields (its base URL, the integration)."""
    program = ensure_installed(ALERTMANAGER, ALERTMANAGER_PACKAGES)
    integration, key = integration_create(name="Prometheus", kind="alertmanager")
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        ALERTMANAGER_CONFIG.format(url=f"{live_server.url}/api/v1/alerts/alertmanager/", key=key)
    )
    port = _free_port()
    log = (tmp_path / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            str(program),
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=debug",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(
                f"alertmanager exited: {(tmp_path / 'alertmanager.log').read_text()[-2000:]}"
            )
        try:
            return requests.get(f"{base}/-/ready", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_for(ready, timeout=30, what="alertmanager to be ready")
        yield base, integration
    finally:
        stop_process(process)
        log.close()


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_alertmanager_fires_a_group_then_its_resolved_notification_ends_the_impact(alertmanager):
    base, integration = alertmanager
    streamco = CustomerFactory(name="StreamCo")
    started = datetime.now(UTC) - timedelta(minutes=2)
    alerts = [
        {
            "labels": {
                "alertname": "EdgeDown",
                "severity": "critical",
                "customer": "StreamCo",
                "instance": edge,
            },
            "annotations": {"summary": f"Edge {edge} is down"},
            "startsAt": _iso(started),
            "generatorURL": "http://prometheus.example/graph",
        }
        for edge in ("edge-7", "edge-8")
    ]
    assert requests.post(f"{base}/api/v2/alerts", json=alerts, timeout=5).status_code == 200

    incidents = wait_for(
        lambda: (
            list(Incident.objects.filter(integration=integration)) if Incident.objects.count() == 2 else None
        ),
        what="two incidents from Alertmanager's grouped notification",
    )
    fingerprints = {alert["fingerprint"] for alert in requests.get(f"{base}/api/v2/alerts", timeout=5).json()}
    assert {incident.dedup_key for incident in incidents} == fingerprints
    for incident in incidents:
        assert incident.status == IncidentStatus.TRIGGERED
        assert incident.severity == "major"
        assert abs(incident.started_at - started) < timedelta(seconds=1)
        assert list(incident.customers.all()) == [streamco]
        assert incident.title in ("Edge edge-7 is down", "Edge edge-8 is down")

    ended = datetime.now(UTC) - timedelta(seconds=1)
    resolved = [{**alert, "endsAt": _iso(ended)} for alert in alerts]
    assert requests.post(f"{base}/api/v2/alerts", json=resolved, timeout=5).status_code == 200
    wait_for(
        lambda: Incident.objects.filter(impact_ended_at__isnull=False).count() == 2,
        what="Alertmanager's resolved notification",
    )
    for incident in Incident.objects.all():
        assert abs(incident.impact_ended_at - ended) < timedelta(seconds=1)
        assert incident.status == IncidentStatus.TRIGGERED  # the commander resolves (auto_resolve off)
        assert incident.alert_count >= 2


def test_the_pdpyras_events_client_triggers_acknowledges_and_resolves(live_server):
    from pdpyras import EventsAPISession, PDClientError

    CustomerFactory(name="StreamCo")
    integration, key = integration_create(name="Grafana", kind="events_v2", auto_resolve=True)
    session = EventsAPISession(key)
    # pdpyras posts to `url` + "/v2/enqueue"; the intake answers there too.
    session.url = f"{live_server.url}/api/v1/alerts/events"

    dedup_key = session.trigger(
        "Origin 5xx above 5 %", "origin-3", severity="error", custom_details={"customer": "StreamCo"}
    )
    assert len(dedup_key) == 32  # generated, as PagerDuty does
    incident = Incident.objects.get(dedup_key=dedup_key)
    assert (incident.status, incident.severity) == (IncidentStatus.TRIGGERED, "urgent")
    assert [c.name for c in incident.customers.all()] == ["StreamCo"]

    assert session.trigger("Origin 5xx above 5 %", "origin-3", dedup_key=dedup_key) == dedup_key
    assert session.acknowledge(dedup_key) == dedup_key
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.ACKNOWLEDGED
    session.resolve(dedup_key)
    done = Incident.objects.get(pk=incident.pk)
    assert (done.status, done.alert_count) == (IncidentStatus.RESOLVED, 4)
    assert done.impact_ended_at is not None

    stranger = EventsAPISession("x" * 43)
    stranger.url = session.url
    with pytest.raises(PDClientError) as refused:
        stranger.trigger("nope", "nowhere")
    assert refused.value.response.status_code == 401
    assert Incident.objects.filter(integration=integration).count() == 1


def test_a_storm_over_http_makes_one_incident_per_key_and_loses_nothing(live_server):
    integration, key = integration_create(name="Storm", kind="events_v2")
    url = f"{live_server.url}/api/v1/alerts/events/"
    statuses: list[int] = []
    lock = threading.Lock()

    def sender(n: int) -> None:
        with requests.Session() as http:
            for i in range(50):
                response = http.post(
                    url,
                    json={
                        "routing_key": key,
                        "event_action": "trigger",
                        "dedup_key": f"edge-{(n * 50 + i) % 10}",
                        "payload": {"summary": "Edge down", "source": "edge", "severity": "critical"},
                    },
                    timeout=30,
                )
                with lock:
                    statuses.append(response.status_code)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert statuses == [202] * 400
    assert Incident.objects.filter(integration=integration).count() == 10
    assert Incident.objects.aggregate(total=Sum("alert_count"))["total"] == 400
