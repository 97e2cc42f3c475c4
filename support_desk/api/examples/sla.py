"""The SLA: targets, the deadline calculator and the ledger."""

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
