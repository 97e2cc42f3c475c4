"""A customer's statement link and monthly SLA statements: managers only (the customer reads them behind
the link, `/statements/<token>/`)."""

import json

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from escalation.statements.document import statement_json
from escalation.statements.selectors import statement_get, statement_list
from tickets.services import customer_statement_link_rotate

from .. import examples as ex
from ..permissions import IsManager
from ..schema import READ, WRITE, errors
from ..serializers.customers import CustomerSerializer
from ..serializers.statements import StatementSerializer, StatementSummarySerializer
from .base import ApiView
from .customers import CUSTOMER_ID, customer_or_404

MONTH = OpenApiParameter("month", str, OpenApiParameter.PATH, description="A calendar month (UTC), YYYY-MM.")


class StatementLinkRotateView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Give a customer a new statement link",
        description="The customer's statements move to a new private link (`statement_link`); the old link "
        "stops working at once. For a link shared by mistake. Managers only.",
        request=None,
        parameters=[CUSTOMER_ID],
        responses={200: CustomerSerializer, **errors(*WRITE, 404)},
        examples=[ex.example("The customer with the new link", ex.CUSTOMER, status=200)],
    )
    def post(self, request, customer_id: int):
        customer = customer_statement_link_rotate(customer_id=customer_id)
        if customer is None:
            raise NotFound(f"No customer {customer_id}.")
        return Response(CustomerSerializer(customer, context={"request": request}).data)


class StatementListView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="A customer's monthly SLA statements",
        description="The latest month first: when each was made, whether it is signed, the ledger row its "
        "checkpoint ends at, and its links behind the customer's statement link. Statements are made "
        "early on the 1st (UTC) for the month just ended, and by `manage.py ledger_statements`. "
        "Managers only.",
        parameters=[CUSTOMER_ID],
        responses={200: StatementSummarySerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("June", [ex.STATEMENT_SUMMARY], status=200)],
    )
    def get(self, request, customer_id: int):
        customer = customer_or_404(customer_id)
        statements = statement_list(customer_id=customer.pk)
        for statement in statements:
            statement.customer = customer  # for the links, without a query each
        return Response(StatementSummarySerializer(statements, many=True, context={"request": request}).data)


class StatementDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="One month's SLA statement",
        description="The statement as the customer downloads it (its signed JSON): the month's ledger rows "
        "of the customer's tickets, totals per metric, credits, availability and the signed checkpoint "
        "of the ledger's head. `manage.py verify_statement FILE` checks a saved copy. Managers only.",
        parameters=[CUSTOMER_ID, MONTH],
        responses={200: StatementSerializer, **errors(*READ, 404)},
        examples=[ex.example("June", ex.STATEMENT, status=200)],
    )
    def get(self, request, customer_id: int, month):
        customer = customer_or_404(customer_id)
        statement = statement_get(customer_id=customer.pk, month=month)
        if statement is None:
            raise NotFound(f"No statement of {month:%Y-%m} for customer {customer_id}.")
        return Response(json.loads(statement_json(statement.document, signature=statement.signature)))
