"""The requester's endpoints: their access token opens exactly one ticket, as a customer sees it."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from tickets.selectors import ticket_get_by_access_token, ticket_get_public
from tickets.services import ticket_rate, ticket_reply

from .. import examples as ex
from ..schema import errors
from ..serializers.satisfaction import RatingCreateSerializer, RatingSerializer
from ..serializers.tickets import PublicMessageCreateSerializer, PublicTicketSerializer
from ..throttling import PublicRatingThrottle, PublicReplyThrottle
from .base import ApiView

ACCESS_TOKEN = OpenApiParameter(
    "access_token", str, OpenApiParameter.PATH, description="The key returned when the ticket was filed."
)
NO_SUCH_LINK = "No ticket has this link."


class PublicTicketView(ApiView):
    authentication_classes = []  # the token in the path is the only credential
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The ticket as its requester sees it",
        description="Public replies and a customer-safe timeline; never internal notes. 404 for a wrong "
        "token, in the same time a right one takes.",
        parameters=[ACCESS_TOKEN],
        responses={200: PublicTicketSerializer, **errors(404)},
        auth=[],
        examples=[ex.example("An open ticket", ex.PUBLIC_TICKET, status=200)],
    )
    def get(self, request, access_token: str):
        public = ticket_get_public(access_token=access_token)
        if public is None:
            raise NotFound(NO_SUCH_LINK)
        return Response(PublicTicketSerializer(public).data)


class PublicTicketMessagesView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicReplyThrottle]

    @extend_schema(
        summary="Reply as the requester",
        description="Resumes a ticket waiting on you and reopens a resolved one. A reply to a closed ticket "
        "opens a follow-up ticket: the response is then that new ticket, with its own `access_token`.",
        parameters=[ACCESS_TOKEN],
        request=PublicMessageCreateSerializer,
        responses={201: PublicTicketSerializer, **errors(400, 404, 413, 415, 429)},
        auth=[],
        examples=[
            ex.example("A reply", {"body": "Here are the player logs you asked for."}, request=True),
            ex.example("The ticket with the reply", ex.PUBLIC_TICKET, status=201),
        ],
    )
    def post(self, request, access_token: str):
        data = self.body(PublicMessageCreateSerializer)
        ticket = ticket_get_by_access_token(access_token=access_token)
        if ticket is None:
            raise NotFound(NO_SUCH_LINK)
        message = ticket_reply(ticket=ticket, author=None, body=data["body"], now=timezone.now())
        public = ticket_get_public(access_token=message.ticket.access_token)  # a follow-up has its own
        return Response(PublicTicketSerializer(public).data, status=status.HTTP_201_CREATED)


class PublicTicketRatingView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRatingThrottle]

    @extend_schema(
        summary="Rate the resolution as the requester",
        description="`good` or `bad`, with an optional comment, for the ticket's latest resolution (a ticket "
        "reopened and resolved again is rated again). Rating again within 7 days of the first rating of "
        "the same resolution replaces it (200); later, or before the ticket is resolved, 409 says why.",
        parameters=[ACCESS_TOKEN],
        request=RatingCreateSerializer,
        responses={201: RatingSerializer, 200: RatingSerializer, **errors(400, 404, 409, 429)},
        auth=[],
        examples=[
            ex.example(
                "A good rating",
                {"score": "good", "comment": "Fixed within the hour, thank you."},
                request=True,
            ),
            ex.example("Recorded", ex.RATING, status=201),
            ex.example("Changed", ex.RATING, status=200),
        ],
    )
    def post(self, request, access_token: str):
        data = self.body(RatingCreateSerializer)
        ticket = ticket_get_by_access_token(access_token=access_token)
        if ticket is None:
            raise NotFound(NO_SUCH_LINK)
        rated = ticket_rate(ticket=ticket, score=data["score"], comment=data["comment"], now=timezone.now())
        return Response(
            RatingSerializer(rated.rating).data,
            status=status.HTTP_200_OK if rated.changed else status.HTTP_201_CREATED,
        )
