"""Manager reporting: the SLA report, the breach list, trends, service credits, availability, coverage of
the roster and the ledger's integrity. Managers only. CSV exports of the same data are web downloads
(`/reports/sla/`, `/reports/availability.csv`)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from escalation.reports.selectors.availability import availability_list_for_month
from escalation.reports.selectors.breaches import breach_list
from escalation.reports.selectors.coverage import coverage_get
from escalation.reports.selectors.credits import credit_list_for_month
from escalation.reports.selectors.satisfaction import satisfaction_report_get
from escalation.reports.selectors.sla_report import sla_report_get
from escalation.reports.selectors.trends import sla_trends_get
from escalation.roster.selectors import manager_zone_get
from escalation.sla.integrity import ledger_integrity_get

from .. import examples as ex
from ..filters import (
    AvailabilityQuery,
    CoverageQuery,
    IntegrityQuery,
    MonthQuery,
    ReportFilterQuery,
    ReportQuery,
    SatisfactionQuery,
    TrendQuery,
)
from ..permissions import IsManager
from ..schema import READ, errors
from ..serializers.reports import (
    BreachSerializer,
    CoverageSerializer,
    LedgerIntegritySerializer,
    MonthAvailabilitySerializer,
    MonthCreditsSerializer,
    ReportSerializer,
    TrendsSerializer,
)
from ..serializers.satisfaction import SatisfactionSerializer
from .base import ApiView, ListApiView

PERIOD_WORDS = (
    "The period is on the instants promises fell due: `from` inclusive, `to` exclusive; a day (YYYY-MM-DD) "
    "means its local midnight in `timezone` (for `to`, the end of that day). Default: the last 30 days "
    "up to now, in the manager's zone. An open ticket already past its deadline counts as breached."
)


class SlaReportView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="The SLA report",
        description="Per group (`group_by`) and in total, for the decided metric cycles due in the period "
        "(a cycle's completed ledger row, or its breach row while it is still open): tickets, cycles met "
        "and breached, compliance in per cent, the 50th and 90th percentiles of business and wall-clock "
        "time to the first response and to resolution, time paused, escalation steps fired (the warning "
        "before a deadline is not one) and acknowledged, and per breached cycle the time from its first "
        f"step to the first acknowledgement. {PERIOD_WORDS} Managers only.",
        parameters=[ReportQuery],
        responses={200: ReportSerializer, **errors(*READ)},
        examples=[ex.example("By severity", ex.REPORT, status=200)],
    )
    def get(self, request):
        query = self.query(ReportQuery, now=timezone.now())
        report = sla_report_get(filters=query.report_filters(), group_by=query.validated_data["group_by"])
        return Response(ReportSerializer(report).data)


class BreachListView(ListApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Breached promises",
        description="Every breached metric cycle due in the period, the latest due first: ticket, customer, "
        "severity, engineer, promised and actual time, overshoot in business time (null while the "
        f"cycle is open), lateness in wall-clock time, highest escalation step. {PERIOD_WORDS} "
        "Managers only.",
        parameters=[ReportFilterQuery],
        responses={200: BreachSerializer(many=True), **errors(*READ, 404)},
        examples=[ex.example("A page of breaches", ex.BREACH, status=200)],
    )
    def get(self, request):
        now = timezone.now()
        query = self.query(ReportFilterQuery, now=now)
        return self.paginated(breach_list(filters=query.report_filters(), now=now), BreachSerializer)


class TrendsView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Compliance over time, and breaches by hour of the week",
        description="Met and breached cycles per local day or week of the period (every bucket, empty "
        "ones too), and the breached cycles by the local weekday and hour their deadline passed. "
        f"{PERIOD_WORDS} Managers only.",
        parameters=[TrendQuery],
        responses={200: TrendsSerializer, **errors(*READ)},
        examples=[ex.example("Per day", ex.TRENDS, status=200)],
    )
    def get(self, request):
        query = self.query(TrendQuery, now=timezone.now())
        trends = sla_trends_get(filters=query.report_filters(), interval=query.chosen_interval())
        return Response(TrendsSerializer(trends).data)


class CreditsView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Service credits",
        description="Per customer with a breach in the calendar month (UTC), the breaches counted by the "
        "credit rule of the customer's plan (by default 5 % of the monthly fee per breached first "
        "response of a major ticket, 2 % per other breached metric cycle, at most 30 %) and the credit "
        "owed. Credits are billed per closed month: without `month`, the last complete month; a month "
        "still running (`month` set to the current one) gives the credits to date, with `final` false. "
        "Managers edit the rules in the admin. Managers only.",
        parameters=[MonthQuery],
        responses={200: MonthCreditsSerializer, **errors(*READ)},
        examples=[ex.example("June", ex.CREDITS, status=200)],
    )
    def get(self, request):
        now = timezone.now()
        query = self.query(MonthQuery, now=now)
        return Response(MonthCreditsSerializer(credit_list_for_month(month=query.first_day(), now=now)).data)


class AvailabilityView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Availability and its credits",
        description="Per customer (every customer by name, or the one asked for) for a calendar month in "
        "UTC: the month's minutes, the minutes touched by an outage of its incidents (`impact` outage "
        "only; degraded is up; overlapping incidents count once; an outage still going on counts up to "
        "now), availability in per cent rounded down to 3 decimals, the commitment of its plan (by "
        "default 99.9 % standard, 99.95 % premium), whether it was met, and the credit owed: below the "
        "commitment 10 % of the monthly fee, below 99.0 % 25 %, below 95.0 % 100 % by default (managers "
        "edit the credit rules in the admin). Without `month`, the last complete month; the current "
        "month gives the month to date (`final` false), its minutes still the whole month's. The same "
        "figures as CSV: `/reports/availability.csv?month=`. Managers only.",
        parameters=[AvailabilityQuery],
        responses={200: MonthAvailabilitySerializer, **errors(*READ)},
        examples=[ex.example("June", ex.AVAILABILITY, status=200)],
    )
    def get(self, request):
        now = timezone.now()
        query = self.query(AvailabilityQuery, now=now)
        report = availability_list_for_month(
            month=query.first_day(), now=now, customer_id=query.validated_data.get("customer")
        )
        return Response(MonthAvailabilitySerializer(report).data)


class CoverageView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Coverage of the roster",
        description="For each hour of a week, how many active engineers are on shift (each in their own "
        "timezone), in the zone asked for and in UTC; and the gaps, when a 24x7 promise (any major "
        "ticket, any premium ticket) would reach nobody: nobody on shift and no active on-call engineer "
        "to page. `on_call_without_phone` names on-call engineers a page cannot reach. Managers only.",
        parameters=[CoverageQuery],
        responses={200: CoverageSerializer, **errors(*READ)},
        examples=[ex.example("A week in Berlin", ex.COVERAGE, status=200)],
    )
    def get(self, request):
        now = timezone.now()
        query = self.query(CoverageQuery).validated_data
        zone = query.get("timezone") or manager_zone_get(request.user)
        day = query.get("week") or timezone.localdate(now, zone)
        return Response(CoverageSerializer(coverage_get(zone=zone, day=day)).data)


class LedgerIntegrityView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Does the SLA ledger verify?",
        description="Walks the ledger's hash chain (every row's SHA-256 over its fields and the previous "
        "row's hash; no gaps in the sequence; the head agrees with the last row). The result is kept "
        "for up to five minutes; `refresh=true` asks for a new walk. A ledger of more than 20,000 rows "
        "is walked by the worker: the previous result comes back with `walking: true` meanwhile. "
        "Managers only.",
        parameters=[IntegrityQuery],
        responses={200: LedgerIntegritySerializer, **errors(*READ)},
        examples=[ex.example("Verified", ex.INTEGRITY, status=200)],
    )
    def get(self, request):
        query = self.query(IntegrityQuery).validated_data
        integrity = ledger_integrity_get(now=timezone.now(), refresh=query["refresh"])
        return Response(LedgerIntegritySerializer(integrity).data)


class SatisfactionReportView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        summary="Customer satisfaction",
        description="The requesters' ratings (good or bad) of the resolutions in the period: in total and "
        "per engineer (the assignee at resolution), customer, severity and local week (Monday first, ISO "
        "numbering), each with `good`, `bad`, `rated` and `rate` (per cent good), and the newest 50 "
        "comments (`comments_total` counts them all). `severity`, `plan`, `customer`, `engineer` and "
        "`region` narrow the ratings as they narrow the SLA report. The period is on the instants the "
        "rated cycles were resolved: `from` inclusive, `to` exclusive; a day (YYYY-MM-DD) means its local "
        "midnight in `timezone` (for `to`, the end of that day). Default: the last 30 days up to now, in "
        "the manager's zone. Managers only.",
        parameters=[SatisfactionQuery],
        responses={200: SatisfactionSerializer, **errors(*READ)},
        examples=[ex.example("June in Berlin", ex.SATISFACTION, status=200)],
    )
    def get(self, request):
        query = self.query(SatisfactionQuery, now=timezone.now())
        filters = query.report_filters()
        report = satisfaction_report_get(period=filters.period, filters=filters)
        return Response(SatisfactionSerializer(report).data)
