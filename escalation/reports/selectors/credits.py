"""Service credits of one month, per customer, from the decided cycles and each plan's terms."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    Count,
    Q,
)

from escalation.reports.credits import DEFAULT_TERMS, Credit, CreditTerms, credit_for
from escalation.reports.periods import Period, month_is_final, month_period
from escalation.reports.selectors.filters import FIRST_RESPONSE, ReportFilters, decided_cycles
from tickets.models import CreditRule, Severity

# --- service credits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerCredit:
    customer_id: int
    name: str
    plan: str
    monthly_fee: object  # Decimal
    currency: str
    terms: CreditTerms
    credit: Credit


@dataclass(frozen=True)
class MonthCredits:
    month: date  # the first day
    period: Period
    final: bool  # the month has ended: these are the credits billed; else the month to date
    terms: dict[str, CreditTerms]  # by plan
    customers: list[CustomerCredit] = field(default_factory=list)


def credit_terms_by_plan() -> dict[str, CreditTerms]:
    return {
        rule.plan: CreditTerms(
            major_first_response_percent=rule.major_first_response_percent,
            other_breach_percent=rule.other_breach_percent,
            cap_percent=rule.cap_percent,
        )
        for rule in CreditRule.objects.all()
    }


def credit_list_for_month(*, month: date, now: datetime, customer_id: int | None = None) -> MonthCredits:
    """Per customer with a breach in the calendar month (UTC) (or the one asked for, if it had one): the
    breaches the rule of their plan counts and the credit they are owed; not final while the month runs
    at `now`. Two queries: the counts per customer, and the rules."""
    period = month_period(month)
    major_first_response = Q(severity=Severity.MAJOR, metric=FIRST_RESPONSE)
    rows = (
        decided_cycles(ReportFilters(period=period, customer_id=customer_id))
        .filter(met=False, customer__isnull=False)
        .values(
            "customer_id",
            "customer__name",
            "customer__plan",
            "customer__monthly_fee",
            "customer__currency",
        )
        .annotate(
            n_major_first_response=Count("pk", filter=major_first_response),
            n_other=Count("pk", filter=~major_first_response),
        )
        .order_by("customer__name")
    )
    terms = credit_terms_by_plan()
    customers = []
    for row in rows:
        plan_terms = terms.get(row["customer__plan"], DEFAULT_TERMS)
        customers.append(
            CustomerCredit(
                customer_id=row["customer_id"],
                name=row["customer__name"],
                plan=row["customer__plan"],
                monthly_fee=row["customer__monthly_fee"],
                currency=row["customer__currency"],
                terms=plan_terms,
                credit=credit_for(
                    major_first_response_breaches=row["n_major_first_response"],
                    other_breaches=row["n_other"],
                    terms=plan_terms,
                    monthly_fee=row["customer__monthly_fee"],
                ),
            )
        )
    return MonthCredits(
        month=period.start.date(),
        period=period,
        final=month_is_final(month, now),
        terms=terms,
        customers=customers,
    )
