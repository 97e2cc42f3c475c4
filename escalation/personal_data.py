"""Where this app keeps personal data: read by `privacy.registry`; see `tickets/personal_data.py` for the
words. The SLA ledger holds none (ids, times, durations and hashes), and must stay so."""

PERSONAL_DATA = {
    "escalation.Engineer": {
        "phone": {"reach": "identity", "about": "an engineer's phone, for pages; emptied when they left"},
    },
    "escalation.Notification": {
        "recipient": {"reach": "address", "about": "an engineer's phone or address"},
        "body": {"reach": "mentions", "ticket": "ticket", "about": "the page's words: quotes the subject"},
        "last_error": {"reach": "mentions", "ticket": "ticket", "about": "the provider's refusal"},
    },
    "escalation.Page": {
        "recipient": {"reach": "address", "about": "an engineer's phone"},
        "body": {
            "reach": "mentions",
            "ticket": "notifications__ticket",
            "about": "a storm's page: the subjects of the tickets it lists",
        },
        "last_error": {
            "reach": "mentions",
            "ticket": "notifications__ticket",
            "about": "the provider's refusal",
        },
    },
    "escalation.TwilioWebhookReceipt": {
        "response": {"reach": "mentions", "about": "the TwiML answered (an acknowledgement's words)"},
    },
    "escalation.Incident": {
        "title": {"reach": "mentions", "about": "from monitoring; may name a person"},
    },
    "escalation.Alert": {
        "summary": {"reach": "mentions", "about": "from monitoring"},
        "payload": {"reach": "mentions", "about": "what monitoring sent, bounded"},
    },
    "escalation.IncidentUpdate": {
        "body": {"reach": "mentions", "about": "an engineer's public update"},
    },
    "escalation.IncidentEvent": {
        "data": {"reach": "mentions", "about": "the incident's timeline facts"},
    },
    "escalation.LedgerEntry": {
        "void_reason": {
            "reach": "mentions",
            "about": "why a cycle was voided (e.g. spam); an engineer's "
            "words. Never rewritten (the hash covers it): erasure only reports a mention",
        },
    },
}

NOT_PERSONAL = {
    "escalation.Integration": {
        "name": "a monitoring system's name",
        "key_hash": "a hash of a key",
        "key_prefix": "a key's first characters",
        "customer_label": "a label name",
        "severity_map": "label values to severities",
    },
    "escalation.Incident": {"dedup_key": "a monitoring key"},
    "escalation.Alert": {"source_severity": "a monitoring severity word"},
    "escalation.BusinessCalendar": {
        "name": "a calendar's name",
        "workdays": "weekday numbers",
        "holiday_country": "a country code",
    },
    "escalation.Holiday": {"name": "a public holiday"},
    "escalation.LedgerEntry": {"prev_hash": "a hash", "hash": "a hash"},
    "escalation.LedgerHead": {"hash": "a hash"},
    "escalation.PolicyStep": {"notify": "targets and channels"},
    "escalation.Escalation": {"acknowledged_via": "a channel word"},
    "escalation.Notification": {"provider_id": "Twilio's id"},
    "escalation.Page": {"provider_id": "Twilio's id"},
    "escalation.TwilioWebhookReceipt": {"sid": "Twilio's id", "detail": "a status or page id"},
    "escalation.Heartbeat": {"name": "a task's name"},
    "escalation.Engineer": {"workdays": "weekday numbers"},
    "escalation.Statement": {
        "checkpoint_hash": "a hash",
        "signature": "an HMAC",
        "body": "a customer's monthly figures and ledger rows (no person)",
    },
}
