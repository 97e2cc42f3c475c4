"""Integrations (managers), the two alert intakes (the integration's key is the credential), and
incidents (engineers and managers)."""

import uuid

from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from escalation.incidents.formats import alertmanager_read, event_read
from escalation.incidents.models import Integration, Kind
from escalation.incidents.selectors import (
    incident_get,
    incident_list,
    integration_get,
    integration_get_by_key,
    integration_list,
)
from escalation.incidents.services.incidents import (
    UNSET,
    IncidentChangeRefused,
    incident_impact_window_edit,
    incident_update,
    ticket_incident_link,
)
from escalation.incidents.services.ingest import alerts_ingest
from escalation.incidents.services.integrations import integration_create, integration_rotate_key
from tickets.selectors import ticket_get

from .. import examples as ex
from ..filters import IncidentListQuery
from ..permissions import IsEngineer, IsManager, is_api_manager
from ..schema import READ, WRITE, errors
from ..serializers.incidents import (
    AlertmanagerAcceptedSerializer,
    EventAcceptedSerializer,
    EventRefusedSerializer,
    IncidentSerializer,
    IncidentWriteSerializer,
    IntegrationSerializer,
    IntegrationWithKeySerializer,
    IntegrationWriteSerializer,
    TicketIncidentLinkSerializer,
    TicketIncidentSerializer,
)
from ..throttling import AlertKeyThrottle, alert_key_from
from .base import ApiView, ListApiView

INTEGRATION_ID = OpenApiParameter("integration_id", int, OpenApiParameter.PATH)
INCIDENT_ID = OpenApiParameter("incident_id", int, OpenApiParameter.PATH)
REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The ticket's reference, e.g. SD-1042."
)
EVENT_REFUSED = OpenApiResponse(
    response=EventRefusedSerializer, description="Refused, in PagerDuty's shape (status, message, errors)."
)


def _with_key(integration: Integration, key: str) -> dict:
    return {**IntegrationSerializer(integration_get(integration_id=integration.pk)).data, "key": key}


class IntegrationCollectionView(ListApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Integrations",
        description="Alert senders, without their keys. Managers only.",
        responses={200: IntegrationSerializer(many=True), **errors(*READ)},
        examples=[ex.example("A page of integrations", ex.INTEGRATION, status=200)],
    )
    def get(self, request):
        return self.paginated(integration_list(), IntegrationSerializer)

    @extend_schema(
        summary="Add an integration",
        description="Answers with `key`, shown this once: Alertmanager sends it as `Authorization: Bearer "
        "<key>`, an Events v2 sender as `routing_key`. Managers only.",
        request=IntegrationWriteSerializer,
        responses={201: IntegrationWithKeySerializer, **errors(*WRITE)},
        examples=[
            ex.example("An Alertmanager integration", ex.INTEGRATION_WRITE, request=True),
            ex.example("The integration and its key", ex.INTEGRATION_WITH_KEY, status=201),
        ],
    )
    def post(self, request):
        integration, key = integration_create(**self.body(IntegrationWriteSerializer))
        return Response(_with_key(integration, key), status=status.HTTP_201_CREATED)


class IntegrationRotateView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Give an integration a new key",
        description="The old key stops working at once. Managers only.",
        request=None,
        parameters=[INTEGRATION_ID],
        responses={200: IntegrationWithKeySerializer, **errors(*WRITE, 404)},
        examples=[ex.example("The new key", ex.INTEGRATION_WITH_KEY, status=200)],
    )
    def post(self, request, integration_id: int):
        if integration_get(integration_id=integration_id) is None:
            raise NotFound(f"No integration {integration_id}.")
        integration, key = integration_rotate_key(integration_id=integration_id)
        return Response(_with_key(integration, key))


class KeyRefused(exceptions.APIException):
    def __init__(self, status_code: int, message: str) -> None:
        self.status_code = status_code
        super().__init__(message)


