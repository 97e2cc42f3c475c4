"""Customers and their email domains."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db import transaction

from ..models import (
    Customer,
    CustomerDomain,
    Plan,
    new_statement_token,
)

# --- Customers ------------------------------------------------------------------------------------

_domain_name = DomainNameValidator(accept_idna=False)


def normalize_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def _customer_domains(domains: list[str], customer: Customer | None) -> list[str]:
    """`domains` normalised and de-duplicated; ValidationError naming each one that is invalid or taken."""
    errors, cleaned = [], []
    for raw in domains:
        domain = normalize_domain(raw)
        try:
            _domain_name(domain)
        except ValidationError:
            errors.append(f"{raw!r} is not a domain name (write international names in their xn-- form).")
            continue
        if domain not in cleaned:
            cleaned.append(domain)
    taken = CustomerDomain.objects.filter(domain__in=cleaned).select_related("customer")
    if customer is not None:
        taken = taken.exclude(customer=customer)
    errors += [f"{row.domain} already belongs to {row.customer.name}." for row in taken]
    if errors:
        raise ValidationError({"email_domains": errors})
    return cleaned


def _customer_name(name: str, customer: Customer | None) -> str:
    others = Customer.objects.filter(name=name)
    if customer is not None:
        others = others.exclude(pk=customer.pk)
    if others.exists():
        raise ValidationError({"name": [f"A customer called {name!r} already exists."]})
    return name


@transaction.atomic
def customer_create(
    *,
    name: str,
    plan: str = Plan.STANDARD,
    timezone: ZoneInfo | None = None,
    email_domains: list[str] = (),
    monthly_fee: Decimal = Decimal(0),
    currency: str = "USD",
) -> Customer:
    """A customer whose requesters (by email domain) file under `plan`; tickets filed earlier keep theirs."""
    customer = Customer.objects.create(
        name=_customer_name(name, None),
        plan=plan,
        timezone=timezone or ZoneInfo("UTC"),
        monthly_fee=monthly_fee,
        currency=currency,
    )
    domains = _customer_domains(list(email_domains), None)
    CustomerDomain.objects.bulk_create(CustomerDomain(customer=customer, domain=domain) for domain in domains)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name: str | None = None,
    plan: str | None = None,
    timezone: ZoneInfo | None = None,
    email_domains: list[str] | None = None,
    monthly_fee: Decimal | None = None,
    currency: str | None = None,
) -> Customer:
    """Change what is given; `email_domains` replaces the whole list. A new plan applies to new tickets."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if name is not None:
        customer.name = _customer_name(name, customer)
    if plan is not None:
        customer.plan = plan
    if timezone is not None:
        customer.timezone = timezone
    if monthly_fee is not None:
        customer.monthly_fee = monthly_fee
    if currency is not None:
        customer.currency = currency
    customer.save()
    if email_domains is not None:
        domains = _customer_domains(email_domains, customer)
        customer.domains.exclude(domain__in=domains).delete()
        existing = set(customer.domains.values_list("domain", flat=True))
        CustomerDomain.objects.bulk_create(
            CustomerDomain(customer=customer, domain=domain) for domain in domains if domain not in existing
        )
    return customer


def customer_statement_link_rotate(*, customer_id: int) -> Customer | None:
    """Give the customer a new statement link key: the old link stops working at once. None when there
    is no such customer."""
    token = new_statement_token()
    if not Customer.objects.filter(pk=customer_id).update(statement_token=token):
        return None
    return Customer.objects.prefetch_related("domains").get(pk=customer_id)
