"""`Authorization: Token <token>`: django-rest-knox tokens, hashed at rest, with an expiry.

A refusal is a 401 whose `detail` says why: a token that could not have been issued (refused without a
query), one of the plain-text tokens this API issued before tokens expired, a revoked (or never issued)
token, an expired one, or the token of a deactivated login.
"""

import re

from django.utils import timezone
from knox import auth
from knox.settings import knox_settings
from rest_framework import exceptions, serializers

from escalation.roster.services.api_tokens import api_token_find
from escalation.roster.services.engineers import DEACTIVATED_MESSAGE

# What knox issues: its (empty) prefix and 64 hex characters.
TOKEN = re.compile(
    re.escape(knox_settings.TOKEN_PREFIX) + f"[0-9a-f]{{{knox_settings.AUTH_TOKEN_CHARACTER_LENGTH}}}"
)
# What rest_framework.authtoken issued until tokens were hashed (those rows were dropped; see
# escalation/migrations/0014_drop_plaintext_api_tokens.py).
OLD_TOKEN = re.compile(r"[0-9a-f]{40}")

INVALID = "Invalid token: it was revoked or never issued. Get a new one from POST /api/v1/auth/token/."
OLD = (
    "This API no longer accepts tokens issued before tokens expired: get a new one from "
    "POST /api/v1/auth/token/."
)


class TokenAuthentication(auth.TokenAuthentication):
    """Knox's scheme (same header, `Token`), in one query, saying why a token is refused.

    Unlike knox's own, it writes nothing: an expired token stays refused as expired until its owner's
    next login sweeps it (knox deletes it on first use, so a second use would only say "invalid").
    """

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID, code="token_invalid") from None
        if not TOKEN.fullmatch(key):
            if OLD_TOKEN.fullmatch(key):
                raise exceptions.AuthenticationFailed(OLD, code="token_invalid")
            raise exceptions.AuthenticationFailed(INVALID, code="token_invalid")
        row = api_token_find(token=key)
        if row is None:
            raise exceptions.AuthenticationFailed(INVALID, code="token_invalid")
        if row.expiry is not None and row.expiry <= timezone.now():
            at = serializers.DateTimeField().to_representation(row.expiry)
            raise exceptions.AuthenticationFailed(
                f"Token expired at {at}: get a new one from POST /api/v1/auth/token/.", code="token_expired"
            )
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(DEACTIVATED_MESSAGE, code="user_inactive")
        return row.user, row
