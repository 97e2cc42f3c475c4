"""Availability of one calendar month (UTC) per customer: the outage windows of the incidents that
affect it, against its plan's commitment and credit table (`escalation/reports/availability.py` holds
the rules). Four queries whatever the number of customers and incidents: the customers, the outage
windows overlapping the month up to now, the credit rules, their tiers."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch, Q

from escalation.incidents.models import Impact, IncidentCustomer
from escalation.reports.availability import (
    DEFAULT_TERMS,
    Availability,
    AvailabilityTerms,
    CreditTier,
    Window,
    availability_for,
    clip,
)
from escalation.reports.periods import Period, month_is_final, month_period
from tickets.models import AvailabilityCreditTier, CreditRule, Customer, Plan


@dataclass(frozen=True)
class CustomerAvailability:
    customer_id: int
    name: str
    plan: str
    monthly_fee: Decimal
    currency: str
    incidents: list[int]  # the outage incidents whose window falls in the month (up to now), oldest first
    availability: Availability


@dataclass(frozen=True)
class MonthAvailability:
    month: date  # the first day
    period: Period
    final: bool  # the month has ended at `now`; else the month to date
    terms: dict[str, AvailabilityTerms]  # by plan
    customers: list[CustomerAvailability] = field(default_factory=list)


def availability_terms_by_plan() -> dict[str, AvailabilityTerms]:
    """Each plan's commitment and credit table as edited (two queries); a plan without a rule gets
    today's defaults."""
    tiers = AvailabilityCreditTier.objects.order_by("-below_percent")
    rules = CreditRule.objects.prefetch_related(Prefetch("availability_tiers", queryset=tiers))
    terms = {plan: DEFAULT_TERMS[plan] for plan in Plan.values}
    for rule in rules:
        terms[rule.plan] = AvailabilityTerms(
            commitment_percent=rule.availability_commitment_percent,
            missed_credit_percent=rule.availability_credit_percent,
            tiers=tuple(CreditTier(t.below_percent, t.credit_percent) for t in rule.availability_tiers.all()),
        )
    return terms


def _outage_windows(*, period: Period, now: datetime, customer_id: int | None) -> dict[int, list]:
    """(incident id, window) per customer, for outage incidents overlapping `[start, min(end, now))`."""
    links = IncidentCustomer.objects.filter(
        Q(incident__impact_ended_at__isnull=True) | Q(incident__impact_ended_at__gt=period.start),
        incident__impact=Impact.OUTAGE,
        incident__started_at__lt=min(period.end, now),
    )
    if customer_id is not None:
        links = links.filter(customer_id=customer_id)
    rows = links.order_by("customer_id", "incident__started_at", "incident_id").values_list(
        "customer_id", "incident_id", "incident__started_at", "incident__impact_ended_at"
    )
    windows = defaultdict(list)
    for customer, incident, started_at, ended_at in rows:
        windows[customer].append((incident, Window(started_at, ended_at)))
    return windows


def availability_list_for_month(
    *, month: date, now: datetime, customer_id: int | None = None
) -> MonthAvailability:
    """Every customer (or the one asked for), by name, with its month's availability and credit."""
    period = month_period(month)
    customers = Customer.objects.order_by("name", "id")
    if customer_id is not None:
        customers = customers.filter(pk=customer_id)
    customers = list(customers.values_list("id", "name", "plan", "monthly_fee", "currency"))
    windows = _outage_windows(period=period, now=now, customer_id=customer_id)
    terms = availability_terms_by_plan()
    start = period.start
    rows = []
    for pk, name, plan, fee, currency in customers:
        mine = windows.get(pk, [])
        rows.append(
            CustomerAvailability(
                customer_id=pk,
                name=name,
                plan=plan,
                monthly_fee=fee,
                currency=currency,
                incidents=[
                    incident
                    for incident, window in mine
                    if clip(window, start=start, end=period.end, now=now) is not None
                ],
                availability=availability_for(
                    year=start.year,
                    month=start.month,
                    windows=[window for _, window in mine],
                    now=now,
                    terms=terms.get(plan, DEFAULT_TERMS[Plan.STANDARD]),
                    monthly_fee=fee,
                ),
            )
        )
    return MonthAvailability(
        month=start.date(), period=period, final=month_is_final(month, now), terms=terms, customers=rows
    )
