"""Tokens for integrations: `POST username, password` -> `{"token": ...}`; send `Authorization: Token ...`."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

from .. import examples as ex
from ..parsers import JSONParser
from ..schema import errors
from ..throttling import TokenLoginThrottle


class TokenView(ObtainAuthToken):
    parser_classes = [JSONParser]
    throttle_classes = [TokenLoginThrottle]
    authentication_classes = []

    @extend_schema(
        summary="Get an API token",
        description="The same token every time for a user, until it is revoked in the admin. Throttled per "
        "client address.",
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
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
