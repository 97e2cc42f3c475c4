"""Fixed-window rate limits kept in Django's cache (the default cache; shared when it is Redis).

New tickets on the public form are limited per requester address (PUBLIC_FORM_TICKETS_PER_REQUESTER_PER
_HOUR, 5) and per client address (PUBLIC_FORM_TICKETS_PER_CLIENT_PER_HOUR, 60, the address as the API
throttles and the login lockout read it, behind API_NUM_PROXIES proxies): the first stops one person
flooding, the second one client filing for many addresses (each would be emailed). The client limit is
high because an outage is exactly when a customer's whole team files at once from one office network;
replies and ratings are limited per ticket.
"""

import hashlib
from datetime import datetime

from django.core.cache import cache

REPLIES_PER_TICKET_PER_HOUR = 30
RATINGS_PER_TICKET_PER_HOUR = 10  # a change of mind or two, not a script
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
