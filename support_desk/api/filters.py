"""Query parameters of the list and calculator endpoints, validated like bodies: 400 per parameter.

Each serializer documents its parameters in the schema (`extend_schema(parameters=[...])`) and turns
them into the keyword arguments of one selector.
"""

from datetime import timedelta

from rest_framework import serializers

from escalation.models import Metric, Region
from escalation.selectors import REPORT_GROUPS
from tickets.models import Plan, Severity, Status
from tickets.selectors import TICKET_DEFAULT_ORDERING, TICKET_ORDERINGS, UNSET

from .fields import InstantField, TicketReferenceField, TimeZoneField

MAX_ID = 2**63 - 1
REPORT_DEFAULT_SPAN = timedelta(days=30)


def optional_boolean(help_text: str) -> serializers.BooleanField:
    # allow_null: an absent parameter means "either", not false.
    return serializers.BooleanField(required=False, allow_null=True, default=None, help_text=help_text)


class TicketListQuery(serializers.Serializer):
    severity = serializers.MultipleChoiceField(
        choices=Severity.choices,
        required=False,
        help_text="Repeat for several: `?severity=urgent&severity=major`.",
    )
    status = serializers.MultipleChoiceField(
        choices=Status.choices, required=False, help_text="Repeat for several: `?status=new&status=open`."
    )
    assignee = serializers.CharField(
        max_length=150, required=False, help_text="A username, `me`, or `none` for unassigned tickets."
    )
    customer = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Customer id."
    )
    breached = optional_boolean("`true`: tickets with any metric breached; `false`: none breached.")
    ordering = serializers.ChoiceField(
        choices=list(TICKET_ORDERINGS),
        default=TICKET_DEFAULT_ORDERING,
        help_text="Default `next_due_at`: least time left first (tickets with no running clock last). "
        "`severity` sorts general < urgent < major; `-` reverses.",
    )

    def selector_kwargs(self, user) -> dict:
        data = self.validated_data
        return {
            "severities": sorted(data["severity"]),
            "statuses": sorted(data["status"]),
            "assignee": self._assignee(data.get("assignee"), user),
            "customer_id": data.get("customer"),
            "breached": data["breached"],
            "ordering": data["ordering"],
        }

    @staticmethod
    def _assignee(value: str | None, user):
        if value is None:
            return UNSET  # anybody's
        if value == "me":
            return user.pk
        if value == "none":
            return None  # unassigned
        return value  # a username


class EngineerListQuery(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    active = optional_boolean("`true`: in the rotation; `false`: out of it.")


class OnShiftQuery(serializers.Serializer):
    at = InstantField(required=False, help_text="ISO 8601 instant (default: now); without an offset, UTC.")


class DeadlineQuery(serializers.Serializer):
    plan = serializers.ChoiceField(choices=Plan.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    start = InstantField(help_text="When the ticket would be filed, ISO 8601; without an offset, UTC.")
    timezone = TimeZoneField(help_text="The customer's IANA timezone, e.g. Europe/Berlin.")


class LedgerQuery(serializers.Serializer):
    due_from = InstantField(required=False, help_text="Rows due at or after this instant.")
    due_to = InstantField(required=False, help_text="Rows due before this instant.")
    ticket = TicketReferenceField(required=False, help_text="A ticket reference, e.g. SD-1042.")
    metric = serializers.ChoiceField(choices=Metric.choices, required=False)
    breached = optional_boolean("`true`: missed promises (breach rows and late completions); `false`: met.")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)

    def get_fields(self):
        fields = super().get_fields()
        # `from` and `to` are the parameter names; `from` is a Python keyword.
        fields["from"] = fields.pop("due_from")
        fields["to"] = fields.pop("due_to")
        return fields

    def validate(self, data):
        if data.get("from") and data.get("to") and data["to"] <= data["from"]:
            raise serializers.ValidationError({"to": ["`to` must be after `from`."]})
        return data

    def selector_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "due_from": data.get("from"),
            "due_to": data.get("to"),
            "ticket_id": data.get("ticket"),
            "metric": data.get("metric"),
            "breached": data["breached"],
            "severity": data.get("severity"),
        }


class ReportQuery(serializers.Serializer):
    """Needs `now` in its context: the default end of the period."""

    due_from = InstantField(
        required=False, help_text="Cycles due at or after this instant (default: 30 days before `to`)."
    )
    due_to = InstantField(required=False, help_text="Cycles due before this instant (default: now).")
    group_by = serializers.ChoiceField(choices=list(REPORT_GROUPS), default="severity")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("due_from")
        fields["to"] = fields.pop("due_to")
        return fields

    def validate(self, data):
        due_to = data.get("to") or self.context["now"]
        due_from = data.get("from") or due_to - REPORT_DEFAULT_SPAN
        if due_to <= due_from:
            raise serializers.ValidationError({"to": ["`to` must be after `from`."]})
        return {**data, "from": due_from, "to": due_to}
