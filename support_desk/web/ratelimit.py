"""Fixed-window rate limits kept in Django's cache (the default cache; shared when it is Redis).

Limits are keyed by what a spammer cannot multiply for free on one ticket: the requester's email
address for new tickets, the ticket for replies. Not by client IP: behind a proxy every customer
would share one address, and an outage is exactly when many of them file at once.
"""

import hashlib
from datetime import datetime

from django.core.cache import cache

TICKETS_PER_ADDRESS_PER_HOUR = 5
REPLIES_PER_TICKET_PER_HOUR = 30
WINDOW_SECONDS = 3600


def _cache_key(scope: str, identity: str, window: int) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"web:ratelimit:{scope}:{digest}:{window}"


def rate_limit_hit(*, scope: str, identity: str, limit: int, now: datetime) -> bool:
    """Count one attempt; False when `limit` attempts were already counted in this window."""
    window = int(now.timestamp()) // WINDOW_SECONDS
    key = _cache_key(scope, identity, window)
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return limit >= 1  # the first attempt in this window: one round trip (most filings in an outage)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: this attempt starts the count again
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= limit
