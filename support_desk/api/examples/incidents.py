"""Incidents (escalation/incidents): integrations, incidents and the two alert formats."""

INTEGRATION = {
    "id": 2,
    "name": "Prometheus EU",
    "kind": "alertmanager",
    "key_prefix": "q3Zt9xKe",
    "enabled": True,
    "customer_label": "customer",
    "default_customer": None,
    "severity_map": {"critical": "major", "error": "urgent", "warning": "general", "info": None},
    "auto_resolve": False,
    "created_at": "2025-06-11T10:00:00Z",
}
INTEGRATION_WITH_KEY = {**INTEGRATION, "key": "q3Zt9xKe4mV0bq1yLr8uHcW2sPj6dNf5aTg7kEo3iXz"}
INTEGRATION_WRITE = {"name": "Prometheus EU", "kind": "alertmanager", "customer_label": "customer"}
INCIDENT = {
    "id": 17,
    "title": "Edge edge-7 is down",
    "status": "acknowledged",
    "severity": "major",
    "impact": "outage",
    "started_at": "2025-06-11T09:58:00Z",
    "acknowledged_at": "2025-06-11T10:02:00Z",
    "resolved_at": None,
    "impact_ended_at": None,
    "dedup_key": "6c1f3e2a9b0d4f57",
    "integration": {"id": 2, "name": "Prometheus EU"},
    "customers": [{"id": 3, "name": "StreamCo"}],
    "tickets": [],
    "alerts": {"count": 3, "last_received_at": "2025-06-11T10:04:00Z"},
    "commander": "lena",
}
ALERTMANAGER_BODY = {
    "version": "4",
    "groupKey": '{}:{alertname="EdgeDown"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "support-desk",
    "groupLabels": {"alertname": "EdgeDown"},
    "commonLabels": {"alertname": "EdgeDown", "severity": "critical"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager.example:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "EdgeDown", "severity": "critical", "customer": "StreamCo"},
            "annotations": {"summary": "Edge edge-7 is down"},
            "startsAt": "2025-06-11T09:58:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example/graph",
            "fingerprint": "6c1f3e2a9b0d4f57",
        }
    ],
}
ALERTMANAGER_ACCEPTED = {"status": "success", "alerts": 1, "opened": 1, "reopened": 0, "ignored": 0}
EVENT = {
    "routing_key": INTEGRATION_WITH_KEY["key"],
    "event_action": "trigger",
    "dedup_key": "origin-3-5xx",
    "payload": {
        "summary": "Origin 5xx above 5 %",
        "source": "origin-3",
        "severity": "error",
        "custom_details": {"customer": "StreamCo"},
    },
}
EVENT_ACCEPTED = {"status": "success", "message": "Event processed", "dedup_key": "origin-3-5xx"}
EVENT_INVALID = {
    "status": "invalid event",
    "message": "Event object is invalid",
    "errors": ["'payload.severity' must be one of: critical, error, warning, info"],
}
