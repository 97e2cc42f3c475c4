"""Reports: SLA compliance, breaches, trends, credits, coverage, the ledger's integrity and availability."""

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

SATISFACTION_ROW = {"key": "lena", "label": "Lena Fischer", "good": 17, "bad": 3, "rated": 20, "rate": 85.0}

SATISFACTION = {
    "period": {"start": "2025-05-31T22:00:00Z", "end": "2025-06-30T22:00:00Z", "timezone": "Europe/Berlin"},
    "total": {"key": None, "label": "All", "good": 40, "bad": 8, "rated": 48, "rate": 83.3},
    "engineer": [SATISFACTION_ROW],
    "customer": [{"key": 3, "label": "StreamCo", "good": 9, "bad": 1, "rated": 10, "rate": 90.0}],
    "severity": [{"key": "major", "label": "Major", "good": 5, "bad": 2, "rated": 7, "rate": 71.4}],
    "week": [{"key": "2025-06-02", "label": "2025-W23", "good": 11, "bad": 2, "rated": 13, "rate": 84.6}],
    "comments_total": 12,
    "comments": [
        {
            "ticket": "SD-1042",
            "score": "bad",
            "comment": "The stream failed again the next morning.",
            "resolved_at": "2025-06-11T14:05:00Z",
            "engineer": "lena",
            "customer": "StreamCo",
            "severity": "major",
        }
    ],
}
