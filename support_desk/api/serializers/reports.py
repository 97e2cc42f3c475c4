"""Manager reporting: the SLA report, breaches, trends, service credits, coverage and ledger integrity."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from escalation.models import LedgerEntry, Metric, Region
from escalation.reports.selectors.filters import INTERVALS, REPORT_GROUPS
from escalation.roster.coverage import describe_interval
from tickets.models import Plan, Severity

from ..fields import DurationField, MonthField, TicketReferenceField


class PercentilesSerializer(serializers.Serializer):
    p50 = DurationField(allow_null=True)
    p90 = DurationField(allow_null=True)


class ReportRowSerializer(serializers.Serializer):
    """A `ReportRow`: one group of decided metric cycles (or all of them)."""

    key = serializers.SerializerMethodField()
    label = serializers.CharField(allow_null=True, help_text="What the group is called; null: none.")
    tickets = serializers.IntegerField()
    met = serializers.IntegerField(help_text="Metric cycles that met their promise.")
    breached = serializers.IntegerField(help_text="Metric cycles breached (open, overdue ones included).")
    compliance = serializers.FloatField(allow_null=True, help_text="Per cent of cycles met.")
    first_response = PercentilesSerializer(help_text="Business time to the first response.")
    resolution = PercentilesSerializer(help_text="Business time to resolution, paused time excluded.")
    first_response_wall = PercentilesSerializer(help_text="Wall-clock time to the first response.")
    resolution_wall = PercentilesSerializer(help_text="Wall-clock time to resolution, pauses included.")
    paused = DurationField(help_text="Business time resolution cycles spent waiting on the customer.")
    escalations = serializers.IntegerField(help_text="Escalation steps fired (warnings not counted).")
    pages_acknowledged = serializers.IntegerField(help_text="Of those steps, how many were acknowledged.")
    time_to_acknowledge = PercentilesSerializer(
        help_text="Per breached cycle: from its first escalation step firing to the first acknowledgement."
    )

    @extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True})
    def get_key(self, row):
        return row.key


class ReportFiltersSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, allow_null=True)
    plan = serializers.ChoiceField(choices=Plan.choices, allow_null=True)
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    engineer = serializers.CharField(allow_null=True)
    region = serializers.ChoiceField(choices=Region.choices, allow_null=True)


class PeriodMixin(serializers.Serializer):
    """`from` (inclusive), `to` (exclusive) and `timezone` of a report's `filters.period`."""

    timezone = serializers.CharField(source="filters.period.zone.key")

    def get_fields(self):
        # `from` is a Python keyword, so these two cannot be declared as attributes.
        return {
            "from": serializers.DateTimeField(source="filters.period.start"),
            "to": serializers.DateTimeField(source="filters.period.end"),
            **super().get_fields(),
        }


class VoidedBySerializer(serializers.Serializer):
    engineer = serializers.CharField(
        source="username", allow_null=True, help_text="Who voided them; null: on arrival (blocked sender)."
    )
    cycles = serializers.IntegerField()


class ReportSerializer(PeriodMixin):
    """An `SlaReport`: metric cycles due in [`from`, `to`), grouped, and all together."""

    group_by = serializers.ChoiceField(choices=list(REPORT_GROUPS))
    filters = ReportFiltersSerializer()
    groups = ReportRowSerializer(many=True)
    total = ReportRowSerializer(help_text="All groups together.")
    voided_cycles = serializers.IntegerField(
        source="voided_total", help_text="Metric cycles left out: their ticket was closed as spam."
    )
    voided_by = VoidedBySerializer(
        source="voided", many=True, help_text="The voided cycles per engineer who voided them."
    )


