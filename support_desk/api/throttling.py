"""Throttles for the endpoints anyone may call: per client address, 429 with Retry-After when exceeded.

Rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`; the client address honours
`REST_FRAMEWORK["NUM_PROXIES"]` (0: the socket's peer; behind N trusted proxies: the address the
outermost of them saw). Counts live in the default cache, shared by the web processes when it is.
"""

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


class PublicReplyThrottle(ClientAddressThrottle):
    scope = "public_reply"


class TokenLoginThrottle(ClientAddressThrottle):
    """Slows password guessing at the token endpoint."""

    scope = "token_login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
