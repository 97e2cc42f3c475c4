"""The forms of the manager's report pages: GET parameters in, what the selectors take out.

The parameters are the API's (`from`, `to`, `severity`, `plan`, `customer`, `engineer`, `region`,
`timezone`, `group_by`, `interval`), so a report page, its CSV downloads and `/api/v1/reports/sla/`
read the same query string the same way. `from` and `to` take a day (read in the manager's zone, or
`timezone`; `to` is inclusive) or an ISO 8601 instant (the CSV links carry the instants the page
resolved, so a download made later still covers exactly the period shown).
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytz
from django import forms
from django.utils.dateparse import parse_datetime

from escalation.models import Region
from escalation.reports.periods import (
    Period,
    PeriodError,
    credit_month_for,
    default_interval,
    month_current,
    month_period,
    period_resolve,
)
from escalation.reports.selectors.filters import INTERVALS, REPORT_GROUPS, ReportFilters
from tickets.models import Plan, Severity

EARLIEST = date(1970, 1, 1)
LATEST = date(2199, 12, 31)
GROUP_WORDS = {
    "severity": "Severity",
    "plan": "Plan",
    "customer": "Customer",
    "engineer": "Engineer",
    "region": "Region",
}


class PeriodBoundField(forms.CharField):
    """A day (`YYYY-MM-DD`) or an ISO 8601 instant with its offset."""

    default_error_messages = {
        "invalid": "Enter a day such as 2025-06-01.",
        "range": "Enter a day between 1970 and 2199.",
    }

    def to_python(self, value) -> date | datetime | None:
        value = super().to_python(value).strip()
        if not value:
            return None
        try:
            if len(value) == 10:
                parsed = date.fromisoformat(value)
                day = parsed
            else:
                parsed = parse_datetime(value)
                if parsed is None or parsed.tzinfo is None:
                    raise ValueError(value)
                day = parsed.date()
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return parsed


def _zone_names() -> list[str]:
    """The zones offered: pytz's curated list of common ones, which zoneinfo reads too."""
    return list(pytz.common_timezones)


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


@dataclass(frozen=True)
class ReportRequest:
    filters: ReportFilters
    group_by: str
    interval: str
    month: date  # the service credits shown: the month asked for, else the last complete one (UTC)
    month_to_date: date | None  # the running month, shown beside it (not final) while the report reaches it
    page: str | None


class ReportForm(forms.Form):
    """The report's filters. Built with the customers and engineers to offer, and the manager's zone."""

    severity = forms.ChoiceField(required=False)
    plan = forms.ChoiceField(required=False)
    # Validated as values, not against the lists offered: a CSV download reads them without the lists.
    customer = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.Select)
    engineer = forms.CharField(required=False, max_length=150, widget=forms.Select)
    region = forms.ChoiceField(required=False)
    group_by = forms.ChoiceField(
        required=False, label="Group by", choices=[(key, GROUP_WORDS[key]) for key in REPORT_GROUPS]
    )
    interval = forms.ChoiceField(
        required=False, label="Chart per", choices=_any("Automatic", [(i, i.capitalize()) for i in INTERVALS])
    )
    timezone = forms.ChoiceField(required=False, label="Time zone")
    month = forms.DateField(
        required=False,
        label="Credits for",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text="A calendar month in UTC. Default: the last complete one.",
    )

    def __init__(self, data, *, zone: ZoneInfo, now: datetime, customers=(), engineers=()) -> None:
        super().__init__(data)
        self.zone, self.now = zone, now
        self.fields["from"] = PeriodBoundField(
            required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = PeriodBoundField(
            required=False, label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["severity"].choices = _any("Any severity", Severity.choices)
        self.fields["plan"].choices = _any("Any plan", Plan.choices)
        self.fields["region"].choices = _any("Any region", Region.choices)
        self.fields["timezone"].choices = _any(f"Mine ({zone.key})", [(name, name) for name in _zone_names()])
        self.fields["customer"].widget.choices = _any(
            "Any customer", [(str(c.pk), c.name) for c in customers]
        )
        self.fields["engineer"].widget.choices = _any(
            "Any engineer", [(e.user.get_username(), str(e)) for e in engineers]
        )
        self.order_fields(["from", "to", "severity", "plan", "customer", "engineer", "region", "group_by"])
        # The month picker offers months up to the running one (whose credits are not final yet).
        self.fields["month"].widget.attrs.update(min=f"{EARLIEST:%Y-%m}", max=f"{month_current(now):%Y-%m}")
        for name in ("from", "to"):
            # A date input shows the day of an instant the CSV links carry.
            value = self.data.get(name, "")
            if len(value) > 10:
                self.fields[name].widget.attrs["value"] = value[:10]

    def clean_month(self):
        month = self.cleaned_data.get("month")
        if month is not None and not EARLIEST <= month <= LATEST:
            raise forms.ValidationError("Choose a month between 1970 and 2199.")
        return month

    def clean(self):
        data = super().clean()
        if {"from", "to", "timezone"} & set(self._errors):
            return data
        zone = ZoneInfo(data["timezone"]) if data.get("timezone") else self.zone
        try:
            data["period"] = period_resolve(
                start=data.get("from"), end=data.get("to"), zone=zone, now=self.now
            )
        except PeriodError as refused:
            self.add_error(refused.field, str(refused))
            return data
        if "month" not in self._errors:
            data["credit_month"] = data.get("month") or credit_month_for(data["period"], self.now)
            self._show_values_in_force(data["period"], data["credit_month"])
        return data

    def _show_values_in_force(self, period: Period, month: date) -> None:
        """Boxes left empty show what the report uses instead: the days of the default period (the last
        30 days) in its zone, and the month of the credits shown."""
        shown = {
            "from": period.local_start().date().isoformat(),
            "to": period.last_local_day().isoformat(),
            "month": f"{month:%Y-%m}",
        }
        for name, value in shown.items():
            if not self.data.get(name):
                self.fields[name].widget.attrs["value"] = value

    def report_request(self) -> ReportRequest:
        data = self.cleaned_data
        period = data["period"]
        filters = ReportFilters(
            period=period,
            severity=data.get("severity") or None,
            plan=data.get("plan") or None,
            customer_id=data.get("customer"),
            engineer=data.get("engineer") or None,
            region=data.get("region") or None,
        )
        month = data["credit_month"]
        running = month_current(self.now)
        reaches_running = period.end > month_period(running).start
        return ReportRequest(
            filters=filters,
            group_by=data.get("group_by") or "severity",
            interval=data.get("interval") or default_interval(period),
            month=month,
            month_to_date=running if month != running and reaches_running else None,
            page=self.data.get("page"),
        )


class CoverageForm(forms.Form):
    week = forms.DateField(
        required=False,
        label="Week of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Any day of the week to show.",
    )

    def clean_week(self):
        day = self.cleaned_data.get("week")
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError("Choose a week between 1970 and 2199.")
        return day


class AvailabilityForm(forms.Form):
    """The availability download's parameters, the API's: `month` (YYYY-MM, UTC) and `customer` (an id)."""

    month = forms.DateField(required=False, input_formats=["%Y-%m"])
    customer = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def clean_month(self):
        month = self.cleaned_data.get("month")
        if month is not None and not EARLIEST <= month <= LATEST:
            raise forms.ValidationError("Choose a month between 1970 and 2199.")
        return month