class BreachSerializer(serializers.Serializer):
    """A row of `breach_list`: one breached metric cycle."""

    ticket = TicketReferenceField(source="ticket_id")
    url = serializers.SerializerMethodField()
    subject = serializers.CharField()
    customer = serializers.SerializerMethodField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    plan = serializers.ChoiceField(choices=Plan.choices)
    metric = serializers.ChoiceField(choices=Metric.choices)
    cycle = serializers.IntegerField()
    engineer = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    promised_at = serializers.DateTimeField(source="due_at", help_text="The due time that was promised.")
    achieved_at = serializers.DateTimeField(allow_null=True, help_text="Null while the cycle is still open.")
    open = serializers.SerializerMethodField()
    overshoot = serializers.SerializerMethodField()
    late_by = DurationField(help_text="Wall-clock time from the due time to the answer (or to now, if open).")
    highest_step = serializers.IntegerField(help_text="Highest escalation step fired; 0 for none.")

    @extend_schema_field({"type": "string", "example": "https://desk.example.com/tickets/SD-1042/"})
    def get_url(self, row) -> str:
        request = self.context.get("request")
        path = f"/tickets/{TicketReferenceField().to_representation(row.ticket_id)}/"
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        }
    )
    def get_customer(self, row) -> dict | None:
        return {"id": row.customer_id, "name": row.customer.name} if row.customer_id else None

    @extend_schema_field({"type": "string", "nullable": True, "example": "lena"})
    def get_engineer(self, row) -> str | None:
        return row.engineer.get_username() if row.engineer_id else None

    def get_open(self, row) -> bool:
        return row.kind == LedgerEntry.Kind.BREACH

    @extend_schema_field(
        {
            "type": "string",
            "nullable": True,
            "example": "00:12:30",
            "description": "Business time past the target; null while the cycle is open.",
        }
    )
    def get_overshoot(self, row) -> str | None:
        return None if self.get_open(row) else DurationField().to_representation(row.overshoot)


class TrendPointSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The local day, or the Monday of the local week.")
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)


class HeatmapCellSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="1 = Monday .. 7 = Sunday, local.")
    hour = serializers.IntegerField(help_text="0..23, local.")
    breaches = serializers.IntegerField()


class TrendsSerializer(PeriodMixin):
    """A `Trends`."""

    interval = serializers.ChoiceField(choices=list(INTERVALS))
    points = TrendPointSerializer(many=True)
    heatmap = serializers.SerializerMethodField(help_text="168 cells: breaches by local hour of the week.")

    @extend_schema_field(HeatmapCellSerializer(many=True))
    def get_heatmap(self, trends) -> list:
        cells = [
            {"weekday": weekday + 1, "hour": hour, "breaches": count}
            for weekday, hours in enumerate(trends.heatmap.counts)
            for hour, count in enumerate(hours)
        ]
        return HeatmapCellSerializer(cells, many=True).data


class CustomerOfRowMixin(serializers.Serializer):
    """`customer` ({id, name, plan}) of a per-customer month row."""

    customer = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "plan": {"type": "string"}},
        }
    )
    def get_customer(self, row) -> dict:
        return {"id": row.customer_id, "name": row.name, "plan": row.plan}


class MonthMixin(serializers.Serializer):
    """`month`, then `from` (inclusive) and `to` (exclusive) of a month report's `period` (UTC)."""

    def get_fields(self):
        fields = super().get_fields()
        return {
            "month": fields.pop("month"),
            "from": serializers.DateTimeField(source="period.start"),
            "to": serializers.DateTimeField(source="period.end"),
            **fields,
        }


class CreditTermsSerializer(serializers.Serializer):
    major_first_response_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    other_breach_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    cap_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class CustomerCreditSerializer(CustomerOfRowMixin):
    monthly_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    major_first_response_breaches = serializers.IntegerField(source="credit.major_first_response_breaches")
    other_breaches = serializers.IntegerField(source="credit.other_breaches")
    percent = serializers.DecimalField(
        source="credit.percent",
        max_digits=6,
        decimal_places=2,
        help_text="Of the monthly fee, after the cap.",
    )
    capped = serializers.BooleanField(source="credit.capped")
    credit = serializers.DecimalField(source="credit.amount", max_digits=14, decimal_places=2)
    terms = CreditTermsSerializer(help_text="The rule of the customer's plan.")


class MonthCreditsSerializer(MonthMixin):
    """A `MonthCredits`: customers with a breach in the month (UTC), by name."""

    month = MonthField()
    final = serializers.BooleanField(
        help_text="Whether the month has ended: false for the month to date, whose credits still grow."
    )
    terms = serializers.DictField(child=CreditTermsSerializer(), help_text="The rule of each plan.")
    results = CustomerCreditSerializer(source="customers", many=True)


class AvailabilityTierSerializer(serializers.Serializer):
    below_percent = serializers.DecimalField(max_digits=6, decimal_places=3)
    credit_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class AvailabilityTermsSerializer(serializers.Serializer):
    commitment = serializers.DecimalField(
        source="commitment_percent", max_digits=6, decimal_places=3, help_text="Per cent of the month."
    )
    credit_percent = serializers.DecimalField(
        source="missed_credit_percent",
        max_digits=5,
        decimal_places=2,
        help_text="Of the monthly fee, owed below the commitment.",
    )
    tiers = AvailabilityTierSerializer(many=True, help_text="Deeper misses: below `below_percent`, more.")


