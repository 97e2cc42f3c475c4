"""SLA targets, the deadline calculator and the SLA ledger (reports: `views/reports.py`)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from escalation.models import SlaTarget
from escalation.sla.selectors import (
    ledger_entry_list,
    sla_deadline_explain,
    sla_target_get_by_id,
    sla_target_list,
)
from escalation.sla.services.targets import sla_target_update

from .. import examples as ex
from ..filters import DeadlineQuery, LedgerQuery
from ..permissions import IsEngineer, IsManager
from ..schema import READ, WRITE, errors
from ..serializers.sla import (
    DeadlineSerializer,
    LedgerEntrySerializer,
    SlaTargetSerializer,
    SlaTargetUpdateSerializer,
)
from .base import ApiView, ListApiView

TARGET_ID = OpenApiParameter("target_id", int, OpenApiParameter.PATH, description="The SLA target's id.")


def _target_or_404(target_id: int) -> SlaTarget:
    target = sla_target_get_by_id(target_id=target_id)
    if target is None:
        raise NotFound(f"No SLA target {target_id}.")
    return target


class SlaTargetCollectionView(ListApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="SLA targets",
        description="One per plan and severity: the promised first response and resolution, in business time "
        "of `calendar`. Managers only.",
        responses={200: SlaTargetSerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("A page of targets", ex.SLA_TARGET, status=200)],
    )
    def get(self, request):
        return self.paginated(sla_target_list(), SlaTargetSerializer)


class SlaTargetDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="One SLA target",
        parameters=[TARGET_ID],
        responses={200: SlaTargetSerializer, **errors(*READ, 404)},
        examples=[ex.example("A target", ex.SLA_TARGET, status=200)],
    )
    def get(self, request, target_id: int):
        return Response(SlaTargetSerializer(_target_or_404(target_id)).data)

    @extend_schema(
        summary="Change an SLA target",
        description="Durations as `HH:MM:SS` or `D HH:MM:SS`; `calendar` by id or name. Applies to tickets "
        "filed afterwards: filed tickets keep the promise they were given, and the ledger is never "
        "rewritten. Managers only.",
        parameters=[TARGET_ID],
        request=SlaTargetUpdateSerializer,
        responses={200: SlaTargetSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example(
                "Faster first response", {"first_response": "00:30:00", "calendar": "24x7"}, request=True
            ),
            ex.example("The target", ex.SLA_TARGET, status=200),
        ],
    )
    def patch(self, request, target_id: int):
        changes = self.body(SlaTargetUpdateSerializer, partial=True)
        target = sla_target_update(target=_target_or_404(target_id), **changes)
        return Response(SlaTargetSerializer(target).data)


class DeadlineView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="The deadline calculator",
        description="The first-response and resolution deadlines a ticket filed at `start` by a customer in "
        "`timezone` would get today's targets, and the business windows, weekends, holidays and clock "
        "changes that placed each. 409 when the targets cannot place a deadline.",
        parameters=[DeadlineQuery],
        responses={200: DeadlineSerializer, **errors(*READ, 409)},
        examples=[ex.example("Friday afternoon in Berlin", ex.DEADLINE, status=200)],
    )
    def get(self, request):
        query = self.query(DeadlineQuery).validated_data
        explained = sla_deadline_explain(
            plan=query["plan"], severity=query["severity"], start=query["start"], tz=query["timezone"]
        )
        return Response(DeadlineSerializer(explained).data)


class LedgerView(ListApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="The SLA ledger",
        description="Rows in chain order (`seq`), each hash-chained to the one before it. `from` (inclusive) "
        "and `to` (exclusive) filter on the due time. Managers only.",
        parameters=[LedgerQuery],
        responses={200: LedgerEntrySerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("A page of the ledger", ex.LEDGER_ENTRY, status=200)],
    )
    def get(self, request):
        query = self.query(LedgerQuery)
        return self.paginated(ledger_entry_list(**query.selector_kwargs()), LedgerEntrySerializer)
