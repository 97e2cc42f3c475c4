"""Examples of the personal-data endpoints (erasure, export)."""

ERASE_REQUEST = {
    "email": "ana.souza@viewer.example",
    "reason": "The requester asked to be forgotten (GDPR art. 17).",
}
ENGINEER_ERASE_REQUEST = {"reason": "Left the company on 2025-05-31; contract ended."}

ERASURE = {
    "id": 12,
    "kind": "requester",
    "pseudonym": "erased-3f9a1c0b7d2e@erased.invalid",
    "reason": "The requester asked to be forgotten (GDPR art. 17).",
    "erased_by": "maria",
    "at": "2025-06-11T10:00:00Z",
    "counts": {
        "attachments deleted": 2,
        "messages erased": 3,
        "rating comments erased": 1,
        "requesters pseudonymized": 1,
        "tickets emptied": 2,
        "tickets.RequesterNotification.recipient replaced": 4,
    },
    "already_erased": False,
}
