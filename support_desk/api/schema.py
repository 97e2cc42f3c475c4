"""OpenAPI pieces shared by the endpoints: the error bodies and the responses that carry them."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from .serializers.reports import IntervalSerializer


class TokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>` (support_desk/api/authentication.py), as integrators send it."""

    target_class = "support_desk.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, the token from `POST /api/v1/auth/token/`. It expires at the "
            "`expires_at` that login returned (`API_TOKEN_LIFETIME_DAYS`, 30 days by default) and can be "
            "revoked (`POST /api/v1/auth/logout/`, `POST /api/v1/auth/logout-all/`, or a manager in the "
            "admin); an expired, revoked or unknown token, or one of a deactivated login, is a 401 whose "
            "`detail` says which. Only a hash of each token is stored.",
        }


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


FIELD_ERRORS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="The input was refused: a list of messages per field (`non_field_errors` when no field is to "
    "blame; nested objects for nested fields), or `detail` when the body could not be read.",
    examples=[
        OpenApiExample(
            "Field errors",
            value={
                "severity": ['"critical" is not a valid choice.'],
                "requester": {"email": ["Enter a valid email address."]},
            },
            status_codes=["400"],
        )
    ],
)


def _detail(description: str, example: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=DetailSerializer,
        description=description,
        examples=[OpenApiExample(description, value={"detail": example})],
    )


ERRORS = {
    400: FIELD_ERRORS,
    401: _detail("Not signed in", "Authentication credentials were not provided."),
    403: _detail("Not allowed", "Only managers may do this."),
    404: _detail("Not found", "No ticket SD-1042."),
    409: _detail("Conflict with the current state", "SD-1042 has no page waiting for acknowledgement"),
    413: _detail("Body too large", "The request body is larger than the 1,048,576 bytes this API accepts."),
    415: _detail("Not JSON", 'Unsupported media type "text/plain" in request.'),
    429: _detail("Too many requests", "Request was throttled. Expected available in 42 seconds."),
}


class CoverageGapSerializer(serializers.Serializer):
    detail = serializers.CharField()
    coverage_gaps = IntervalSerializer(many=True, help_text="The times the change would leave uncovered.")


COVERAGE_GAP = OpenApiResponse(
    response=CoverageGapSerializer,
    description="The change would open a gap in 24x7 coverage: send it again with `confirm_coverage_gap`.",
    examples=[
        OpenApiExample(
            "A gap in coverage",
            value={
                "detail": "This change leaves nobody on shift and nobody on call to page for a 24x7 ticket "
                'during: Mon 16 Jun 02:00-06:00 CEST. Send "confirm_coverage_gap": true to save it anyway.',
                "coverage_gaps": [
                    {
                        "start": "2025-06-16T00:00:00Z",
                        "end": "2025-06-16T04:00:00Z",
                        "minutes": 240.0,
                        "text": "Mon 16 Jun 02:00-06:00 CEST",
                    }
                ],
            },
        )
    ],
)


class OffShiftSerializer(serializers.Serializer):
    detail = serializers.CharField()
    assignee = serializers.CharField(help_text="The engineer's username.")
    on_shift = serializers.BooleanField()
    timezone = serializers.CharField(help_text="The engineer's timezone, which the times below are in.")
    next_shift_starts_at = serializers.DateTimeField(allow_null=True, help_text="Null: no shift to come.")
    next_shift_ends_at = serializers.DateTimeField(allow_null=True)


OFF_SHIFT = OpenApiResponse(
    response=OffShiftSerializer,
    description="The engineer assigned is off shift: send it again with `confirm_off_shift`.",
    examples=[
        OpenApiExample(
            "Assigned off shift",
            value={
                "detail": "Aiko Tanaka is off shift; their next shift starts Thu 12 Jun, 09:00 JST "
                '(Asia/Tokyo). Send "confirm_off_shift": true to assign anyway; the ticket then stays with '
                "them until their next shift ends.",
                "assignee": "aiko",
                "on_shift": False,
                "timezone": "Asia/Tokyo",
                "next_shift_starts_at": "2025-06-12T09:00:00+09:00",
                "next_shift_ends_at": "2025-06-12T18:00:00+09:00",
            },
        )
    ],
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses `codes` with their bodies, for `extend_schema(responses={..., **errors(...)})`."""
    return {code: ERRORS[code] for code in codes}


# Every request may meet these: bad input or authentication, or a body the parser refuses.
READ = (400, 401, 403)
WRITE = (400, 401, 403, 413, 415)
