"""Inbound email that was quarantined (malformed, oversized, a sender over the hourly limit, or a message
the reader could not handle): engineers list it and release it (issue 17)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from support_desk.inbound.selectors import inbound_quarantine_list
from support_desk.inbound.services import ReleaseRefused, inbound_mail_release
from tickets.models import InboundMail

from .. import examples as ex
from ..permissions import IsEngineer
from ..schema import READ, WRITE, errors
from ..serializers.mail import InboundMailSerializer
from .base import ApiView, ListApiView

MAIL_ID = OpenApiParameter("mail_id", int, OpenApiParameter.PATH, description="The quarantined email's id.")


class QuarantineListView(ListApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Quarantined inbound email",
        description="Email the mailbox reader kept aside instead of filing or threading it: malformed, "
        "larger than MAIL_MAX_BYTES, over MAIL_SENDER_LIMIT_PER_HOUR from one sender, or a message it could "
        "not handle. Newest first; the raw message is kept. Engineers only.",
        responses={200: InboundMailSerializer(many=True), **errors(*READ)},
        examples=[ex.example("One oversized email", ex.QUARANTINE_PAGE, status=200)],
    )
    def get(self, request):
        return self.paginated(inbound_quarantine_list(), InboundMailSerializer)


class QuarantineReleaseView(ApiView):
    permission_classes = [IsEngineer]

    @extend_schema(
        summary="Release a quarantined email",
        description="Handle it as if it had just arrived, without the size and per-sender limits: it files "
        "a ticket or threads into one (`ticket`), or is ignored when a machine sent it. A message that still "
        "cannot be read is a 400 saying why, and stays in quarantine. Engineers only.",
        request=None,
        parameters=[MAIL_ID],
        responses={200: InboundMailSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("Released: it filed SD-1042", ex.RELEASED_MAIL, status=200),
            ex.example(
                "Still unreadable",
                {"detail": "This email still cannot be read: no sender address."},
                status=400,
            ),
        ],
    )
    def post(self, request, mail_id: int):
        inbound = InboundMail.objects.filter(pk=mail_id).first()
        if inbound is None:
            raise NotFound(f"No inbound email {mail_id}.")
        try:
            released = inbound_mail_release(inbound=inbound, actor=request.user, now=timezone.now())
        except ReleaseRefused as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(InboundMailSerializer(released).data)
