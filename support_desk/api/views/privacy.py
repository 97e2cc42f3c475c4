"""Personal data: erase a requester, erase an engineer who left, export what is held about a requester.
Managers only (docs/api/privacy.md, docs/privacy.md)."""

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from privacy.selectors import export_zip_stream, requester_export_get
from privacy.services import ErasureRefused, NothingHeld, engineer_erase, requester_erase

from .. import examples as ex
from ..permissions import IsManager
from ..schema import READ, WRITE, errors
from ..serializers.privacy import (
    EraseEngineerSerializer,
    EraseRequesterSerializer,
    ErasureSerializer,
    ExportQuerySerializer,
)
from .base import ApiView


def _erased(result, status_new: int = 201) -> Response:
    data = ErasureSerializer(result.erasure, context={"already": result.already}).data
    return Response(data, status=200 if result.already else status_new)


def _refused(exc: ErasureRefused):
    if isinstance(exc, NothingHeld):
        return NotFound(str(exc))
    return ValidationError({exc.field: [str(exc)]})


class RequesterEraseView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Erase a requester's personal data",
        description="Their name and address become a pseudonym; every message they wrote and every file "
        "they sent is removed (the bodies replaced by `[erased]`, the files deleted from storage); their "
        "words quoted in engineers' replies, their rating comments, their address in notifications, "
        "blocks, contacts and any free text go; search is rewritten. Tickets, clocks, events and the SLA "
        "ledger stay, so reports count the same cycles. Cannot be undone. 201 with the record (counts, "
        "never content); 200 with the earlier record when the address was erased before; 404 when "
        "nothing is held for it. Managers only.",
        request=EraseRequesterSerializer,
        responses={201: ErasureSerializer, 200: ErasureSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("Forget a requester", ex.ERASE_REQUEST, request=True),
            ex.example("Erased", ex.ERASURE, status=201),
            ex.example("Erased before", {**ex.ERASURE, "already_erased": True}, status=200),
        ],
    )
    def post(self, request):
        data = self.body(EraseRequesterSerializer)
        try:
            result = requester_erase(
                email=data["email"], reason=data["reason"], actor=request.user, now=timezone.now()
            )
        except ErasureRefused as exc:
            raise _refused(exc) from exc
        return _erased(result)


class EngineerEraseView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Erase an engineer who left",
        description="Name, address, phone number, login records and API tokens go; the username stays, as "
        "the pseudonym on tickets, events and the SLA ledger's rows. The login must be switched off "
        "first (`active: false`), else 400. Cannot be undone. Managers only.",
        request=EraseEngineerSerializer,
        parameters=[OpenApiParameter("username", str, OpenApiParameter.PATH)],
        responses={201: ErasureSerializer, 200: ErasureSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("An engineer who left", ex.ENGINEER_ERASE_REQUEST, request=True),
            ex.example("Erased", {**ex.ERASURE, "kind": "engineer", "pseudonym": "kenji"}, status=201),
        ],
    )
    def post(self, request, username: str):
        data = self.body(EraseEngineerSerializer)
        try:
            result = engineer_erase(
                username=username, reason=data["reason"], actor=request.user, now=timezone.now()
            )
        except ErasureRefused as exc:
            raise _refused(exc) from exc
        return _erased(result)


class RequesterExportView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Export everything held about a requester",
        description="A zip, streamed: `export.json` (format `support-desk.requester-export.v1`, with "
        "`made_at`: the requester, each of their tickets with every message, event, rating and email "
        "sent, their rows as a customer's contact or a blocked sender) and the files they and the "
        "engineers attached under `attachments/<reference>/`. 404 when nothing is held. Managers only.",
        parameters=[ExportQuerySerializer],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip archive."),
            **errors(*READ, 404),
        },
    )
    def get(self, request):
        email = self.query(ExportQuerySerializer).validated_data["email"]
        now = timezone.now()
        export = requester_export_get(email=email, now=now)
        if export is None:
            raise NotFound("No personal data is held for this address.")
        response = StreamingHttpResponse(export_zip_stream(export), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="requester-export-{now:%Y%m%dT%H%M%SZ}.zip"'
        response["Cache-Control"] = "no-store"
        return response
