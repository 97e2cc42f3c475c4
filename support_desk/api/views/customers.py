"""Customers: managers only."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from tickets.models import Customer
from tickets.selectors import customer_get, customer_list
from tickets.services import customer_create, customer_update

from .. import examples as ex
from ..permissions import IsManager
from ..schema import READ, WRITE, errors
from ..serializers.customers import CustomerSerializer, CustomerWriteSerializer
from .base import ApiView, ListApiView

CUSTOMER_ID = OpenApiParameter("customer_id", int, OpenApiParameter.PATH, description="The customer's id.")
WRITE_EXAMPLE = {
    "name": "StreamCo",
    "plan": "premium",
    "timezone": "America/Sao_Paulo",
    "email_domains": ["streamco.example"],
}


def customer_or_404(customer_id: int) -> Customer:
    customer = customer_get(customer_id=customer_id)
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    return customer


class CustomerCollectionView(ListApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Customers",
        description="By name. Managers only.",
        responses={200: CustomerSerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("A page of customers", ex.CUSTOMER, status=200)],
    )
    def get(self, request):
        return self.paginated(customer_list(), CustomerSerializer)

    @extend_schema(
        summary="Add a customer",
        description="Requesters whose email is at one of `email_domains` (or a subdomain) file under this "
        "customer's plan. A domain belongs to one customer at most. Managers only.",
        request=CustomerWriteSerializer,
        responses={201: CustomerSerializer, **errors(*WRITE)},
        examples=[
            ex.example("A premium customer", WRITE_EXAMPLE, request=True),
            ex.example("The customer", ex.CUSTOMER, status=201),
            ex.example(
                "A domain taken",
                {"email_domains": ["streamco.example already belongs to StreamCo."]},
                status=400,
            ),
        ],
    )
    def post(self, request):
        data = self.body(CustomerWriteSerializer)
        customer = customer_create(**data)
        return Response(
            CustomerSerializer(customer_get(customer_id=customer.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CustomerDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="One customer",
        parameters=[CUSTOMER_ID],
        responses={200: CustomerSerializer, **errors(*READ, 404)},
        examples=[ex.example("A customer", ex.CUSTOMER, status=200)],
    )
    def get(self, request, customer_id: int):
        return Response(CustomerSerializer(customer_or_404(customer_id), context={"request": request}).data)

    @extend_schema(
        summary="Change a customer",
        description="Only what is given changes; `email_domains` replaces the whole list. A new plan "
        "applies to tickets filed afterwards. Managers only.",
        parameters=[CUSTOMER_ID],
        request=CustomerWriteSerializer(partial=True),
        responses={200: CustomerSerializer, **errors(*WRITE, 404)},
        examples=[
            ex.example("Upgrade", {"plan": "premium"}, request=True),
            ex.example("The customer", ex.CUSTOMER, status=200),
        ],
    )
    def patch(self, request, customer_id: int):
        changes = self.body(CustomerWriteSerializer, partial=True)
        customer = customer_update(customer=customer_or_404(customer_id), **changes)
        return Response(
            CustomerSerializer(customer_get(customer_id=customer.pk), context={"request": request}).data
        )
