"""Query parameters of the list and calculator endpoints, validated like bodies: 400 per parameter.

Each serializer documents its parameters in the schema (`extend_schema(parameters=[...])`) and turns
them into the keyword arguments of one selector.
"""

from rest_framework import serializers

from escalation.incidents.models import IncidentStatus
from escalation.models import Metric, Region
from escalation.reports.periods import (
    TREND_DAILY_UP_TO_DAYS,
    PeriodError,
    default_interval,
    month_last_complete,
    period_resolve,
)
from escalation.reports.selectors.filters import INTERVALS, REPORT_GROUPS, ReportFilters
from escalation.roster.selectors import manager_zone_get
from tickets.models import Plan, Severity, Status
from tickets.search import PREFIX_MIN_LENGTH, SEARCH_MAX_LENGTH
from tickets.selectors import TICKET_ORDERINGS, UNSET

from .fields import (
    DayField,
    GivenTextField,
    InstantField,
    MonthField,
    PeriodBoundField,
    TicketReferenceField,
    TimeZoneField,
)

MAX_ID = 2**63 - 1


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
    search = GivenTextField(
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        help_text="Tickets matching the text: a reference (`SD-1042` or `1042`), the requester's email or "
        "name, the customer's name, words of the subject, the description and the messages (internal "
        "notes too); every word must match, the last one also as the start of a word (what is still "
        f"being typed, from {PREFIX_MIN_LENGTH} characters). Best matches first unless `ordering` is "
        "given: the reference, then subject, people, description and message matches, ties by time "
        "left. Combines with the other filters. A search holds at most 1,000 tickets, the newest "
        "matches; when more match, `count` says 1000 and the response has the header `Search-Capped: "
        "1000`. See docs/api/search.md.",
    )
    ordering = serializers.ChoiceField(
        choices=list(TICKET_ORDERINGS),
        required=False,
        help_text="Default `next_due_at`: least time left first (tickets with no running clock last), or "
        "with `search`, best match first. `severity` sorts general < urgent < major; `-` reverses.",
    )

    def selector_kwargs(self, user) -> dict:
        data = self.validated_data
        return {
            "severities": sorted(data["severity"]),
            "statuses": sorted(data["status"]),
            "assignee": self._assignee(data.get("assignee"), user),
            "customer_id": data.get("customer"),
            "breached": data["breached"],
            "search": data.get("search"),
            "ordering": data.get("ordering"),
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


class FromToQuery(serializers.Serializer):
    """Declares `due_from` and `due_to`; the parameters are `from` and `to` (`from` is a Python keyword)."""

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("due_from")
        fields["to"] = fields.pop("due_to")
        return fields


class LedgerQuery(FromToQuery):
    due_from = InstantField(required=False, help_text="Rows due at or after this instant.")
    due_to = InstantField(required=False, help_text="Rows due before this instant.")
    ticket = TicketReferenceField(required=False, help_text="A ticket reference, e.g. SD-1042.")
    metric = serializers.ChoiceField(choices=Metric.choices, required=False)
    breached = optional_boolean("`true`: missed promises (breach rows and late completions); `false`: met.")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)

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


class ReportFilterFields(serializers.Serializer):
    """The filters of the report endpoints besides the period (the SLA report's and satisfaction's)."""

    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    plan = serializers.ChoiceField(choices=Plan.choices, required=False)
    customer = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Customer id."
    )
    engineer = serializers.CharField(
        max_length=150,
        required=False,
        help_text="Username of the engineer the ledger row names (satisfaction: the assignee at resolution).",
    )
    region = serializers.ChoiceField(choices=Region.choices, required=False)

    def report_filters(self) -> ReportFilters:
        data = self.validated_data
        return ReportFilters(
            period=data["period"],
            severity=data.get("severity"),
            plan=data.get("plan"),
            customer_id=data.get("customer"),
            engineer=data.get("engineer"),
            region=data.get("region"),
        )


