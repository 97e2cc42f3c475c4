"""The two alert formats read into alerts (pure)."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from escalation.incidents.formats import PAYLOAD_MAX_BYTES, alertmanager_read, bounded, event_read, instant
from escalation.incidents.keys import key_hash, new_key, well_formed
from escalation.incidents.severity import DEFAULT_SEVERITY_MAP, highest, mapped, source_severity


def am_alert(**fields):
    alert = {
        "status": "firing",
        "labels": {"alertname": "EdgeDown", "severity": "critical", "customer": "StreamCo"},
        "annotations": {"summary": "Edge node edge-7 is down"},
        "startsAt": "2026-12-03T08:00:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "a1b2c3d4e5f60718",
    }
    return {**alert, **fields}


def test_an_alertmanager_body_becomes_one_alert_per_alert():
    resolved = am_alert(status="resolved", fingerprint="ffff", endsAt="2026-12-03T08:10:00Z")
    alerts, errors = alertmanager_read(
        {"version": "4", "groupKey": "{}:{}", "status": "firing", "alerts": [am_alert(), resolved]},
        customer_label="customer",
    )
    assert errors == []
    first, second = alerts
    assert (first.action, first.dedup_key, first.title) == (
        "trigger",
        "a1b2c3d4e5f60718",
        "Edge node edge-7 is down",
    )
    assert first.customers == ("StreamCo",)
    assert first.source_severity == "critical"
    assert first.occurred_at == datetime(2026, 12, 3, 8, 0, 0, 123456, tzinfo=UTC)
    assert (second.action, second.occurred_at) == ("resolve", datetime(2026, 12, 3, 8, 10, tzinfo=UTC))


def test_a_missing_fingerprint_is_the_labels_hash_and_unknown_severities_count_as_error():
    body = {"alerts": [am_alert(fingerprint=None, labels={"alertname": "X", "severity": "page"})]}
    (one,), _ = alertmanager_read(body, customer_label="customer")
    (again,), _ = alertmanager_read(body, customer_label="customer")
    assert one.dedup_key == again.dedup_key and len(one.dedup_key) == 16
    assert one.source_severity == "error"
    assert one.customers == ()


def test_bad_alertmanager_bodies_are_refused_with_reasons():
    cases = [
        [],
        {"alerts": []},
        {"version": "3", "alerts": [am_alert()]},
        {"alerts": [am_alert(status="pending")]},
        {"alerts": [am_alert(labels={"a": 1})]},
        {"alerts": [am_alert(startsAt="yesterday")]},
        {"alerts": [am_alert(startsAt="2300-01-01T00:00:00Z")]},
        {"alerts": [am_alert(fingerprint="x" * 300)]},
        {"alerts": ["not an alert"]},
    ]
    for body in cases:
        alerts, errors = alertmanager_read(body, customer_label="customer")
        assert alerts == [] and errors, body


def test_an_event_is_read_and_a_trigger_without_dedup_key_gets_one():
    body = {
        "routing_key": "secret",
        "event_action": "trigger",
        "payload": {
            "summary": "Origin 5xx above 5 %",
            "source": "origin-3",
            "severity": "warning",
            "custom_details": {"tenant": ["StreamCo", "42"]},
        },
    }
    event, errors = event_read(body, customer_label="tenant", new_dedup_key=lambda: "generated")
    assert errors == []
    assert (event.dedup_key, event.title, event.source_severity) == (
        "generated",
        "Origin 5xx above 5 %",
        "warning",
    )
    assert event.customers == ("StreamCo", "42")
    assert "routing_key" not in event.payload  # the key is never stored


def test_bad_events_list_each_problem_like_pagerduty():
    def errors_of(body):
        return event_read(body, customer_label="customer", new_dedup_key=lambda: "k")[1]

    assert errors_of([]) == ["Event object must be a JSON object."]
    assert errors_of({}) == ["'event_action' is missing or blank"]
    assert errors_of({"event_action": "explode"}) == [
        "'event_action' must be one of: trigger, acknowledge, resolve"
    ]
    assert errors_of({"event_action": "resolve"}) == ["'dedup_key' is missing or blank"]
    assert errors_of({"event_action": "trigger", "payload": {}}) == [
        "'payload.summary' is missing or blank",
        "'payload.source' is missing or blank",
        "'payload.severity' must be one of: critical, error, warning, info",
    ]
    assert errors_of({"event_action": "trigger"}) == ["'payload' is missing or not an object"]
    assert errors_of({"event_action": "acknowledge", "dedup_key": 7}) == [
        "'dedup_key' must be a string of at most 255 characters"
    ]


@given(
    st.recursive(st.none() | st.text() | st.integers(), lambda c: st.lists(c) | st.dictionaries(st.text(), c))
)
def test_what_is_kept_of_a_payload_is_bounded(value):
    import json

    kept = bounded(value)
    assert isinstance(kept, dict)
    assert len(json.dumps(kept, ensure_ascii=False).encode()) <= PAYLOAD_MAX_BYTES + 200


def test_instants_read_go_times_and_refuse_the_rest():
    assert instant("0001-01-01T00:00:00Z") is None
    assert instant("2026-12-03T09:00:00+01:00") == datetime(2026, 12, 3, 8, tzinfo=UTC)
    for bad in ("2026-12-03T09:00:00", "soon", "", 5):
        try:
            instant(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_severity_maps_and_ranks():
    assert mapped(DEFAULT_SEVERITY_MAP, "critical") == "major"
    assert mapped({"warning": "urgent"}, "warning") == "urgent"
    assert mapped({}, "info") is None
    assert highest(None, "general") == "general"
    assert highest("major", "urgent") == "major"
    assert source_severity(" Critical ") == "critical"


def test_keys_are_random_well_formed_and_hashed():
    one, two = new_key(), new_key()
    assert one != two and well_formed(one) and well_formed(two)
    assert not well_formed("short") and not well_formed(None)
    assert len(key_hash(one)) == 64 and key_hash(one) != key_hash(two)
