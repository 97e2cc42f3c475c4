"""Tokens for integrations: `POST username, password` -> `{"token": ...}`; send `Authorization: Token ...`."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from escalation.roster.services.engineers import DEACTIVATED_MESSAGE, login_deactivated
from support_desk.lockout import lockout_message

from .. import examples as ex
from ..parsers import JSONParser
from ..schema import errors
from ..throttling import TokenLoginThrottle


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class TokenLoginSerializer(AuthTokenSerializer):
    """Credentials; those of a deactivated login are refused saying so, and any login while its username
    or address is locked out (the same lockout as the login pages') is refused with 429 saying that."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except serializers.ValidationError:
            if getattr(self.context.get("request"), "axes_locked_out", False):
                raise LockedOut(lockout_message()) from None
            if login_deactivated(username=attrs.get("username", ""), password=attrs.get("password", "")):
                raise serializers.ValidationError(DEACTIVATED_MESSAGE, code="authorization") from None
            raise


class TokenView(ObtainAuthToken):
    serializer_class = TokenLoginSerializer
    parser_classes = [JSONParser]
    throttle_classes = [TokenLoginThrottle]
    authentication_classes = []

    @extend_schema(
        summary="Get an API token",
        description="The same token every time for a user, until it is revoked in the admin or the engineer "
        "is deactivated (which revokes every token of theirs and refuses new ones). Throttled per client "
        "address. Failed logins count towards the login lockout shared with the login pages: after "
        "LOGIN_FAILURE_LIMIT failures for a username or from an address, every login for it is refused "
        "with 429 for LOGIN_LOCKOUT_MINUTES, the right password included.",
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(style={"input_type": "password"}),
            },
        ),
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            **errors(400, 413, 415, 429),
        },
        auth=[],
        examples=[
            ex.example(
                "Credentials", {"username": "lena", "password": "a-long-passphrase-2026"}, request=True
            ),
            ex.example("A token", {"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}, status=200),
            ex.example(
                "Wrong credentials",
                {"non_field_errors": ["Unable to log in with provided credentials."]},
                status=400,
            ),
            ex.example(
                "A deactivated engineer",
                {"non_field_errors": [DEACTIVATED_MESSAGE]},
                status=400,
            ),
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
