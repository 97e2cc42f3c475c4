"""The API's front door: `GET /api/v1/` lists where each collection lives, so a client (or a person
with curl) can start from one URL instead of the documentation."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .. import examples as ex
from .base import ApiView

# (key, URL name): the roots a client starts from. Each entry is a collection or a report, never a
# path that needs an id; who may call each one is said by the endpoint itself (401/403).
ROOTS = [
    ("auth_token", "api:token"),
    ("tickets", "api:tickets"),
    ("customers", "api:customers"),
    ("engineers", "api:engineers"),
    ("engineers_on_shift", "api:engineers-on-shift"),
    ("sla_targets", "api:sla-targets"),
    ("sla_deadline", "api:sla-deadline"),
    ("sla_ledger", "api:sla-ledger"),
    ("sla_report", "api:sla-report"),
    ("sla_breaches", "api:sla-breaches"),
    ("sla_trends", "api:sla-trends"),
    ("credits", "api:credits"),
    ("availability", "api:availability"),
    ("coverage", "api:coverage"),
    ("ledger_integrity", "api:ledger-integrity"),
    ("schema", "api:schema"),
    ("docs", "api:docs"),
]

ROOT_SCHEMA = {
    "type": "object",
    "properties": {key: {"type": "string", "format": "uri"} for key, _ in ROOTS},
}


class ApiRootView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The API's roots",
        tags=["root"],
        description="Absolute URLs of every collection and report of the API, the schema and the docs "
        "(the example shows three). Open to anyone; each endpoint checks its own permissions.",
        responses={200: OpenApiResponse(response=ROOT_SCHEMA, description="Where each root lives.")},
        auth=[],
        examples=[
            ex.example(
                "The roots",
                {
                    "auth_token": "https://support.example.com/api/v1/auth/token/",
                    "tickets": "https://support.example.com/api/v1/tickets/",
                    "customers": "https://support.example.com/api/v1/customers/",
                },
                status=200,
            )
        ],
    )
    def get(self, request):
        return Response({key: request.build_absolute_uri(reverse(name)) for key, name in ROOTS})
