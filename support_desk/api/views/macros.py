"""Canned replies (macros): engineers read the shared ones and their own; managers change shared ones,
each engineer their personal ones. Another engineer's personal macro is a 404 (it is not theirs to see)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from tickets.models import Macro
from tickets.selectors import macro_get_visible, macro_list_visible, macro_render, macro_values, ticket_get
from tickets.services import macro_create, macro_delete, macro_update

from .. import examples as ex
from ..permissions import IsEngineer, is_api_manager
from ..schema import READ, WRITE, errors
from ..serializers.macros import (
    MacroSerializer,
    MacroWriteSerializer,
    RenderedMacroSerializer,
    RenderQuerySerializer,
)
from .base import ApiView, ListApiView

MACRO_ID = OpenApiParameter("macro_id", int, OpenApiParameter.PATH, description="The macro's id.")
MACRO = {
    "id": 3,
    "name": "Resolved: origin fixed",
    "body": "Hello {{requester_name}},\n\nthe origin is serving again; we resolve {{reference}}.\n\n"
    "{{engineer_name}}",
    "status": "resolved",
    "shared": True,
    "owner": None,
    "created_at": "2025-06-11T09:00:00Z",
    "updated_at": "2025-06-11T09:00:00Z",
}
UNKNOWN = ex.example(
    "An unknown placeholder",
    {
        "body": [
            "Unknown placeholder: {{customer}}. Known: {{requester_name}}, {{reference}}, {{engineer_name}}, "
            "{{due_local}}."
        ]
    },
    status=400,
)
WRITE_DESCRIPTION = (
    "Placeholders are replaced by plain substitution (nothing in a body is evaluated): "
    "`{{requester_name}}`, `{{reference}}`, `{{engineer_name}}`, `{{due_local}}` (the resolution's due "
    "time in the customer's zone). Any other `{{...}}` is a 400 naming it. Shared macros are created and "
    "changed by managers only (403 for other engineers); a personal one by its owner only."
)


def _macro_or_404(request, macro_id: int) -> Macro:
    macro = macro_get_visible(user=request.user, macro_id=macro_id)
    if macro is None:
        raise NotFound(f"No canned reply {macro_id}.")
    return macro


class MacroCollectionView(ListApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Canned replies",
        description="The shared macros and your personal ones, by name. Engineers only.",
        responses={200: MacroSerializer(many=True), **errors(*READ)},
        examples=[ex.example("A page of macros", MACRO, status=200)],
    )
    def get(self, request):
        return self.paginated(macro_list_visible(user=request.user), MacroSerializer)

    @extend_schema(
        summary="Add a canned reply",
        description=WRITE_DESCRIPTION,
        request=MacroWriteSerializer,
        responses={201: MacroSerializer, **errors(*WRITE)},
        examples=[
            ex.example(
                "A shared macro that resolves",
                {"name": MACRO["name"], "body": MACRO["body"], "status": "resolved", "shared": True},
                request=True,
            ),
            ex.example("The macro", MACRO, status=201),
            UNKNOWN,
        ],
    )
    def post(self, request):
        data = self.body(MacroWriteSerializer)
        macro = macro_create(
            actor=request.user, manager=is_api_manager(request.user), now=timezone.now(), **data
        )
        return Response(MacroSerializer(macro).data, status=status.HTTP_201_CREATED)


class MacroDetailView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="One canned reply",
        parameters=[MACRO_ID],
        responses={200: MacroSerializer, **errors(*READ, 404)},
        examples=[ex.example("A macro", MACRO, status=200)],
    )
    def get(self, request, macro_id: int):
        return Response(MacroSerializer(_macro_or_404(request, macro_id)).data)

    @extend_schema(
        summary="Change a canned reply",
        description=WRITE_DESCRIPTION + " An engineer cannot share a personal macro; a manager who unshares "
        "one makes it their own.",
        parameters=[MACRO_ID],
        request=MacroWriteSerializer(partial=True),
        responses={200: MacroSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("Stop setting a status", {"status": None}, request=True),
            ex.example("The macro", {**MACRO, "status": None}, status=200),
            UNKNOWN,
        ],
    )
    def patch(self, request, macro_id: int):
        changes = self.body(MacroWriteSerializer, partial=True)
        macro = _macro_or_404(request, macro_id)
        macro = macro_update(
            macro=macro,
            actor=request.user,
            manager=is_api_manager(request.user),
            now=timezone.now(),
            **changes,
        )
        return Response(MacroSerializer(macro).data)

    @extend_schema(
        summary="Delete a canned reply",
        parameters=[MACRO_ID],
        responses={204: None, **errors(*WRITE, 404)},
    )
    def delete(self, request, macro_id: int):
        macro = _macro_or_404(request, macro_id)
        macro_delete(macro=macro, actor=request.user, manager=is_api_manager(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MacroRenderView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="A canned reply filled in for a ticket",
        description="The body with the ticket's requester name and reference, your name, and the "
        "resolution's due time in the customer's zone; and the status the macro sets. Nothing is written.",
        parameters=[MACRO_ID, RenderQuerySerializer],
        responses={200: RenderedMacroSerializer, **errors(*READ, 404)},
        examples=[
            ex.example(
                "Filled in",
                {
                    "macro": 3,
                    "ticket": "SD-1042",
                    "body": "Hello Ana Lima,\n\nthe origin is serving again; we resolve SD-1042.\n\n"
                    "Lena Fischer",
                    "status": "resolved",
                },
                status=200,
            )
        ],
    )
    def get(self, request, macro_id: int):
        reference = self.query(RenderQuerySerializer).validated_data["ticket"]
        macro = _macro_or_404(request, macro_id)
        ticket = ticket_get(reference=reference)
        if ticket is None:
            raise NotFound(f"No ticket {reference}.")
        body = macro_render(macro=macro, values=macro_values(ticket=ticket, engineer=request.user))
        return Response(
            RenderedMacroSerializer(
                {"macro": macro.pk, "ticket": ticket.reference, "body": body, "status": macro.status or None}
            ).data
        )
