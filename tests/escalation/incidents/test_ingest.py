"""Alerts become incidents: dedup, flapping, acknowledge, resolve, severity, customers, and the
database's one-open-incident rule under concurrent senders."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Sum

from escalation.incidents.models import Alert, Incident, IncidentStatus
from escalation.incidents.services.ingest import alerts_ingest
from tests.escalation.incidents.helpers import alert, integration
from tests.factories import NOW, CustomerFactory

pytestmark = pytest.mark.django_db


def test_alerts_with_one_dedup_key_update_one_incident():
    source = integration()
    alerts_ingest(integration=source, alerts=[alert(occurred_at=NOW - timedelta(minutes=3))], now=NOW)
    alerts_ingest(integration=source, alerts=[alert()], now=NOW + timedelta(seconds=30))
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED
    assert incident.started_at == NOW - timedelta(minutes=3)
    assert (incident.alert_count, incident.last_alert_at) == (2, NOW + timedelta(seconds=30))
    assert incident.severity == "major"
    assert Alert.objects.filter(incident=incident).count() == 2


def test_a_future_start_is_taken_as_now():
    source = integration()
    alerts_ingest(integration=source, alerts=[alert(occurred_at=NOW + timedelta(days=1))], now=NOW)
    assert Incident.objects.get().started_at == NOW


def test_acknowledge_then_resolve_ends_the_impact_and_the_commander_resolves():
    source = integration()
    alerts_ingest(integration=source, alerts=[alert()], now=NOW)
    alerts_ingest(integration=source, alerts=[alert("acknowledge")], now=NOW + timedelta(minutes=1))
    alerts_ingest(integration=source, alerts=[alert("resolve")], now=NOW + timedelta(minutes=9))
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.acknowledged_at == NOW + timedelta(minutes=1)
    assert incident.impact_ended_at == NOW + timedelta(minutes=9)
    assert incident.resolved_at is None  # the commander says when it is over


def test_a_new_trigger_on_an_open_incident_resumes_its_impact():
    source = integration()
    alerts_ingest(integration=source, alerts=[alert()], now=NOW)
    alerts_ingest(integration=source, alerts=[alert("resolve")], now=NOW + timedelta(minutes=1))
    alerts_ingest(integration=source, alerts=[alert()], now=NOW + timedelta(minutes=2))
    incident = Incident.objects.get()
    assert incident.impact_ended_at is None and incident.status == IncidentStatus.TRIGGERED


def test_auto_resolve_resolves_and_flapping_within_the_window_reopens(settings):
    settings.INCIDENT_REOPEN_SECONDS = 300
    source = integration(auto_resolve=True)
    for minute in range(0, 20, 2):  # ten flaps, two minutes apart
        at = NOW + timedelta(minutes=minute)
        alerts_ingest(integration=source, alerts=[alert()], now=at)
        alerts_ingest(integration=source, alerts=[alert("resolve")], now=at + timedelta(minutes=1))
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == NOW + timedelta(minutes=19)
    assert incident.alert_count == 20
    assert incident.started_at == NOW


def test_a_trigger_after_the_window_opens_a_new_incident(settings):
    settings.INCIDENT_REOPEN_SECONDS = 300
    source = integration(auto_resolve=True)
    alerts_ingest(integration=source, alerts=[alert()], now=NOW)
    alerts_ingest(integration=source, alerts=[alert("resolve")], now=NOW + timedelta(minutes=1))
    alerts_ingest(integration=source, alerts=[alert()], now=NOW + timedelta(minutes=6, seconds=1))
    assert list(Incident.objects.order_by("id").values_list("status", flat=True)) == ["resolved", "triggered"]


def test_acknowledge_or_resolve_for_an_unknown_key_is_ignored():
    source = integration()
    done = alerts_ingest(integration=source, alerts=[alert("acknowledge"), alert("resolve")], now=NOW)
    assert done.ignored == 2
    assert not Incident.objects.exists() and not Alert.objects.exists()


def test_severity_rises_by_the_integrations_map_and_never_falls():
    source = integration(severity_map={"warning": "urgent"})
    alerts_ingest(integration=source, alerts=[alert(source_severity="info")], now=NOW)
    assert Incident.objects.get().severity is None  # info: recorded only
    alerts_ingest(integration=source, alerts=[alert(source_severity="warning")], now=NOW)
    assert Incident.objects.get().severity == "urgent"
    alerts_ingest(integration=source, alerts=[alert(source_severity="critical")], now=NOW)
    alerts_ingest(integration=source, alerts=[alert(source_severity="info")], now=NOW)
    assert Incident.objects.get().severity == "major"


def test_customers_by_name_or_id_else_the_default_else_internal():
    streamco, fallback = CustomerFactory(name="StreamCo"), CustomerFactory(name="Fallback")
    other = CustomerFactory(name="77")  # a name made of digits is a name first
    source = integration(default_customer=fallback)
    alerts_ingest(
        integration=source,
        alerts=[
            alert(key="a", customers=("StreamCo", str(other.pk))),
            alert(key="b", customers=("Nobody we know",)),
            alert(key="c", customers=("77",)),
            alert(key="e", customers=("²", "9" * 40)),  # digits to isdigit, not ids: nobody
        ],
        now=NOW,
    )
    by_key = {incident.dedup_key: incident for incident in Incident.objects.all()}
    assert set(by_key["a"].customers.all()) == {streamco, other}
    assert list(by_key["b"].customers.all()) == [fallback]
    assert list(by_key["c"].customers.all()) == [other]
    assert list(by_key["e"].customers.all()) == [fallback]
    internal = integration()
    alerts_ingest(integration=internal, alerts=[alert(key="d")], now=NOW)
    assert not Incident.objects.get(dedup_key="d").customers.exists()


def test_the_same_key_on_two_integrations_is_two_incidents():
    alerts_ingest(integration=integration(), alerts=[alert()], now=NOW)
    alerts_ingest(integration=integration(), alerts=[alert()], now=NOW)
    assert Incident.objects.count() == 2


def test_the_database_refuses_a_second_open_incident_for_a_key():
    source = integration()
    alerts_ingest(integration=source, alerts=[alert()], now=NOW)
    fields = {"title": "dup", "started_at": NOW, "created_at": NOW, "updated_at": NOW}
    with pytest.raises(IntegrityError, match="incident_open_once"), transaction.atomic():
        Incident.objects.create(dedup_key="disk-full", integration=source, **fields)
    Incident.objects.create(
        dedup_key="disk-full", integration=source, status="resolved", resolved_at=NOW, **fields
    )


def test_a_thousand_alerts_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    source = integration()
    CustomerFactory(name="StreamCo")
    batch = [alert(key=f"k{n % 400}", customers=("StreamCo",)) for n in range(1000)]
    with django_assert_max_num_queries(12):
        alerts_ingest(integration=source, alerts=batch, now=NOW)
    assert Incident.objects.count() == 400
    with django_assert_max_num_queries(12):  # the update path: 400 incidents, 1,000 more alerts
        alerts_ingest(integration=source, alerts=batch, now=NOW + timedelta(seconds=1))
    assert Incident.objects.aggregate(total=Sum("alert_count"))["total"] == 2000


def _in_threads(count: int, work) -> list[BaseException]:
    """Runs work(n) in `count` threads that start together; returns what they raised."""
    barrier = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(n)
        except BaseException as failure:  # reported by the test
            failures.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    # A thread still running would leave its alerts uncounted: say so rather than miscount.
    assert not any(thread.is_alive() for thread in threads), "a sender thread did not finish in 10 minutes"
    return failures


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_make_one_incident():
    close_old_connections()
    source = integration()
    for round_ in range(5):
        key = f"race-{round_}"
        failures = _in_threads(
            2, lambda n, key=key: alerts_ingest(integration=source, alerts=[alert(key=key)], now=NOW)
        )
        assert failures == []
        assert Incident.objects.filter(dedup_key=key).count() == 1
        assert Incident.objects.get(dedup_key=key).alert_count == 2


@pytest.mark.django_db(transaction=True)
def test_a_storm_of_ten_thousand_events_over_fifty_keys_makes_fifty_incidents():
    source = integration()
    keys = [f"edge-{n}" for n in range(50)]
    per_thread = 10_000 // 8

    def sender(n: int) -> None:
        for i in range(per_thread):
            index = n * per_thread + i
            key = keys[index % 50]
            alerts_ingest(integration=source, alerts=[alert(key=key)], now=NOW)

    failures = _in_threads(8, sender)
    assert failures == []
    assert Incident.objects.count() == 50
    assert Incident.objects.aggregate(total=Sum("alert_count"))["total"] == 10_000
    assert Alert.objects.count() == 10_000
    assert Counter(Incident.objects.values_list("alert_count", flat=True)) == Counter({200: 50})


@pytest.mark.django_db(transaction=True)
def test_an_engineers_resolve_racing_alerts_is_never_undone():
    """Alerts and an engineer's resolve at once: the resolve holds (or a later trigger reopens it),
    never a stale write putting the status back."""
    from escalation.incidents.services.incidents import incident_update

    source = integration()
    for round_ in range(5):
        key = f"race-{round_}"
        alerts_ingest(integration=source, alerts=[alert(key=key)], now=NOW)
        incident = Incident.objects.get(dedup_key=key)

        def work(n: int, incident=incident, key=key) -> None:
            if n == 0:
                incident_update(incident_id=incident.pk, now=NOW + timedelta(seconds=1), status="resolved")
            else:
                alerts_ingest(integration=source, alerts=[alert("acknowledge", key=key)], now=NOW)

        assert _in_threads(4, work) == []
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED and incident.resolved_at is not None
