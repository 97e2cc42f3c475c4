"""Examples for the OpenAPI schema: what integrators see in /api/docs/ next to each endpoint."""

from drf_spectacular.utils import OpenApiExample

SLA = {
    "first_response": {
        "target": "01:00:00",
        "due_at": "2025-06-11T11:00:00Z",
        "achieved_at": "2025-06-11T10:20:00Z",
        "breached": False,
        "paused": False,
    },
    "resolution": {
        "target": "08:00:00",
        "due_at": "2025-06-11T18:00:00Z",
        "achieved_at": None,
        "breached": False,
        "paused": False,
    },
}

TICKET = {
    "reference": "SD-1042",
    "subject": "Origin returns 502 for HLS manifests",
    "description": "Since 09:40 UTC our players get 502 for every .m3u8 in eu-west.",
    "severity": "urgent",
    "status": "open",
    "plan": "premium",
    "customer": {"id": 3, "name": "StreamCo", "plan": "premium"},
    "requester": {"email": "noc@streamco.example", "name": "Ana Lima"},
    "assignee": "lena",
    "assignment_pinned_until": "2025-06-11T16:00:00Z",
    "follow_up_of": None,
    "created_at": "2025-06-11T10:00:00Z",
    "updated_at": "2025-06-11T10:20:00Z",
    "first_response_due_at": "2025-06-11T11:00:00Z",
    "first_responded_at": "2025-06-11T10:20:00Z",
    "resolution_due_at": "2025-06-11T18:00:00Z",
    "resolved_at": None,
    "closed_at": None,
    "next_due_at": "2025-06-11T18:00:00Z",
    "escalation_level": 0,
    "breached": False,
    "sla": SLA,
}

TICKET_DETAIL = {
    **TICKET,
    "messages": [
        {
            "id": 77,
            "author": None,
            "body": TICKET["description"],
            "internal": False,
            "created_at": "2025-06-11T10:00:00Z",
            "attachments": [],
        },
        {
            "id": 78,
            "author": "lena",
            "body": "Looking at the eu-west origin now.",
            "internal": False,
            "created_at": "2025-06-11T10:20:00Z",
            "attachments": [],
        },
    ],
    "events": [
        {"type": "created", "at": "2025-06-11T10:00:00Z", "actor": None, "data": {"severity": "urgent"}},
        {
            "type": "assigned",
            "at": "2025-06-11T10:00:01Z",
            "actor": None,
            "data": {"from": None, "to": "lena"},
        },
        {
            "type": "replied",
            "at": "2025-06-11T10:20:00Z",
            "actor": "lena",
            "data": {"message": 78, "first_response": True},
        },
    ],
    "notifications": [
        {
            "channel": "sms",
            "recipient": "+4930123456",
            "status": "delivered",
            "purpose": "warning",
            "created_at": "2025-06-11T10:48:00Z",
        }
    ],
}

FILED_TICKET_DETAIL = {
    **TICKET_DETAIL,
    "status": "new",
    "assignee": None,
    "updated_at": "2025-06-11T10:00:00Z",
    "first_responded_at": None,
    "sla": {
        "first_response": {**SLA["first_response"], "achieved_at": None},
        "resolution": SLA["resolution"],
    },
    "messages": TICKET_DETAIL["messages"][:1],
    "events": TICKET_DETAIL["events"][:1],
    "notifications": [],
}

PUBLIC_TICKET = {
    "reference": "SD-1042",
    "access_token": "Zq3c1n0Hk9sV2m8yW4rT6uP0aB5dE7fG1hJ3kL9xQ2w",
    "subject": TICKET["subject"],
    "description": TICKET["description"],
    "severity": "urgent",
    "status": "open",
    "requester": TICKET["requester"],
    "follow_up_of": None,
    "created_at": "2025-06-11T10:00:00Z",
    "first_response_due_at": "2025-06-11T11:00:00Z",
    "first_responded_at": "2025-06-11T10:20:00Z",
    "resolution_due_at": "2025-06-11T18:00:00Z",
    "resolved_at": None,
    "closed_at": None,
    "messages": [
        {
            "author": None,
            "from_requester": True,
            "body": TICKET["description"],
            "created_at": "2025-06-11T10:00:00Z",
            "attachments": [],
        },
        {
            "author": "Lena",
            "from_requester": False,
            "body": "Looking at the eu-west origin now.",
            "created_at": "2025-06-11T10:20:00Z",
            "attachments": [],
        },
    ],
    "events": [
        {"type": "created", "at": "2025-06-11T10:00:00Z", "data": {}},
        {"type": "status_changed", "at": "2025-06-11T10:00:01Z", "data": {"from": "new", "to": "open"}},
    ],
}

