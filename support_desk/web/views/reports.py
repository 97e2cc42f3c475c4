"""The managers' pages: the SLA report (grouped table, trends, breaches, service credits, the ledger's
integrity, customer satisfaction), the roster's coverage, and CSV downloads of the grouped table, the
breaches, the ledger and the month's availability.

Managers only (`manager_required`): anonymous visitors log in first, engineers get 403. The query
string is the API's, read by `ReportForm`; the CSV links carry the instants the page resolved.
"""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from escalation.reports import exports
from escalation.reports.periods import month_last_complete
from escalation.reports.selectors.availability import availability_list_for_month
from escalation.reports.selectors.breaches import breach_list
from escalation.reports.selectors.coverage import coverage_get
from escalation.reports.selectors.credits import credit_list_for_month
from escalation.reports.selectors.exports import ledger_list_for_export
from escalation.reports.selectors.filters import report_filter_options
from escalation.reports.selectors.satisfaction import satisfaction_report_get
from escalation.reports.selectors.sla_report import sla_report_get
from escalation.reports.selectors.storms import storm_list
from escalation.reports.selectors.trends import sla_trends_get
from escalation.roster.coverage import describe_interval
from escalation.roster.selectors import manager_zone_get
from escalation.sla.integrity import ledger_integrity_get

from ..permissions import manager_required
from ..presenters import compact_duration
from ..report_charts import breach_lines, coverage_rows, heatmap_rows, row_text, trend_chart
from ..report_forms import AvailabilityForm, CoverageForm, ReportForm, ReportRequest

BREACHES_PER_PAGE = 25
EXPORT_CHUNK_ROWS = 2000


