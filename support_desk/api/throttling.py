"""Throttles for the endpoints anyone may call: per client address, 429 with Retry-After when exceeded.

Rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`; the client address honours
`REST_FRAMEWORK["NUM_PROXIES"]` (0: the socket's peer; behind N trusted proxies: the address the
outermost of them saw). Counts live in the default cache, shared by the web processes when it is.
"""

import hashlib

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from escalation.roster.services.engineers import is_engineer


class ClientAddressThrottle(SimpleRateThrottle):
    """Counts requests per client address; engineers (staff) are not throttled."""

    def get_cache_key(self, request, view):
        if is_engineer(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TicketIntakeThrottle(ClientAddressThrottle):
    scope = "ticket_intake"


class RequesterIntakeThrottle(SimpleRateThrottle):
    """New tickets per requester address, from any client: the public form's limit
    (PUBLIC_FORM_TICKETS_PER_REQUESTER_PER_HOUR), so the API is no way around it. Engineers are not
    throttled; a body without an address is left to validation (a 400)."""

    scope = "ticket_intake_requester"

    def get_rate(self):
        return f"{settings.PUBLIC_FORM_TICKETS_PER_REQUESTER_PER_HOUR}/hour"

    def get_cache_key(self, request, view):
        if is_engineer(request.user):
            return None
        requester = request.data.get("requester") if isinstance(request.data, dict) else None
        email = requester.get("email") if isinstance(requester, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


class PublicReplyThrottle(ClientAddressThrottle):
    scope = "public_reply"


class PublicRatingThrottle(ClientAddressThrottle):
    scope = "public_rating"


class TokenLoginThrottle(ClientAddressThrottle):
    """Slows password guessing at the token endpoint."""

    scope = "token_login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def alert_key_from(request) -> str | None:
    """An alert endpoint's credential: `Authorization: Bearer <key>` (Alertmanager), else the body's
    `routing_key` (Events API v2)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    data = request.data
    key = data.get("routing_key") if isinstance(data, dict) else None
    return key if isinstance(key, str) and key else None


class AlertKeyThrottle(SimpleRateThrottle):
    """Counts per integration key (a hash of it: the cache never holds a key); 429 with Retry-After.

    A request without a key is counted per client address."""

    scope = "alert_intake"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        key = alert_key_from(request)
        ident = hashlib.sha256(key.encode()).hexdigest()[:32] if key else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
