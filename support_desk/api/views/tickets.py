"""Tickets: the public intake, the engineers' queue, one ticket, its messages and pages."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from escalation.paging.selectors import ticket_detail_get
from escalation.paging.services.acknowledgements import escalation_acknowledge
from escalation.roster.services.engineers import is_engineer
from escalation.sla.selectors import ticket_list_with_sla, ticket_search_with_sla
from support_desk.web.uploads import SizeLimitedUploadHandler
from tickets.models import Requester, Ticket
from tickets.selectors import PublicTicket, ticket_count, ticket_get
from tickets.services import (
    BULK_MAX_TICKETS,
    requester_confirm,
    ticket_bulk_apply,
    ticket_file,
    ticket_respond,
    ticket_update,
)

from .. import examples as ex
from ..filters import TicketListQuery
from ..parsers import JSONParser
from ..permissions import IsEngineer
from ..schema import OFF_SHIFT, READ, WRITE, errors
from ..serializers.tickets import (
    AcknowledgementSerializer,
    BulkActionSerializer,
    BulkResponseSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    PublicTicketSerializer,
    RequesterConfirmationSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from ..throttling import RequesterIntakeThrottle, TicketIntakeThrottle
from .base import ApiView, ListApiView

REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The ticket's reference, e.g. SD-1042."
)


def _ticket_or_404(reference: str) -> Ticket:
    ticket = ticket_get(reference=reference)
    if ticket is None:
        raise NotFound(f"No ticket {reference}.")
    return ticket


def _detail(reference: str, now) -> Response:
    ticket = ticket_detail_get(reference=reference)
    if ticket is None:
        raise NotFound(f"No ticket {reference}.")
    return Response(TicketDetailSerializer(ticket, context={"now": now}).data)


FILED = OpenApiResponse(
    response=PolymorphicProxySerializer(
        component_name="FiledTicket",
        serializers=[TicketDetailSerializer, PublicTicketSerializer],
        resource_type_field_name=None,
    ),
    description="The ticket as filed. An engineer gets it as `GET /api/v1/tickets/{reference}/` shows it "
    "(`Location` is that URL); anyone else gets the requester's view with the `access_token` that opens "
    "the ticket's public endpoints (`Location` is `/api/v1/public/tickets/{access_token}/`).",
)


# Built once per process for the filing endpoint, the one anybody may call in bulk during an outage:
# building a serializer deep-copies its declared fields, which cost more than rendering the answer.
# It keeps nothing of a request: it renders the object it is given.
_PUBLIC_TICKET = PublicTicketSerializer()


# Set on a search's page when more tickets match than a search ranks (`tickets.search`): its value is
# how many the search holds, the newest matches, best first.
SEARCH_CAPPED_HEADER = "Search-Capped"


class TicketCollectionView(ListApiView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsEngineer()]

    def get_throttles(self):
        if self.request.method != "POST":
            return []
        return [TicketIntakeThrottle(), RequesterIntakeThrottle()]

    @extend_schema(
        summary="The queue",
        description="Tickets, least time left first unless `ordering` says otherwise. Engineers only.",
        parameters=[TicketListQuery],
        responses={200: TicketSerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("A page of the queue", ex.TICKET, status=200)],
    )
    def get(self, request):
        query = self.query(TicketListQuery)
        now = timezone.now()
        filters = query.selector_kwargs(request.user)
        search = filters.pop("search", None)
        if not search:
            tickets = ticket_list_with_sla(now=now, **filters)
            return self.paginated(tickets, TicketSerializer, count=ticket_count(now=now, **filters), now=now)
        matches = ticket_search_with_sla(now=now, search=search, **filters)
        response = self.paginated(matches, TicketSerializer, count=len(matches), now=now)
        if matches.more:
            response[SEARCH_CAPPED_HEADER] = str(len(matches))
        return response

    @extend_schema(
        summary="File a ticket",
        description="Anyone may file a ticket (throttled per client address, and per requester address as "
        "the public form is: PUBLIC_FORM_TICKETS_PER_REQUESTER_PER_HOUR). An anonymous caller gets the "
        "requester's view with the `access_token` that opens the ticket's public endpoints: keep it, it is "
        "shown once. An engineer gets the ticket as the detail endpoint shows it.",
        request=TicketCreateSerializer,
        responses={201: FILED, **errors(*WRITE, 429)},
        auth=[],
        examples=[
            ex.example(
                "A customer files a ticket",
                {
                    "subject": "Origin returns 502 for HLS manifests",
                    "description": "Since 09:40 UTC our players get 502 for every .m3u8 in eu-west.",
                    "severity": "urgent",
                    "requester": {"email": "noc@streamco.example", "name": "Ana Lima"},
                    "timezone": "America/Sao_Paulo",
                },
                request=True,
            ),
            ex.example("The ticket as its requester sees it", ex.PUBLIC_TICKET, status=201),
            ex.example("The ticket as an engineer sees it", ex.FILED_TICKET_DETAIL, status=201),
        ],
    )
    def post(self, request):
        data = self.body(TicketCreateSerializer)
        now = timezone.now()
        filed = ticket_file(
            subject=data["subject"],
            description=data["description"],
            severity=data["severity"],
            email=data["requester"]["email"],
            name=data["requester"]["name"],
            requester_language=data["requester"].get("language", ""),
            requester_timezone=data.get("timezone"),
            now=now,
            trusted=is_engineer(request.user),  # an engineer filing for a customer vouches for the address
        )
        ticket = filed.ticket
        if is_engineer(request.user):
            location = reverse("api:ticket", kwargs={"reference": ticket.reference})
            response = _detail(ticket.reference, now)
            response.status_code = status.HTTP_201_CREATED
            response["Location"] = location
            return response
        filed.message.public_attachments = []  # filed through the API: no attachments
        # What the filing just wrote is the whole of the customer's view: no need to read it back.
        public = PublicTicket(ticket=ticket, messages=[filed.message], events=[filed.event])
        location = reverse("api:public-ticket", kwargs={"access_token": ticket.access_token})
        return Response(
            _PUBLIC_TICKET.to_representation(public),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class TicketDetailView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="One ticket",
        description="With its messages (internal notes too), timeline and notifications. Engineers only.",
        parameters=[REFERENCE],
        responses={200: TicketDetailSerializer, **errors(*READ, 404)},
        examples=[ex.example("An urgent ticket", ex.TICKET_DETAIL, status=200)],
    )
    def get(self, request, reference: str):
        return _detail(reference, timezone.now())

    @extend_schema(
        summary="Change severity, assignee or status",
        description="All given changes or none. Changing the severity recomputes the open deadlines from "
        "their starts under the new target; a status change the state machine refuses is a 400 with the "
        "reason under `status`. Assigning an engineer who is off shift (other than yourself) is a 409 "
        'saying when their next shift starts, until sent again with `"confirm_off_shift": true`; a '
        "ticket assigned by hand stays with its engineer (no automatic handoff) until the end of their "
        "shift, or of their next shift when they were off shift.",
        parameters=[REFERENCE],
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer, **errors(*WRITE, 404), 409: OFF_SHIFT},
        examples=[
            ex.example("Assign and escalate", {"assignee": "lena", "severity": "major"}, request=True),
            ex.example(
                "Assign someone off shift, knowing it",
                {"assignee": "aiko", "confirm_off_shift": True},
                request=True,
            ),
            ex.example("Resolve", {"status": "resolved"}, request=True),
            ex.example("The ticket after the change", ex.TICKET_DETAIL, status=200),
            ex.example(
                "A refused transition", {"status": ["reply to the customer before resolving"]}, status=400
            ),
        ],
    )
    def patch(self, request, reference: str):
        changes = self.body(TicketUpdateSerializer)
        ticket = _ticket_or_404(reference)
        now = timezone.now()
        ticket_update(ticket=ticket, actor=request.user, now=now, **changes)
        return _detail(reference, now)


class TicketMessagesView(ApiView):
    permission_classes = [IsEngineer]
    parser_classes = [JSONParser, MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        # Files are cut off while they stream in, before anything (CSRF for a session) reads the body.
        self.upload_limit = SizeLimitedUploadHandler(request)
        request.upload_handlers.insert(0, self.upload_limit)
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        summary="Reply or write an internal note, with files, and set a status",
        description="An engineer's first public reply is the ticket's first response; internal notes never "
        "reach the customer and do not count as a response. Files go as multipart/form-data (`body`, "
        "`internal`, `status` and `attachments`, repeated), checked as the customer's uploads are; a file "
        "refused is a 400 under `attachments` and nothing is written. `status` is set after the message "
        "in the same transaction: a refused transition is a 400 under `status` and the message is not "
        "written either.",
        parameters=[REFERENCE],
        request={"application/json": MessageCreateSerializer, "multipart/form-data": MessageCreateSerializer},
        responses={201: MessageSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("A public reply", {"body": "Looking at the eu-west origin now."}, request=True),
            ex.example(
                "An internal note", {"body": "Origin disk full again?", "internal": True}, request=True
            ),
            ex.example(
                "Reply and resolve",
                {"body": "Fixed: the origin serves again.", "status": "resolved"},
                request=True,
            ),
            ex.example("The message", ex.TICKET_DETAIL["messages"][1], status=201),
            ex.example(
                "A refused status: nothing was written",
                {"status": ["new tickets can only move to open, resolved, waiting_on_customer"]},
                status=400,
            ),
            ex.example(
                "A file refused",
                {"attachments": ["trace.png: This file is named .png but its contents are not a PNG image."]},
                status=400,
            ),
        ],
    )
    def post(self, request, reference: str):
        data = self.body(MessageCreateSerializer, oversized=self.upload_limit.oversized)
        ticket = _ticket_or_404(reference)
        message = ticket_respond(
            ticket=ticket,
            author=request.user,
            body=data["body"],
            internal=data["internal"],
            status=data.get("status", ""),
            files=data.get("attachments", []),
            now=timezone.now(),
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class TicketAcknowledgeView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Acknowledge the current page",
        description="Stops further paging for the latest unacknowledged escalation step of the ticket; the "
        "SLA clock keeps running. 409 when nothing waits for acknowledgement.",
        parameters=[REFERENCE],
        request=None,
        responses={200: AcknowledgementSerializer, **errors(*WRITE, 404, 409)},
        examples=[
            ex.example(
                "Acknowledged",
                {
                    "ticket": "SD-1042",
                    "metric": "first_response",
                    "cycle": 1,
                    "step": 1,
                    "fired_at": "2025-06-11T11:00:00Z",
                    "acknowledged_at": "2025-06-11T11:02:10Z",
                    "acknowledged_by": "lena",
                    "acknowledged_via": "api",
                },
                status=200,
            )
        ],
    )
    def post(self, request, reference: str):
        ticket = _ticket_or_404(reference)
        escalation = escalation_acknowledge(ticket=ticket, user=request.user, via="api", now=timezone.now())
        return Response(AcknowledgementSerializer(escalation).data)


class TicketConfirmRequesterView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Confirm the ticket's requester",
        description="An engineer vouches for the requester's address, as the link emailed to it would: each "
        "of the requester's open tickets filed while it was unconfirmed gets the customer its domain names, "
        "that customer's plan and voice pages, with its deadlines recomputed from the filing time (a "
        "`requester_confirmed` event on each). Confirming again changes nothing.",
        parameters=[REFERENCE],
        request=None,
        responses={200: RequesterConfirmationSerializer, **errors(*WRITE, 404)},
        examples=[ex.example("Confirmed", ex.REQUESTER_CONFIRMED, status=200)],
    )
    def post(self, request, reference: str):
        ticket = _ticket_or_404(reference)
        upgraded = requester_confirm(requester=ticket.requester, actor=request.user, now=timezone.now())
        requester = Requester.objects.select_related("confirmed_by").get(pk=ticket.requester_id)
        return Response(
            RequesterConfirmationSerializer(
                {
                    "email": requester.email,
                    "confirmed_at": requester.confirmed_at,
                    "confirmed_by": requester.confirmed_by.get_username() if requester.confirmed_by else None,
                    "upgraded": [t.reference for t in upgraded],
                }
            ).data
        )


class TicketBulkView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="One action on many tickets",
        description=f"Assign (`value`: a username, or null to unassign), change the status or the severity, "
        f"or close as spam (`value`: true also blocks the senders) up to {BULK_MAX_TICKETS} tickets at once. "
        "Each ticket goes through the same checks as one at a time, in its own transaction with its own "
        "event: the answer is 200 with one result per reference (`ok`, and `error` saying why not), so a "
        "partial failure names the tickets that failed; nothing else is undone.",
        request=BulkActionSerializer,
        responses={200: BulkResponseSerializer, **errors(*WRITE)},
        examples=[
            ex.example(
                "Assign three tickets",
                {"references": ["SD-1041", "SD-1042", "SD-1043"], "action": "assign", "value": "lena"},
                request=True,
            ),
            ex.example(
                "One refused",
                {
                    "results": [
                        {"reference": "SD-1041", "ok": True, "error": ""},
                        {
                            "reference": "SD-1042",
                            "ok": False,
                            "error": "a closed ticket cannot be reassigned",
                        },
                    ]
                },
                status=200,
            ),
        ],
    )
    def post(self, request):
        data = self.body(BulkActionSerializer)
        results = ticket_bulk_apply(
            references=data["references"],
            action=data["action"],
            value=data["value"],
            actor=request.user,
            now=timezone.now(),
            confirm_off_shift=data["confirm_off_shift"],
        )
        return Response(BulkResponseSerializer({"results": results}).data)
