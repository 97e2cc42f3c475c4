"""A customer's monthly SLA statements: the list of months, and one statement as its signed JSON."""

from django.urls import reverse
from rest_framework import serializers


def _link(request, name: str, statement) -> str:
    path = reverse(name, args=[statement.customer.statement_token, statement.month])
    return request.build_absolute_uri(path) if request is not None else path


class StatementSummarySerializer(serializers.Serializer):
    month = serializers.SerializerMethodField(help_text="The calendar month (UTC), YYYY-MM.")
    made_at = serializers.DateTimeField()
    signed = serializers.BooleanField(
        help_text="False when no LEDGER_CHECKPOINT_KEY was set when it was made."
    )
    checkpoint_seq = serializers.IntegerField(help_text="The ledger row its signed checkpoint ends at.")
    page = serializers.SerializerMethodField(
        help_text="The customer's page of it (behind the statement link)."
    )
    json = serializers.SerializerMethodField(help_text="Its signed JSON download.")
    csv = serializers.SerializerMethodField(help_text="Its signed CSV download.")

    def get_month(self, statement) -> str:
        return f"{statement.month:%Y-%m}"

    def get_page(self, statement) -> str:
        return _link(self.context.get("request"), "web:statement", statement)

    def get_json(self, statement) -> str:
        return _link(self.context.get("request"), "web:statement-json", statement)

    def get_csv(self, statement) -> str:
        return _link(self.context.get("request"), "web:statement-csv", statement)


class StatementRowSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    hash = serializers.CharField()
    ticket = serializers.CharField(help_text="The ticket's reference.")
    metric = serializers.CharField()
    cycle = serializers.IntegerField()
    kind = serializers.CharField()
    severity = serializers.CharField()
    started_at = serializers.CharField()
    due_at = serializers.CharField()
    achieved_at = serializers.CharField(allow_null=True)
    target_seconds = serializers.IntegerField()
    elapsed_seconds = serializers.IntegerField()
    met = serializers.BooleanField()


class StatementCheckpointSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    hash = serializers.CharField()
    at = serializers.CharField()
    signature = serializers.CharField(help_text="HMAC-SHA256 of the checkpoint; empty when unsigned.")


class StatementSerializer(serializers.Serializer):
    """Documents the stored document; the view returns it as stored, with its signature."""

    format = serializers.CharField()
    customer = serializers.DictField()
    month = serializers.CharField()
    period = serializers.DictField(child=serializers.CharField())
    made_at = serializers.CharField()
    rows = StatementRowSerializer(many=True)
    totals = serializers.DictField(child=serializers.DictField(), help_text="Per metric and `all`.")
    credits = serializers.DictField()
    availability = serializers.DictField(allow_null=True)
    checkpoint = StatementCheckpointSerializer()
    signed = serializers.BooleanField()
    signature = serializers.CharField(
        help_text="HMAC-SHA256 (hex) of the canonical JSON (keys sorted, no spaces, ASCII) of all else."
    )