class CustomerAvailabilitySerializer(CustomerOfRowMixin):
    minutes = serializers.IntegerField(source="availability.minutes", help_text="The whole month's (UTC).")
    downtime_minutes = serializers.IntegerField(
        source="availability.downtime_minutes",
        help_text="Minutes of the month touched by an outage of the customer's incidents, overlaps once.",
    )
    availability = serializers.DecimalField(
        source="availability.availability",
        max_digits=6,
        decimal_places=3,
        help_text="Per cent, rounded down to 3 decimals.",
    )
    commitment = serializers.DecimalField(source="availability.commitment", max_digits=6, decimal_places=3)
    met = serializers.BooleanField(source="availability.met")
    credit_percent = serializers.DecimalField(
        source="availability.credit_percent", max_digits=5, decimal_places=2, help_text="Of the monthly fee."
    )
    credit_amount = serializers.DecimalField(
        source="availability.credit_amount", max_digits=14, decimal_places=2
    )
    monthly_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    incidents = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of the outage incidents counted in the month, oldest first.",
    )


class MonthAvailabilitySerializer(MonthMixin):
    """A `MonthAvailability`: every customer (or the one asked for), by name."""

    month = MonthField()
    final = serializers.BooleanField(
        help_text="Whether the month has ended: false for the month to date, whose downtime still grows."
    )
    terms = serializers.DictField(child=AvailabilityTermsSerializer(), help_text="The terms of each plan.")
    results = CustomerAvailabilitySerializer(source="customers", many=True)


class IntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    minutes = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField(
        help_text="In the zone asked for, e.g. `Mon 16 Jun 02:00-06:00 CEST`."
    )

    def get_minutes(self, interval) -> float:
        return round(interval.duration.total_seconds() / 60, 1)

    def get_text(self, interval) -> str:
        return describe_interval(interval, self.context["zone"])


class HourCellSerializer(serializers.Serializer):
    day = serializers.DateField()
    hour = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["covered", "on_call", "gap", "skipped"])
    fewest_on_shift = serializers.IntegerField(source="fewest", help_text="On shift for the whole hour.")
    most_on_shift = serializers.IntegerField(source="most", help_text="On shift at some point of the hour.")
    on_shift = serializers.ListField(child=serializers.CharField(), help_text="Usernames.")
    gap_minutes = serializers.SerializerMethodField()

    def get_gap_minutes(self, cell) -> float:
        return round(cell.gap.total_seconds() / 60, 1)


class CoverageWeekSerializer(serializers.Serializer):
    timezone = serializers.CharField(source="zone.key")
    week_start = serializers.DateField(source="monday")
    on_call = serializers.ListField(
        child=serializers.CharField(), help_text="Active on-call engineers, paged when nobody is on shift."
    )
    gaps = serializers.SerializerMethodField(help_text="Nobody on shift and nobody on call.")
    hours = serializers.SerializerMethodField()

    def get_fields(self):
        return {
            "from": serializers.DateTimeField(source="start"),
            "to": serializers.DateTimeField(source="end"),
            **super().get_fields(),
        }

    @extend_schema_field(IntervalSerializer(many=True))
    def get_gaps(self, week) -> list:
        return IntervalSerializer(week.gaps, many=True, context={"zone": week.zone}).data

    @extend_schema_field(HourCellSerializer(many=True))
    def get_hours(self, week) -> list:
        return HourCellSerializer([cell for _, cells in week.days for cell in cells], many=True).data


class CoverageSerializer(serializers.Serializer):
    local = CoverageWeekSerializer(help_text="The week in the zone asked for.")
    utc = CoverageWeekSerializer(help_text="The same week in UTC, Monday 00:00 to Monday 00:00.")
    on_call_without_phone = serializers.ListField(
        child=serializers.CharField(), help_text="On call without a phone number: a page cannot reach them."
    )


class LedgerIntegritySerializer(serializers.Serializer):
    verified = serializers.BooleanField(
        allow_null=True,
        help_text="Every row's hash matches its contents and links to the row before; null until the first "
        "walk of a large ledger has finished.",
    )
    rows = serializers.IntegerField(help_text="Rows the last walk covered.")
    faults = serializers.ListField(child=serializers.CharField(), help_text="The first faults found, if any.")
    checked_at = serializers.DateTimeField(allow_null=True, help_text="When the last walk started.")
    seconds = serializers.FloatField(help_text="How long the last walk took.")
    walking = serializers.BooleanField(help_text="A newer walk is running in the worker (large ledgers).")