class AlertIntakeView(ApiView):
    """The integration's key is the credential: no session, no token, no CSRF; throttled per key."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AlertKeyThrottle]
    kind: str

    def integration(self) -> Integration:
        """The enabled integration of this endpoint's kind the request's key belongs to, else 401/403."""
        key = alert_key_from(self.request)
        if key is None:
            raise KeyRefused(401, self.missing_key_message)
        integration = integration_get_by_key(key)
        if integration is None:
            raise KeyRefused(401, "The key is not an integration's key (unknown or rotated).")
        if not integration.enabled:
            raise KeyRefused(403, f"The integration {integration.name} is disabled.")
        if integration.kind != self.kind:
            raise KeyRefused(
                403, f"The key belongs to an {integration.get_kind_display()} integration, not this endpoint."
            )
        return integration


class AlertmanagerView(AlertIntakeView):
    kind = Kind.ALERTMANAGER
    missing_key_message = "Send the integration's key as `Authorization: Bearer <key>`."

    @extend_schema(
        summary="Alertmanager webhook",
        description="Prometheus Alertmanager's webhook body (version 4); `Authorization: Bearer <key>`.",
        request=OpenApiTypes.OBJECT,
        responses={202: AlertmanagerAcceptedSerializer, **errors(400, 401, 403, 413, 415, 429)},
        examples=[
            ex.example("A firing group", ex.ALERTMANAGER_BODY, request=True),
            ex.example("Accepted", ex.ALERTMANAGER_ACCEPTED, status=202),
        ],
    )
    def post(self, request):
        integration = self.integration()
        alerts, problems = alertmanager_read(request.data, customer_label=integration.customer_label)
        if problems:
            return Response({"alerts": problems}, status=status.HTTP_400_BAD_REQUEST)
        done = alerts_ingest(integration=integration, alerts=alerts, now=timezone.now())
        return Response(
            {
                "status": "success",
                "alerts": len(alerts),
                "opened": done.opened,
                "reopened": done.reopened,
                "ignored": done.ignored,
            },
            status=status.HTTP_202_ACCEPTED,
        )


def _short_status(code: int) -> str:
    return {
        400: "invalid event",
        401: "unrecognized routing key",
        403: "forbidden",
        413: "request too large",
        415: "unsupported media type",
        429: "throttle event",
    }.get(code, "error")


class EventsView(AlertIntakeView):
    """Events API v2: every answer, errors included, in PagerDuty's shape (status, message, errors)."""

    kind = Kind.EVENTS_V2
    missing_key_message = "'routing_key' is missing or blank"

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response is not None and response.status_code >= 400 and "status" not in response.data:
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
            message = "Event object is invalid" if response.status_code == 400 else str(detail)
            response.data = {
                "status": _short_status(response.status_code),
                "message": message,
                "errors": [str(detail)] if detail else [],
            }
        return response

    @extend_schema(
        summary="Events API v2",
        description="PagerDuty's Events API v2 (`routing_key` is the integration's key). Also at "
        "`alerts/events/v2/enqueue` for clients that append that path to a base URL.",
        request=OpenApiTypes.OBJECT,
        responses={
            202: EventAcceptedSerializer,
            **{code: EVENT_REFUSED for code in (400, 401, 403, 413, 415, 429)},
        },
        examples=[
            ex.example("A trigger", ex.EVENT, request=True),
            ex.example("Processed", ex.EVENT_ACCEPTED, status=202),
            ex.example("Invalid", ex.EVENT_INVALID, status=400),
        ],
    )
    def post(self, request):
        integration = self.integration()
        alert, problems = event_read(
            request.data, customer_label=integration.customer_label, new_dedup_key=lambda: uuid.uuid4().hex
        )
        if problems:
            return Response(
                {"status": "invalid event", "message": "Event object is invalid", "errors": problems},
                status=status.HTTP_400_BAD_REQUEST,
            )
        alerts_ingest(integration=integration, alerts=[alert], now=timezone.now())
        return Response(
            {"status": "success", "message": "Event processed", "dedup_key": alert.dedup_key},
            status=status.HTTP_202_ACCEPTED,
        )


