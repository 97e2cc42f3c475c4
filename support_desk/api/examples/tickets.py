"""Tickets: the engineers' list and detail (with the SLA block) and the requester's private view."""

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
    "requester": {"email": "noc@streamco.example", "name": "Ana Lima", "language": "pt-br"},
    "requester_timezone": "America/Sao_Paulo",
    "language": "pt-br",
    "requester_trusted": True,
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

REQUESTER_CONFIRMED = {
    "email": "ops@streamco.example",
    "confirmed_at": "2025-06-11T10:05:00Z",
    "confirmed_by": "lena",
    "upgraded": ["SD-1043"],
}

RATING = {
    "ticket": "SD-1042",
    "cycle": 1,
    "score": "good",
    "comment": "Fixed within the hour, thank you.",
    "created_at": "2025-06-11T15:00:00Z",
    "updated_at": "2025-06-11T15:00:00Z",
}
