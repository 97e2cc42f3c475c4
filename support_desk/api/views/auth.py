"""API tokens for integrations: log in for one, log out one or all of your own.

`POST username, password` -> `{"token": ..., "expires_at": ...}`; send `Authorization: Token ...`.
"""

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from escalation.roster.services.api_tokens import api_token_issue, api_token_revoke, api_tokens_revoke_all
from escalation.roster.services.engineers import DEACTIVATED_MESSAGE, login_deactivated
from support_desk.lockout import lockout_message

from .. import examples as ex
from ..authentication import TokenAuthentication
from ..parsers import JSONParser
from ..schema import errors
from ..throttling import TokenLoginThrottle
from .base import ApiView

WRONG_CREDENTIALS = "Unable to log in with provided credentials."


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class TokenLoginSerializer(serializers.Serializer):
    """Credentials; those of a deactivated login are refused saying so, and any login while its username
    or address is locked out (the same lockout as the login pages', django-axes) is refused with 429
    saying that."""

    username = serializers.CharField(write_only=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        username, password = attrs["username"], attrs["password"]
        request = self.context.get("request")
        user = authenticate(request=request, username=username, password=password)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(lockout_message())
            if login_deactivated(username=username, password=password):
                raise serializers.ValidationError(DEACTIVATED_MESSAGE, code="authorization")
            raise serializers.ValidationError(WRONG_CREDENTIALS, code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send it as `Authorization: Token <token>`. Shown this once only."
    )
    expires_at = serializers.DateTimeField(
        help_text="After this instant the token is refused (401): log in again for a new one."
    )


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many tokens were revoked.")


class TokenView(ApiView):
    parser_classes = [JSONParser]
    throttle_classes = [TokenLoginThrottle]
    authentication_classes = []
    permission_classes = []

    @extend_schema(
        summary="Get an API token",
        description="A new token at every login, valid for `API_TOKEN_LIFETIME_DAYS` (30 days unless the "
        "deployment says otherwise) until `expires_at`; only a hash of it is stored, so it is shown once. "
        "Revoke it with `POST /api/v1/auth/logout/`, or all of yours with `POST /api/v1/auth/logout-all/`; "
        "managers revoke other engineers' tokens in the admin. Deactivating an engineer revokes every "
        "token of theirs and refuses new ones. Throttled per client address. Failed logins count towards "
        "the login lockout shared with the login pages: after LOGIN_FAILURE_LIMIT failures for a username "
        "or from an address, every login for it is refused with 429 for LOGIN_LOCKOUT_MINUTES, the right "
        "password included.",
        request=TokenLoginSerializer,
        responses={200: TokenSerializer, **errors(400, 413, 415, 429)},
        auth=[],
        examples=[
            ex.example(
                "Credentials", {"username": "lena", "password": "a-long-passphrase-2026"}, request=True
            ),
            ex.example(
                "A token",
                {
                    "token": "0f6c1b8a3e2d4c5b9a7f8e6d5c4b3a2910f0e1d2c3b4a5968778695a4b3c2d1e",
                    "expires_at": "2026-07-11T09:30:00Z",
                },
                status=200,
            ),
            ex.example("Wrong credentials", {"non_field_errors": [WRONG_CREDENTIALS]}, status=400),
            ex.example("A deactivated engineer", {"non_field_errors": [DEACTIVATED_MESSAGE]}, status=400),
        ],
    )
    def post(self, request, *args, **kwargs):
        user = self.body(TokenLoginSerializer)["user"]
        row, token = api_token_issue(user=user, now=timezone.now())
        return Response(TokenSerializer({"token": token, "expires_at": row.expiry}).data)


class LogoutView(ApiView):
    """Token-authenticated only: there is no token to revoke in a browser session."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke this token",
        description="The token that authenticates this request stops working at once (401 afterwards). "
        "Any login with a token may revoke it.",
        request=None,
        responses={200: RevokedSerializer, **errors(400, 401, 403)},
        examples=[ex.example("Revoked", {"revoked": 1}, status=200)],
    )
    def post(self, request, *args, **kwargs):
        return Response({"revoked": api_token_revoke(token=request.auth)})


class LogoutAllView(ApiView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke every token of mine",
        description="Every token of the caller's login stops working at once, this one included; other "
        "integrations using this login must log in again.",
        request=None,
        responses={200: RevokedSerializer, **errors(400, 401, 403)},
        examples=[ex.example("Revoked", {"revoked": 3}, status=200)],
    )
    def post(self, request, *args, **kwargs):
        return Response({"revoked": api_tokens_revoke_all(user=request.user)})
