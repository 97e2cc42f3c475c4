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
}

CUSTOMER_CONTACT = {
    "id": 12,
    "email": "noc@streamco.example",
    "name": "Beatriz Souza",
    "language": "pt-br",
    "timezone": "America/Sao_Paulo",
    "notify_incidents": True,
}