def _query(request: ReportRequest, **extra) -> str:
    """The query string that names exactly this report: resolved instants, filters, and `extra`."""
    period = request.filters.period
    values = {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "severity": request.filters.severity,
        "plan": request.filters.plan,
        "customer": request.filters.customer_id,
        "engineer": request.filters.engineer,
        "region": request.filters.region,
        "timezone": period.zone.key,
        "group_by": request.group_by,
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _page_link(request: HttpRequest, number: int) -> str:
    params = request.GET.copy()
    params["page"] = number
    return f"?{params.urlencode()}"


def _report_context(request: HttpRequest, asked: ReportRequest, now: datetime) -> dict:
    filters = asked.filters
    report = sla_report_get(filters=filters, group_by=asked.group_by)
    trends = sla_trends_get(filters=filters, interval=asked.interval)
    breaches = Paginator(breach_list(filters=filters, now=now), BREACHES_PER_PAGE).get_page(asked.page)
    query = _query(asked)
    satisfaction = satisfaction_report_get(period=filters.period, filters=filters)
    period = filters.period
    satisfaction_query = urlencode(
        {
            key: value
            for key, value in {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "timezone": period.zone.key,
                "severity": filters.severity,
                "plan": filters.plan,
                "customer": filters.customer_id,
                "engineer": filters.engineer,
                "region": filters.region,
            }.items()
            if value not in (None, "")
        }
    )
    return {
        "satisfaction": satisfaction,
        "satisfaction_groups": [
            ("engineer", satisfaction.engineer, "engineer"),
            ("customer", satisfaction.customer, "customer"),
            ("severity", satisfaction.severity, "severity"),
            ("week", satisfaction.week, "week"),
        ],
        "satisfaction_api_url": f"{reverse('api:satisfaction')}?{satisfaction_query}",
        "report": report,
        "rows": [(row, row_text(row)) for row in report.groups],
        "total_text": row_text(report.total),
        "trends": trends,
        "chart": trend_chart(trends.points, trends.interval),
        "heatmap": heatmap_rows(trends.heatmap),
        "breaches": breaches,
        "breach_lines": breach_lines(breaches.object_list),
        "storms": storm_list(filters=filters),
        "previous_url": _page_link(request, breaches.previous_page_number())
        if breaches.has_previous()
        else "",
        "next_url": _page_link(request, breaches.next_page_number()) if breaches.has_next() else "",
        "credits": credit_list_for_month(month=asked.month, now=now),
        "credits_to_date": credit_list_for_month(month=asked.month_to_date, now=now)
        if asked.month_to_date
        else None,
        "availability": availability_list_for_month(month=asked.month, now=now),
        "integrity": ledger_integrity_get(now=now),
        "csv": {
            "groups": f"{reverse('web:report-groups-csv')}?{query}",
            "breaches": f"{reverse('web:report-breaches-csv')}?{query}",
            "ledger": f"{reverse('web:report-ledger-csv')}?{query}",
            "availability": f"{reverse('web:report-availability-csv')}?month={asked.month:%Y-%m}",
        },
        "api_url": f"{reverse('api:sla-report')}?{query}",
    }


@require_safe
@manager_required
def sla_report(request: HttpRequest) -> HttpResponse:
    """The SLA report for the period and filters in the query string (default: the last 30 days)."""
    now = timezone.now()
    zone = manager_zone_get(request.user)
    customers, engineers = report_filter_options()
    form = ReportForm(request.GET, zone=zone, now=now, customers=customers, engineers=engineers)
    context = {"form": form, "zone": zone, "now": now}
    if form.is_valid():
        asked = form.report_request()
        context |= {
            "asked": asked,
            "period": asked.filters.period,
            "zone": asked.filters.zone,
            **_report_context(request, asked, now),
        }
    return render(request, "web/reports/sla.html", context, status=200 if form.is_valid() else 400)


# --- CSV downloads --------------------------------------------------------------------------------


def _refused(form) -> HttpResponse:
    problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
    return HttpResponseBadRequest(
        f"The report parameters were refused: {problems}", content_type="text/plain"
    )


def _csv_request(request: HttpRequest, now: datetime) -> ReportRequest | HttpResponse:
    form = ReportForm(request.GET, zone=manager_zone_get(request.user), now=now)
    if not form.is_valid():
        return _refused(form)
    return form.report_request()


def _download(lines, name: str, asked: ReportRequest) -> StreamingHttpResponse:
    period = asked.filters.period
    filename = f"{name}-{period.local_start():%Y%m%d}-{period.last_local_day():%Y%m%d}.csv"
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@manager_required
def report_groups_csv(request: HttpRequest) -> HttpResponse:
    """The grouped table and its total, one line per group."""
    asked = _csv_request(request, timezone.now())
    if isinstance(asked, HttpResponse):
        return asked
    report = sla_report_get(filters=asked.filters, group_by=asked.group_by, with_voided=False)
    return _download(exports.report_csv(report), f"sla-report-by-{asked.group_by}", asked)


@require_safe
@manager_required
def report_breaches_csv(request: HttpRequest) -> HttpResponse:
    """Every breached metric cycle of the period, streamed from the database in chunks."""
    now = timezone.now()
    asked = _csv_request(request, now)
    if isinstance(asked, HttpResponse):
        return asked
    rows = breach_list(filters=asked.filters, now=now).iterator(chunk_size=EXPORT_CHUNK_ROWS)
    return _download(exports.breaches_csv(rows, asked.filters.zone), "sla-breaches", asked)


@require_safe
@manager_required
def report_ledger_csv(request: HttpRequest) -> HttpResponse:
    """The ledger rows due in the period, with every hashed field, the hash and the previous hash."""
    asked = _csv_request(request, timezone.now())
    if isinstance(asked, HttpResponse):
        return asked
    rows = ledger_list_for_export(filters=asked.filters).iterator(chunk_size=EXPORT_CHUNK_ROWS)
    return _download(exports.ledger_csv(rows), "sla-ledger", asked)


@require_safe
@manager_required
def report_availability_csv(request: HttpRequest) -> HttpResponse:
    """The month's availability and credits per customer, as `/api/v1/reports/availability/` gives them."""
    now = timezone.now()
    form = AvailabilityForm(request.GET)
    if not form.is_valid():
        return _refused(form)
    month = form.cleaned_data.get("month") or month_last_complete(now)
    report = availability_list_for_month(month=month, now=now, customer_id=form.cleaned_data.get("customer"))
    response = StreamingHttpResponse(exports.availability_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="availability-{month:%Y-%m}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- coverage -------------------------------------------------------------------------------------


@require_safe
@manager_required
def coverage(request: HttpRequest) -> HttpResponse:
    """The roster hour by hour for a week, in the manager's zone and in UTC, and its gaps."""
    now = timezone.now()
    zone = manager_zone_get(request.user)
    form = CoverageForm(request.GET)
    if not form.is_valid():
        return render(request, "web/reports/coverage.html", {"form": form, "zone": zone}, status=400)
    day = form.cleaned_data.get("week") or timezone.localdate(now, zone)
    weeks = coverage_get(zone=zone, day=day)
    monday = weeks.local.monday
    return render(
        request,
        "web/reports/coverage.html",
        {
            "form": form,
            "zone": zone,
            "now": now,
            "coverage": weeks,
            "grids": [
                (f"Week of {monday:%a %d %b %Y}", zone.key, coverage_rows(weeks.local), "coverage-local"),
                *(
                    [("The same week in UTC", "UTC", coverage_rows(weeks.utc), "coverage-utc")]
                    if zone.key != "UTC"
                    else []
                ),
            ],
            "gap_texts": [describe_interval(gap, zone) for gap in weeks.local.gaps],
            "gap_total": compact_duration(weeks.local.gap_total),
            "previous_url": f"?week={monday - timedelta(days=7):%Y-%m-%d}",
            "next_url": f"?week={monday + timedelta(days=7):%Y-%m-%d}",
            "hours": range(24),
        },
    )
