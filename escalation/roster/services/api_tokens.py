"""API tokens: issued by a login, hashed at rest, expiring, revocable one at a time or all of a user's.

The tokens are django-rest-knox's `AuthToken` rows: the database holds a SHA-512 digest of each token
(the primary key) and its first 15 characters (`token_key`, to find the row; the other 49 hex characters,
196 bits, are never stored), the user, when it was issued and when it expires. The token itself is shown
once, in the login's answer. Revoking deletes the row: a revoked token and one never issued look alike.
"""

from datetime import datetime, timedelta
from hmac import compare_digest

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from knox.crypto import hash_token
from knox.models import AuthToken, get_digest_token
from knox.settings import CONSTANTS

from escalation.roster.services.engineers import MANAGERS_GROUP


def api_token_lifetime() -> timedelta:
    return timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


@transaction.atomic
def api_token_issue(*, user, now: datetime) -> tuple[AuthToken, str]:
    """A new token for `user`, expiring `API_TOKEN_LIFETIME_DAYS` after `now`: (its row, the token).

    The user's tokens that have already expired are deleted on the way (nothing else sweeps them).
    """
    AuthToken.objects.filter(user=user, expiry__lte=now).delete()
    digest, token = get_digest_token()
    key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
    row = AuthToken(digest=digest, token_key=key, user=user, expiry=now + api_token_lifetime())
    row.save(force_insert=True)
    return row, token


def api_token_find(*, token: str) -> AuthToken | None:
    """The row of `token` with its user (one query), or None when it was never issued or was revoked."""
    digest = hash_token(token)
    rows = AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user")
    return next((row for row in rows if compare_digest(row.digest, digest)), None)


def api_token_revoke(*, token: AuthToken) -> int:
    """Revoke one token; the number of tokens revoked (0 when it was already gone)."""
    return AuthToken.objects.filter(digest=token.digest).delete()[0]


def api_tokens_revoke_all(*, user) -> int:
    """Revoke every token of `user`; how many there were."""
    return AuthToken.objects.filter(user=user).delete()[0]


def api_tokens_visible_to(queryset, *, user):
    """The tokens `user` may see and revoke in the admin: a superuser all of them; a manager their own and
    those of logins that are neither superusers nor managers (only superusers cut off a privileged login,
    as only they turn one off)."""
    if user.is_superuser:
        return queryset
    privileged = Q(user__is_superuser=True) | Q(user__groups__name=MANAGERS_GROUP)
    return queryset.filter(Q(user=user) | ~privileged)