CUSTOMER = {
    "id": 3,
    "name": "StreamCo",
    "plan": "premium",
    "timezone": "America/Sao_Paulo",
    "email_domains": ["streamco.example"],
    "monthly_fee": "12000.00",
    "currency": "EUR",
    "created_at": "2025-01-02T12:00:00Z",
}

CUSTOMER_CONTACT = {
    "id": 12,
    "email": "noc@streamco.example",
    "name": "Beatriz Souza",
    "language": "pt-br",
    "timezone": "America/Sao_Paulo",
    "notify_incidents": True,
}

ENGINEER = {
    "username": "aiko",
    "name": "Aiko Tanaka",
    "email": "aiko@support.example",
    "timezone": "Asia/Tokyo",
    "shift_start": "09:00",
    "shift_end": "18:00",
    "workdays": [0, 1, 2, 3, 4],
    "phone": "+81312345678",
    "region": "apac",
    "lead": True,
    "on_call": False,
    "capacity": 10,
    "active": True,
    "on_shift": True,
    "shift_ends_at": "2025-06-11T18:00:00+09:00",
    "next_shift_starts_at": "2025-06-12T09:00:00+09:00",
}
# What a request to add an engineer leaves out of `ENGINEER`.
ENGINEER_READ_ONLY = ("active", "on_shift", "shift_ends_at", "next_shift_starts_at")

SLA_TARGET = {
    "id": 4,
    "plan": "premium",
    "severity": "general",
    "first_response": "01:00:00",
    "resolution": "08:00:00",
    "calendar": {"id": 1, "name": "24x7", "kind": "24x7"},
}

DEADLINE = {
    "plan": "standard",
    "severity": "general",
    "start": "2025-06-13T15:00:00Z",
    "timezone": "Europe/Berlin",
    "calendar": {"id": 2, "name": "Business hours (Mon-Fri 09:00-18:00)", "kind": "business"},
    "first_response_target": "04:00:00",
    "resolution_target": "1 00:00:00",
    "first_response_due_at": "2025-06-16T10:00:00Z",
    "resolution_due_at": "2025-06-18T12:00:00Z",
    "explanation": {
        "first_response": [
            "Started Friday 2025-06-13 17:00 CEST (Europe/Berlin), inside business hours 09:00-18:00.",
            "Used 1h of Friday's window (until 18:00 CEST).",
            "Skipped Saturday and Sunday (no business hours).",
            "Used 3h of Monday's window (09:00-12:00 CEST).",
            "Due Monday 2025-06-16 12:00 CEST.",
        ],
        "resolution": [
            "Started Friday 2025-06-13 17:00 CEST (Europe/Berlin), inside business hours 09:00-18:00.",
            "Used 1h of Friday's window (until 18:00 CEST).",
            "Skipped Saturday and Sunday (no business hours).",
            "Used 9h of Monday's window (09:00-18:00 CEST).",
            "Used 9h of Tuesday's window (09:00-18:00 CEST).",
            "Used 5h of Wednesday's window (09:00-14:00 CEST).",
            "Due Wednesday 2025-06-18 14:00 CEST.",
        ],
    },
}

LEDGER_ENTRY = {
    "seq": 118,
    "kind": "completed",
    "ticket": "SD-1042",
    "metric": "first_response",
    "cycle": 1,
    "severity": "urgent",
    "plan": "premium",
    "customer": {"id": 3, "name": "StreamCo"},
    "engineer": "lena",
    "target": "00:30:00",
    "started_at": "2025-06-11T10:00:00Z",
    "due_at": "2025-06-11T10:30:00Z",
    "achieved_at": "2025-06-11T10:20:00Z",
    "elapsed": "00:20:00",
    "paused": "00:00:00",
    "met": True,
    "breached": False,
    "overshoot": "00:00:00",
    "escalation_level": 0,
    "recorded_at": "2025-06-11T10:20:00Z",
    "prev_hash": "4f1c0b8e9d2a7c6b5e4f3a2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a19080",
    "hash": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
}

REPORT_ROW = {
    "key": "urgent",
    "label": "urgent",
    "tickets": 41,
    "met": 70,
    "breached": 6,
    "compliance": 92.11,
    "first_response": {"p50": "00:12:30", "p90": "00:27:10"},
    "resolution": {"p50": "03:05:00", "p90": "07:40:00"},
    "first_response_wall": {"p50": "00:12:30", "p90": "00:27:10"},
    "resolution_wall": {"p50": "05:10:00", "p90": "1 02:00:00"},
    "paused": "14:20:00",
    "escalations": 9,
    "pages_acknowledged": 8,
    "time_to_acknowledge": {"p50": "00:02:10", "p90": "00:06:40"},
}

REPORT = {
    "from": "2025-05-12T00:00:00Z",
    "to": "2025-06-11T00:00:00Z",
    "timezone": "Europe/Berlin",
    "group_by": "severity",
    "filters": {"severity": None, "plan": "premium", "customer": None, "engineer": None, "region": None},
    "groups": [REPORT_ROW],
    "total": {**REPORT_ROW, "key": None, "label": None},
}

