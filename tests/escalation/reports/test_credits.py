"""The service-credit rule: percentages per breach, a cap, amounts to the cent. Pure, and the rule as data."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation.reports.credits import DEFAULT_TERMS, CreditTerms, credit_for
from tickets.models import CreditRule, Plan

pytestmark = pytest.mark.clock

D = Decimal


@pytest.mark.parametrize(
    ("major", "other", "fee", "percent", "amount", "capped"),
    [
        (0, 0, D("1000"), D("0"), D("0.00"), False),
        (1, 0, D("1000"), D("5"), D("50.00"), False),
        (0, 1, D("1000"), D("2"), D("20.00"), False),
        (2, 3, D("999.99"), D("16"), D("160.00"), False),  # 159.9984 rounds half up to the cent
        (6, 0, D("1000"), D("30"), D("300.00"), False),  # exactly at the cap
        (6, 1, D("1000"), D("30"), D("300.00"), True),
        (0, 40, D("120.50"), D("30"), D("36.15"), True),
        (3, 0, D("0"), D("15"), D("0.00"), False),  # no fee, no money
        (1, 0, D("0.10"), D("5"), D("0.01"), False),  # 0.005 rounds half up
    ],
)
def test_the_default_rule(major, other, fee, percent, amount, capped):
    credit = credit_for(
        major_first_response_breaches=major, other_breaches=other, terms=DEFAULT_TERMS, monthly_fee=fee
    )
    assert (credit.percent, credit.amount, credit.capped, credit.breaches) == (
        percent,
        amount,
        capped,
        major + other,
    )


@given(
    major=st.integers(0, 50),
    other=st.integers(0, 50),
    fee=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    major_percent=st.decimals(min_value=0, max_value=100, places=2),
    other_percent=st.decimals(min_value=0, max_value=100, places=2),
    cap=st.decimals(min_value=0, max_value=100, places=2),
)
def test_a_credit_never_exceeds_the_cap_or_the_fee_and_grows_with_breaches(
    major, other, fee, major_percent, other_percent, cap
):
    terms = CreditTerms(major_percent, other_percent, cap)
    credit = credit_for(
        major_first_response_breaches=major, other_breaches=other, terms=terms, monthly_fee=fee
    )
    assert D(0) <= credit.percent <= cap
    assert D(0) <= credit.amount <= fee
    more = credit_for(
        major_first_response_breaches=major + 1, other_breaches=other, terms=terms, monthly_fee=fee
    )
    assert more.amount >= credit.amount


def test_negative_counts_or_fees_are_refused():
    with pytest.raises(ValueError, match="never negative"):
        credit_for(major_first_response_breaches=-1, other_breaches=0, terms=DEFAULT_TERMS, monthly_fee=D(1))
    with pytest.raises(ValueError, match="never negative"):
        credit_for(major_first_response_breaches=0, other_breaches=0, terms=DEFAULT_TERMS, monthly_fee=D(-1))


@pytest.mark.django_db
def test_every_plan_starts_with_the_default_rule():
    rules = {
        rule.plan: CreditTerms(rule.major_first_response_percent, rule.other_breach_percent, rule.cap_percent)
        for rule in CreditRule.objects.all()
    }
    assert rules == {Plan.STANDARD: DEFAULT_TERMS, Plan.PREMIUM: DEFAULT_TERMS}
    fresh = CreditRule()  # the model's defaults are the pure module's
    assert CreditTerms(fresh.major_first_response_percent, fresh.other_breach_percent, fresh.cap_percent) == (
        DEFAULT_TERMS
    )