class ReportFilterQuery(ReportFilterFields, FromToQuery):
    """The period and filters every report endpoint takes; `report_filters()` is the selector argument.

    Needs `now` in its context (the default end of the period) and the request (the manager's zone).
    """

    due_from = PeriodBoundField(
        required=False,
        help_text="Cycles due at or after this instant, or from the start of this day (YYYY-MM-DD) in "
        "`timezone`. Default: 30 days before `to`, in local time.",
    )
    due_to = PeriodBoundField(
        required=False,
        help_text="Cycles due before this instant, or up to the end of this day (YYYY-MM-DD) in "
        "`timezone`. Default: now.",
    )
    timezone = TimeZoneField(
        required=False,
        help_text="Zone of dates, days, weeks and hours of the week. Default: the manager's own zone "
        "(their engineer profile's), else UTC.",
    )

    def validate(self, data):
        zone = data.get("timezone") or manager_zone_get(self.context["request"].user)
        try:
            period = period_resolve(
                start=data.get("from"), end=data.get("to"), zone=zone, now=self.context["now"]
            )
        except PeriodError as refused:
            raise serializers.ValidationError({refused.field: [str(refused)]}) from None
        return {**data, "period": period}


class ReportQuery(ReportFilterQuery):
    group_by = serializers.ChoiceField(choices=list(REPORT_GROUPS), default="severity")


class TrendQuery(ReportFilterQuery):
    interval = serializers.ChoiceField(
        choices=list(INTERVALS),
        required=False,
        help_text="`day` or `week` (local, weeks start on Monday). Default: `day` for periods up to "
        f"{TREND_DAILY_UP_TO_DAYS} days, else `week`.",
    )

    def chosen_interval(self) -> str:
        return self.validated_data.get("interval") or default_interval(self.validated_data["period"])


class MonthQuery(serializers.Serializer):
    """Needs `now` in its context: the default month."""

    month = MonthField(
        required=False,
        help_text="YYYY-MM, a calendar month in UTC. Default: the last complete month (credits are billed "
        "per closed month); the current month gives the credits to date, not final.",
    )

    def first_day(self):
        return self.validated_data.get("month") or month_last_complete(self.context["now"])


class AvailabilityQuery(MonthQuery):
    month = MonthField(
        required=False,
        help_text="YYYY-MM, a calendar month in UTC. Default: the last complete month; the current month "
        "gives the month to date, not final.",
    )
    customer = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A customer id: only that customer."
    )


class CoverageQuery(serializers.Serializer):
    week = DayField(required=False, help_text="Any day of the week to show (YYYY-MM-DD). Default: this week.")

    timezone = TimeZoneField(
        required=False, help_text="Zone of the hours. Default: the manager's own zone, else UTC."
    )


class IntegrityQuery(serializers.Serializer):
    refresh = serializers.BooleanField(
        required=False,
        default=False,
        help_text="`true`: walk the chain now instead of using the last result.",
    )


class IncidentListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    customer = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="A customer id."
    )

    def selector_kwargs(self) -> dict:
        return {
            "status": self.validated_data.get("status"),
            "customer_id": self.validated_data.get("customer"),
        }


class SatisfactionQuery(ReportFilterFields, FromToQuery):
    """The satisfaction report's period: the instants ratings' cycles were resolved at, read like the SLA
    report's (a day is local midnight in `timezone`, `to` the end of its day; default the last 30 days)."""

    due_from = PeriodBoundField(
        required=False,
        help_text="Cycles resolved at or after this instant, or from the start of this day (YYYY-MM-DD) in "
        "`timezone`. Default: 30 days before `to`, in local time.",
    )
    due_to = PeriodBoundField(
        required=False,
        help_text="Cycles resolved before this instant, or up to the end of this day (YYYY-MM-DD) in "
        "`timezone`. Default: now.",
    )
    timezone = TimeZoneField(
        required=False,
        help_text="Zone of days and weeks. Default: the manager's own zone (their engineer profile's), "
        "else UTC.",
    )

    def validate(self, data):
        # An empty `?from=` is a mistake to point out, not "the default": DRF reads it as absent.
        for name in ("from", "to"):
            if name in self.initial_data and not str(self.initial_data.get(name, "")).strip():
                raise serializers.ValidationError(
                    {name: ["Give a day (2025-06-01) or an instant, or leave the parameter out."]}
                )
        zone = data.get("timezone") or manager_zone_get(self.context["request"].user)
        try:
            period = period_resolve(
                start=data.get("from"), end=data.get("to"), zone=zone, now=self.context["now"]
            )
        except PeriodError as refused:
            raise serializers.ValidationError({refused.field: [str(refused)]}) from None
        return {**data, "period": period}