BREACH = {
    "ticket": "SD-1042",
    "url": "https://desk.example.com/tickets/SD-1042/",
    "subject": "Origin returns 502 for HLS manifests",
    "customer": {"id": 3, "name": "StreamCo"},
    "severity": "urgent",
    "plan": "premium",
    "metric": "first_response",
    "cycle": 1,
    "engineer": "lena",
    "started_at": "2025-06-11T10:00:00Z",
    "promised_at": "2025-06-11T10:30:00Z",
    "achieved_at": "2025-06-11T10:42:00Z",
    "open": False,
    "overshoot": "00:12:00",
    "late_by": "00:12:00",
    "highest_step": 1,
}

TRENDS = {
    "from": "2025-06-09T00:00:00+02:00",
    "to": "2025-06-11T00:00:00+02:00",
    "timezone": "Europe/Berlin",
    "interval": "day",
    "points": [
        {"start": "2025-06-09", "met": 40, "breached": 2, "compliance": 95.24},
        {"start": "2025-06-10", "met": 0, "breached": 0, "compliance": None},
    ],
    "heatmap": [{"weekday": 1, "hour": 9, "breaches": 2}, {"weekday": 1, "hour": 10, "breaches": 0}],
}

CREDITS = {
    "month": "2025-06",
    "final": True,
    "from": "2025-06-01T00:00:00Z",
    "to": "2025-07-01T00:00:00Z",
    "terms": {
        "premium": {
            "major_first_response_percent": "5.00",
            "other_breach_percent": "2.00",
            "cap_percent": "30.00",
        }
    },
    "results": [
        {
            "customer": {"id": 3, "name": "StreamCo", "plan": "premium"},
            "monthly_fee": "12000.00",
            "currency": "EUR",
            "major_first_response_breaches": 2,
            "other_breaches": 3,
            "percent": "16.00",
            "capped": False,
            "credit": "1920.00",
            "terms": {
                "major_first_response_percent": "5.00",
                "other_breach_percent": "2.00",
                "cap_percent": "30.00",
            },
        }
    ],
}

_HOUR = {
    "day": "2025-06-16",
    "hour": 2,
    "start": "2025-06-16T00:00:00Z",
    "end": "2025-06-16T01:00:00Z",
    "state": "gap",
    "fewest_on_shift": 0,
    "most_on_shift": 0,
    "on_shift": [],
    "gap_minutes": 60.0,
}
_GAP = {
    "start": "2025-06-16T00:00:00Z",
    "end": "2025-06-16T04:00:00Z",
    "minutes": 240.0,
    "text": "Mon 16 Jun 02:00-06:00 CEST",
}
COVERAGE = {
    "local": {
        "from": "2025-06-15T22:00:00Z",
        "to": "2025-06-22T22:00:00Z",
        "timezone": "Europe/Berlin",
        "week_start": "2025-06-16",
        "on_call": [],
        "gaps": [_GAP],
        "hours": [_HOUR],
    },
    "utc": {
        "from": "2025-06-16T00:00:00Z",
        "to": "2025-06-23T00:00:00Z",
        "timezone": "UTC",
        "week_start": "2025-06-16",
        "on_call": [],
        "gaps": [{**_GAP, "text": "Mon 16 Jun 00:00-04:00 UTC"}],
        "hours": [{**_HOUR, "hour": 0}],
    },
}

INTEGRITY = {
    "verified": True,
    "rows": 118,
    "faults": [],
    "checked_at": "2025-06-11T10:20:00Z",
    "seconds": 0.042,
    "walking": False,
}


AVAILABILITY = {
    "month": "2025-06",
    "final": True,
    "from": "2025-06-01T00:00:00Z",
    "to": "2025-07-01T00:00:00Z",
    "terms": {
        "premium": {
            "commitment": "99.950",
            "credit_percent": "10.00",
            "tiers": [
                {"below_percent": "99.000", "credit_percent": "25.00"},
                {"below_percent": "95.000", "credit_percent": "100.00"},
            ],
        }
    },
    "results": [
        {
            "customer": {"id": 3, "name": "StreamCo", "plan": "premium"},
            "minutes": 43200,
            "downtime_minutes": 44,
            "availability": "99.898",
            "commitment": "99.950",
            "met": False,
            "credit_percent": "10.00",
            "credit_amount": "1200.00",
            "monthly_fee": "12000.00",
            "currency": "EUR",
            "incidents": [41, 44],
        }
    ],
}


def example(name: str, value, *, request: bool = False, status: int | None = None) -> OpenApiExample:
    return OpenApiExample(
        name,
        value=value,
        request_only=request,
        response_only=not request,
        status_codes=[str(status)] if status else None,
    )


# --- incidents (escalation/incidents) -------------------------------------------------------------

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
