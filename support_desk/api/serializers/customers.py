"""Customers and the email domains that file under them."""

from decimal import Decimal

from django.urls import reverse
from rest_framework import serializers

from tickets.models import Plan

from ..fields import TimeZoneField

MAX_DOMAINS = 100


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    plan = serializers.ChoiceField(choices=Plan.choices)
    timezone = TimeZoneField()
    email_domains = serializers.SerializerMethodField()
    monthly_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    statement_link = serializers.SerializerMethodField(
        help_text="The customer's private link to their monthly SLA statements (no account: whoever holds "
        "it can read them). Give it to the customer; rotate it with POST .../statement-link/."
    )

    def get_email_domains(self, customer) -> list[str]:
        return sorted(domain.domain for domain in customer.domains.all())

    def get_statement_link(self, customer) -> str:
        return statement_link(customer, self.context.get("request"))


def statement_link(customer, request) -> str:
    path = reverse("web:statements", args=[customer.statement_token])
    return request.build_absolute_uri(path) if request is not None else path


class CustomerWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    plan = serializers.ChoiceField(choices=Plan.choices, default=Plan.STANDARD)
    timezone = TimeZoneField(default="UTC")
    email_domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        max_length=MAX_DOMAINS,
        default=list,
        help_text="Requesters at one of these domains (or a subdomain of one) file under this customer.",
    )
    monthly_fee = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        default=Decimal(0),
        help_text="What the customer pays a month; service credits are a share of it.",
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        default="USD",
        error_messages={"invalid": "An ISO 4217 code such as USD, EUR or JPY."},
        help_text="ISO 4217 code of the monthly fee.",
    )

    def validate_name(self, name: str) -> str:
        name = name.strip()
        if not name:
            raise serializers.ValidationError("A customer needs a name.")
        return name
