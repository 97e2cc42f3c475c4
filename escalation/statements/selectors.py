"""Reads of statements: a customer's months, one month's statement, and the month's figures a new
statement freezes (read with the reports' own selectors, so a statement says what the reports say)."""

from datetime import date, datetime, timedelta

from escalation.reports.credits import DEFAULT_TERMS as DEFAULT_CREDIT_TERMS
from escalation.reports.credits import credit_for
from escalation.reports.periods import Period, month_period
from escalation.reports.selectors.availability import CustomerAvailability, availability_list_for_month
from escalation.reports.selectors.credits import MonthCredits, credit_list_for_month
from escalation.reports.selectors.exports import ledger_list_for_export
from escalation.reports.selectors.filters import ReportFilters
from escalation.reports.selectors.sla_report import sla_totals_by_metric
from escalation.statements.models import Statement
from tickets.models import REFERENCE_OFFSET, REFERENCE_PREFIX, Customer

ROW_FIELDS = (
    "seq", "hash", "ticket_id", "metric", "cycle", "kind", "severity", "started_at", "due_at",
    "achieved_at", "target", "elapsed", "met",
)  # fmt: skip


def statement_list(*, customer_id: int) -> list[Statement]:
    """The customer's statements, the latest month first, without their bodies (one query)."""
    return list(Statement.objects.filter(customer_id=customer_id).defer("body").order_by("-month"))


def statement_get(*, customer_id: int, month: date) -> Statement | None:
    """The customer's statement of the month (one query), or None."""
    return Statement.objects.filter(customer_id=customer_id, month=month).first()


def customers_without_statement(*, month: date) -> list[Customer]:
    """Every customer that has no statement of `month` yet, by id (one query). A customer added after
    the month gets one too if asked (a backfill): it lists no rows and still carries the checkpoint."""
    made = Statement.objects.filter(month=month).values("customer_id")
    return list(Customer.objects.exclude(pk__in=made).order_by("pk"))


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(span: timedelta) -> int:
    return round(span.total_seconds())


def _percent(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def statement_rows(*, customer_id: int, period: Period) -> list[dict]:
    """Every ledger row of the customer due in the period (both kinds), in chain order: references and
    times only, no person (one query, the reports' ledger export)."""
    rows = ledger_list_for_export(filters=ReportFilters(period=period, customer_id=customer_id))
    return [
        {
            "seq": row["seq"],
            "hash": row["hash"],
            "ticket": f"{REFERENCE_PREFIX}{row['ticket_id'] + REFERENCE_OFFSET}",
            "metric": row["metric"],
            "cycle": row["cycle"],
            "kind": row["kind"],
            "severity": row["severity"],
            "started_at": _instant(row["started_at"]),
            "due_at": _instant(row["due_at"]),
            "achieved_at": _instant(row["achieved_at"]),
            "target_seconds": _seconds(row["target"]),
            "elapsed_seconds": _seconds(row["elapsed"]),
            "met": row["met"],
        }
        for row in rows.values(*ROW_FIELDS)
    ]


def statement_totals(*, customer_id: int, period: Period) -> dict[str, dict]:
    """Decided cycles met and breached, and compliance, per metric and `all` (the report's counts)."""
    return {
        totals.metric or "all": {
            "met": totals.met,
            "breached": totals.breached,
            "compliance": _percent(totals.compliance),
        }
        for totals in sla_totals_by_metric(filters=ReportFilters(period=period, customer_id=customer_id))
    }


def _credit(customer: Customer, credits: MonthCredits) -> dict:
    mine = next((c for c in credits.customers if c.customer_id == customer.pk), None)
    if mine is not None:
        credit = mine.credit
    else:  # no breach counted: the same rule gives nothing
        terms = credits.terms.get(customer.plan, DEFAULT_CREDIT_TERMS)
        credit = credit_for(
            major_first_response_breaches=0, other_breaches=0, terms=terms, monthly_fee=customer.monthly_fee
        )
    return {
        "currency": customer.currency,
        "monthly_fee": str(customer.monthly_fee),
        "major_first_response_breaches": credit.major_first_response_breaches,
        "other_breaches": credit.other_breaches,
        "percent": str(credit.percent),
        "capped": credit.capped,
        "amount": str(credit.amount),
    }


def _availability(row: CustomerAvailability | None) -> dict | None:
    if row is None:
        return None
    figures = row.availability
    return {
        "minutes": figures.minutes,
        "downtime_minutes": figures.downtime_minutes,
        "percent": str(figures.availability),
        "commitment_percent": str(figures.commitment),
        "met": figures.met,
        "credit_percent": str(figures.credit_percent),
        "credit_amount": str(figures.credit_amount),
        "currency": row.currency,
    }


class MonthFigures:
    """The month-wide reads a run of statements shares: credits and availability of every customer
    (the reports' selectors, six queries), then per customer its rows and totals (two queries)."""

    def __init__(self, *, month: date, now: datetime) -> None:
        self.period = month_period(month)
        self.credits = credit_list_for_month(month=month, now=now)
        availability = availability_list_for_month(month=month, now=now)
        self.availability = {row.customer_id: row for row in availability.customers}

    def for_customer(self, customer: Customer) -> dict:
        return {
            "rows": statement_rows(customer_id=customer.pk, period=self.period),
            "totals": statement_totals(customer_id=customer.pk, period=self.period),
            "credits": _credit(customer, self.credits),
            "availability": _availability(self.availability.get(customer.pk)),
        }
