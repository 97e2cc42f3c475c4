"""OpenAPI pieces shared by the endpoints: the error bodies and the responses that carry them."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
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


# Text that must say something: DRF strips spaces before it checks `allow_blank`, so `" "` is refused
# like `""`. The schema says so (`minLength` alone would allow it).
NOT_JUST_SPACES = r"\S"


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, stating the constraints DRF's fields enforce that it leaves out."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format", "$ref"} & set(schema)
        ):
            schema["pattern"] = NOT_JUST_SPACES
        return schema


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


# --- The contract's conventions, applied to every operation (settings: POSTPROCESSING_HOOKS) ----------
#
# Generic on purpose: an endpoint added later gets its error responses and its links without a line of
# its own. docs/api/contract.md states the conventions.

_DETAIL = {"$ref": "#/components/schemas/Detail"}
_FIELD_ERRORS = {
    "type": "object",
    "description": "A list of messages per field (nested objects for nested fields; `non_field_errors` "
    "when no field is to blame), or `detail` when the body could not be read.",
    "additionalProperties": {},
    "example": {"to": ["Give a value, or leave the parameter out."]},
}
_GENERIC_ERRORS = {
    "400": ("The input was refused; each field or parameter to blame is named.", _FIELD_ERRORS),
    "401": (
        "Not signed in, or the token sent is expired, revoked or unknown (`detail` says which); a token is "
        "checked wherever one is sent.",
        _DETAIL,
    ),
    "403": ("Signed in, but not allowed.", _DETAIL),
    "404": ("No such resource, or a page past the last one.", _DETAIL),
    "413": ("The body is larger than the 1,048,576 bytes this API accepts.", _DETAIL),
    "415": ("The body is not JSON (or not multipart, where a file is accepted).", _DETAIL),
}
_WRITES = {"post", "put", "patch"}
_METHODS = ("get", "post", "put", "patch", "delete")


def _error(code: str) -> dict:
    description, body = _GENERIC_ERRORS[code]
    return {"description": description, "content": {"application/json": {"schema": body}}}


def _errors_for(path: str, method: str, operation: dict) -> list[str]:
    """The error responses any operation of this shape can answer; views add their own (409, 429)."""
    codes = ["400", "401"]  # anything may be malformed; a bad token is refused even where none is needed
    if any(requirement for requirement in operation.get("security", [])):
        codes.append("403")
    if "{" in path or any(p.get("name") == "page" for p in operation.get("parameters", [])):
        codes.append("404")
    if method in _WRITES and "requestBody" in operation:
        codes += ["413", "415"]
    return codes


def _component(schema: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return schema["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return ref_or_schema


def _properties(schema: dict, body: dict) -> set[str]:
    """The properties every shape of a response body has (all members of a `oneOf`)."""
    body = _component(schema, body)
    members = body.get("oneOf") or body.get("anyOf")
    if members:
        return set.intersection(*(_properties(schema, member) for member in members))
    return set(body.get("properties", {}))


def _created_body(schema: dict, operation: dict) -> dict | None:
    created = operation.get("responses", {}).get("201")
    if not created:
        return None
    return created.get("content", {}).get("application/json", {}).get("schema")


def _link_value(parameter: str, fields: set[str]) -> str | None:
    if parameter in fields:
        return parameter
    if parameter.endswith("_id") and "id" in fields:
        return "id"
    return None


def _add_links(schema: dict) -> None:
    """A `201` of `POST /x/` links to every operation under `/x/{param}/`, `param` read from the body.

    So schemathesis's stateful phase (and anyone reading the docs) can follow what a create returns into
    the reads, changes and deletes of that resource. Path parameters of the collection itself (a customer's
    contacts) are passed on from the request."""
    paths = schema["paths"]
    for path, item in paths.items():
        create = item.get("post")
        body = _created_body(schema, create) if create else None
        if body is None:
            continue
        fields = _properties(schema, body)
        links = {}
        for other, other_item in paths.items():
            if not other.startswith(path) or other == path:
                continue
            rest = other[len(path) :]
            if not rest.startswith("{"):
                continue
            parameter = rest[1 : rest.index("}")]
            if "{" in rest[rest.index("}") :]:
                continue  # deeper resources have parameters of their own
            value = _link_value(parameter, fields)
            if value is None:
                continue
            for method in _METHODS:
                target = other_item.get(method)
                if target is None or "operationId" not in target:
                    continue
                inherited = {
                    p["name"]: f"$request.path.{p['name']}"
                    for p in create.get("parameters", [])
                    if p.get("in") == "path"
                }
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": {**inherited, parameter: f"$response.body#/{value}"},
                    "description": f"`{value}` of the created resource is `{parameter}` in `{other}`.",
                }
        if links:
            create["responses"]["201"]["links"] = links


def postprocess_contract(result, generator, request, public):
    """Every operation documents the errors it can answer with their bodies; creates link to reads."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Detail", {"type": "object", "properties": {"detail": {"type": "string"}}})
    for path, item in result.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in _errors_for(path, method, operation):
                responses.setdefault(code, _error(code))
    _add_links(result)
    return result