class IncidentCollectionView(ListApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Incidents",
        description="Newest first. Engineers and managers.",
        parameters=[IncidentListQuery],
        responses={200: IncidentSerializer(many=True), **errors(*READ)},
        examples=[ex.example("A page of incidents", ex.INCIDENT, status=200)],
    )
    def get(self, request):
        query = self.query(IncidentListQuery)
        return self.paginated(incident_list(**query.selector_kwargs()), IncidentSerializer)


def _incident_or_404(incident_id: int):
    incident = incident_get(incident_id=incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}.")
    return incident


class IncidentDetailView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="One incident",
        parameters=[INCIDENT_ID],
        responses={200: IncidentSerializer, **errors(*READ, 404)},
        examples=[ex.example("An incident", ex.INCIDENT, status=200)],
    )
    def get(self, request, incident_id: int):
        return Response(IncidentSerializer(_incident_or_404(incident_id)).data)

    @extend_schema(
        summary="Acknowledge, resolve, post an update, set the impact, customers or commander",
        description="Acknowledging acknowledges the pages of the incident's tickets. `public_update` is "
        "a public reply on every linked ticket and an email to the affected customers' incident contacts. "
        "A new commander is paged at once. Each customer added gets a ticket and its contacts a notice. "
        "`started_at`/`impact_ended_at` with a `reason` correct the impact window the availability "
        "report counts (managers only; the change is on the incident's timeline).",
        parameters=[INCIDENT_ID],
        request=IncidentWriteSerializer(partial=True),
        responses={200: IncidentSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example(
                "Acknowledge and take command", {"status": "acknowledged", "commander": "lena"}, request=True
            ),
            ex.example("The incident", ex.INCIDENT, status=200),
        ],
    )
    def patch(self, request, incident_id: int):
        _incident_or_404(incident_id)
        changes = self.body(IncidentWriteSerializer, partial=True)
        window = {k: changes[k] for k in ("started_at", "impact_ended_at") if k in changes}
        if window and not is_api_manager(request.user):
            raise exceptions.PermissionDenied("Only managers may correct an impact window.")
        now = timezone.now()
        try:
            with transaction.atomic():
                if window:
                    incident_impact_window_edit(
                        incident_id=incident_id,
                        reason=changes["reason"],
                        actor=request.user,
                        now=now,
                        **window,
                    )
                incident_update(
                    incident_id=incident_id,
                    now=now,
                    actor=request.user,
                    status=changes.get("status", UNSET),
                    impact=changes.get("impact", UNSET),
                    commander=changes.get("commander", UNSET),
                    customers=changes.get("customers", UNSET),
                    public_update=changes.get("public_update", ""),
                    resolve_tickets=changes.get("resolve_tickets", False),
                )
        except IncidentChangeRefused as refused:
            raise exceptions.ValidationError({refused.field: [refused.reason]}) from None
        return Response(IncidentSerializer(_incident_or_404(incident_id)).data)


class TicketIncidentView(ApiView):
    """`POST /api/v1/tickets/<reference>/incident/`: link a customer's own ticket to an incident."""

    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Link a ticket to an incident, or unlink it",
        description="The ticket then gets the incident's public updates. `null` unlinks it; a ticket the "
        "incident opened for its customer stays linked (400).",
        parameters=[REFERENCE],
        request=TicketIncidentSerializer,
        responses={200: TicketIncidentLinkSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("Link", {"incident": 7}, request=True),
            ex.example("Linked", {"ticket": "SD-1042", "incident": 7}, status=200),
        ],
    )
    def post(self, request, reference: str):
        ticket = ticket_get(reference=reference)
        if ticket is None:
            raise NotFound(f"No ticket {reference}.")
        incident_id = self.body(TicketIncidentSerializer)["incident"]
        try:
            ticket_incident_link(
                ticket=ticket, incident_id=incident_id, actor=request.user, now=timezone.now()
            )
        except IncidentChangeRefused as refused:
            raise exceptions.ValidationError({refused.field: [refused.reason]}) from None
        return Response({"ticket": ticket.reference, "incident": incident_id})
