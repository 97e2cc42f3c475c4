"""Customers."""

CUSTOMER = {
    "id": 3,
    "name": "StreamCo",
    "plan": "premium",
    "timezone": "America/Sao_Paulo",
    "email_domains": ["streamco.example"],
    "monthly_fee": "12000.00",
    "currency": "EUR",
    "created_at": "2025-01-02T12:00:00Z",
    "statement_link": "https://desk.example/statements/Qm9yZWFsaXMtc3RhdGVtZW50LWxpbmstZXhhbXBsZQ/",
}

CUSTOMER_CONTACT = {
    "id": 12,
    "email": "noc@streamco.example",
    "name": "Beatriz Souza",
    "language": "pt-br",
    "timezone": "America/Sao_Paulo",
    "notify_incidents": True,
}

STATEMENT_SUMMARY = {
    "month": "2025-06",
    "made_at": "2025-07-01T00:05:00Z",
    "signed": True,
    "checkpoint_seq": 48211,
    "page": "https://desk.example/statements/Qm9yZWFsaXMtc3RhdGVtZW50LWxpbmstZXhhbXBsZQ/2025-06/",
    "json": "https://desk.example/statements/Qm9yZWFsaXMtc3RhdGVtZW50LWxpbmstZXhhbXBsZQ/2025-06.json",
    "csv": "https://desk.example/statements/Qm9yZWFsaXMtc3RhdGVtZW50LWxpbmstZXhhbXBsZQ/2025-06.csv",
}

STATEMENT = {
    "format": "support-desk-sla-statement/1",
    "customer": {"id": 3, "name": "StreamCo", "plan": "premium"},
    "month": "2025-06",
    "period": {"start": "2025-06-01T00:00:00+00:00", "end": "2025-07-01T00:00:00+00:00"},
    "made_at": "2025-07-01T00:05:00+00:00",
    "rows": [
        {
            "seq": 48102,
            "hash": "5f0c7b6e0a7d4a4c9b1f2e3d4c5b6a798877665544332211ffeeddccbbaa9988",
            "ticket": "SD-1042",
            "metric": "first_response",
            "cycle": 1,
            "kind": "completed",
            "severity": "major",
            "started_at": "2025-06-11T10:00:00+00:00",
            "due_at": "2025-06-11T10:15:00+00:00",
            "achieved_at": "2025-06-11T10:10:00+00:00",
            "target_seconds": 900,
            "elapsed_seconds": 600,
            "met": True,
        }
    ],
    "totals": {
        "first_response": {"met": 1, "breached": 0, "compliance": "100.00"},
        "resolution": {"met": 0, "breached": 0, "compliance": None},
        "all": {"met": 1, "breached": 0, "compliance": "100.00"},
    },
    "credits": {
        "currency": "EUR",
        "monthly_fee": "12000.00",
        "major_first_response_breaches": 0,
        "other_breaches": 0,
        "percent": "0",
        "capped": False,
        "amount": "0.00",
    },
    "availability": {
        "minutes": 43200,
        "downtime_minutes": 0,
        "percent": "100.000",
        "commitment_percent": "99.950",
        "met": True,
        "credit_percent": "0",
        "credit_amount": "0.00",
        "currency": "EUR",
    },
    "checkpoint": {
        "seq": 48211,
        "hash": "a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00",
        "at": "2025-07-01T00:05:00+00:00",
        "signature": "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0",
    },
    "signed": True,
    "signature": "9a8b7c6d5e4f30211203f4e5d6c7b8a99887766554433221100ffeeddccbbaa9",
}
