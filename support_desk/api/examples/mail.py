"""Examples of the quarantined-email endpoints."""

QUARANTINED_MAIL = {
    "id": 7,
    "status": "quarantined",
    "reason": "larger than MAIL_MAX_BYTES (26214400 bytes)",
    "sender": "noc@stream.example",
    "subject": "Full encoder logs",
    "message_id": "9e8d7c6b-5a4f@stream.example",
    "size": 31457280,
    "received_at": "2025-06-11T10:04:00Z",
    "released_at": None,
    "ticket": None,
}

RELEASED_MAIL = QUARANTINED_MAIL | {
    "status": "released",
    "reason": "released: new ticket",
    "released_at": "2025-06-11T10:30:00Z",
    "ticket": "SD-1042",
}

QUARANTINE_PAGE = {"count": 1, "next": None, "previous": None, "results": [QUARANTINED_MAIL]}
