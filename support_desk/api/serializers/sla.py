"""SLA targets, the deadline calculator and the SLA ledger (reports: `serializers/reports.py`)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from escalation.models import BusinessCalendar, LedgerEntry, Metric
from tickets.models import Plan, Severity

from ..fields import DurationField, TargetDurationField, TicketReferenceField


class CalendarBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=BusinessCalendar.Kind.choices)


class SlaTargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.ChoiceField(choices=Plan.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    first_response = DurationField()
    resolution = DurationField()
    calendar = CalendarBriefSerializer()


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "example": "24x7",
        "description": "Calendar id or name.",
    }
)
class CalendarRefField(serializers.Field):
    """A business calendar named by its id or its name."""

    default_error_messages = {
        "unknown": "No calendar {ref!r}; choose one of: {names}.",
        "invalid": "Name a calendar by its id (a number) or its name.",
    }

    def to_internal_value(self, data) -> BusinessCalendar:
        if isinstance(data, bool) or not isinstance(data, int | str) or "\x00" in str(data):
            self.fail("invalid")
        calendars = BusinessCalendar.objects.all()
        if isinstance(data, str):
            found = calendars.filter(name=data).first()
            if found is None and data.isascii() and data.isdigit() and len(data) < 19:
                found = calendars.filter(pk=int(data)).first()
        else:
            found = calendars.filter(pk=data).first() if 0 < data < 2**63 else None
        if found is None:
            names = ", ".join(repr(name) for name in calendars.values_list("name", flat=True))
            self.fail("unknown", ref=str(data)[:100], names=names)
        return found

    def to_representation(self, value: BusinessCalendar):
        return value.pk


class SlaTargetUpdateSerializer(serializers.Serializer):
    first_response = TargetDurationField(required=False)
    resolution = TargetDurationField(required=False)
    calendar = CalendarRefField(required=False)


class DeadlineStepsSerializer(serializers.Serializer):
    first_response = serializers.ListField(child=serializers.CharField())
    resolution = serializers.ListField(child=serializers.CharField())


class DeadlineSerializer(serializers.Serializer):
    """A `DeadlineExplained`."""

    plan = serializers.CharField(source="target.plan")
    severity = serializers.CharField(source="target.severity")
    start = serializers.DateTimeField()
    timezone = serializers.CharField(source="timezone.key")
    calendar = CalendarBriefSerializer(source="target.calendar")
    first_response_target = DurationField(source="target.first_response")
    resolution_target = DurationField(source="target.resolution")
    first_response_due_at = serializers.DateTimeField(source="first_response.due")
    resolution_due_at = serializers.DateTimeField(source="resolution.due")
    explanation = serializers.SerializerMethodField()

    @extend_schema_field(DeadlineStepsSerializer)
    def get_explanation(self, explained) -> dict:
        return {"first_response": explained.first_response.steps, "resolution": explained.resolution.steps}


class LedgerEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=LedgerEntry.Kind.choices,
        help_text="`completed` closes a cycle; `breach` was written the moment its deadline passed.",
    )
    ticket = TicketReferenceField(source="ticket_id")
    metric = serializers.ChoiceField(choices=Metric.choices)
    cycle = serializers.IntegerField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    plan = serializers.ChoiceField(choices=Plan.choices)
    customer = serializers.SerializerMethodField()
    engineer = serializers.SerializerMethodField()
    target = DurationField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    achieved_at = serializers.DateTimeField(allow_null=True)
    elapsed = DurationField(help_text="Business time from start to achievement (or to the breach).")
    paused = DurationField(help_text="Business time spent waiting on the customer.")
    met = serializers.BooleanField()
    breached = serializers.SerializerMethodField()
    overshoot = DurationField(help_text="Business time past the target.")
    escalation_level = serializers.IntegerField()
    recorded_at = serializers.DateTimeField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField()

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        }
    )
    def get_customer(self, entry) -> dict | None:
        return {"id": entry.customer_id, "name": entry.customer.name} if entry.customer_id else None

    @extend_schema_field({"type": "string", "nullable": True, "example": "lena"})
    def get_engineer(self, entry) -> str | None:
        return entry.engineer.get_username() if entry.engineer_id else None

    def get_breached(self, entry) -> bool:
        return not entry.met
