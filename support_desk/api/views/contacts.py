"""A customer's contacts: managers only."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from tickets.models import CustomerContact
from tickets.selectors import customer_contact_get, customer_contact_list
from tickets.services import customer_contact_create, customer_contact_delete, customer_contact_update

from .. import examples as ex
from ..permissions import IsManager
from ..schema import READ, WRITE, errors
from ..serializers.contacts import CustomerContactSerializer, CustomerContactWriteSerializer
from .base import ApiView, ListApiView
from .customers import CUSTOMER_ID, customer_or_404

CONTACT_ID = OpenApiParameter("contact_id", int, OpenApiParameter.PATH, description="The contact's id.")
WRITE_EXAMPLE = {
    "email": "NOC@streamco.example",
    "name": "Beatriz Souza",
    "language": "pt-br",
    "timezone": "America/Sao_Paulo",
    "notify_incidents": True,
}
DUPLICATE = ex.example(
    "An address the customer has already",
    {"email": ["StreamCo already has a contact noc@streamco.example."]},
    status=400,
)


def _contact_or_404(customer_id: int, contact_id: int) -> CustomerContact:
    contact = customer_contact_get(customer_id=customer_id, contact_id=contact_id)
    if contact is None:
        raise NotFound(f"Customer {customer_id} has no contact {contact_id}.")
    return contact


class CustomerContactCollectionView(ListApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="A customer's contacts",
        description="The people the desk tells of the customer's incidents (when `notify_incidents`), in "
        "their language and timezone; oldest first. Managers only.",
        parameters=[CUSTOMER_ID],
        responses={200: CustomerContactSerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("A page of contacts", ex.CUSTOMER_CONTACT, status=200)],
    )
    def get(self, request, customer_id: int):
        contacts = customer_contact_list(customer_id=customer_id)
        if contacts is None:
            raise NotFound(f"No customer {customer_id}.")
        return self.paginated(contacts, CustomerContactSerializer)

    @extend_schema(
        summary="Add a contact to a customer",
        description="The address is stored lower-cased; a customer has each address once at most (in any "
        "case), another customer may have it too. Managers only.",
        parameters=[CUSTOMER_ID],
        request=CustomerContactWriteSerializer,
        responses={201: CustomerContactSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("A contact who reads Portuguese", WRITE_EXAMPLE, request=True),
            ex.example("The contact", ex.CUSTOMER_CONTACT, status=201),
            DUPLICATE,
        ],
    )
    def post(self, request, customer_id: int):
        customer = customer_or_404(customer_id)
        data = self.body(CustomerContactWriteSerializer)
        contact = customer_contact_create(customer=customer, **data)
        return Response(CustomerContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class CustomerContactDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="One contact of a customer",
        parameters=[CUSTOMER_ID, CONTACT_ID],
        responses={200: CustomerContactSerializer, **errors(*READ, 404)},
        examples=[ex.example("A contact", ex.CUSTOMER_CONTACT, status=200)],
    )
    def get(self, request, customer_id: int, contact_id: int):
        return Response(CustomerContactSerializer(_contact_or_404(customer_id, contact_id)).data)

    @extend_schema(
        summary="Change a contact",
        description="Only what is given changes. Managers only.",
        parameters=[CUSTOMER_ID, CONTACT_ID],
        request=CustomerContactWriteSerializer(partial=True),
        responses={200: CustomerContactSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("No more incident emails", {"notify_incidents": False}, request=True),
            ex.example("The contact", {**ex.CUSTOMER_CONTACT, "notify_incidents": False}, status=200),
            DUPLICATE,
        ],
    )
    def patch(self, request, customer_id: int, contact_id: int):
        contact = _contact_or_404(customer_id, contact_id)
        changes = self.body(CustomerContactWriteSerializer, partial=True)
        contact = customer_contact_update(contact=contact, **changes)
        return Response(CustomerContactSerializer(contact).data)

    @extend_schema(
        summary="Remove a contact",
        description="The desk no longer writes to them; emails already sent keep their record. "
        "Managers only.",
        parameters=[CUSTOMER_ID, CONTACT_ID],
        responses={204: OpenApiResponse(description="Removed; no body."), **errors(*READ, 404)},
    )
    def delete(self, request, customer_id: int, contact_id: int):
        customer_contact_delete(contact=_contact_or_404(customer_id, contact_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
