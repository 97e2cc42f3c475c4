"""Service credits: what a customer is owed for the promises broken in a month. Pure: no ORM.

The rule is data (`tickets.CreditRule`, one per plan, edited by managers in the admin): a percentage of
the monthly fee for each breached first response of a major ticket, another for every other breached
metric cycle, and a cap. Amounts are rounded half up to the cent.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class CreditTerms:
    major_first_response_percent: Decimal
    other_breach_percent: Decimal
    cap_percent: Decimal


DEFAULT_TERMS = CreditTerms(
    major_first_response_percent=Decimal("5"), other_breach_percent=Decimal("2"), cap_percent=Decimal("30")
)


@dataclass(frozen=True)
class Credit:
    major_first_response_breaches: int
    other_breaches: int
    uncapped_percent: Decimal
    percent: Decimal
    amount: Decimal

    @property
    def capped(self) -> bool:
        return self.uncapped_percent > self.percent

    @property
    def breaches(self) -> int:
        return self.major_first_response_breaches + self.other_breaches


def credit_for(
    *, major_first_response_breaches: int, other_breaches: int, terms: CreditTerms, monthly_fee: Decimal
) -> Credit:
    """The credit for one customer and month: percentages per breach, capped, applied to the fee."""
    if major_first_response_breaches < 0 or other_breaches < 0:
        raise ValueError("breach counts are never negative")
    if monthly_fee < 0:
        raise ValueError("a monthly fee is never negative")
    uncapped = (
        major_first_response_breaches * terms.major_first_response_percent
        + other_breaches * terms.other_breach_percent
    )
    percent = min(uncapped, terms.cap_percent)
    amount = (Decimal(monthly_fee) * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return Credit(
        major_first_response_breaches=major_first_response_breaches,
        other_breaches=other_breaches,
        uncapped_percent=uncapped,
        percent=percent,
        amount=amount,
    )
